"""Attempts: start, autosave, deadline, idempotent submit, grading (the quizzes themselves are
in ``services``, what an attempt draws in ``drawing``, what a reader sees of it in ``display``).

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
import random
import typing
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    JSON,
    ColumnElement,
    Integer,
    bindparam,
    case,
    column,
    exists,
    func,
    literal,
    select,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.util import identity_key

from lms.courses.signals import announce_progress
from lms.database import UTCDateTime
from lms.errors import InvalidInput
from lms.extensions import db
from lms.quizzes import best_scores, drawing, grading
from lms.quizzes.models import (
    Answer,
    Attempt,
    AttemptQuestion,
    Quiz,
)
from lms.quizzes.responses import checked_response
from lms.quizzes.shown import shown_question
from lms.quizzes.signals import announce_graded
from lms.text import clean

if TYPE_CHECKING:
    from lms.people.models import User

# Answers that arrive this long after the deadline are still accepted (the network is slow).
GRACE = dt.timedelta(seconds=30)
SUBMITTED = _l("This attempt has been submitted; answers can no longer change.")
TIME_OVER = _l("The time for this attempt is over; the answer was not saved.")


# ---- starting ----------------------------------------------------------------------------------


def _in_progress(quiz: Quiz, user: User) -> Attempt | None:
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


def start_attempt(
    quiz: Quiz, user: User, *, now: dt.datetime, rng: random.Random | None = None
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
    used = (
        db.session.scalar(
            select(func.coalesce(func.max(Attempt.number), 0)).where(
                Attempt.quiz_id == quiz.id, Attempt.user_id == user.id
            )
        )
        or 0
    )
    if quiz.max_attempts is not None and used >= quiz.max_attempts:
        raise InvalidInput(
            _l("You have used all %(n)s attempts at this quiz.", n=quiz.max_attempts)
        )
    pool = drawing.question_pool(quiz)
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
            snapshot = drawing.frozen_snapshot(question)
            db.session.add(
                AttemptQuestion(
                    attempt_id=attempt.id,
                    position=position,
                    question_id=question.id,
                    snapshot=snapshot,
                    choice_order=drawing.shuffled_order(
                        snapshot, shuffle=quiz.shuffle_choices, rng=rng
                    ),
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


def locked_attempt(attempt_id: int, *, exclusive: bool = False) -> Attempt | None:
    """The attempt as committed now; on PostgreSQL also locked until the transaction ends
    (exclusive for graders; saves take the shared lock in save_responses). SQLite has one
    writer at a time anyway."""
    return db.session.get(
        Attempt,
        attempt_id,
        with_for_update={"read": not exclusive},
        populate_existing=True,
    )


Responses = Mapping[int, Any] | Callable[[list[dict[str, Any]]], Mapping[int, Any]]


@dataclass(frozen=True)
class Saved:
    """What a save did: the refusals (one per response not saved), the positions written, and
    the attempt's deadline as committed when the save locked it (the page's countdown follows
    it)."""

    problems: list[InvalidInput]
    written: tuple[int, ...]
    deadline: dt.datetime | None


def save_answers(attempt: Attempt, responses: Responses, *, now: dt.datetime) -> list[InvalidInput]:
    """Record (or replace) the responses to some questions of ``attempt`` (see save_responses);
    the refusals. Answers of the attempt already loaded in the session are refreshed."""
    saved = save_responses(attempt.id, responses, now=now)
    if saved is None:  # deleted since it was loaded (with its quiz): nothing can be saved
        return [InvalidInput(SUBMITTED)]
    for position in saved.written:  # answers loaded before are stale now
        stale = db.session.identity_map.get(identity_key(Answer, (attempt.id, position)))
        if stale is not None:
            db.session.expire(stale)
    return saved.problems


def save_responses(
    attempt_id: int, responses: Responses, *, now: dt.datetime, owner_id: int | None = None
) -> Saved | None:
    """Record (or replace) the responses to some questions of an attempt, keyed by position,
    as the page numbers them (see checked_response). ``responses`` may also be a function
    that reads them given the attempt's questions as shown (a form's fields need the kinds).
    None when there is no such attempt, or it is not ``owner_id``'s (when given).

    The autosave of every cadre in an exam comes here, so it is three prebuilt Core statements
    whatever the number of responses: lock the attempt (shared, see locked_attempt), load its
    questions' snapshots with their stored responses, then write the responses that changed
    in one INSERT ... ON CONFLICT DO UPDATE that only writes while the attempt is in progress
    (checked in the same statement). The refusals come back, one per response that was not
    saved (a submitted attempt, time over, a response that does not fit); the others are
    saved all the same. An unchanged response is not written again (the page's autosave sends
    every answer each time)."""
    db.session.flush()  # as the ORM's autoflush would: Core statements see pending changes too
    connection = db.session.connection()
    locked = connection.execute(_LOCKED_ATTEMPT, {"attempt_id": attempt_id}).first()
    if locked is None or (owner_id is not None and locked.user_id != owner_id):
        return None
    rows = connection.execute(_QUESTIONS_WITH_ANSWERS, {"attempt_id": attempt_id}).all()
    if not isinstance(responses, Mapping):
        responses = responses(
            [shown_question(r.position, r.snapshot, r.choice_order) for r in rows]
        )
    if locked.state != "in_progress":
        return Saved([InvalidInput(SUBMITTED) for _position in responses], (), locked.deadline)
    late = locked.deadline is not None and now > locked.deadline + GRACE
    questions = {row.position: row for row in rows}
    problems: list[InvalidInput] = []
    changed: dict[int, dict[str, Any]] = {}
    for position, response in responses.items():
        question = questions.get(position)
        try:
            if question is None:
                raise InvalidInput(_l("This attempt has no such question."))
            checked = checked_response(question.snapshot, question.choice_order, response)
        except InvalidInput as error:
            problems.append(InvalidInput(TIME_OVER) if late else error)
            continue
        if checked == question.response:
            continue
        if late:
            problems.append(InvalidInput(TIME_OVER))
        else:
            changed[position] = checked
    if not changed:
        return Saved(problems, (), locked.deadline)
    given = [{"position": position, "response": value} for position, value in changed.items()]
    written = connection.execute(
        _upsert_statement(connection.dialect.name),
        {"attempt_id": attempt_id, "given": given, "saved_at": now},
    ).scalars()
    if len(set(written)) < len(changed):
        # Submitted in between (SQLite: nothing is written; PostgreSQL's lock prevents it).
        return Saved([*problems, *(InvalidInput(SUBMITTED) for _p in changed)], (), locked.deadline)
    return Saved(problems, tuple(changed), locked.deadline)


# The save path's statements, built once: a statement remembers its cache key, so a save
# spares building and hashing them (about half its CPU time before they were).
_attempts, _questions, _answers = Attempt.__table__, AttemptQuestion.__table__, Answer.__table__
_LOCKED_ATTEMPT = (
    select(_attempts.c.user_id, _attempts.c.state, _attempts.c.deadline)
    .where(_attempts.c.id == bindparam("attempt_id"))
    .with_for_update(read=True)
)
_QUESTIONS_WITH_ANSWERS = (
    select(
        _questions.c.position,
        _questions.c.snapshot,
        _questions.c.choice_order,
        _answers.c.response,
    )
    .select_from(
        _questions.outerjoin(
            _answers,
            (_answers.c.attempt_id == _questions.c.attempt_id)
            & (_answers.c.position == _questions.c.position),
        )
    )
    .where(_questions.c.attempt_id == bindparam("attempt_id"))
    .order_by(_questions.c.position)
)
_UPSERTS: dict[str, Any] = {}


def _upsert_statement(dialect: str) -> Any:
    """INSERT ... SELECT from the JSON array ``given`` ([{position, response}, ...]) ... ON
    CONFLICT DO UPDATE, only while the attempt is in progress; returns the positions written.
    One statement text for any number of answers, so it is compiled once per process."""
    statement = _UPSERTS.get(dialect)
    if statement is not None:
        return statement
    if dialect == "postgresql":
        given = (
            func.json_to_recordset(bindparam("given", type_=JSON))
            .table_valued(column("position", Integer), column("response", JSON))
            .render_derived(with_types=True)
        )
        position: ColumnElement[Any] = given.c.position
        response: ColumnElement[Any] = given.c.response
        insert: Any = postgresql.insert
    else:
        given = func.json_each(bindparam("given", type_=JSON)).table_valued("value")
        position = func.json_extract(given.c.value, "$.position")
        response = func.json_extract(given.c.value, "$.response")
        insert = sqlite.insert
    rows = select(
        bindparam("attempt_id", type_=Integer),
        position,
        response,
        bindparam("saved_at", type_=UTCDateTime()),
        literal(""),
    ).where(
        exists().where(
            _attempts.c.id == bindparam("attempt_id"), _attempts.c.state == "in_progress"
        )
    )
    written = insert(_answers).from_select(
        ["attempt_id", "position", "response", "saved_at", "comment"], rows
    )
    statement = written.on_conflict_do_update(
        index_elements=[_answers.c.attempt_id, _answers.c.position],
        set_={"response": written.excluded.response, "saved_at": written.excluded.saved_at},
    ).returning(_answers.c.position)
    _UPSERTS[dialect] = statement
    return statement


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
    finish_if_graded(attempt, answers, watching=watching)


def finish_if_graded(attempt: Attempt, answers: dict[int, Answer], *, watching: bool) -> None:
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
        pass_score = typing.cast(
            int, db.session.scalar(select(Quiz.pass_score).where(Quiz.id == attempt.quiz_id))
        )
        attempt.score = round(100.0 * earned / total, 2) if total else 0.0
        attempt.passed = attempt.score >= pass_score
        attempt.state = "graded"
    db.session.flush()
    if attempt.state == "graded" and not was_graded and not watching:
        announce_graded(attempt.id)
    if attempt.state == "graded":
        course_id = typing.cast(
            int, db.session.scalar(select(Quiz.course_id).where(Quiz.id == attempt.quiz_id))
        )
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
