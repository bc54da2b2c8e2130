"""Quizzes and attempts: start, autosave, deadline, idempotent submit, grading, review.

The rules that keep answers safe when many cadres answer at once:

- An attempt freezes its questions when it starts (AttemptQuestion.snapshot): editing or
  deleting a bank question afterwards changes nothing in it.
- ``save_answers`` writes the changed answers in one INSERT ... ON CONFLICT DO UPDATE that
  only writes while the attempt is in progress (checked in the same statement); on PostgreSQL
  it first takes a share lock on the attempt row, so a save and a submit of the same attempt
  are ordered: every save that returned is graded, every save that comes after the submit is
  refused.
- ``submit`` moves the attempt out of "in_progress" with one conditional UPDATE: only the
  caller whose UPDATE changed the row grades; every other one (double click, second tab) gets
  the attempt the first one graded.

Services flush; the caller commits. ``now`` is passed in so that tests control the clock.
"""

from __future__ import annotations

import datetime as dt
import math
import random
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, case, cast, exists, func, literal, or_, select, union_all, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.util import identity_key

from lms.audit import services as audit
from lms.courses.models import Course
from lms.courses.services import check_slug
from lms.courses.signals import announce_progress
from lms.database import UTCDateTime
from lms.errors import InvalidInput
from lms.extensions import db
from lms.inputs import DATE_RANGE_MESSAGE, in_date_range
from lms.people.models import User
from lms.quizzes import best_scores, grading, question_text
from lms.quizzes.models import (
    GRADING_METHODS,
    REVIEW_POLICIES,
    Answer,
    Attempt,
    AttemptQuestion,
    Question,
    Quiz,
)
from lms.quizzes.signals import announce_graded
from lms.text import clean, nfc

# Answers that arrive this long after the deadline are still accepted (the network is slow).
GRACE = dt.timedelta(seconds=30)
MAX_TEXT_ANSWER = 10_000
MAX_COMMENT = 10_000
MAX_TIME_LIMIT_MINUTES = 24 * 60
MAX_QUESTIONS = 500
SUBMITTED = _l("This attempt has been submitted; answers can no longer change.")
TIME_OVER = _l("The time for this attempt is over; the answer was not saved.")

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

# ---- quizzes ---------------------------------------------------------------------------------


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
    actor: Any | None = None,
    actor_name: str | None = None,
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
        actor=actor,
        actor_name=actor_name,
        target_type="quiz",
        target_id=quiz.id,
        target_label=f"{course.slug}/{quiz.slug}",
        after=_settings_of(quiz),
    )
    return quiz


def update_quiz(
    quiz: Quiz,
    course: Course,
    *,
    actor: Any | None = None,
    actor_name: str | None = None,
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
            actor=actor,
            actor_name=actor_name,
            target_type="quiz",
            target_id=quiz.id,
            target_label=f"{course.slug}/{quiz.slug}",
            before={name: before[name] for name in changed},
            after={name: after[name] for name in changed},
        )
    return quiz


def _settings_of(quiz: Quiz) -> dict[str, Any]:
    return {name: getattr(quiz, name) for name in _SETTINGS}


def get_quiz(course: Course, slug: str) -> Quiz | None:
    return db.session.scalar(select(Quiz).where(Quiz.course_id == course.id, Quiz.slug == slug))


# ---- starting ----------------------------------------------------------------------------------


def _in_progress(quiz: Quiz, user: Any) -> Attempt | None:
    return db.session.scalar(
        select(Attempt)
        .where(
            Attempt.quiz_id == quiz.id,
            Attempt.user_id == user.id,
            Attempt.state == "in_progress",
        )
        .order_by(Attempt.number.desc())
        .limit(1)
        .execution_options(populate_existing=True)
    )


def _pool(quiz: Quiz) -> list[Question]:
    query = select(Question).where(
        Question.course_id == quiz.course_id, Question.kind != "description"
    )
    if quiz.question_file is not None:  # defined in the course folder: its own file only
        query = query.where(Question.source == quiz.question_file)
    if quiz.categories:
        query = query.where(
            or_(
                *(
                    or_(
                        Question.category == path,
                        Question.category.startswith(path + "/", autoescape=True),
                    )
                    for path in quiz.categories
                )
            )
        )
    return list(
        db.session.scalars(query.order_by(Question.category, Question.position, Question.id))
    )


