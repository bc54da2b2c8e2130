"""Two rules every path that records presence follows (self check-in, a trainer's tap, "all
present", the paper sheet): nobody is present at two sessions held at the same time, and
before a session starts trainers can only record people as excused. And "all present" asks
first and can be undone as one audited action."""

from __future__ import annotations

import datetime as dt

import pytest
from bs4 import BeautifulSoup
from flask_babel import force_locale
from sqlalchemy import func, select

from lms.attendance import bulk_marking, codes, marking, services
from lms.attendance import queries as session_queries
from lms.attendance.checkin import CheckinRefused, check_in
from lms.attendance.models import AttendanceRecord
from lms.audit.models import AuditEvent
from lms.courses import enrollment
from lms.courses.models import Enrollment
from lms.errors import InvalidInput
from lms.extensions import db
from tests.support import login, post, run_together

NOW = dt.datetime.now(dt.UTC)
NOW_IS_THE_WALL_CLOCK = True  # taken again for each test (conftest.wall_clock_now)


@pytest.fixture(autouse=True)
def english():
    with force_locale("en"):
        yield


@pytest.fixture
def crowd(people, make_user, province):
    """Twelve more cadres of HS-01, made before the sessions (whose rosters are taken when
    they are entered, having started)."""
    return [
        make_user(f"hv{n:02d}", ("cadre",), province["HS-01"], f"Cán bộ {n:02d}") for n in range(12)
    ]


@pytest.fixture
def two_halls(crowd, make_session):
    """Two sessions for the same people at the same hour (running now), and a third later."""
    start = NOW - dt.timedelta(minutes=20)
    a = make_session(units=("HS",), starts_at=start, title="Hội trường A")
    b = make_session(
        units=("HS",), starts_at=start + dt.timedelta(minutes=10), title="Hội trường B"
    )
    later = make_session(units=("HS",), starts_at=start + dt.timedelta(hours=2), title="Buổi chiều")
    return a, b, later


def statuses(session_id: int) -> dict[int, str]:
    return dict(
        db.session.execute(
            select(AttendanceRecord.user_id, AttendanceRecord.status).where(
                AttendanceRecord.session_id == session_id
            )
        ).all()
    )


def mark_one(session, user, status, trainer, now=None):
    outcome = marking.mark(session, [marking.Mark(user.id, status)], actor=trainer, now=now or NOW)
    db.session.commit()
    return outcome


# ---- one person, two halls --------------------------------------------------------------------


def test_a_trainers_mark_skips_someone_present_elsewhere_and_names_the_session(people, two_halls):
    a, b, later = two_halls
    cadre, trainer = people["cadre"], people["trainer"]
    mark_one(a, cadre, "late", trainer)
    outcome = mark_one(b, cadre, "present", trainer)
    assert outcome.changed == [] and len(outcome.clashes) == 1
    clash = outcome.clashes[0]
    assert (clash.user_id, clash.full_name, clash.elsewhere) == (
        cadre.id,
        "Nguyễn Văn An",
        "Hội trường A",
    )
    assert statuses(b.id) == {}
    # Absent or excused there is no presence: allowed. So is a session that does not overlap.
    assert mark_one(b, cadre, "absent", trainer).changed == [cadre.id]
    assert mark_one(b, cadre, "late", trainer).clashes  # absent → late: still refused
    assert statuses(b.id) == {cadre.id: "absent"}
    assert mark_one(later, cadre, "present", trainer, now=later.starts_at).changed == [cadre.id]
    audited = db.session.scalar(select(func.count()).where(AuditEvent.action == "attendance.mark"))
    assert audited == 3  # a late, b absent, later present: nothing for the refused ones


def test_a_cancelled_session_does_not_hold_anyone(people, two_halls):
    a, b, _later = two_halls
    cadre, trainer = people["cadre"], people["trainer"]
    mark_one(a, cadre, "present", trainer)
    services.cancel_session(a, "Đổi lịch", actor=trainer)
    db.session.commit()
    assert mark_one(b, cadre, "present", trainer).changed == [cadre.id]


