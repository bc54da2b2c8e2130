"""Accounts: creation, changes with history, search without diacritics, scope."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from lms.audit.models import AuditEvent
from lms.errors import InvalidInput
from lms.extensions import db
from lms.people import services as accounts
from lms.people.models import UnitMembership
from lms.timeutil import utcnow
from tests.support import transfer


def usernames(query) -> list[str]:
    return [u.username for u in db.session.scalars(query)]


def test_create_records_membership_and_audit(province):
    user, temporary = accounts.create_user(
        username="  NguyenVanAn ",
        full_name=" Nguyễn  Văn An ",
        unit=province["HS-01"],
        roles={"cadre"},
        rank="Thiếu úy",
        position="Trợ lý dân vận",
        actor=None,
    )
    db.session.commit()
    assert user.username == "nguyenvanan" and user.full_name == "Nguyễn Văn An"
    assert temporary is not None and user.must_change_password
    assert user.search_key.startswith("nguyen van an")
    [membership] = accounts.membership_history(user)
    assert membership.unit_id == province["HS-01"].id and membership.ended_at is None
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "user.create"))
    assert event.after["unit"] == "HS-01" and event.after["roles"] == ["cadre"]


@pytest.mark.parametrize(
    "bad",
    [
        {"username": "có dấu"},
        {"username": "a"},
        {"full_name": "   "},
        {"roles": {"general"}},
        {"email": "not-an-address"},
        {"unit": None},
        {"password": "short"},
    ],
)
def test_create_refuses_bad_input(province, bad):
    values = {
        "username": "hopLe",
        "full_name": "Hợp Lệ",
        "unit": province["HS"],
        "roles": {"cadre"},
        "actor": None,
        **bad,
    }
    with pytest.raises(InvalidInput):
        accounts.create_user(**values)


def test_duplicate_username_is_refused(people):
    with pytest.raises(InvalidInput):
        accounts.create_user(
            username="HOCVIEN", full_name="Ai đó", unit=None, roles={"admin"}, actor=None
        )


def test_transfer_keeps_history(people, province):
    cadre = people["cadre"]
    transfer(cadre, province["DBP-CT"], actor=people["admin"])
    db.session.commit()
    history = accounts.membership_history(cadre)
    assert [m.unit.code for m in history] == ["DBP-CT", "HS-01"]
    assert history[1].ended_at is not None and history[0].ended_at is None
    assert accounts.unit_at(cadre.id, utcnow() + dt.timedelta(seconds=1)) == province["DBP-CT"].id
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "user.update"))
    assert event.before == {"unit": "HS-01"} and event.after == {"unit": "DBP-CT"}
    assert event.actor_name == "quantri"


def test_role_change_is_audited_as_such(people):
    cadre = people["cadre"]
    transfer(cadre, cadre.unit, actor=people["admin"], roles={"cadre", "trainer"})
    db.session.commit()
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "user.roles"))
    assert event.before == {"roles": ["cadre"]} and event.after == {"roles": ["cadre", "trainer"]}


def test_admin_cannot_drop_own_admin_role_or_deactivate_self(people):
    admin = people["admin"]
    with pytest.raises(InvalidInput):
        accounts.update_user(
            admin,
            full_name="X",
            rank="",
            position="",
            unit=None,
            roles=set(),
            email=None,
            actor=admin,
        )
    with pytest.raises(InvalidInput):
        accounts.set_active(admin, False, actor=admin)


def test_unit_at_answers_for_the_past(people, province):
    cadre = people["cadre"]
    joined = db.session.scalar(
        select(UnitMembership.started_at).where(UnitMembership.user_id == cadre.id)
    )
    transfer(cadre, province["HK"])
    db.session.commit()
    assert accounts.unit_at(cadre.id, joined) == province["HS-01"].id
    assert accounts.unit_at(cadre.id, joined - dt.timedelta(days=1)) is None


def test_search_ignores_diacritics_and_case(people):
    admin = people["admin"]
    assert usernames(accounts.people_query(admin, search="nguyen van")) == ["hocvien"]
    assert usernames(accounts.people_query(admin, search="NGUYỄN VĂN")) == ["hocvien"]
    assert set(usernames(accounts.people_query(admin, search="duc"))) == {"giangvien", "chihuy.hs"}
    assert usernames(accounts.people_query(admin, search="100%_")) == []


def test_scope_of_a_commander_is_their_subtree(people, province, make_user):
    make_user("hs.trainer", ("trainer",), province["HS"])
    commander = people["commander"]
    seen = set(usernames(accounts.people_query(commander)))
    assert seen == {"chihuy.hs", "hocvien", "hs.trainer"}
    assert "hocvien.bp" not in seen
    assert usernames(accounts.people_query(people["cadre"])) == []  # cadres see no list
    assert len(usernames(accounts.people_query(people["admin"]))) == 6


def test_filters_by_unit_role_and_status(people, province):
    admin = people["admin"]
    assert set(usernames(accounts.people_query(admin, unit_id=province["BCHQS"].id))) == {
        "giangvien",
        "chihuy.hs",
        "hocvien",
    }
    assert set(usernames(accounts.people_query(admin, role="cadre"))) == {"hocvien", "hocvien.bp"}
    accounts.set_active(people["cadre"], False, actor=admin)
    db.session.commit()
    assert usernames(accounts.people_query(admin, role="cadre", active=True)) == ["hocvien.bp"]
    assert usernames(accounts.people_query(admin, active=False)) == ["hocvien"]


def test_reset_password_forces_a_change(people):
    cadre = people["cadre"]
    temporary = accounts.reset_password(cadre, actor=people["admin"])
    db.session.commit()
    assert cadre.must_change_password
    assert len(temporary) == 14
    accounts.change_password(cadre, current=temporary, new="Mot-mat-khau-moi-1", min_length=10)
    assert not cadre.must_change_password
    with pytest.raises(InvalidInput):
        accounts.change_password(cadre, current="wrong", new="Khac-hoan-toan-2", min_length=10)


def test_role_and_detail_changes_are_two_entries(people, province):
    cadre = people["cadre"]
    accounts.update_user(
        cadre,
        full_name="Nguyễn Văn Ân",
        rank="",
        position="",
        unit=cadre.unit,
        roles={"cadre", "trainer"},
        email=None,
        actor=None,
    )
    db.session.commit()
    roles = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "user.roles"))
    details = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "user.update"))
    assert roles.after == {"roles": ["cadre", "trainer"]}
    assert details.after == {"full_name": "Nguyễn Văn Ân"}
