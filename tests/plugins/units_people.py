"""Units and people: the factories, the small province tree, one account per role, signing in
as one of them, and bulk rows for tests that need many."""

from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import insert, select

from lms.extensions import db
from lms.people.models import UnitMembership, User, UserRole
from lms.units import services as units
from lms.units.models import Unit
from tests.support import TEST_PASSWORD, login


@pytest.fixture
def make_unit():
    def make(
        code: str, parent: Any = None, name: str | None = None, kind: str = "other", **kwargs: Any
    ):
        unit = units.create_unit(
            code=code, name=name or f"Đơn vị {code}", kind=kind, parent=parent, actor=None, **kwargs
        )
        db.session.commit()
        return unit

    return make


@pytest.fixture
def make_user():
    from lms.people import services as people

    def make(
        username: str,
        roles: tuple[str, ...] = ("cadre",),
        unit: Any = None,
        full_name: str | None = None,
        password: str = TEST_PASSWORD,
        **kwargs: Any,
    ):
        user, _temporary = people.create_user(
            username=username,
            full_name=full_name or f"Người dùng {username}",
            unit=unit,
            roles=set(roles),
            password=password,
            actor=None,
            **kwargs,
        )
        db.session.commit()
        return user

    return make


@pytest.fixture
def province(make_unit):
    """A small tree: HT > (BCHQS > (HS > HS-01, HK), BDBP > DBP-CT)."""
    root = make_unit("HT", name="Tỉnh Hà Tĩnh", kind="province")
    bchqs = make_unit("BCHQS", root, name="Bộ Chỉ huy Quân sự tỉnh", kind="military_command")
    hs = make_unit("HS", bchqs, name="Ban CHQS huyện Hương Sơn", kind="district_command")
    hs01 = make_unit("HS-01", hs, name="Ban CHQS xã Sơn Kim 1", kind="commune_command")
    hk = make_unit("HK", bchqs, name="Ban CHQS huyện Hương Khê", kind="district_command")
    bdbp = make_unit("BDBP", root, name="Bộ Chỉ huy BĐBP tỉnh", kind="border_command")
    post = make_unit("DBP-CT", bdbp, name="Đồn Biên phòng Cầu Treo", kind="border_post")
    return {u.code: u for u in (root, bchqs, hs, hs01, hk, bdbp, post)}


@pytest.fixture
def people(province, make_user):
    """One account per role, placed in the province tree."""
    return {
        "admin": make_user("quantri", ("admin",), None, "Quản trị viên"),
        "trainer": make_user("giangvien", ("trainer",), province["BCHQS"], "Trần Minh Đức"),
        "commander": make_user("chihuy.hs", ("commander",), province["HS"], "Phạm Đức Long"),
        "cadre": make_user("hocvien", ("cadre",), province["HS-01"], "Nguyễn Văn An"),
        "border_cadre": make_user("hocvien.bp", ("cadre",), province["DBP-CT"], "Lê Thị Hà"),
    }


@pytest.fixture
def login_as(client: FlaskClient, people):
    def sign_in(role: str) -> FlaskClient:
        login(client, people[role].username)
        return client

    return sign_in


# ---- many rows at once -------------------------------------------------------------------------


def add_units(parent: Unit, count: int) -> list[Unit]:
    """``count`` units under ``parent`` (codes ``<parent>-U<i>``), inserted in one statement."""
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
    """``count`` cadres (usernames ``<prefix><i>``) spread over ``unit_list``, inserted in bulk."""
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
