"""Rosters, marking by trainers (idempotent, audited, safe when two mark at once), rates, and
course completion with a minimum attendance."""

from __future__ import annotations

import datetime as dt

import pytest
from flask_babel import force_locale
from sqlalchemy import func, select

from lms.attendance import bulk_marking, marking, reports, services
from lms.attendance import queries as session_queries
from lms.attendance import rates as attendance_rates
from lms.attendance.models import AttendanceRecord
from lms.audit.models import AuditEvent
from lms.courses import enrollment
from lms.courses.models import Enrollment
from lms.errors import InvalidInput
from lms.extensions import db
from lms.people import services as accounts
from lms.timeutil import parse_period
from tests.support import run_together, transfer

START = dt.datetime(2026, 12, 1, 1, 0, tzinfo=dt.UTC)
DURING = START + dt.timedelta(minutes=30)
AFTER = START + dt.timedelta(hours=3)


@pytest.fixture(autouse=True)
def english():
    """Messages are matched in English (the default locale is Vietnamese)."""
    with force_locale("en"):
        yield


def roster_names(session, now=DURING):
    return [row.username for row in reports.session_roster(session, now).rows]


def test_roster_is_the_invited_subtrees_cadres_and_named_people(
    people, make_user, province, make_session
):
    make_user("hocvien.hk", ("cadre",), province["HK"])
    make_user("chihuy.khac", ("commander",), province["HS-01"])  # not a cadre: not invited
    session = make_session(units=("HS",), invitees=("hocvien.bp",))
    assert sorted(roster_names(session)) == ["hocvien", "hocvien.bp"]


def _transfer(user, unit):
    transfer(user, unit)
    db.session.commit()


def test_roster_follows_transfers_until_the_session_starts_then_keeps_who_was_there(
    people, province, make_session
):
    now = dt.datetime.now(dt.UTC)
    upcoming = make_session(units=("HS",), starts_at=now + dt.timedelta(days=1), title="Sắp tới")
    started = make_session(units=("HS",), starts_at=now - dt.timedelta(minutes=5), title="Đang học")
    assert roster_names(upcoming, now) == roster_names(started, now) == ["hocvien"]
    _transfer(people["cadre"], province["DBP-CT"])
    later = dt.datetime.now(dt.UTC)
    assert roster_names(upcoming, later) == []  # moved away before it starts: not invited
    assert roster_names(started, later) == ["hocvien"]  # was in the unit when it started


def test_only_roster_people_can_be_marked_and_statuses_are_checked(people, make_session):
    session = make_session(units=("HS",))
    with pytest.raises(InvalidInput, match="roster"):
        marking.mark(
            session,
            [marking.Mark(people["border_cadre"].id, "present")],
            actor=people["trainer"],
            now=DURING,
        )
    with pytest.raises(InvalidInput, match="present, late"):
        marking.mark(
            session, [marking.Mark(people["cadre"].id, "here")], actor=people["trainer"], now=DURING
        )
    with pytest.raises(InvalidInput, match="too long"):
        marking.mark(
            session,
            [marking.Mark(people["cadre"].id, "excused", "x" * 501)],
            actor=people["trainer"],
            now=DURING,
        )
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(AttendanceRecord)) == 0


def test_marking_twice_changes_nothing_and_each_change_is_audited(people, make_session):
    session = make_session(units=("HS",))
    cadre = people["cadre"]

    def mark(status, note="", seen_version=None):
        outcome = marking.mark(
            session,
            [marking.Mark(cadre.id, status, note, seen_version)],
            actor=people["trainer"],
            now=DURING,
        )
        db.session.commit()
        return outcome

    assert mark("absent", seen_version=0).changed == [cadre.id]
    assert mark("absent", seen_version=0).unchanged == [cadre.id]  # the same tap again: a no-op
    assert mark("excused", "Ốm, có giấy", seen_version=1).changed == [cadre.id]
    record = db.session.get(AttendanceRecord, (session.id, cadre.id))
    assert (record.status, record.note, record.version) == ("excused", "Ốm, có giấy", 2)
    events = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "attendance.mark").order_by(AuditEvent.id)
    ).all()
    assert len(events) == 2
    assert events[0].before is None and events[0].after["status"] == "absent"
    assert events[1].before == {"status": "absent", "note": ""}
    assert events[1].after["status"] == "excused" and events[1].actor_name == "giangvien"
    assert events[1].after["username"] == "hocvien"
    assert events[1].target_label.endswith("hocvien")


