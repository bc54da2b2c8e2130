"""The dashboard's figures on a small hand-made province, against values worked out by hand.

The tree (``province`` fixture plus two units): HT > (BCHQS > (HS > HS-01, HK), BDBP > DBP-CT,
EMPTY). HS-01 is a pilot unit. Period 2026-H1, looked at on 1 December 2026:

| who | where (on the due date) | course, due | completed | best |
|-----|-------------------------|-------------|-----------|------|
| an  | HS-01 | C1, 31/03 | 20/03 (11 days early) | 95 |
| binh| HS-01 | C1, 30/06 | 02/07 (late) | 60 |
| cuong | HK  | C1, 30/06 | no: overdue | – |
| dung (moved HK → HS-01 on 15/04) | HS-01 | C1, 30/04 | no: overdue | – |
| dung | HK | C2, 31/03 | 30/03 | 85 |
| em  | HS-01 | C1, 30/06 | 30/06 23:59:59 local (on time, the period's last second) | 80 |
| em  | HS-01 | C2, 01/07 | – (the next period) | – |
| giang (deactivated) | HS-01 | C1, 31/03 | no | – |
| hoa | HS-01 | C2, 31/12/2025 | – (the period before) | – |
"""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import delete, update

from lms.attendance.models import AttendanceRecord
from lms.certificates.models import Certificate
from lms.certificates.services import rebuild_certified
from lms.courses.models import Enrollment
from lms.extensions import db
from lms.people.models import UnitMembership, User
from lms.quizzes import best_scores
from lms.quizzes import services as quiz_services
from lms.quizzes.models import Attempt
from lms.reports import figures, lists
from lms.reports.cohort import Scope
from lms.timeutil import parse_period
from lms.units.models import Unit

ZONE = "Asia/Ho_Chi_Minh"
TODAY = dt.date(2026, 12, 1)
NOW = dt.datetime(2026, 12, 1, 3, 0, tzinfo=dt.UTC)
LONG_AGO = dt.datetime(2025, 1, 1, tzinfo=dt.UTC)


def local(year, month, day, hour=12, minute=0, second=0):
    """A Vietnam wall-clock time as UTC."""
    return dt.datetime(year, month, day, hour, minute, second, tzinfo=dt.UTC) - dt.timedelta(
        hours=7
    )


def scope(unit=None, period="2026-H1", course=None, today=TODAY, now=NOW):
    return Scope(unit, parse_period(period, ZONE), course, ZONE, today, now)


