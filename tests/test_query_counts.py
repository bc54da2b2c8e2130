"""Lists load in a fixed number of queries, whatever the number of rows."""

from __future__ import annotations

import pytest
from sqlalchemy import insert, select

from lms.extensions import db
from lms.people.models import UnitMembership, User, UserRole
from lms.units import services as units
from lms.units.models import Unit
from tests.support import login


def add_units(parent: Unit, count: int) -> list[Unit]:
    db.session.execute(
        insert(Unit),
        [
            {
                "code": f"{parent.code}-U{i}",
                "name": f"Đơn vị {i}",
                "kind": "other",
                "parent_id": parent.id,
            }
            for i in range(count)
        ],
    )
    units.rebuild_closure()
    db.session.commit()
    return list(db.session.scalars(select(Unit).where(Unit.parent_id == parent.id)))


def add_people(unit_list: list[Unit], count: int, prefix: str) -> None:
    db.session.execute(
        insert(User),
        [
            {
                "username": f"{prefix}{i}",
                "full_name": f"Cán bộ Số {i}",
                "search_key": f"can bo so {i} {prefix}{i}",
                "unit_id": unit_list[i % len(unit_list)].id,
                "password_hash": "x",
                "rank": "Hạ sĩ",
                "position": "Chiến sĩ",
            }
            for i in range(count)
        ],
    )
    ids = db.session.scalars(select(User.id).where(User.username.like(f"{prefix}%"))).all()
    db.session.execute(insert(UserRole), [{"user_id": i, "role": "cadre"} for i in ids])
    db.session.execute(
        insert(UnitMembership),
        [
            {"user_id": user_id, "unit_id": unit_list[n % len(unit_list)].id}
            for n, user_id in enumerate(ids)
        ],
    )
    db.session.commit()


def queries_for(client, count_queries, url: str) -> int:
    with count_queries() as counter:
        response = client.get(url)
    assert response.status_code == 200
    return counter.count


@pytest.mark.parametrize(
    "url",
    [
        "/people/",
        "/people/?q=can+bo&role=cadre",
        "/people/?unit=HS",
        "/units/",
        "/units/HS",
        "/audit/",
    ],
)
def test_pages_use_the_same_number_of_queries_for_10_and_1000_rows(
    client, people, province, count_queries, url
):
    login(client, "quantri")
    add_people(add_units(province["HS"], 10), 10, "few")
    small = queries_for(client, count_queries, url)
    add_people(add_units(province["HS-01"], 990), 990, "many")
    large = queries_for(client, count_queries, url)
    assert small == large, f"{url}: {small} queries for 10 rows, {large} for 1,000"
    assert large <= 10, f"{url} uses {large} queries"
