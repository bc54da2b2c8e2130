"""The large demo's history of training (lms/demo/activity.py), on a scaled-down province: it
must be what the services would have left, so that the dashboards and reviews built on it (and
the certificate, quiz and attendance pages) read real-looking, consistent data."""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter, defaultdict

import pytest
from flask import current_app
from sqlalchemy import func, inspect, select

from lms.attendance.models import AttendanceRecord, TrainingSession
from lms.attendance.roster import roster_pairs
from lms.certificates import completion
from lms.certificates import services as certificates
from lms.certificates.models import Certificate, CertificateCounter
from lms.courses.cli import courses_dir
from lms.courses.models import Assignment, Course, Enrollment, Module, ModuleProgress
from lms.demo import services
from lms.demo.activity import BULK_TABLES
from lms.demo.services import DEMO_PASSWORD
from lms.demo.training import NAMED
from lms.extensions import db
from lms.people.models import UnitMembership, User
from lms.people.services import unit_at
from lms.quizzes import best_scores, regrading
from lms.quizzes import display as quiz_display
from lms.quizzes.models import Answer, Attempt, AttemptQuestion, Quiz
from lms.timeutil import local_today, utcnow
from lms.units.models import Unit
from tests.support import login

SCALE = 0.015  # 300 cadres: seconds, not minutes


@pytest.fixture
def province():
    result = services.load("large", courses_dir=courses_dir(), scale=SCALE)
    db.session.commit()
    return result


def _zone_today() -> dt.date:
    return local_today(current_app.config["TIMEZONE"])


def _half(day: dt.date) -> tuple[int, int]:
    return day.year, 1 if day.month <= 6 else 2