def test_a_change_based_on_an_old_view_is_refused_not_applied(
    people, make_session, make_user, province
):
    session = make_session(units=("HS",))
    other = make_user("giangvien2", ("trainer",), province["BCHQS"], "Hoàng Văn Bình")
    cadre = people["cadre"]
    marking.mark(session, [marking.Mark(cadre.id, "late", seen_version=0)], actor=other, now=DURING)
    db.session.commit()
    # The first trainer's page still showed the person unmarked (version 0).
    outcome = marking.mark(
        session,
        [marking.Mark(cadre.id, "absent", seen_version=0)],
        actor=people["trainer"],
        now=DURING,
    )
    db.session.commit()
    assert outcome.changed == [] and len(outcome.conflicts) == 1
    conflict = outcome.conflicts[0]
    assert (conflict.current, conflict.wanted, conflict.marked_by) == (
        "late",
        "absent",
        "Hoàng Văn Bình",
    )
    assert db.session.get(AttendanceRecord, (session.id, cadre.id)).status == "late"


def test_all_present_marks_only_those_not_marked(people, make_user, province, make_session):
    for n in range(5):
        make_user(f"hv{n}", ("cadre",), province["HS-01"])
    session = make_session(units=("HS",))
    marking.mark(
        session, [marking.Mark(people["cadre"].id, "excused")], actor=people["trainer"], now=DURING
    )
    count = bulk_marking.mark_rest_present(session, actor=people["trainer"], now=DURING).count
    db.session.commit()
    assert count == 5
    statuses = dict(
        db.session.execute(select(AttendanceRecord.user_id, AttendanceRecord.status)).all()
    )
    assert statuses[people["cadre"].id] == "excused"
    assert sorted(statuses.values()) == ["excused"] + ["present"] * 5
    assert bulk_marking.mark_rest_present(session, actor=people["trainer"], now=DURING).count == 0
    events = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "attendance.mark_rest")
    ).all()
    assert len(events) == 1  # the second call changed nothing and recorded nothing
    event = events[0]
    assert event.after == {"status": "present", "people": ["hv0", "hv1", "hv2", "hv3", "hv4"]}


@pytest.mark.parametrize("rounds", [3])
def test_two_trainers_marking_at_once_lose_nothing_silently(
    app, people, make_user, province, make_session, rounds
):
    """Two trainers mark the same 20 people at the same moment, each from a page showing them
    unmarked: every person ends with one trainer's choice, and the other trainer is told."""
    cadres = [make_user(f"hv{n:02d}", ("cadre",), province["HS-01"]) for n in range(20)]
    ids = [c.id for c in cadres]
    session = make_session(units=("HS",))
    session_id = session.id
    a = people["trainer"]
    b = make_user("giangvien2", ("trainer",), province["BCHQS"], "Hoàng Văn Bình")
    from lms.people.services import load_user

    def job(trainer_id, status):
        def run():
            trainer = load_user(trainer_id)
            s = session_queries.get_session(session_id)
            return trainer_id, marking.mark(
                s,
                [marking.Mark(uid, status, seen_version=0) for uid in ids],
                actor=trainer,
                now=DURING,
            )

        return run

    results, errors = run_together(app, [job(a.id, "present"), job(b.id, "absent")])
    assert not errors, errors
    outcomes = dict(results)
    final = dict(
        db.session.execute(select(AttendanceRecord.user_id, AttendanceRecord.status)).all()
    )
    assert len(final) == 20
    for uid in ids:
        winner = "present" if uid in outcomes[a.id].changed else "absent"
        assert final[uid] == winner
        # Exactly one of the two changed each person; the other has a conflict for them.
        changed = (uid in outcomes[a.id].changed) + (uid in outcomes[b.id].changed)
        conflicted = sum(uid in {c.user_id for c in o.conflicts} for o in outcomes.values())
        assert (changed, conflicted) == (1, 1)
    audited = db.session.scalar(select(func.count()).where(AuditEvent.action == "attendance.mark"))
    assert audited == 20