def _snapshot(question: Question) -> dict[str, Any]:
    return {
        **question.content,
        "kind": question.kind,
        "ignore_diacritics": question.ignore_diacritics,
    }


def _frozen_snapshot(question: Question) -> dict[str, Any]:
    """The snapshot an attempt keeps: with its text rendered once, here, not on every view."""
    snapshot = _snapshot(question)
    snapshot["html"] = question_text.render_text(snapshot)
    return snapshot


def _choice_order(snapshot: dict[str, Any], *, shuffle: bool, rng: random.Random) -> list[int]:
    kind = snapshot["kind"]
    if kind in ("single", "multiple"):
        order = list(range(len(snapshot.get("choices", []))))
    elif kind == "matching":
        order = list(range(len(snapshot.get("pairs", []))))
        # The right-hand sides are always shuffled: in the pairs' own order they would give
        # the matching away.
        shuffle = True
    else:
        return []
    if shuffle:
        rng.shuffle(order)
    if kind == "matching" and len(order) > 1 and order == sorted(order):
        order = order[1:] + order[:1]  # a shuffle that left the pairs' order would give it away
    return order


def start_attempt(
    quiz: Quiz, user: Any, *, now: dt.datetime, rng: random.Random | None = None
) -> Attempt:
    """The user's attempt in progress (resumed), or a new one with its questions frozen."""
    if not quiz.published:
        raise InvalidInput(_l("This quiz is not open."))
    current = _in_progress(quiz, user)
    if current is not None:
        if current.deadline is None or now <= current.deadline:
            return current
        submit(current.id, now=now)  # left open past its deadline: close it first
    if quiz.opens_at is not None and now < quiz.opens_at:
        raise InvalidInput(_l("This quiz is not open yet."))
    if quiz.closes_at is not None and now >= quiz.closes_at:
        raise InvalidInput(_l("This quiz is closed."))
    used = db.session.scalar(
        select(func.coalesce(func.max(Attempt.number), 0)).where(
            Attempt.quiz_id == quiz.id, Attempt.user_id == user.id
        )
    )
    if quiz.max_attempts is not None and used >= quiz.max_attempts:
        raise InvalidInput(
            _l("You have used all %(n)s attempts at this quiz.", n=quiz.max_attempts)
        )
    pool = _pool(quiz)
    wanted = quiz.question_count or len(pool)
    if not pool or len(pool) < wanted:
        raise InvalidInput(
            _l(
                "The question bank holds %(have)s questions for this quiz, fewer than the "
                "%(need)s it asks for.",
                have=len(pool),
                need=max(wanted, 1),
            )
        )
    rng = rng or random.Random()  # noqa: S311 - shuffling questions is not cryptography
    if wanted < len(pool):
        drawn = set(rng.sample(range(len(pool)), wanted))
        chosen = [question for index, question in enumerate(pool) if index in drawn]
    else:
        chosen = list(pool)
    if quiz.shuffle_questions:
        rng.shuffle(chosen)

    deadline = None
    if quiz.time_limit_minutes:
        deadline = now + dt.timedelta(minutes=quiz.time_limit_minutes)
    if quiz.closes_at is not None:
        deadline = min(deadline, quiz.closes_at) if deadline else quiz.closes_at
    attempt = Attempt(
        quiz_id=quiz.id,
        user_id=user.id,
        number=used + 1,
        state="in_progress",
        started_at=now,
        deadline=deadline,
    )
    nested = db.session.begin_nested()
    try:
        db.session.add(attempt)
        db.session.flush()
        for position, question in enumerate(chosen, start=1):
            snapshot = _frozen_snapshot(question)
            db.session.add(
                AttemptQuestion(
                    attempt_id=attempt.id,
                    position=position,
                    question_id=question.id,
                    snapshot=snapshot,
                    choice_order=_choice_order(snapshot, shuffle=quiz.shuffle_choices, rng=rng),
                )
            )
        db.session.flush()
        nested.commit()
    except IntegrityError:
        # Two tabs started at once: the other one's attempt is the attempt.
        nested.rollback()
        other = _in_progress(quiz, user)
        if other is None:
            raise InvalidInput(_l("The attempt could not be started. Please try again.")) from None
        return other
    return attempt


# ---- answering ---------------------------------------------------------------------------------


