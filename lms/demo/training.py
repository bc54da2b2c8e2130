"""The demo's training: the shipped course assigned to the whole province, some cadres part way
through it, a few finished, with attempts passed and failed at the course's own final quiz
(defined in its folder)."""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass
from pathlib import Path

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from lms.courses import enrollment
from lms.courses.folders import sync_folders
from lms.courses.models import Course, Enrollment, Module
from lms.errors import InvalidInput
from lms.extensions import db
from lms.people.models import User, UserRole
from lms.quizzes import attempts
from lms.quizzes.models import Quiz
from lms.timeutil import utcnow
from lms.units.models import Unit, UnitClosure

DEMO_COURSE = "dan-van-kheo"
PROGRESS_UNIT = "BCHQS-HS"  # Hương Sơn: the district whose cadres attended last week's session


@dataclass
class TrainingResult:
    course: str | None = None
    enrolled: int = 0
    modules_read: int = 0
    completed: int = 0
    attempts: int = 0


def demo_course(courses_dir: Path | None) -> Course | None:
    """The shipped course, synced from ``courses_dir`` when the database does not have it."""
    course = db.session.scalar(select(Course).where(Course.slug == DEMO_COURSE))
    if course is None and courses_dir is not None and (courses_dir / DEMO_COURSE).is_dir():
        sync_folders(courses_dir)
        course = db.session.scalar(select(Course).where(Course.slug == DEMO_COURSE))
    return course if course is not None and course.status == "published" else None


def add_training(course: Course, rng: random.Random) -> TrainingResult:
    now = utcnow()
    result = TrainingResult(course=course.slug)
    root = db.session.scalar(select(Unit).where(Unit.parent_id.is_(None)).order_by(Unit.id))
    _assignment, result.enrolled = enrollment.assign(
        course, root, (now + dt.timedelta(days=60)).date(), actor=None, actor_name="demo"
    )
    modules = list(
        db.session.scalars(
            select(Module).where(Module.course_id == course.id).order_by(Module.position)
        )
    )
    quiz = _quiz(course)
    cadres = _cadres_of_the_district()
    # The first (hocvien) is part way and failed the quiz once; then five finish everything,
    # four are part way (two of them failed the quiz), the rest have not started.
    for index, user in enumerate(cadres):
        if index == 0:
            read, answers = 2, [False]
        elif index <= 5:
            read, answers = len(modules), ([True] if index % 2 else [False, True])
        elif index <= 9:
            read, answers = rng.randint(1, len(modules) - 1), ([False] if index <= 7 else [])
        else:
            break
        for module in modules[:read]:
            result.modules_read += enrollment.mark_module_done(user, module)
        for number, passing in enumerate(answers):
            started = now - dt.timedelta(days=3 - number, hours=rng.randint(1, 8))
            _attempt(quiz, user, passing, started, rng)
            result.attempts += 1
    result.completed = len(
        db.session.scalars(
            select(Enrollment.user_id).where(
                Enrollment.course_id == course.id,
                Enrollment.completed_at.is_not(None),
            )
        ).all()
    )
    return result


def _quiz(course: Course) -> Quiz:
    """The course's required final quiz, as its folder defines it."""
    for slug in course.required_quizzes:
        quiz = attempts.get_quiz(course, slug)
        if quiz is not None and quiz.published:
            return quiz
    raise InvalidInput(_l("The course %(slug)s has no published required quiz.", slug=course.slug))


def _cadres_of_the_district() -> list[User]:
    """hocvien first, then the district's other cadres (who attended last week's session)."""
    district = (
        select(UnitClosure.descendant_id)
        .join(Unit, Unit.id == UnitClosure.ancestor_id)
        .where(Unit.code == PROGRESS_UNIT)
    )
    users = list(
        db.session.scalars(
            select(User)
            .join(UserRole, UserRole.user_id == User.id)
            .where(UserRole.role == "cadre", User.unit_id.in_(district))
            .options(selectinload(User.role_rows))
            .order_by(User.id)
            .limit(40)
        )
    )
    users.sort(key=lambda u: u.username != "hocvien")
    return users


def _attempt(quiz, user: User, passing: bool, started: dt.datetime, rng: random.Random) -> None:
    """An attempt answered through the engine like a cadre would, graded like a trainer would
    (essays: full credit when passing, none otherwise)."""
    attempt = attempts.start_attempt(quiz, user, now=started, rng=rng)
    questions = attempts.questions_of(attempt)
    gradable = [i for i, q in enumerate(questions) if q.snapshot["kind"] != "essay"]
    wrong = set() if passing else set(rng.sample(gradable, min(4, len(gradable))))
    for offset, question in enumerate(questions):
        response = _answer(question.snapshot, question.choice_order, right=offset not in wrong)
        attempts.save_answer(
            attempt, question.position, response, now=started + dt.timedelta(minutes=offset + 1)
        )
    attempts.submit(attempt.id, now=started + dt.timedelta(minutes=len(questions) + 2))
    for question in questions:
        if question.snapshot["kind"] == "essay":
            attempts.grade_essay(
                attempt, question.position, 1.0 if passing else 0.0, grader=_trainer()
            )


def _trainer() -> User:
    return db.session.scalar(select(User).where(User.username == "giangvien"))


def _answer(snapshot: dict, order: list[int], *, right: bool) -> dict:
    """A response as the attempt page sends it (choices numbered as shown), right or wrong."""
    kind = snapshot["kind"]
    if kind == "truefalse":
        return {"value": bool(snapshot["correct"]) == right}
    if kind == "single":
        fractions = [c["fraction"] for c in snapshot["choices"]]
        best = fractions.index(max(fractions))
        pick = best if right else next(i for i, f in enumerate(fractions) if f <= 0)
        return {"choice": order.index(pick)}
    if kind == "multiple":
        good = [i for i, c in enumerate(snapshot["choices"]) if c["fraction"] > 0]
        bad = [i for i, c in enumerate(snapshot["choices"]) if c["fraction"] <= 0]
        return {"choices": sorted(order.index(i) for i in (good if right else bad[:1]))}
    if kind == "shortanswer":
        best = max(snapshot["choices"], key=lambda c: c["fraction"])
        return {"text": best["text"] if right else "không rõ"}
    if kind == "numerical":
        answer = snapshot["numeric"][0]
        value = answer["value"] if answer.get("value") is not None else answer["minimum"]
        return {"text": f"{value:g}" if right else f"{value + 1000:g}"}
    if kind == "matching":
        pairs = snapshot["pairs"]
        shift = 0 if right else 1
        return {
            "pairs": {
                str(i): order.index((i + shift) % len(pairs))
                for i, pair in enumerate(pairs)
                if pair["left"]
            }
        }
    return {"text": "Cần lắng nghe, tôn trọng và giải thích cho Nhân dân bằng việc làm cụ thể."}