def test_session_tally_and_rate(people, make_user, province, make_session):
    extra = [make_user(f"hv{n}", ("cadre",), province["HS-01"]) for n in range(4)]
    session = make_session(units=("HS",))
    marks = [
        marking.Mark(people["cadre"].id, "present"),
        marking.Mark(extra[0].id, "late"),
        marking.Mark(extra[1].id, "excused"),
        marking.Mark(extra[2].id, "absent"),
    ]
    marking.mark(session, marks, actor=people["trainer"], now=DURING)
    db.session.commit()
    during = reports.session_roster(session, DURING).tally
    assert (during.present, during.late, during.excused, during.absent, during.unmarked) == (
        1,
        1,
        1,
        1,
        1,
    )
    after = reports.session_roster(session, AFTER).tally
    assert (after.absent, after.unmarked, after.counted, after.rate) == (2, 0, 4, 50.0)


def test_history_and_unit_rates_over_a_period(people, make_user, province, make_session):
    hk = make_user("hocvien.hk", ("cadre",), province["HK"])
    s1 = make_session(units=("BCHQS",), title="Buổi 1")
    s2 = make_session(units=("BCHQS",), title="Buổi 2", starts_at=START + dt.timedelta(days=7))
    cancelled = make_session(
        units=("BCHQS",), title="Buổi hủy", starts_at=START + dt.timedelta(days=8)
    )
    services.cancel_session(cancelled, "", actor=None)
    marking.mark(
        s1,
        [marking.Mark(people["cadre"].id, "present"), marking.Mark(hk.id, "excused")],
        actor=people["trainer"],
        now=DURING,
    )
    marking.mark(
        s2,
        [marking.Mark(people["cadre"].id, "late")],
        actor=people["trainer"],
        now=DURING + dt.timedelta(days=7),
    )
    db.session.commit()
    now = START + dt.timedelta(days=30)

    rows, tally = reports.history(people["cadre"].id, now)
    assert [r.session.title for r in rows] == ["Buổi hủy", "Buổi 2", "Buổi 1"]
    assert (tally.present, tally.late, tally.rate) == (1, 1, 100.0)

    period = parse_period("2026-H2", "Asia/Ho_Chi_Minh")
    total, own, per_child = attendance_rates.unit_rates(
        province["BCHQS"], period.since, period.until, now
    )
    assert (total.total, total.present, total.late, total.excused, total.absent) == (4, 1, 1, 1, 1)
    by_code = {row.code: row.tally for row in per_child}
    assert (by_code["HS"].attended, by_code["HS"].counted) == (2, 2)
    assert (by_code["HK"].excused, by_code["HK"].absent, by_code["HK"].rate) == (1, 1, 0.0)
    assert own.total == 0
    # Outside the period: nothing.
    before = parse_period("2026-H1", "Asia/Ho_Chi_Minh")
    assert (
        attendance_rates.unit_rates(province["BCHQS"], before.since, before.until, now)[0].total
        == 0
    )


def test_period_parsing():
    period = parse_period("2026-h1", "Asia/Ho_Chi_Minh")
    assert period.label == "2026-H1"
    assert period.since == dt.datetime(2025, 12, 31, 17, 0, tzinfo=dt.UTC)
    assert period.until == dt.datetime(2026, 6, 30, 17, 0, tzinfo=dt.UTC)
    assert parse_period("2026", "Asia/Ho_Chi_Minh").until.year == 2026
    for bad in ("2026-H3", "26", "2026-Q1", "", "1999"):
        with pytest.raises(ValueError):
            parse_period(bad, "Asia/Ho_Chi_Minh")