def test_self_check_in_is_refused_where_a_trainer_marked_the_person_elsewhere(people, two_halls):
    a, b, _later = two_halls
    mark_one(a, people["cadre"], "present", people["trainer"])
    code = codes.current_code(b.secret, NOW, 30).code
    with pytest.raises(
        CheckinRefused,
        match="already recorded present at Hội trường A, which takes place at the same time",
    ):
        check_in(people["cadre"], code, now=NOW, step_seconds=30, session=b)
    db.session.rollback()
    assert statuses(b.id) == {}


def test_a_check_in_over_an_excused_mark_obeys_the_rule_too(people, two_halls):
    a, b, _later = two_halls
    mark_one(b, people["cadre"], "excused", people["trainer"])
    mark_one(a, people["cadre"], "present", people["trainer"])
    code = codes.current_code(b.secret, NOW, 30).code
    with pytest.raises(CheckinRefused, match="Hội trường A"):
        check_in(people["cadre"], code, now=NOW, step_seconds=30, session=b)
    db.session.rollback()
    assert statuses(b.id) == {people["cadre"].id: "excused"}


def test_all_present_skips_those_present_elsewhere_and_reports_them(people, crowd, two_halls):
    a, b, _later = two_halls
    others = crowd[:3]
    for other in crowd[3:]:
        mark_one(b, other, "absent", people["trainer"])
    mark_one(a, people["cadre"], "present", people["trainer"])
    preview = bulk_marking.rest_preview(b, "present", NOW)
    assert preview.count == 3 and [c.full_name for c in preview.skipped] == ["Nguyễn Văn An"]
    outcome = bulk_marking.mark_rest_present(b, actor=people["trainer"], now=NOW)
    db.session.commit()
    assert outcome.count == 3
    assert [(c.full_name, c.elsewhere) for c in outcome.skipped] == [
        ("Nguyễn Văn An", "Hội trường A")
    ]
    assert {uid: s for uid, s in statuses(b.id).items() if s == "present"} == {
        o.id: "present" for o in others
    }
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "attendance.mark_rest"))
    assert event.after["people"] == ["hv00", "hv01", "hv02"]
    assert event.after["skipped"] == ["Nguyễn Văn An (Hội trường A)"]


def test_the_paper_sheet_skips_those_present_elsewhere_and_says_so(
    client, people, crowd, two_halls
):
    a, b, _later = two_halls
    other = crowd[0]
    mark_one(a, people["cadre"], "present", people["trainer"])
    login(client, "giangvien")
    post(client, "/locale", {"locale": "en", "next": "/"}, token_from="/")
    bulk = f"/sessions/{b.id}/bulk"
    data = {
        f"version-{people['cadre'].id}": "0",
        f"status-{people['cadre'].id}": "present",
        f"version-{other.id}": "0",
        f"status-{other.id}": "late",
        "rest": "keep",
    }
    response = post(client, bulk, data, token_from=bulk)
    assert response.status_code == 409
    text = BeautifulSoup(response.get_data(as_text=True), "html.parser").text
    assert (
        "Nguyễn Văn An was not marked: already present at “Hội trường A”, held at the same time."
        in text
    )
    assert statuses(b.id) == {other.id: "late"}


def test_one_tap_on_someone_present_elsewhere_is_a_409_naming_the_session(
    client, people, two_halls
):
    a, b, _later = two_halls
    mark_one(a, people["cadre"], "present", people["trainer"])
    login(client, "giangvien")
    post(client, "/locale", {"locale": "en", "next": "/"}, token_from="/")
    url = f"/sessions/{b.id}"
    response = post(
        client,
        f"{url}/mark",
        {"user_id": people["cadre"].id, "status": "present", "version": 0},
        token_from=url,
        headers={"Accept": "application/json"},
    )
    assert response.status_code == 409 and response.json["status"] is None
    assert "Hội trường A" in response.json["message"]
    assert statuses(b.id) == {}