def test_every_period_has_assignments_and_completions_follow_the_rule(province):
    activity = province.activity
    assert activity is not None and activity.enrollments > 1_000
    today = _zone_today()
    year, half = _half(today)
    index = year * 2 + half - 1
    halves = Counter(_half(d) for d in db.session.scalars(select(Assignment.due_date)))
    wanted = {((index + k) // 2, (index + k) % 2 + 1) for k in (-2, -1, 0, 1)}
    assert wanted <= set(halves), halves
    this_half = [
        d for d in db.session.scalars(select(Assignment.due_date)) if _half(d) == _half(today)
    ]
    assert min(this_half) < today <= max(this_half)

    # Nothing is left for the rule to complete, and nothing to issue.
    reconciled = certificates.reconcile()
    assert (reconciled.completed, reconciled.issued) == (0, 0)
    now = utcnow()
    for course_id in db.session.scalars(select(Course.id)):
        rule = completion.course_rule(course_id)
        assert completion.finished(rule, None, now) == {}

    modules = dict(
        db.session.execute(select(Module.course_id, func.count()).group_by(Module.course_id)).all()
    )
    reads: dict[tuple[int, int], list[dt.datetime]] = defaultdict(list)
    for user_id, course_id, moment in db.session.execute(
        select(ModuleProgress.user_id, Module.course_id, ModuleProgress.completed_at).join(
            Module, Module.id == ModuleProgress.module_id
        )
    ):
        reads[user_id, course_id].append(moment)
    passes: dict[tuple[int, int], dt.datetime] = {}
    for user_id, course_id, moment in db.session.execute(
        select(Attempt.user_id, Quiz.course_id, func.min(Attempt.submitted_at))
        .join(Quiz, Quiz.id == Attempt.quiz_id)
        .where(Attempt.passed.is_(True))
        .group_by(Attempt.user_id, Quiz.course_id)
    ):
        passes[user_id, course_id] = moment
    enrolled = db.session.scalars(select(Enrollment)).all()
    named = set(db.session.scalars(select(User.id).where(User.username.in_(NAMED))))
    for enrollment in enrolled:
        key = (enrollment.user_id, enrollment.course_id)
        assert enrollment.assignment_id is not None and enrollment.due_date is not None
        assert all(enrollment.enrolled_at < moment <= now for moment in reads[key]), key
        if enrollment.completed_at is None:
            assert enrollment.on_time is None
            continue
        # Completed once the rule was met: every module, then the pass; at that very moment
        # (the named accounts' story, told through the services, is dated more loosely).
        assert len(reads[key]) == modules[enrollment.course_id], key
        met = max(max(reads[key]), passes[key])
        assert enrollment.completed_at == met or (
            enrollment.user_id in named and enrollment.completed_at > met
        ), key
        local = enrollment.completed_at.astimezone(certificates._zone()).date()
        assert enrollment.on_time == (local <= enrollment.due_date), key
    # Reading only in courses the person is enrolled in.
    assert set(reads) <= {(e.user_id, e.course_id) for e in enrolled}
    done = [e for e in enrolled if e.completed_at is not None]
    assert any(e.on_time for e in done) and any(e.on_time is False for e in done)
    overdue = [e for e in enrolled if e.completed_at is None and e.due_date < today]
    assert overdue


def test_pilots_and_regions_move_at_different_paces(province):
    rows = db.session.execute(
        select(Unit.code, Unit.pilot, Enrollment.completed_at)
        .join(UnitMembership, UnitMembership.user_id == Enrollment.user_id)
        .join(Unit, Unit.id == UnitMembership.unit_id)
        .where(UnitMembership.ended_at.is_(None))
    ).all()

    def rate(rows):
        return sum(1 for r in rows if r.completed_at is not None) / len(rows)

    pilots = [r for r in rows if r.pilot]
    others = [r for r in rows if not r.pilot]
    assert rate(pilots) > rate(others) + 0.1
    ahead = [r for r in rows if r.code.startswith(("BCHQS-HS", "CAT-HS"))]
    behind = [r for r in rows if r.code.startswith(("BCHQS-TH", "CAT-TH"))]
    assert rate(ahead) > rate(behind) + 0.1


def test_attempts_are_what_the_engine_would_have_written(province, app, client):
    quizzes = {q.id: q for q in db.session.scalars(select(Quiz))}
    attempts = db.session.scalars(select(Attempt).order_by(Attempt.id)).all()
    assert len(attempts) > 500
    numbers: dict[tuple[int, int], list[int]] = defaultdict(list)
    for attempt in attempts:
        numbers[attempt.quiz_id, attempt.user_id].append(attempt.number)
        quiz = quizzes[attempt.quiz_id]
        assert attempt.state == "graded"
        assert attempt.started_at < attempt.submitted_at <= attempt.deadline
        assert attempt.passed == (attempt.score >= quiz.pass_score)
    for (quiz_id, _user), taken in numbers.items():
        assert taken == list(range(1, len(taken) + 1))
        assert len(taken) <= quizzes[quiz_id].max_attempts
    results = Counter((a.number, a.passed) for a in attempts)
    assert results[1, False] and results[2, True] and results[3, False]  # failed, retried
    # Frozen questions and answers: the score is their credits, as grading gives them.
    questions = Counter(db.session.scalars(select(AttemptQuestion.attempt_id)))
    assert {questions[a.id] for a in attempts} == {10}
    earned: Counter[int] = Counter()
    for answer, snapshot, started, submitted in db.session.execute(
        select(Answer, AttemptQuestion.snapshot, Attempt.started_at, Attempt.submitted_at)
        .join(
            AttemptQuestion,
            (AttemptQuestion.attempt_id == Answer.attempt_id)
            & (AttemptQuestion.position == Answer.position),
        )
        .join(Attempt, Attempt.id == Answer.attempt_id)
    ):
        assert started <= answer.saved_at <= submitted
        assert answer.credit is not None
        assert (answer.graded_by is not None) == (snapshot["kind"] == "essay")
        earned[answer.attempt_id] += answer.credit
    for attempt in attempts:
        assert attempt.score == round(100.0 * earned[attempt.id] / 10, 2), attempt.id
    assert regrading.regrade_submitted() == []  # the grader agrees with every stored credit

    # Review and results pages read them.
    attempt = next(a for a in attempts if a.passed)
    quiz = quizzes[attempt.quiz_id]
    course = db.session.get(Course, quiz.course_id)
    user = db.session.get(User, attempt.user_id)
    login(client, user.username, DEMO_PASSWORD)
    page = client.get(f"/attempts/{attempt.id}/review")
    assert page.status_code == 200 and f"{attempt.score:.0f}%" in page.get_data(as_text=True)
    # What a review shows once the quiz allows it: every question, answer and the key.
    shown = quiz_display.attempt_view(attempt, reveal="correct")
    assert [item["position"] for item in shown] == list(range(1, 11))
    assert sum(item["credit"] for item in shown) == pytest.approx(attempt.score / 10)
    trainer = app.test_client()
    login(trainer, "giangvien", DEMO_PASSWORD)
    page = trainer.get(f"/authoring/{course.slug}/quizzes/{quiz.slug}/results")
    assert page.status_code == 200 and user.full_name in page.get_data(as_text=True)


def test_certificates_transfers_and_attendance(province):
    completed = {
        (e.user_id, e.course_id): e
        for e in db.session.scalars(select(Enrollment).where(Enrollment.completed_at.is_not(None)))
    }
    issued = db.session.scalars(select(Certificate).order_by(Certificate.id)).all()
    assert {(c.user_id, c.course_id) for c in issued} == set(completed)
    by_year: dict[int, list[Certificate]] = defaultdict(list)
    for certificate in issued:
        by_year[certificate.year].append(certificate)
        assert re.fullmatch(r"DV-\d{4}-\d{6}", certificate.serial)
        assert certificate.serial == certificates.serial_for(certificate.year, certificate.number)
        assert certificate.issued_on.year == certificate.year
        enrollment = completed[certificate.user_id, certificate.course_id]
        assert certificate.completed_at == enrollment.completed_at
        assert certificate.unit_id == unit_at(certificate.user_id, certificate.completed_at)
        unit = db.session.get(Unit, certificate.unit_id)
        assert (certificate.unit_code, certificate.unit_name) == (unit.code, unit.name)
        assert certificate.unit_chain[0] == unit.name
        assert certificate.unit_chain[-1] == "Tỉnh Hà Tĩnh"
        assert certificate.expires_on == certificates.add_months(certificate.issued_on, 24)
        results = completion.quiz_results(
            certificate.course_id,
            ["kiem-tra-cuoi-khoa"],
            select(User.id).where(User.id == certificate.user_id),
        )
        assert certificate.score == completion.certificate_score(
            results.get(certificate.user_id, {}), ["kiem-tra-cuoi-khoa"]
        )
    assert len({c.code for c in issued}) == len(issued)
    counters = dict(
        db.session.execute(select(CertificateCounter.year, CertificateCounter.last)).all()
    )
    assert set(counters) == set(by_year)
    for year, listed in by_year.items():
        listed.sort(key=lambda c: c.number)
        assert [c.number for c in listed] == list(range(1, len(listed) + 1))
        assert counters[year] == len(listed)
        assert [c.issued_at for c in listed] == sorted(c.issued_at for c in listed)
    assert any(c.score >= 90 for c in issued)

    # Transfers: the old membership closes when the new one opens; the unit is the new one.
    moved = (
        db.session.execute(
            select(UnitMembership.user_id).group_by(UnitMembership.user_id).having(func.count() > 1)
        )
        .scalars()
        .all()
    )
    assert moved
    differs = 0  # people whose unit on one of their due dates is not their unit now
    for user_id in moved:
        old, new = db.session.scalars(
            select(UnitMembership)
            .where(UnitMembership.user_id == user_id)
            .order_by(UnitMembership.started_at)
        ).all()
        assert old.ended_at == new.started_at and new.ended_at is None
        assert db.session.get(User, user_id).unit_id == new.unit_id
        dues = db.session.scalars(select(Enrollment.due_date).where(Enrollment.user_id == user_id))
        differs += any(certificates.local_date(old.ended_at) > due for due in dues)
    assert differs

    # Attendance: every record is of someone on the session's roster, all four statuses.
    now = utcnow()
    records = db.session.execute(
        select(AttendanceRecord.session_id, AttendanceRecord.user_id, AttendanceRecord.status)
    ).all()
    assert len(records) > 100
    assert {r.status for r in records} == {"present", "late", "excused", "absent"}
    roster = {
        (session_id, user_id)
        for session_id, user_id in db.session.execute(
            roster_pairs(TrainingSession.id.is_not(None), now)
        )
    }
    assert {(r.session_id, r.user_id) for r in records} <= roster
    assert db.session.scalar(
        select(func.count()).select_from(TrainingSession).where(TrainingSession.starts_at > now)
    )


def _foreign_keys() -> dict[str, list[dict]]:
    inspector = inspect(db.session.connection())
    return {table.name: inspector.get_foreign_keys(table.name) for table in BULK_TABLES}


def test_the_named_accounts_keep_their_story_and_the_schema_stays():
    before = _foreign_keys()
    services.load("large", courses_dir=courses_dir(), scale=SCALE)
    db.session.commit()
    # The foreign keys checked once after the load (PostgreSQL) are back as they were.
    assert _foreign_keys() == before
    hocvien = db.session.scalar(select(User).where(User.username == "hocvien"))
    state = dict(
        db.session.execute(
            select(Course.slug, Enrollment.completed_at)
            .join(Enrollment, Enrollment.course_id == Course.id)
            .where(Enrollment.user_id == hocvien.id)
        ).all()
    )
    assert state["dan-van-kheo"] is None and state["co-so-phap-ly-dan-van"] is not None
    overdue = db.session.scalar(
        select(Enrollment.due_date)
        .join(Course, Course.id == Enrollment.course_id)
        .where(Enrollment.user_id == hocvien.id, Course.slug == "quan-triet-chi-thi-dan-van")
    )
    assert overdue < _zone_today() and state["quan-triet-chi-thi-dan-van"] is None
    assert certificates.reconcile().issued == 0


def test_the_figures_kept_on_each_enrollment_match_the_history(province):
    """The demo writes attempts and certificates in bulk, around the services that keep
    ``best_score`` and ``certified``: it must leave them as a rebuild gives them, and they
    must not all be empty (the dashboard reads them)."""
    rows = db.session.execute(
        select(Enrollment.id, Enrollment.best_score, Enrollment.certified)
    ).all()
    scored = sum(1 for row in rows if row.best_score is not None)
    standing = sum(1 for row in rows if row.certified)
    assert scored > 100 and standing > 100
    best_scores.rebuild()
    certificates.rebuild_certified()
    db.session.commit()
    again = db.session.execute(
        select(Enrollment.id, Enrollment.best_score, Enrollment.certified).execution_options(
            populate_existing=True
        )
    ).all()
    assert sorted(again) == sorted(rows)
