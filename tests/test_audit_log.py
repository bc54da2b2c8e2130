"""The audit log reads as people speak: names, labels, local times, lists, yes and no."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from lms.attendance import services as sessions
from lms.audit import services as audit
from lms.audit.labels import ACTION_LABELS, TARGET_LABELS
from lms.audit.models import AuditEvent
from lms.courses import module_editing
from lms.courses import services as courses
from lms.extensions import db
from lms.people import services as accounts
from tests.support import login

SOURCE = Path(__file__).resolve().parent.parent / "lms"


def recorded(pattern: str) -> set[str]:
    found: set[str] = set()
    for path in SOURCE.rglob("*.py"):
        found.update(re.findall(pattern, path.read_text(encoding="utf-8")))
    return found


def test_every_audited_kind_of_object_is_in_the_filter():
    # a model's own type (audit_type) or a Target("kind", ...) written where it is recorded
    kinds = recorded(r'audit_type: ClassVar\[str\] = "([a-z_]+)"') | recorded(
        r'Target\(\s*"([a-z_]+)"'
    )
    assert {"unit", "user", "course", "session", "quiz", "question", "attempt"} <= kinds
    assert kinds <= set(TARGET_LABELS), kinds - set(TARGET_LABELS)


def test_every_audited_action_has_a_name():
    actions = recorded(r'audit\.record\(\s*"([a-z_]+\.[a-z_]+)"') | recorded(
        r'"action": "([a-z_]+\.[a-z_]+)"'
    )
    for path in SOURCE.rglob("*.py"):  # record("a.b" if ... else "a.c", ...)
        for pair in re.findall(
            r'"([a-z]+\.[a-z_]+)" if [^\n]+ else "([a-z]+\.[a-z_]+)"', path.read_text()
        ):
            actions.update(pair)
    assert actions and actions <= set(ACTION_LABELS), actions - set(ACTION_LABELS)


def rows(client, url: str) -> list[str]:
    page = BeautifulSoup(client.get(url).get_data(as_text=True), "html.parser")
    return [" ".join(tr.get_text(" ").split()) for tr in page.select("table.audit tbody tr")]


def test_values_are_shown_as_people_read_them(client, people, province):
    course = courses.create_course(
        slug="dan-van", title="Dân vận khéo", owner=people["trainer"], actor=people["admin"]
    )
    module_editing.add_module(course, title="Bài 1", body_md="Nội dung", author=people["trainer"])
    courses.set_status(course, "published", actor=people["admin"])
    starts = dt.datetime(2026, 12, 3, 1, 30, tzinfo=dt.UTC)  # 08:30 in Hà Tĩnh
    sessions.create_session(
        sessions.SessionInput(
            title="Tập huấn dân vận",
            starts_at=starts,
            ends_at=starts + dt.timedelta(hours=2),
            course_id=course.id,
            place="Hội trường",
            trainers=["giangvien"],
            units=["HS", "DBP-CT"],
        ),
        actor=people["trainer"],
    )
    db.session.commit()
    login(client, "quantri")

    [status] = rows(client, "/audit/?action=course.status")
    assert "Bản nháp" in status and "Đã công bố" in status and "published" not in status

    [created] = rows(client, "/audit/?action=session.create")
    assert "Dân vận khéo" in created  # the course's title, not its id
    assert "Ban CHQS huyện Hương Sơn" in created and "Đồn Biên phòng Cầu Treo" in created
    assert "Trần Minh Đức (giangvien)" in created  # the trainer, not an id
    assert "08:30 3/12/26" in created  # local time, not ISO UTC
    assert "Hình thức Trực tiếp" in created  # the kind of session, by its label
    assert "Không" in created  # walk-ins not allowed
    assert "2026-12-03T01:30" not in created
    page = BeautifulSoup(
        client.get("/audit/?action=session.create").get_data(as_text=True), "html.parser"
    )
    units = [li.get_text() for li in page.select("ul.values li")]
    assert "Ban CHQS huyện Hương Sơn" in units  # a list shown as a list

    [unit] = rows(client, "/audit/?action=unit.create&label=HS-01")
    assert "Ban CHQS huyện Hương Sơn (HS)" in unit  # the parent's name with its code
    assert "Ban CHQS xã" in unit and "commune_command" not in unit


@pytest.mark.parametrize("target", sorted(TARGET_LABELS))
def test_the_object_filter_offers_every_kind(client, people, target):
    login(client, "quantri")
    page = BeautifulSoup(
        client.get(f"/audit/?target={target}").get_data(as_text=True), "html.parser"
    )
    option = page.select_one(f'select[name=target] option[value="{target}"]')
    assert option is not None and option.has_attr("selected")


def test_the_log_page_uses_the_same_queries_for_few_and_many_entries(
    client, people, province, count_queries
):
    def add_entries(n: int) -> None:
        for i in range(n):
            audit.record(
                "session.update",
                audit.Target("session", i, f"Buổi {i}"),
                actor=people["trainer"],
                before={"trainers": [people["trainer"].id], "units": [province["HS"].id]},
                after={
                    "course_id": 1,
                    "units": [province["HK"].id],
                    "invitees": [people["cadre"].id],
                },
            )
            audit.record(
                "user.update",
                people["cadre"],
                actor=people["admin"],
                before={"unit": "HS-01"},
                after={"unit": "DBP-CT"},
            )
        db.session.commit()

    login(client, "quantri")
    add_entries(30)  # more than a page: the pager counts in both cases
    with count_queries() as few:
        assert client.get("/audit/").status_code == 200
    add_entries(60)
    with count_queries() as many:
        assert client.get("/audit/").status_code == 200
    assert few.count == many.count <= 12


def test_an_entry_names_its_target_and_its_actor_one_way(people, province):
    """A model names itself (audit_type, audit_label); an actor is a user, the name of what
    acted without an account (a command, the demo), or None for the system."""
    unit = province["HS"]
    by_admin = audit.record("unit.update", unit, actor=people["admin"], after={"name": "x"})
    by_command = audit.record("unit.update", unit, actor="cli:root")
    by_system = audit.record("unit.update", unit, actor=None, label="HS (renamed)")
    lock = audit.record("auth.lock", audit.Target("address", None, "10.0.0.7"), actor=None)
    db.session.flush()
    assert (by_admin.target_type, by_admin.target_id, by_admin.target_label) == (
        "unit",
        unit.id,
        unit.code,
    )
    assert (by_admin.actor_id, by_admin.actor_name) == (people["admin"].id, "quantri")
    assert (by_command.actor_id, by_command.actor_name) == (None, "cli:root")
    assert (by_system.actor_id, by_system.actor_name) == (None, audit.SYSTEM_ACTOR)
    assert by_system.target_label == "HS (renamed)"
    assert (lock.target_type, lock.target_id, lock.target_label) == ("address", None, "10.0.0.7")
    assert audit.acting_user(people["admin"]) is people["admin"]
    assert audit.acting_user("cli:root") is None and audit.acting_user(None) is None


def test_a_command_acts_under_its_name_without_an_account(people, province):
    """What a command does is the operator's: services take the name as the actor, and the
    checks that compare the actor with the person changed (own admin role) do not apply."""
    temporary = accounts.reset_password(people["admin"], actor="cli:root")
    db.session.flush()
    event = db.session.scalars(
        db.select(AuditEvent).where(AuditEvent.action == "user.password_reset")
    ).one()
    assert temporary and (event.actor_id, event.actor_name) == (None, "cli:root")
    assert event.target_label == "quantri"