def _is_index(value: Any, size: int) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 <= value < size


def _checked_response(snapshot: dict[str, Any], order: list[int], response: Any) -> dict[str, Any]:
    """The response as stored (snapshot indices, as grading.credit reads them), from the
    response as the page sends it, if its shape fits the question's kind; InvalidInput
    otherwise. Pages number choices, and matching's right-hand sides, by their position as
    shown (``order``): snapshot indices would tell which choice the author wrote first (often
    the right one) and, for matching, pair each left with the right of the same index."""
    refused = InvalidInput(_l("This answer does not fit the question."))
    if not isinstance(response, dict):
        raise refused
    kind = snapshot["kind"]
    keys = set(response)
    if kind == "single":
        if keys != {"choice"} or not _is_index(response["choice"], len(order)):
            raise refused
        return {"choice": order[response["choice"]]}
    if kind == "multiple":
        picked = response.get("choices")
        if (
            keys != {"choices"}
            or not isinstance(picked, list)
            or not all(_is_index(i, len(order)) for i in picked)
            or len(set(picked)) != len(picked)
        ):
            raise refused
        return {"choices": sorted(order[i] for i in picked)}
    if kind == "truefalse":
        if keys != {"value"} or not isinstance(response["value"], bool):
            raise refused
        return {"value": response["value"]}
    if kind in ("shortanswer", "numerical", "essay"):
        text = response.get("text")
        if keys != {"text"} or not isinstance(text, str) or "\x00" in text:
            raise refused
        if len(text) > MAX_TEXT_ANSWER:
            raise InvalidInput(_l("An answer is at most %(n)s characters long.", n=MAX_TEXT_ANSWER))
        return {"text": nfc(text)}
    if kind == "matching":
        pairs = snapshot.get("pairs", [])
        chosen = response.get("pairs")
        lefts = {str(i) for i, pair in enumerate(pairs) if pair["left"]}
        if (
            keys != {"pairs"}
            or not isinstance(chosen, dict)
            or not set(chosen) <= lefts
            or not all(_is_index(right, len(order)) for right in chosen.values())
        ):
            raise refused
        return {"pairs": {left: order[chosen[left]] for left in sorted(chosen, key=int)}}
    raise refused  # a description has nothing to answer


def _locked_attempt(attempt_id: int, *, exclusive: bool = False) -> Attempt | None:
    """The attempt as committed now; on PostgreSQL also locked until the transaction ends
    (shared for saves, exclusive for graders). SQLite has one writer at a time anyway."""
    return db.session.get(
        Attempt,
        attempt_id,
        with_for_update={"read": not exclusive},
        populate_existing=True,
    )


Responses = Mapping[int, Any] | Callable[[list[dict[str, Any]]], Mapping[int, Any]]


def save_answers(attempt: Attempt, responses: Responses, *, now: dt.datetime) -> list[InvalidInput]:
    """Record (or replace) the responses to some questions of ``attempt``, keyed by position,
    as the page numbers them (see _checked_response). ``responses`` may also be a function
    that reads them given the attempt's questions as shown (a form's fields need the kinds).

    In three statements whatever their number: lock the attempt (shared, see _locked_attempt),
    load its questions' snapshots with their stored responses, then write the responses that
    changed in one INSERT ... ON CONFLICT DO UPDATE that only writes while the attempt is
    in progress (checked in the same statement). Returns the refusals, one per response that
    was not saved (a submitted attempt, time over, a response that does not fit); the others
    are saved all the same. An unchanged response is not written again (the page's autosave
    sends every answer each time)."""
    locked = _locked_attempt(attempt.id)
    rows = db.session.execute(
        select(
            AttemptQuestion.position,
            AttemptQuestion.snapshot,
            AttemptQuestion.choice_order,
            Answer.response,
        )
        .outerjoin(
            Answer,
            (Answer.attempt_id == AttemptQuestion.attempt_id)
            & (Answer.position == AttemptQuestion.position),
        )
        .where(AttemptQuestion.attempt_id == attempt.id)
        .order_by(AttemptQuestion.position)
    ).all()
    if not isinstance(responses, Mapping):
        responses = responses(
            [shown_question(r.position, r.snapshot, r.choice_order) for r in rows]
        )
    if locked is None or locked.state != "in_progress":
        return [InvalidInput(SUBMITTED) for _position in responses]
    late = locked.deadline is not None and now > locked.deadline + GRACE
    questions = {row.position: row for row in rows}
    problems: list[InvalidInput] = []
    changed: dict[int, dict[str, Any]] = {}
    for position, response in responses.items():
        question = questions.get(position)
        try:
            if question is None:
                raise InvalidInput(_l("This attempt has no such question."))
            checked = _checked_response(question.snapshot, question.choice_order, response)
        except InvalidInput as error:
            problems.append(InvalidInput(TIME_OVER) if late else error)
            continue
        if checked == question.response:
            continue
        if late:
            problems.append(InvalidInput(TIME_OVER))
        else:
            changed[position] = checked
    if changed and len(_upsert(attempt.id, changed, now)) < len(changed):
        # Submitted in between (SQLite: nothing is written; PostgreSQL's lock prevents it).
        return [*problems, *(InvalidInput(SUBMITTED) for _position in changed)]
    for position in changed:  # answers loaded before are stale now
        stale = db.session.identity_map.get(identity_key(Answer, (attempt.id, position)))
        if stale is not None:
            db.session.expire(stale)
    return problems


