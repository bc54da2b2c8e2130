"""The completion rule, in one place: a course is complete for a person once every module is
done, every required quiz passed (by the quiz's grading method) and their attendance at the
course's sessions reaches ``min_attendance``.

Courses, quizzes and attendance announce progress (``lms.courses.signals.progress_changed``);
this module listens, completes whom the rule now says, and has their certificates issued. The
rule is evaluated for a whole set of people at once: a fixed number of queries however many
people, quizzes or sessions a course has.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import Select, and_, case, func, literal, or_, select, update
from sqlalchemy.orm import aliased

from lms.attendance.models import AttendanceRecord, TrainingSession
from lms.attendance.roster import roster_pairs
from lms.courses.models import Course, Enrollment, Module, ModuleProgress
from lms.extensions import db
from lms.quizzes.models import Attempt, Quiz
from lms.timeutil import utcnow


@dataclass(frozen=True)
class Rule:
    course_id: int
    modules: int
    required_quizzes: list[str]
    min_attendance: int | None


def course_rule(course_id: int) -> Rule | None:
    row = db.session.execute(
        select(
            Course.required_quizzes,
            Course.min_attendance,
            select(func.count())
            .where(Module.course_id == Course.id)
            .correlate(Course)
            .scalar_subquery(),
        ).where(Course.id == course_id)
    ).first()
    if row is None:
        return None
    required, min_attendance, modules = row
    return Rule(course_id, modules or 0, list(required or []), min_attendance)


def _open_enrollments(rule: Rule, user_ids: list[int] | None) -> Select[Any]:
    """Who may complete now: enrolled, not completed, every module done."""
    done = (
        select(func.count())
        .select_from(ModuleProgress)
        .join(Module, Module.id == ModuleProgress.module_id)
        .where(ModuleProgress.user_id == Enrollment.user_id, Module.course_id == rule.course_id)
        .correlate(Enrollment)
        .scalar_subquery()
    )
    query = select(Enrollment.user_id).where(
        Enrollment.course_id == rule.course_id,
        Enrollment.completed_at.is_(None),
        done >= rule.modules,
    )
    if user_ids is not None:
        query = query.where(Enrollment.user_id.in_(user_ids))
    return query


def quiz_results(
    course_id: int, slugs: list[str], people: Select[Any]
) -> dict[int, dict[str, tuple[float, bool]]]:
    """For each person of ``people`` (a select of user ids): slug -> (score, passed) of the
    attempt that counts for each of the quizzes ``slugs``: the highest score (the first such
    attempt) or the last graded attempt, as the quiz's grading says. One query."""
    highest = Quiz.grading == "highest"
    ranked = (
        select(
            Attempt.user_id,
            Quiz.slug,
            Attempt.score,
            Attempt.passed,
            func.row_number()
            .over(
                partition_by=(Attempt.quiz_id, Attempt.user_id),
                order_by=(
                    case((highest, Attempt.score), else_=None).desc(),
                    case((highest, Attempt.number), else_=-Attempt.number),
                ),
            )
            .label("place"),
        )
        .join(Quiz, Quiz.id == Attempt.quiz_id)
        .where(
            Quiz.course_id == course_id,
            Quiz.slug.in_(slugs),
            Attempt.state == "graded",
            Attempt.user_id.in_(people),
        )
        .subquery()
    )
    out: dict[int, dict[str, tuple[float, bool]]] = {}
    for user_id, slug, score, passed in db.session.execute(
        select(ranked.c.user_id, ranked.c.slug, ranked.c.score, ranked.c.passed).where(
            ranked.c.place == 1
        )
    ):
        out.setdefault(user_id, {})[slug] = (float(score or 0.0), bool(passed))
    return out


def certificate_score(results: dict[str, tuple[float, bool]], slugs: list[str]) -> float | None:
    """The score a certificate shows: the mean, over the course's required quizzes, of the
    score each quiz counts (its highest or its last graded attempt, by the quiz's grading),
    to one decimal. None when the course requires no quiz."""
    if not slugs:
        return None
    scores = [results[slug][0] if slug in results else 0.0 for slug in slugs]
    return round(sum(scores) / len(scores), 1)


def attendance_met(course_id: int, minimum: int, people: Select[Any], now: dt.datetime) -> set[int]:
    """Those of ``people`` whose attendance at the course's sessions reaches ``minimum``
    percent: present or late over the places that count (excused ones do not; a session
    still to come, or over and unmarked, counts as not attended). One query."""
    pairs = roster_pairs(
        and_(TrainingSession.course_id == course_id, TrainingSession.cancelled_at.is_(None)),
        now,
    ).subquery()
    record = aliased(AttendanceRecord)
    attended = func.sum(case((record.status.in_(("present", "late")), 1), else_=0))
    counted = func.sum(
        case(
            (or_(record.status.is_(None), record.status.in_(("present", "late", "absent"))), 1),
            else_=0,
        )
    )
    rows = db.session.execute(
        select(pairs.c.user_id, attended, counted)
        .select_from(pairs)
        .outerjoin(
            record,
            and_(record.session_id == pairs.c.session_id, record.user_id == pairs.c.user_id),
        )
        .where(pairs.c.user_id.in_(people))
        .group_by(pairs.c.user_id)
    )
    return {
        user_id
        for user_id, present, places in rows
        if places and 100 * (present or 0) >= minimum * places
    }


def finished(rule: Rule, user_ids: list[int] | None, now: dt.datetime) -> dict[int, float | None]:
    """Those (of ``user_ids``, or anyone enrolled) whose open enrollment the rule now
    completes, with their certificate score. At most four queries."""
    if not rule.modules:
        return {}
    people = _open_enrollments(rule, user_ids)
    candidates = set(db.session.scalars(people))
    if not candidates:
        return {}
    results: dict[int, dict[str, tuple[float, bool]]] = {}
    if rule.required_quizzes:
        results = quiz_results(rule.course_id, rule.required_quizzes, people)
        candidates = {
            user_id
            for user_id in candidates
            if all(
                results.get(user_id, {}).get(slug, (0.0, False))[1]
                for slug in rule.required_quizzes
            )
        }
    if rule.min_attendance and candidates:
        candidates &= attendance_met(rule.course_id, rule.min_attendance, people, now)
    return {
        user_id: certificate_score(results.get(user_id, {}), rule.required_quizzes)
        for user_id in candidates
    }


def complete(course_id: int, user_ids: list[int] | None = None) -> dict[int, float | None]:
    """Complete the enrollments the rule now completes and return who was completed by this
    call (with their scores). The update is conditional (``completed_at IS NULL``): of two
    transactions completing the same enrollment at once, one gets the row, the other nothing.
    Completion is never taken back."""
    rule = course_rule(course_id)
    if rule is None:
        return {}
    now = utcnow()
    due = finished(rule, user_ids, now)
    if not due:
        return {}
    today = now.astimezone(_zone()).date()
    done = db.session.scalars(
        update(Enrollment)
        .where(
            Enrollment.course_id == course_id,
            Enrollment.user_id.in_(list(due)),
            Enrollment.completed_at.is_(None),
        )
        .values(
            completed_at=now,
            # On time: by the end of the due date, local time (no due date: on time).
            on_time=case(
                (Enrollment.due_date.is_(None), literal(True)),
                (Enrollment.due_date >= today, literal(True)),
                else_=literal(False),
            ),
        )
        .returning(Enrollment.user_id)
        .execution_options(synchronize_session=False)
    ).all()
    return {user_id: due[user_id] for user_id in done}


def _zone() -> ZoneInfo:
    return ZoneInfo(current_app.config["TIMEZONE"])