@pytest.mark.parametrize("round_", range(3))
def test_two_halls_marking_the_same_people_at_once_make_each_present_once(
    app, people, crowd, two_halls, round_
):
    """Two trainers press "all present" (one) and tap everyone present (the other) at the same
    moment in two halls with the same roster; a cadre checks in to one of them meanwhile:
    everyone ends present in exactly one hall."""
    from lms.people.services import load_user

    a, b, _later = two_halls
    ids = [c.id for c in crowd] + [people["cadre"].id]
    a_id, b_id, trainer_id, cadre_id = a.id, b.id, people["trainer"].id, people["cadre"].id
    code = codes.current_code(b.secret, NOW, 30).code

    def all_present():
        return bulk_marking.mark_rest_present(
            session_queries.get_session(a_id), actor=load_user(trainer_id), now=NOW
        )

    def tap_everyone():
        return marking.mark(
            session_queries.get_session(b_id),
            [marking.Mark(uid, "present") for uid in ids],
            actor=load_user(trainer_id),
            now=NOW,
        )

    def check_in_to_b():
        try:
            return check_in(
                load_user(cadre_id),
                code,
                now=NOW,
                step_seconds=30,
                session=session_queries.get_session(b_id),
            )
        except CheckinRefused as refused:
            return refused

    _results, errors = run_together(app, [all_present, tap_everyone, check_in_to_b])
    assert not errors, errors
    here, there = statuses(a_id), statuses(b_id)
    for uid in ids:
        assert (here.get(uid) == "present") + (there.get(uid) == "present") == 1, uid


# ---- before the start -------------------------------------------------------------------------


@pytest.fixture
def course_of_one_session(people, make_course, province, make_session):
    """A course of one module and one session (starting in 13 minutes, check-in open), 50 %
    attendance required; the cadre has read the module."""
    course = make_course("dan-van", modules=("Một",))
    course.min_attendance = 50
    db.session.commit()
    enrollment.assign(course, province["HS"], dt.date(2027, 6, 30), actor=None)
    enrollment.mark_module_done(people["cadre"], course.modules[0])
    db.session.commit()
    session = make_session(
        units=("HS",), course_id=course.id, starts_at=NOW + dt.timedelta(minutes=13)
    )
    return course, session


def completed(user_id: int) -> bool:
    return (
        db.session.scalar(select(Enrollment.completed_at).where(Enrollment.user_id == user_id))
        is not None
    )


def test_before_the_start_trainers_record_only_excused_on_every_path(
    client, people, course_of_one_session
):
    _course, session = course_of_one_session
    cadre, trainer = people["cadre"], people["trainer"]
    assert session.checkin_open(NOW)  # 13 minutes before: the cadre could check in
    for status in ("present", "late", "absent"):
        with pytest.raises(InvalidInput, match="only be marked excused"):
            marking.mark(session, [marking.Mark(cadre.id, status)], actor=trainer, now=NOW)
    with pytest.raises(InvalidInput, match="only be marked excused"):
        bulk_marking.mark_rest_present(session, actor=trainer, now=NOW)
    with pytest.raises(InvalidInput, match="only be marked excused"):
        bulk_marking.rest_preview(session, "present", NOW)
    db.session.rollback()

    login(client, "giangvien")
    post(client, "/locale", {"locale": "en", "next": "/"}, token_from="/")
    url = f"/sessions/{session.id}"
    page = BeautifulSoup(client.get(url).get_data(as_text=True), "html.parser")
    assert page.select_one("#before-start") is not None
    assert page.select_one("form[data-confirm]") is None  # no "all present" before the start
    assert page.select_one(f"#u{cadre.id} button[value=present]").has_attr("disabled")
    assert not page.select_one(f"#u{cadre.id} button[value=excused]").has_attr("disabled")
    for data in ({"status": "present"}, {"status": "present", "confirmed": "yes"}):
        response = post(client, f"{url}/mark-rest", data, token_from=url, follow_redirects=True)
        assert "only be marked excused" in response.get_data(as_text=True)
    bulk = f"{url}/bulk"
    assert "only be marked excused" in client.get(bulk).get_data(as_text=True)
    response = post(
        client,
        bulk,
        {f"version-{cadre.id}": "0", f"status-{cadre.id}": "present", "rest": "keep"},
        token_from=bulk,
    )
    assert response.status_code == 400
    assert db.session.scalar(select(func.count()).select_from(AttendanceRecord)) == 0
    assert not completed(cadre.id)

    # Excused is allowed; the cadre's own check-in keeps its window, and overrides it.
    mark_one(session, cadre, "excused", trainer)
    code = codes.current_code(session.secret, NOW, 30).code
    record = check_in(cadre, code, now=NOW, step_seconds=30, session=session).record
    db.session.commit()
    assert record.status == "present" and completed(cadre.id)