def _upsert(attempt_id: int, responses: dict[int, dict[str, Any]], now: dt.datetime) -> set[int]:
    """Write ``responses`` (checked, keyed by position) in one statement, only while the
    attempt is in progress; the positions written."""
    dialect = db.session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert

    def response_value(response: dict[str, Any]) -> Any:
        value: Any = literal(response, JSON)
        return cast(value, JSON) if dialect == "postgresql" else value

    given = union_all(
        *(
            select(
                literal(attempt_id).label("attempt_id"),
                literal(position).label("position"),
                response_value(response).label("response"),
                literal(now, UTCDateTime()).label("saved_at"),
                literal("").label("comment"),
            )
            for position, response in responses.items()
        )
    ).subquery()
    row = select(given).where(
        exists().where(Attempt.id == attempt_id, Attempt.state == "in_progress")
    )
    statement = insert(Answer).from_select(
        ["attempt_id", "position", "response", "saved_at", "comment"], row
    )
    statement = statement.on_conflict_do_update(
        index_elements=[Answer.attempt_id, Answer.position],
        set_={"response": statement.excluded.response, "saved_at": statement.excluded.saved_at},
    ).returning(Answer.position)
    return set(db.session.scalars(statement))


def save_answer(attempt: Attempt, position: int, response: Any, *, now: dt.datetime) -> None:
    """Record (or replace) one response (see save_answers); InvalidInput if it was not."""
    problems = save_answers(attempt, {position: response}, now=now)
    if problems:
        raise problems[0]


def answers_of(attempt: Attempt) -> dict[int, Answer]:
    return {
        answer.position: answer
        for answer in db.session.scalars(
            select(Answer)
            .where(Answer.attempt_id == attempt.id)
            .execution_options(populate_existing=True)
        )
    }


def questions_of(attempt: Attempt) -> list[AttemptQuestion]:
    return list(
        db.session.scalars(
            select(AttemptQuestion)
            .where(AttemptQuestion.attempt_id == attempt.id)
            .order_by(AttemptQuestion.position)
        )
    )


# ---- submitting and grading --------------------------------------------------------------------


def submit(attempt_id: int, *, now: dt.datetime) -> Attempt:
    """Submit and grade the attempt, once: any later or concurrent call returns the attempt
    as the first call left it. (The person submits it and sees the result.)"""
    return _submit(attempt_id, now=now, watching=True)[0]


def _submit(attempt_id: int, *, now: dt.datetime, watching: bool) -> tuple[Attempt, bool]:
    # The one conditional UPDATE that decides who grades. An attempt left open past its
    # deadline counts as submitted at the deadline.
    won = db.session.execute(
        update(Attempt)
        .where(Attempt.id == attempt_id, Attempt.state == "in_progress")
        .values(
            state="needs_grading",
            submitted_at=case(
                (Attempt.deadline < now, Attempt.deadline),
                else_=literal(now, UTCDateTime()),
            ),
        )
        .returning(Attempt.id)
        .execution_options(synchronize_session=False)
    ).first()
    attempt = db.session.get(Attempt, attempt_id, populate_existing=True)
    if attempt is None:
        raise InvalidInput(_l("This attempt does not exist."))
    if won is None:
        return attempt, False
    _grade(attempt, watching=watching)
    return attempt, True