def test_course_completion_needs_the_minimum_attendance(
    people, make_course, make_session, province
):
    course = make_course("dan-van", modules=("Một",))
    course.min_attendance = 50
    db.session.commit()
    enrollment.assign(course, province["HS"], dt.date(2027, 6, 30), actor=None)
    db.session.commit()
    cadre = people["cadre"]
    enrollment.mark_module_done(cadre, course.modules[0])
    db.session.commit()

    def completed():
        return (
            db.session.scalar(select(Enrollment.completed_at).where(Enrollment.user_id == cadre.id))
            is not None
        )

    assert not completed()  # read everything, but no session attended yet
    past = dt.datetime.now(dt.UTC) - dt.timedelta(days=3)
    s1 = make_session(units=("HS",), course_id=course.id, starts_at=past)
    s2 = make_session(units=("HS",), course_id=course.id, starts_at=past + dt.timedelta(days=1))
    s3 = make_session(units=("HS",), course_id=course.id, starts_at=past + dt.timedelta(days=2))
    now = dt.datetime.now(dt.UTC)
    marking.mark(s1, [marking.Mark(cadre.id, "absent")], actor=people["trainer"], now=now)
    marking.mark(s2, [marking.Mark(cadre.id, "excused")], actor=people["trainer"], now=now)
    db.session.commit()
    assert not completed()  # 0 of 2 counted (s1 absent, s3 never marked: absent)
    marking.mark(s3, [marking.Mark(cadre.id, "late")], actor=people["trainer"], now=now)
    db.session.commit()
    assert completed()  # 1 of 2 counted = 50 percent; the excused session left the count


def test_a_course_is_not_completed_on_its_first_session_while_others_are_ahead(
    people, make_course, make_session, province
):
    course = make_course("dan-van", modules=("Một",))
    course.min_attendance = 80
    db.session.commit()
    enrollment.assign(course, province["HS"], dt.date(2027, 6, 30), actor=None)
    cadre = people["cadre"]
    enrollment.mark_module_done(cadre, course.modules[0])
    now = dt.datetime.now(dt.UTC)
    first = make_session(course_id=course.id, starts_at=now - dt.timedelta(hours=3))
    upcoming = [
        make_session(course_id=course.id, starts_at=now + dt.timedelta(days=d)) for d in (7, 14)
    ]
    marking.mark(first, [marking.Mark(cadre.id, "present")], actor=people["trainer"], now=now)
    db.session.commit()
    completed = select(Enrollment.completed_at).where(Enrollment.user_id == cadre.id)
    assert db.session.scalar(completed) is None  # 1 of 3: the two to come count as not yet
    # Both later sessions are cancelled: the one attended is all there is, and completes it.
    for session in upcoming:
        services.cancel_session(session, "Hoãn", actor=people["trainer"])
    db.session.commit()
    assert db.session.scalar(completed) is not None


def test_deactivated_accounts_leave_rosters_they_have_no_record_on(
    people, make_user, province, make_session
):
    gone = make_user("hv.nghi", ("cadre",), province["HS-01"])
    marked = make_user("hv.dachuyen", ("cadre",), province["HS-01"])
    now = dt.datetime.now(dt.UTC)
    session = make_session(units=("HS",), starts_at=now - dt.timedelta(hours=1))
    marking.mark(session, [marking.Mark(marked.id, "present")], actor=people["trainer"], now=now)
    for user in (gone, marked):
        accounts.set_active(user, False, actor=None)
    db.session.commit()
    assert sorted(roster_names(session, now)) == ["hocvien", "hv.dachuyen"]
    assert bulk_marking.mark_rest_present(session, actor=people["trainer"], now=now).count == 1


def test_a_cancelled_session_counts_nobody_absent(people, make_session):
    session = make_session(units=("HS",))
    services.cancel_session(session, "", actor=None)
    tally = reports.session_roster(session, AFTER).tally
    assert (tally.absent, tally.unmarked, tally.rate) == (0, 1, None)


def test_the_next_steps_code_is_accepted_for_a_server_whose_clock_runs_ahead():
    from lms.attendance import codes

    secret = codes.new_secret()
    ahead = codes.current_code(secret, DURING + dt.timedelta(seconds=30), 30).code
    assert codes.match(secret, ahead, DURING, 30) is codes.CodeMatch.VALID
    two_ahead = codes.current_code(secret, DURING + dt.timedelta(seconds=60), 30).code
    assert codes.match(secret, two_ahead, DURING, 30) is codes.CodeMatch.WRONG