# ---- undoing "all present" --------------------------------------------------------------------


def test_all_present_can_be_undone_exactly_once_and_completion_is_kept(
    people, make_user, province, course_of_one_session
):
    _course, session = course_of_one_session
    others = [make_user(f"hv{n}", ("cadre",), province["HS-01"], f"Cán bộ {n}") for n in range(3)]
    trainer, cadre = people["trainer"], people["cadre"]
    during = session.starts_at + dt.timedelta(minutes=5)
    mark_one(session, others[0], "excused", trainer, now=during)  # marked before: untouched
    outcome = bulk_marking.mark_rest_present(session, actor=trainer, now=during)
    db.session.commit()
    assert outcome.count == 3 and completed(cadre.id)  # the cadre completed the course
    undoable = bulk_marking.last_undoable(session)
    assert (undoable.batch_id, undoable.status, undoable.count) == (
        outcome.batch_id,
        "present",
        3,
    )
    # Changed since: kept by the undo.
    mark_one(session, others[1], "late", trainer, now=during)

    result = bulk_marking.undo_rest(session, outcome.batch_id, actor=trainer, now=during)
    db.session.commit()
    assert (result.removed, result.kept) == (2, 1)
    assert statuses(session.id) == {others[0].id: "excused", others[1].id: "late"}
    # Completion is never taken back: the cadre keeps it, and is named.
    assert completed(cadre.id) and result.still_completed == ["Nguyễn Văn An"]
    events = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "attendance.mark_rest_undo")
    ).all()
    assert len(events) == 1
    assert events[0].after == {
        "status": None,
        "people": ["hocvien", "hv2"],
        "kept": 1,
        "still_completed": ["Nguyễn Văn An"],
    }
    assert bulk_marking.last_undoable(session) is None
    with pytest.raises(InvalidInput, match="Nothing to undo"):
        bulk_marking.undo_rest(session, outcome.batch_id, actor=trainer, now=during)
    db.session.rollback()
    # A new mark after the undo is not taken by undoing the old action again.
    mark_one(session, others[2], "present", trainer, now=during)
    with pytest.raises(InvalidInput, match="Nothing to undo"):
        bulk_marking.undo_rest(session, outcome.batch_id, actor=trainer, now=during)
    db.session.rollback()
    assert statuses(session.id)[others[2].id] == "present"


def test_all_present_that_marked_nobody_leaves_no_audit_entry_and_nothing_to_undo(
    people, make_session
):
    session = make_session(units=("HS",), starts_at=NOW - dt.timedelta(minutes=5))
    mark_one(session, people["cadre"], "late", people["trainer"])
    outcome = bulk_marking.mark_rest_present(session, actor=people["trainer"], now=NOW)
    db.session.commit()
    assert (outcome.count, outcome.batch_id) == (0, None)
    assert (
        db.session.scalar(select(func.count()).where(AuditEvent.action == "attendance.mark_rest"))
        == 0
    )
    assert bulk_marking.last_undoable(session) is None


def test_the_undo_button_on_the_roster(client, people, make_session):
    session = make_session(units=("HS",), starts_at=NOW - dt.timedelta(minutes=5))
    login(client, "giangvien")
    post(client, "/locale", {"locale": "en", "next": "/"}, token_from="/")
    url = f"/sessions/{session.id}"
    post(client, f"{url}/mark-rest", {"status": "present", "confirmed": "yes"}, token_from=url)
    assert statuses(session.id) == {people["cadre"].id: "present"}
    page = BeautifulSoup(client.get(url).get_data(as_text=True), "html.parser")
    undo = page.select_one("form.undo-rest")
    assert "marked 1 person “Present”" in undo.text
    response = post(client, undo["action"], {}, token_from=url, follow_redirects=True)
    assert "Undone: 1 mark removed." in response.get_data(as_text=True)
    assert statuses(session.id) == {}
    # Undoing again, or another session's action, changes nothing.
    response = post(client, undo["action"], {}, token_from=url, follow_redirects=True)
    assert "Nothing to undo" in response.get_data(as_text=True)
    assert (
        db.session.scalar(
            select(func.count()).where(AuditEvent.action == "attendance.mark_rest_undo")
        )
        == 1
    )