def _grade(attempt: Attempt, *, watching: bool) -> None:
    answers = answers_of(attempt)
    for question in questions_of(attempt):
        answer = answers.get(question.position)
        if answer is None:
            continue  # unanswered: no credit
        earned = grading.credit(question.snapshot, answer.response)
        if earned is None and not clean(str(answer.response.get("text", ""))):
            earned = 0.0  # an empty essay has nothing to grade
        answer.credit = earned
    db.session.flush()
    _finish_if_graded(attempt, answers, watching=watching)


def _finish_if_graded(attempt: Attempt, answers: dict[int, Answer], *, watching: bool) -> None:
    """Score the attempt once no answer waits for a trainer. ``watching``: its person is the
    one acting (they see the score); otherwise a score that became final is announced."""
    was_graded = attempt.state == "graded"
    if any(answer.credit is None for answer in answers.values()):
        attempt.state, attempt.score, attempt.passed = "needs_grading", None, None
    else:
        total = db.session.scalar(
            select(func.count()).where(AttemptQuestion.attempt_id == attempt.id)
        )
        earned = sum(answer.credit or 0.0 for answer in answers.values())
        pass_score = db.session.scalar(select(Quiz.pass_score).where(Quiz.id == attempt.quiz_id))
        attempt.score = round(100.0 * earned / total, 2) if total else 0.0
        attempt.passed = attempt.score >= pass_score
        attempt.state = "graded"
    db.session.flush()
    if attempt.state == "graded" and not was_graded and not watching:
        announce_graded(attempt.id)
    if attempt.state == "graded":
        course_id = db.session.scalar(select(Quiz.course_id).where(Quiz.id == attempt.quiz_id))
        best_scores.record(attempt.user_id, course_id)
        if attempt.passed:
            # A passed required quiz may be what the course was waiting for.
            announce_progress(course_id, [attempt.user_id])


def close_overdue(*, now: dt.datetime) -> int:
    """Submit every attempt still open past its deadline and grace; returns how many."""
    overdue = db.session.scalars(
        select(Attempt.id).where(
            Attempt.state == "in_progress",
            Attempt.deadline.is_not(None),
            Attempt.deadline < now - GRACE,
        )
    ).all()
    return sum(1 for attempt_id in overdue if _submit(attempt_id, now=now, watching=False)[1])


@dataclass(frozen=True)
class Regraded:
    """One submitted attempt whose score a regrade changed."""

    attempt_id: int
    username: str
    quiz: str  # course/quiz
    answers: int  # answers whose credit changed
    old_score: float | None
    new_score: float | None
    old_passed: bool | None
    new_passed: bool | None


def regrade_submitted(*, actor_name: str | None = None) -> list[Regraded]:
    """Grade the automatically graded answers of every submitted attempt again, with the
    grader as it is now (after a grading fix), and recompute the scores that changed. Hand
    grades (essays) are kept. A pass gained completes the course through the same path as a
    submission; a pass lost is reported (completion is never taken back). Idempotent: a second
    run changes nothing. Flushes; the caller commits, or rolls back for a dry run."""
    rows = db.session.execute(
        select(Answer, AttemptQuestion.snapshot)
        .join(
            AttemptQuestion,
            (AttemptQuestion.attempt_id == Answer.attempt_id)
            & (AttemptQuestion.position == Answer.position),
        )
        .join(Attempt, Attempt.id == Answer.attempt_id)
        .where(Attempt.state != "in_progress")
        .order_by(Answer.attempt_id, Answer.position)
    )
    changed: dict[int, int] = {}
    for answer, snapshot in rows:
        if snapshot.get("kind") not in grading.AUTO_GRADED:
            continue
        earned = grading.credit(snapshot, answer.response)
        if earned is not None and (answer.credit is None or abs(earned - answer.credit) > 1e-9):
            answer.credit = earned
            changed[answer.attempt_id] = changed.get(answer.attempt_id, 0) + 1
    db.session.flush()
    report = []
    for attempt_id, count in changed.items():
        attempt = db.session.get(Attempt, attempt_id)
        assert attempt is not None
        before = (attempt.score, attempt.passed)
        _finish_if_graded(attempt, answers_of(attempt), watching=False)
        username = db.session.scalar(select(User.username).where(User.id == attempt.user_id))
        course_slug, quiz_slug = db.session.execute(
            select(Course.slug, Quiz.slug)
            .join(Course, Course.id == Quiz.course_id)
            .where(Quiz.id == attempt.quiz_id)
        ).one()
        label = f"{course_slug}/{quiz_slug}"
        report.append(
            Regraded(
                attempt_id=attempt.id,
                username=username,
                quiz=label,
                answers=count,
                old_score=before[0],
                new_score=attempt.score,
                old_passed=before[1],
                new_passed=attempt.passed,
            )
        )
        if before != (attempt.score, attempt.passed):
            audit.record(
                "quiz.regrade",
                actor=None,
                actor_name=actor_name,
                target_type="attempt",
                target_id=attempt.id,
                target_label=f"{label} #{attempt.number} {username}",
                before={"score": before[0], "passed": before[1]},
                after={"score": attempt.score, "passed": attempt.passed},
            )
    return report