@pytest.fixture
def review(province, people, make_unit, make_user, make_course, make_session):
    units = dict(province)
    units["EMPTY"] = make_unit("EMPTY", province["HT"], name="Đơn vị chưa có ai")
    db.session.execute(update(Unit).where(Unit.code == "HS-01").values(pilot=True))
    c1 = make_course("khoa-1", title="Khóa 1")
    c2 = make_course("khoa-2", title="Khóa 2")
    q1 = quiz_services.create_quiz(c1, slug="kt1", title="Kiểm tra 1", published=True)
    q2 = quiz_services.create_quiz(c2, slug="kt2", title="Kiểm tra 2", published=True)
    p = {
        name: make_user(name, ("cadre",), units[where], f"Cán bộ {name}")
        for name, where in [
            ("an", "HS-01"),
            ("binh", "HS-01"),
            ("cuong", "HK"),
            ("dung", "HS-01"),
            ("em", "HS-01"),
            ("giang", "HS-01"),
            ("hoa", "HS-01"),
        ]
    }
    # Everyone has been where they are since long ago, except dung, who moved on 15 April.
    db.session.execute(update(User).values(created_at=LONG_AGO))
    db.session.execute(update(UnitMembership).values(started_at=LONG_AGO))
    db.session.execute(delete(UnitMembership).where(UnitMembership.user_id == p["dung"].id))
    moved = local(2026, 4, 15, 9)
    db.session.add_all(
        [
            UnitMembership(
                user_id=p["dung"].id, unit_id=units["HK"].id, started_at=LONG_AGO, ended_at=moved
            ),
            UnitMembership(user_id=p["dung"].id, unit_id=units["HS-01"].id, started_at=moved),
        ]
    )
    db.session.execute(update(User).where(User.id == p["giang"].id).values(active=False))

    def enroll(who, course, due, completed=None, on_time=None):
        db.session.add(
            Enrollment(
                user_id=p[who].id,
                course_id=course.id,
                due_date=due,
                enrolled_at=LONG_AGO,
                completed_at=completed,
                on_time=on_time,
            )
        )

    enroll("an", c1, dt.date(2026, 3, 31), local(2026, 3, 20), True)
    enroll("binh", c1, dt.date(2026, 6, 30), local(2026, 7, 2), False)
    enroll("cuong", c1, dt.date(2026, 6, 30))
    enroll("dung", c1, dt.date(2026, 4, 30))
    enroll("dung", c2, dt.date(2026, 3, 31), local(2026, 3, 30), True)
    enroll("em", c1, dt.date(2026, 6, 30), local(2026, 6, 30, 23, 59, 59), True)
    enroll("em", c2, dt.date(2026, 7, 1))
    enroll("giang", c1, dt.date(2026, 3, 31))
    enroll("hoa", c2, dt.date(2025, 12, 31))

    def graded(who, quiz, number, score):
        db.session.add(
            Attempt(
                quiz_id=quiz.id,
                user_id=p[who].id,
                number=number,
                state="graded",
                started_at=LONG_AGO,
                submitted_at=LONG_AGO,
                score=score,
                passed=score >= 70,
            )
        )

    graded("an", q1, 1, 70.0)
    graded("an", q1, 2, 95.0)
    graded("binh", q1, 1, 60.0)
    graded("dung", q2, 1, 85.0)
    graded("em", q1, 1, 80.0)
    db.session.add(  # an attempt still open counts for nothing
        Attempt(quiz_id=q1.id, user_id=p["cuong"].id, number=1, started_at=LONG_AGO)
    )
    db.session.flush()
    best_scores.rebuild()  # attempts written here, not graded through the services

    def certificate(who, course, number, revoked=False):
        db.session.add(
            Certificate(
                serial=f"DV-2026-{number:06d}",
                year=2026,
                number=number,
                code=f"code-{number}",
                user_id=p[who].id,
                course_id=course.id,
                unit_id=p[who].unit_id,
                full_name=p[who].full_name,
                course_title=course.title,
                completed_at=LONG_AGO,
                completed_on=LONG_AGO.date(),
                issued_on=LONG_AGO.date(),
                issuer_name="Bộ CHQS tỉnh",
                signer_title="CHỈ HUY TRƯỞNG",
                place="Hà Tĩnh",
                revoked_at=NOW if revoked else None,
            )
        )

    certificate("an", c1, 1)
    certificate("binh", c1, 2, revoked=True)
    certificate("dung", c2, 3)
    db.session.flush()
    rebuild_certified()  # certificates written here, not issued through the services
    db.session.commit()

    invited = ("an", "binh", "cuong")
    session = make_session(units=(), invitees=invited, starts_at=local(2026, 3, 10, 8))
    for who, status in (("an", "present"), ("binh", "excused"), ("cuong", "absent")):
        db.session.add(
            AttendanceRecord(
                session_id=session.id, user_id=p[who].id, status=status, source="trainer"
            )
        )
    db.session.commit()
    return {"units": units, "people": p, "c1": c1, "c2": c2}


def test_each_child_unit_adds_up_everything_below_it(review):
    units = review["units"]
    overview = figures.unit_overview(scope(units["BCHQS"]))
    rows = {row.code: row.figures for row in overview.rows}
    assert set(rows) == {"HS", "HK"}
    hs, hk = rows["HS"], rows["HK"]
    # HS (through HS-01): an, binh, dung's C1 (placed by the due date, after the move), em.
    assert (hs.enrolled, hs.completed, hs.on_time, hs.overdue) == (4, 3, 2, 1)
    assert hs.rate == 75.0 and hs.on_time_rate == 50.0
    assert hs.average_score == round((95 + 60 + 80) / 3, 1)
    assert hs.certificates == 1  # binh's was revoked
    # an, binh, dung (moved in before the period ended), em, hoa and the fixture's hocvien;
    # not giang, whose account is deactivated.
    assert hs.cadres == 6
    # HK: cuong, and dung's C2, due before he moved.
    assert (hk.enrolled, hk.completed, hk.on_time, hk.overdue) == (2, 1, 1, 1)
    assert hk.average_score == 85.0 and hk.certificates == 1 and hk.cadres == 1
    total = overview.total
    assert (total.enrolled, total.completed, total.on_time, total.overdue) == (6, 4, 3, 2)
    assert total.rate == 66.7


def test_attendance_leaves_the_excused_out_of_the_rate(review):
    units = review["units"]
    rows = {row.code: row.figures for row in figures.unit_overview(scope(units["BCHQS"])).rows}
    assert rows["HS"].attendance.present == 1 and rows["HS"].attendance.excused == 1
    assert rows["HS"].attendance_rate == 100.0  # an present; binh excused does not count
    assert rows["HK"].attendance_rate == 0.0  # cuong absent


def test_units_with_nobody_show_zeros_and_no_rate(review):
    overview = figures.unit_overview(scope(review["units"]["HT"]))
    rows = {row.code: row.figures for row in overview.rows}
    assert rows["EMPTY"].enrolled == 0 and rows["EMPTY"].cadres == 0
    assert rows["EMPTY"].rate is None and rows["EMPTY"].average_score is None
    assert rows["BDBP"].cadres == 1 and rows["BDBP"].enrolled == 0  # hocvien.bp, nothing due
    assert overview.total.enrolled == 6


