"""The large demo's history of training across the province, written set-based: the shipped
courses assigned in waves (pilot units first) with due dates in the half-years the reviews
cover; every cadre enrolled by the first assignment that reached them (also those who moved
into a unit later); their reading, attempts at each course's required quiz, completions (with
on_time as lms.certificates.completion defines it) and certificates; transfers between units;
training sessions with their attendance.

Everything satisfies the completion rule: a completion is recorded exactly when every module
is read and the required quiz passed, at that moment, so ``lms certificates reconcile`` finds
nothing to do. The named demo accounts are enrolled but left untouched: their story is told
through the services afterwards (lms.demo.training)."""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import ColumnElement, func, insert, select

from lms.attendance.models import AttendanceRecord, TrainingSession
from lms.certificates.completion import certificate_score
from lms.certificates.models import Certificate
from lms.courses.models import Assignment, Course, Enrollment, Module, ModuleProgress
from lms.demo import attempt_rows, attendance_rows, certificate_rows, timeline
from lms.demo.bulk import foreign_keys_checked_after, insert_rows
from lms.demo.certificate_rows import Completion, CourseFacts
from lms.demo.progress import QuizFacts, simulate
from lms.demo.timeline import Cadre, Clock, Province
from lms.extensions import db
from lms.people.models import User
from lms.quizzes.models import Answer, Attempt, AttemptQuestion, Quiz

# The tables the activity fills by the hundred thousand.
BULK_TABLES = [
    Enrollment.__table__,
    ModuleProgress.__table__,
    Attempt.__table__,
    AttemptQuestion.__table__,
    Answer.__table__,
    Certificate.__table__,
    AttendanceRecord.__table__,
]


@dataclass
class ActivityResult:
    assignments: int = 0
    enrollments: int = 0
    modules_read: int = 0
    attempts: int = 0
    completed: int = 0
    on_time: int = 0
    overdue: int = 0
    certificates: int = 0
    sessions: int = 0
    attendance: int = 0
    transfers: int = 0


@dataclass(frozen=True)
class Wave:
    assignment_id: int
    course_id: int
    unit_id: int
    due: dt.date
    created: dt.datetime


@dataclass
class CourseRun:
    """A course as the generator needs it: its modules, its required quiz and its draws."""

    course: Course
    facts: CourseFacts
    modules: list[int]
    quiz: QuizFacts | None
    draws: attempt_rows.QuizDraws | None
    slug: str  # of the required quiz


def add_activity(
    courses: list[Course], rng: random.Random, now: dt.datetime, *, keep: set[str]
) -> ActivityResult:
    """``keep``: usernames whose progress the demo tells through the services instead."""
    clock = Clock(now, ZoneInfo(current_app.config["TIMEZONE"]))
    province = timeline.load_province(rng)
    result = ActivityResult()
    result.transfers = timeline.settle_history(province, clock, rng, keep)
    names = dict(db.session.execute(select(User.username, User.id)).all())
    commander = names.get("chihuy.tinh")
    waves = _assign(courses, province, clock, rng, commander)
    result.assignments = len(waves)
    runs = [(course, _course_run(course, rng)) for course in courses]
    planned = attempt_rows.Planned()
    completions: list[Completion] = []
    enrollments, reads = [], []
    for cadre in province.cadres:
        for course, run in runs:
            enrolled = _enrollment(cadre, waves.get(course.id, []), province)
            if enrolled is None:
                continue
            wave, when, due = enrolled
            row: dict[str, Any] = {
                "user_id": cadre.id,
                "course_id": course.id,
                "assignment_id": wave.assignment_id,
                "due_date": due,
                "enrolled_at": when,
                "completed_at": None,
                "on_time": None,
            }
            enrollments.append(row)
            if run is None or cadre.username in keep:
                continue
            unit_id = cadre.unit_at(when) or cadre.history[-1][0]
            strength = province.pace(unit_id) + 0.5 * cadre.diligence
            outcome = simulate(rng, clock, when, due, len(run.modules), run.quiz, strength)
            reads += [
                {"user_id": cadre.id, "module_id": module_id, "completed_at": moment}
                for module_id, moment in zip(run.modules, outcome.reads, strict=False)
            ]
            score = None
            for number, (started, submitted, passing) in enumerate(outcome.attempts, start=1):
                assert run.draws is not None
                score = attempt_rows.plan_attempt(
                    planned,
                    run.draws,
                    rng,
                    cadre.id,
                    number,
                    started,
                    submitted,
                    passing,
                    strength,
                )
            if outcome.completed_at is not None:
                row["completed_at"] = outcome.completed_at
                row["on_time"] = outcome.completed_at < clock.due_end(due)
                result.on_time += row["on_time"]
                results = {run.slug: (score, True)} if score is not None else {}
                slugs = [run.slug] if run.quiz else []
                completions.append(
                    Completion(
                        cadre, run.facts, outcome.completed_at, certificate_score(results, slugs)
                    )
                )
            elif due < clock.today:
                result.overdue += 1
    with foreign_keys_checked_after(*BULK_TABLES):
        result.enrollments = insert_rows(Enrollment.__table__, enrollments)
        result.modules_read = insert_rows(ModuleProgress.__table__, reads)
        result.attempts = attempt_rows.write(
            planned, [run.draws for _c, run in runs if run and run.draws], names.get("giangvien")
        )
        result.completed = len(completions)
        result.certificates = certificate_rows.write(completions)
        result.sessions, result.attendance = attendance_rows.write(
            province,
            clock,
            rng,
            [(course.id, course.title) for course, run in runs if run is not None],
            {name: names[name] for name in ("giangvien", "giangvien.bdbp")},
        )
    return result