def grading_queue(quiz: Quiz) -> list[Attempt]:
    """Submitted attempts of ``quiz`` with essays waiting for a trainer, oldest first."""
    return list(
        db.session.scalars(
            select(Attempt)
            .where(Attempt.quiz_id == quiz.id, Attempt.state == "needs_grading")
            .order_by(Attempt.submitted_at, Attempt.id)
        )
    )


def grade_essay(
    attempt: Attempt, position: int, credit: float, *, grader: Any, comment: str = ""
) -> Attempt:
    """Give an essay its credit (0..1); the attempt is graded once its last essay is."""
    locked = _locked_attempt(attempt.id, exclusive=True)
    if locked is None:
        raise InvalidInput(_l("This attempt does not exist."))
    if locked.state == "graded":
        raise InvalidInput(_l("This attempt is graded; its score is final."))
    if locked.state != "needs_grading":
        raise InvalidInput(_l("This attempt has not been submitted yet."))
    question = db.session.get(AttemptQuestion, (locked.id, position))
    if question is None or question.snapshot["kind"] != "essay":
        raise InvalidInput(_l("Only essays are graded by hand."))
    if (
        isinstance(credit, bool)
        or not isinstance(credit, int | float)
        or not math.isfinite(credit)
        or not 0 <= credit <= 1
    ):
        raise InvalidInput(_l("The credit is a number from 0 to 1."))
    comment = nfc(comment or "")
    if len(comment) > MAX_COMMENT:
        raise InvalidInput(_l("The comment is too long."))
    answers = answers_of(locked)
    answer = answers.get(position)
    if answer is None:
        raise InvalidInput(_l("This essay was not answered."))
    answer.credit, answer.graded_by, answer.comment = float(credit), grader.id, comment
    db.session.flush()
    _finish_if_graded(locked, answers, watching=False)
    audit.record(
        "quiz.essay_graded",
        actor=grader,
        target_type="attempt",
        target_id=locked.id,
        target_label=f"{locked.id}#{position}",
        after={"credit": float(credit), "state": locked.state},
    )
    return locked


# ---- results and review ------------------------------------------------------------------------


def quiz_result(quiz: Quiz, user: Any) -> tuple[float, bool] | None:
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


def review_allowed(quiz: Quiz, user: Any, attempt: Attempt) -> str:
    """What the person may see of a submitted attempt: "score", "answers" (their answers and
    credits) or "correct" (the correct answers and feedback too). "correct_after_pass" and
    "correct_after_last" show the answers until the condition is met."""
    if attempt.state == "in_progress" or attempt.user_id != user.id:
        return "score"
    if quiz.review == "score":
        return "score"
    if quiz.review == "answers":
        return "answers"
    if quiz.review == "correct_after_pass":
        result = quiz_result(quiz, user)
        return "correct" if result is not None and result[1] else "answers"
    # correct_after_last: once the last allowed attempt is submitted.
    if quiz.max_attempts is None:
        return "answers"
    submitted = db.session.scalar(
        select(func.count()).where(
            Attempt.quiz_id == quiz.id,
            Attempt.user_id == user.id,
            Attempt.state != "in_progress",
        )
    )
    return "correct" if submitted >= quiz.max_attempts else "answers"


