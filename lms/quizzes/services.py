"""Quizzes of a course: their settings (checked in one place), creating and changing them,
and what a person achieved at them."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import bindparam, select

from lms.audit import services as audit
from lms.courses.models import Course
from lms.courses.slugs import check_slug
from lms.errors import InvalidInput
from lms.extensions import db
from lms.inputs import DATE_RANGE_MESSAGE, in_date_range
from lms.quizzes.models import (
    GRADING_METHODS,
    REVIEW_POLICIES,
    Attempt,
    Quiz,
)
from lms.text import clean, nfc

if TYPE_CHECKING:
    from lms.people.models import User

MAX_TIME_LIMIT_MINUTES = 24 * 60
MAX_QUESTIONS = 500

_SETTINGS = {
    "slug": "",
    "title": "",
    "description": "",
    "pass_score": 70,
    "time_limit_minutes": None,
    "max_attempts": None,
    "question_count": None,
    "categories": [],
    "shuffle_questions": True,
    "shuffle_choices": True,
    "grading": "highest",
    "review": "score",
    "opens_at": None,
    "closes_at": None,
    "published": False,
}


def _optional_int(values: dict[str, Any], name: str, low: int, high: int, message: Any) -> None:
    value = values[name]
    if value is None:
        return
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise InvalidInput(message, field=name)


def check_settings(values: dict[str, Any]) -> dict[str, Any]:
    """Quiz settings (the defaults for those not given) checked and normalised; InvalidInput
    names the first bad one in ``field``. Whether the slug is free is not checked here."""
    values = {**_SETTINGS, **values}
    check_slug(values["slug"])
    values["title"] = clean(nfc(values["title"] or ""))
    if not values["title"] or len(values["title"]) > 255:
        raise InvalidInput(_l("A quiz needs a title of at most 255 characters."), field="title")
    values["description"] = nfc(values["description"] or "")
    if len(values["description"]) > 20_000:
        raise InvalidInput(_l("The description is too long."), field="description")
    if values["pass_score"] is None:
        raise InvalidInput(_l("The pass score is a percentage from 0 to 100."), field="pass_score")
    _optional_int(values, "pass_score", 0, 100, _l("The pass score is a percentage from 0 to 100."))
    _optional_int(
        values,
        "time_limit_minutes",
        1,
        MAX_TIME_LIMIT_MINUTES,
        _l("The time limit is from 1 to %(n)s minutes, or none.", n=MAX_TIME_LIMIT_MINUTES),
    )
    _optional_int(
        values, "max_attempts", 1, 100, _l("The number of attempts is from 1 to 100, or unlimited.")
    )
    _optional_int(
        values,
        "question_count",
        1,
        MAX_QUESTIONS,
        _l("The number of questions is from 1 to %(n)s, or all.", n=MAX_QUESTIONS),
    )
    categories = values["categories"] or []
    if not isinstance(categories, list | tuple) or not all(
        isinstance(c, str) and c.strip() for c in categories
    ):
        raise InvalidInput(_l("Categories are a list of category names."), field="categories")
    values["categories"] = sorted({nfc(c.strip()) for c in categories})
    if values["grading"] not in GRADING_METHODS:
        raise InvalidInput(_l("Unknown grading method."), field="grading")
    if values["review"] not in REVIEW_POLICIES:
        raise InvalidInput(_l("Unknown review setting."), field="review")
    for name in ("opens_at", "closes_at"):
        moment = values[name]
        if moment is not None and (not isinstance(moment, dt.datetime) or moment.tzinfo is None):
            raise InvalidInput(_l("Opening and closing times need a time zone."), field=name)
        if moment is not None and not in_date_range(moment):
            raise InvalidInput(DATE_RANGE_MESSAGE, field=name)
    if values["opens_at"] and values["closes_at"] and values["opens_at"] >= values["closes_at"]:
        raise InvalidInput(_l("The quiz must open before it closes."), field="closes_at")
    for name in ("shuffle_questions", "shuffle_choices", "published"):
        values[name] = bool(values[name])
    return values


def _checked(values: dict[str, Any], course: Course, quiz_id: int | None) -> dict[str, Any]:
    values = check_settings(values)
    taken = select(Quiz.id).where(Quiz.course_id == course.id, Quiz.slug == values["slug"])
    if quiz_id is not None:
        taken = taken.where(Quiz.id != quiz_id)
    if db.session.scalar(taken) is not None:
        raise InvalidInput(
            _l("This course already has a quiz named %(slug)s.", slug=values["slug"]), field="slug"
        )
    return values


def create_quiz(
    course: Course,
    *,
    slug: str,
    title: str,
    actor: audit.Actor = None,
    **settings: Any,
) -> Quiz:
    unknown = set(settings) - set(_SETTINGS)
    if unknown:
        raise TypeError(f"unknown quiz settings: {sorted(unknown)}")
    values = _checked({**_SETTINGS, **settings, "slug": slug, "title": title}, course, None)
    quiz = Quiz(course_id=course.id, **values)
    db.session.add(quiz)
    db.session.flush()
    audit.record(
        "quiz.create",
        audit.Target("quiz", quiz.id, f"{course.slug}/{quiz.slug}"),
        actor=actor,
        after=_settings_of(quiz),
    )
    return quiz


def update_quiz(
    quiz: Quiz,
    course: Course,
    *,
    actor: audit.Actor = None,
    **changes: Any,
) -> Quiz:
    """Change some settings of ``quiz`` (of ``course``). Attempts already started keep the
    questions and deadline they started with."""
    unknown = set(changes) - set(_SETTINGS)
    if unknown:
        raise TypeError(f"unknown quiz settings: {sorted(unknown)}")
    if quiz.course_id != course.id:
        raise ValueError("the quiz is not of this course")
    before = _settings_of(quiz)
    values = _checked({**before, **changes}, course, quiz.id)
    for name, value in values.items():
        setattr(quiz, name, value)
    db.session.flush()
    after = _settings_of(quiz)
    changed = [name for name in after if after[name] != before[name]]
    if changed:
        audit.record(
            "quiz.update",
            audit.Target("quiz", quiz.id, f"{course.slug}/{quiz.slug}"),
            actor=actor,
            before={name: before[name] for name in changed},
            after={name: after[name] for name in changed},
        )
    return quiz


def _settings_of(quiz: Quiz) -> dict[str, Any]:
    return {name: getattr(quiz, name) for name in _SETTINGS}


# Built once (every quiz page and start asks it): a statement remembers its cache key.
_QUIZ_BY_SLUG = select(Quiz).where(
    Quiz.course_id == bindparam("course_id"), Quiz.slug == bindparam("slug")
)


def get_quiz(course: Course, slug: str) -> Quiz | None:
    return db.session.scalar(_QUIZ_BY_SLUG, {"course_id": course.id, "slug": slug})


def quiz_result(quiz: Quiz, user: User) -> tuple[float, bool] | None:
    """The user's result by the quiz's grading method: the highest graded attempt, or the
    last graded one. None before any attempt is graded."""
    order = (
        (Attempt.score.desc(), Attempt.number)
        if quiz.grading == "highest"
        else (Attempt.number.desc(),)
    )
    row = db.session.execute(
        select(Attempt.score, Attempt.passed)
        .where(Attempt.quiz_id == quiz.id, Attempt.user_id == user.id, Attempt.state == "graded")
        .order_by(*order)
        .limit(1)
    ).first()
    if row is None:
        return None
    return float(row.score), bool(row.passed)


def published_quizzes(course: Course) -> list[Quiz]:
    return list(
        db.session.scalars(
            select(Quiz)
            .where(Quiz.course_id == course.id, Quiz.published.is_(True))
            .order_by(Quiz.title)
        )
    )


def passed_quiz_slugs(user_id: int, course_id: int) -> set[str]:
    """The course's quizzes the person has passed, by each quiz's grading method."""
    passed = set()
    for quiz in db.session.scalars(select(Quiz).where(Quiz.course_id == course_id)):
        order = (
            (Attempt.score.desc(), Attempt.number)
            if quiz.grading == "highest"
            else (Attempt.number.desc(),)
        )
        result = db.session.scalar(
            select(Attempt.passed)
            .where(
                Attempt.quiz_id == quiz.id, Attempt.user_id == user_id, Attempt.state == "graded"
            )
            .order_by(*order)
            .limit(1)
        )
        if result:
            passed.add(quiz.slug)
    return passed