def _assign(
    courses: list[Course],
    province: Province,
    clock: Clock,
    rng: random.Random,
    commander: int | None,
) -> dict[int, list[Wave]]:
    """Insert each course's assignments, wave by wave; returns them per course, oldest
    first."""
    rows: list[dict[str, Any]] = []
    for course in courses:
        done: set[int] = set()
        for codes, offset, fraction in timeline.WAVES.get(course.slug, timeline.OTHER_WAVES):
            due = clock.due_date(offset, fraction)
            lead = dt.timedelta(days=rng.randint(*timeline.LEAD_DAYS))
            latest = clock.now - dt.timedelta(days=rng.randint(10, 40))
            created = clock.daytime(min(clock.local(due, 8.0) - lead, latest))
            for code in codes:
                for unit_id in province.select(code):
                    if unit_id in done:
                        continue
                    done.add(unit_id)
                    rows.append(
                        {
                            "course_id": course.id,
                            "unit_id": unit_id,
                            "due_date": due,
                            "open": True,
                            "assigned_by": commander,
                            "created_at": created,
                        }
                    )
    statement = insert(Assignment).returning(Assignment.id, sort_by_parameter_order=True)
    ids = db.session.scalars(statement, rows).all() if rows else []
    waves: dict[int, list[Wave]] = {}
    for assignment_id, row in zip(ids, rows, strict=True):
        waves.setdefault(row["course_id"], []).append(
            Wave(
                assignment_id, row["course_id"], row["unit_id"], row["due_date"], row["created_at"]
            )
        )
    for listed in waves.values():
        listed.sort(key=lambda w: (w.created, w.assignment_id))
    return waves


def _enrollment(
    cadre: Cadre, waves: list[Wave], province: Province
) -> tuple[Wave, dt.datetime, dt.date] | None:
    """The assignment that enrolled ``cadre``, when, and their due date: the first one made
    while they were in a unit it covers, or, when they moved into a unit whose open
    assignment came earlier, the move (as enrollment.enrol_in_open_assignments does: the
    latest such assignment, the earliest due date)."""
    best = None
    for number, (unit_id, start, end) in enumerate(cadre.history):
        above = set(province.ancestors[unit_id])
        covering = [w for w in waves if w.unit_id in above]
        if number and (joined := [w for w in covering if w.created < start]):
            candidate = (
                max(joined, key=lambda w: w.assignment_id),
                start,
                min(w.due for w in joined),
            )
            if best is None or candidate[1] < best[1]:
                best = candidate
        for wave in covering:
            if start <= wave.created and (end is None or wave.created < end):
                if best is None or wave.created < best[1]:
                    best = (wave, wave.created, wave.due)
                break
    return best


def _course_run(course: Course, rng: random.Random) -> CourseRun | None:
    """None for a course without modules, requiring more than one quiz (or one that is not
    published) or a minimum attendance: the demo enrols but leaves no progress there."""
    modules = list(
        db.session.scalars(
            select(Module.id).where(Module.course_id == course.id).order_by(Module.position)
        )
    )
    required = list(course.required_quizzes or [])
    if not modules or len(required) > 1 or course.min_attendance:
        return None
    quiz = None
    if required:
        quiz = db.session.scalar(
            select(Quiz).where(Quiz.course_id == course.id, Quiz.slug == required[0])
        )
        if quiz is None or not quiz.published:
            return None
    facts = CourseFacts(
        course.id,
        course.title,
        course.certificate_valid_months,
        course.certificate_issuer,
        course.certificate_signer_title,
    )
    if quiz is None:
        return CourseRun(course, facts, modules, None, None, "")
    draws = attempt_rows.prepare(quiz, rng)
    quiz_facts = QuizFacts(quiz.id, quiz.pass_score, quiz.max_attempts, quiz.time_limit_minutes)
    return CourseRun(course, facts, modules, quiz_facts, draws, quiz.slug)


def recount(result: ActivityResult, today: dt.date) -> None:
    """Fill ``result`` with the counts the database holds now (the named accounts' story,
    told through the services after the activity, included)."""

    def count(model: type, *where: ColumnElement[bool]) -> int:
        return db.session.scalar(select(func.count()).select_from(model).where(*where)) or 0

    result.assignments = count(Assignment)
    result.enrollments = count(Enrollment)
    result.completed = count(Enrollment, Enrollment.completed_at.is_not(None))
    result.on_time = count(Enrollment, Enrollment.on_time.is_(True))
    result.overdue = count(
        Enrollment, Enrollment.completed_at.is_(None), Enrollment.due_date < today
    )
    result.modules_read = count(ModuleProgress)
    result.attempts = count(Attempt)
    result.certificates = count(Certificate)
    result.sessions = count(TrainingSession)
    result.attendance = count(AttendanceRecord)