def attempt_view(attempt: Attempt, *, reveal: str = "score") -> list[dict[str, Any]]:
    """What a page may show of each question. Before submission, and with ``reveal="score"``,
    nothing tells which answer is right: no fractions, feedback, correct values or pairing;
    only the question, the choices in the attempt's order and the person's own responses.
    ``reveal`` ("answers" or "correct", from review_allowed) adds credits, then the key."""
    if reveal not in ("score", "answers", "correct"):
        raise ValueError(f"unknown reveal level {reveal!r}")
    if attempt.state == "in_progress":
        reveal = "score"
    answers = answers_of(attempt)
    view = []
    for question in questions_of(attempt):
        snapshot, order = question.snapshot, question.choice_order
        answer = answers.get(question.position)
        item = shown_question(question.position, snapshot, order)
        if answer is not None:
            item["response"] = _as_shown(snapshot["kind"], order, answer.response)
        if reveal in ("answers", "correct") and attempt.state != "in_progress":
            item["credit"] = answer.credit if answer is not None else 0.0
            item["comment"] = answer.comment if answer is not None else ""
        if reveal == "correct":
            item["key"] = _key(snapshot, order)
        view.append(item)
    return view


def shown_question(position: int, snapshot: dict[str, Any], order: list[int]) -> dict[str, Any]:
    """A question as a page shows it before submission: its text, and choices (or matching
    sides) in the given order, numbered as shown, with nothing that tells the right answer."""
    kind = snapshot["kind"]
    item: dict[str, Any] = {
        "position": position,
        "kind": kind,
        "text": snapshot.get("text", ""),
        "text_after": snapshot.get("text_after", ""),
        "text_format": snapshot.get("text_format", "moodle"),
        "html": snapshot.get("html"),  # rendered when the attempt started (None: older ones)
        "response": None,
    }
    if kind in ("single", "multiple"):
        item["choices"] = [
            {"index": shown, "text": snapshot["choices"][i]["text"]}
            for shown, i in enumerate(order)
        ]
    elif kind == "matching":
        pairs = snapshot.get("pairs", [])
        item["lefts"] = [
            {"index": i, "text": pair["left"]} for i, pair in enumerate(pairs) if pair["left"]
        ]
        seen: set[str] = set()
        rights = []
        for shown, i in enumerate(order):
            # Two pairs may share a right-hand side: show it once (grading goes by text).
            if pairs[i]["right"] not in seen:
                seen.add(pairs[i]["right"])
                rights.append({"index": shown, "text": pairs[i]["right"]})
        item["rights"] = rights
    return item


def _as_shown(kind: str, order: list[int], response: dict[str, Any]) -> dict[str, Any]:
    """A stored response numbered as the page shows the choices (see _checked_response)."""
    shown = {index: position for position, index in enumerate(order)}
    if kind == "single":
        return {"choice": shown[response["choice"]]}
    if kind == "multiple":
        return {"choices": sorted(shown[i] for i in response["choices"])}
    if kind == "matching":
        return {"pairs": {left: shown[right] for left, right in response["pairs"].items()}}
    return response


def _key(snapshot: dict[str, Any], order: list[int]) -> dict[str, Any]:
    """The correct answers and feedback of a question, for review after submission."""
    kind = snapshot["kind"]
    key: dict[str, Any] = {"general_feedback": snapshot.get("general_feedback", "")}
    if kind in ("single", "multiple", "shortanswer"):
        indices = order if kind != "shortanswer" else range(len(snapshot.get("choices", [])))
        key["choices"] = [
            {
                "index": shown,
                "text": snapshot["choices"][i]["text"],
                "fraction": snapshot["choices"][i]["fraction"],
                "feedback": snapshot["choices"][i].get("feedback", ""),
            }
            for shown, i in enumerate(indices)
        ]
    elif kind == "truefalse":
        key["correct"] = snapshot.get("correct")
        key["feedback_true"] = snapshot.get("feedback_true", "")
        key["feedback_false"] = snapshot.get("feedback_false", "")
    elif kind == "numerical":
        key["numeric"] = snapshot.get("numeric", [])
    elif kind == "matching":
        key["pairs"] = [
            {"left": pair["left"], "right": pair["right"]}
            for pair in snapshot.get("pairs", [])
            if pair["left"]
        ]
    return key


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