def test_the_period_edges_are_vietnam_dates(review):
    h2 = figures.unit_overview(scope(review["units"]["HT"], "2026-H2")).total
    assert h2.enrolled == 1 and h2.overdue == 1  # em's C2, due 1 July
    h2_2025 = figures.unit_overview(scope(review["units"]["HT"], "2025-H2")).total
    assert h2_2025.enrolled == 1  # hoa's, due 31 December 2025
    year = figures.unit_overview(scope(review["units"]["HT"], "2026")).total
    assert year.enrolled == 7


def test_overdue_waits_for_the_due_date_to_pass(review):
    # On 30 June (local) nothing due that day is overdue yet; the day after, it is.
    units = review["units"]
    on_the_day = figures.unit_overview(scope(units["HT"], today=dt.date(2026, 6, 30))).total
    assert on_the_day.overdue == 1  # only dung's C1, due 30 April
    next_day = figures.unit_overview(scope(units["HT"], today=dt.date(2026, 7, 1))).total
    assert next_day.overdue == 2


def test_one_course_only(review):
    total = figures.unit_overview(scope(review["units"]["HT"], course=review["c2"])).total
    assert (total.enrolled, total.completed) == (1, 1)


def test_a_unit_people_are_those_placed_in_it_on_the_due_date(review):
    units, p = review["units"], review["people"]
    rows = {row.username: row.figures for row in figures.people_of_unit(scope(units["HK"]))}
    assert set(rows) == {"cuong", "dung"}  # dung's C2 was due while he was in HK
    assert rows["dung"].enrolled == 1 and rows["dung"].completed == 1
    assert rows["dung"].cadres == 0  # not in HK when the period ended
    assert rows["cuong"].attendance_rate == 0.0
    hs01 = {row.username: row.figures for row in figures.people_of_unit(scope(units["HS-01"]))}
    # With them, the unit's cadres who had nothing due: hoa and the fixture's hocvien.
    assert set(hs01) == {"an", "binh", "dung", "em", "hoa", "hocvien"}
    assert hs01["hoa"].enrolled == 0 and hs01["hoa"].cadres == 1
    assert hs01["an"].average_score == 95.0 and hs01["an"].attendance_rate == 100.0
    assert p["giang"].username not in hs01


def test_month_by_month(review):
    months = figures.monthly_trend(scope(review["units"]["HT"]))
    assert [m.first_day.month for m in months] == [1, 2, 3, 4, 5, 6]
    assert [m.completed for m in months] == [0, 0, 2, 0, 0, 1]
    assert [m.cumulative for m in months] == [0, 0, 2, 2, 2, 3]
    assert months[-1].rate == 50.0  # binh completed after the period: not by June's end


def test_reminders_list_the_overdue_and_the_lagging(review):
    units = review["units"]
    chosen = scope(units["HT"])
    overdue = lists.overdue_people(chosen)
    assert [(o.username, o.unit_code, o.due_date) for o in overdue] == [
        ("dung", "HS-01", dt.date(2026, 4, 30)),
        ("cuong", "HK", dt.date(2026, 6, 30)),
    ]
    assert overdue[0].days_overdue(TODAY) == 215
    league = lists.unit_league(chosen)
    lagging = lists.lagging_units(league, 70)
    assert [(u.code, u.figures.rate) for u in lagging] == [("HK", 50.0), ("BCHQS", 66.7)]
    assert {u.code: u.depth for u in league} == {"BCHQS": 1, "HS": 2, "HS-01": 3, "HK": 2}


def test_commendations(review, monkeypatch):
    chosen = scope(review["units"]["HT"])
    assert [(e.username, e.best) for e in lists.early_high_scorers(chosen)] == [("an", 95.0)]
    best = lists.best_units(lists.unit_league(chosen))
    assert [u.code for u in best] == ["BCHQS"]  # the only one with five enrollments
    monkeypatch.setattr(lists, "MIN_ENROLLED_TO_RANK", 2)
    ranked = lists.best_units(lists.unit_league(chosen))
    # HS and HS-01 tie on every figure: by name.
    assert [u.code for u in ranked] == ["HS", "HS-01", "BCHQS", "HK"]


def test_pilots_against_the_rest(review):
    chosen = scope(review["units"]["HT"])
    comparison = lists.pilots_against_rest(chosen, lists.unit_league(chosen))
    assert (comparison.pilots.enrolled, comparison.pilots.completed) == (4, 3)
    assert (comparison.rest.enrolled, comparison.rest.completed) == (2, 1)
    assert [u.code for u in comparison.units] == ["HS-01"]
    assert lists.pilot_units_count(chosen) == 1


def test_course_rows(review):
    rows = {r.slug: r.figures for r in figures.course_rows(scope(review["units"]["HT"]))}
    assert (rows["khoa-1"].enrolled, rows["khoa-1"].completed) == (5, 3)
    assert (rows["khoa-2"].enrolled, rows["khoa-2"].completed) == (1, 1)