def test_many_taps_at_once_check_in_once(app, people, make_session):
    """A cadre's phone sends the check-in ten times at once (a shaky connection): one record,
    one audit entry, and every tap answered."""
    from lms.attendance import codes
    from lms.attendance.checkin import check_in
    from lms.people.services import load_user

    now = dt.datetime.now(dt.UTC)
    session = make_session(units=("HS",), starts_at=now - dt.timedelta(minutes=1))
    code = codes.current_code(session.secret, now, 30).code
    session_id, user_id = session.id, people["cadre"].id

    def tap():
        return check_in(
            load_user(user_id),
            code,
            now=now,
            step_seconds=30,
            session=session_queries.get_session(session_id),
        ).already

    results, errors = run_together(app, [tap] * 10)
    assert not errors, errors
    assert sorted(results) == [False] + [True] * 9
    assert db.session.scalar(select(func.count()).select_from(AttendanceRecord)) == 1
    audited = select(func.count()).where(AuditEvent.action == "attendance.checkin")
    assert db.session.scalar(audited) == 1


def test_before_the_session_only_excused_can_be_marked(people, make_session):
    session = make_session(units=("HS",), checkin_opens_minutes=30)
    early = START - dt.timedelta(days=1)
    with pytest.raises(InvalidInput, match="only be marked excused"):
        marking.mark(
            session,
            [marking.Mark(people["cadre"].id, "present")],
            actor=people["trainer"],
            now=early,
        )
    with pytest.raises(InvalidInput, match="only be marked excused"):
        bulk_marking.mark_rest_present(session, actor=people["trainer"], now=early)
    outcome = marking.mark(
        session,
        [marking.Mark(people["cadre"].id, "excused", "Đi công tác")],
        actor=people["trainer"],
        now=early,
    )
    assert outcome.changed == [people["cadre"].id]


def test_a_long_title_fits_the_audit_log(people, make_session):
    from lms.attendance import codes
    from lms.attendance.checkin import check_in

    session = make_session(units=("HT",), title="Tập huấn " + "dân vận " * 30)
    marking.mark(
        session, [marking.Mark(people["cadre"].id, "present")], actor=people["trainer"], now=DURING
    )
    code = codes.current_code(session.secret, DURING, 30).code
    check_in(people["border_cadre"], code, now=DURING, step_seconds=30)
    db.session.commit()
    labels = db.session.scalars(select(AuditEvent.target_label)).all()
    assert labels and max(len(label) for label in labels) <= 255


def test_a_check_in_over_an_excused_mark_clears_its_note(people, make_session):
    from lms.attendance import codes
    from lms.attendance.checkin import check_in

    session = make_session(units=("HS",))
    marking.mark(
        session,
        [marking.Mark(people["cadre"].id, "excused", "Ốm")],
        actor=people["trainer"],
        now=START - dt.timedelta(minutes=20),
    )
    code = codes.current_code(session.secret, DURING, 30).code
    record = check_in(people["cadre"], code, now=DURING, step_seconds=30).record
    assert (record.status, record.note, record.version) == ("late", "", 2)


def test_easing_a_courses_rule_completes_those_who_now_meet_it(people, make_course, province):
    from lms.courses import services as courses

    course = make_course("dan-van", modules=("Một",))
    course.min_attendance = 100
    db.session.commit()
    enrollment.assign(course, province["HS"], dt.date(2027, 6, 30), actor=None)
    enrollment.mark_module_done(people["cadre"], course.modules[0])
    db.session.commit()
    completed = select(Enrollment.completed_at).where(Enrollment.user_id == people["cadre"].id)
    assert db.session.scalar(completed) is None
    settings = courses.CourseSettings(
        **{**courses.settings_snapshot(course), "min_attendance": None}
    )
    courses.update_course(course, settings, actor=None)
    db.session.commit()
    assert db.session.scalar(completed) is not None
