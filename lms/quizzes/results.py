"""A quiz's results for its trainers: the submitted attempts, a summary, and how each bank
question did (how often it was answered, how often right, whether it tells strong cadres from
weak ones).

Everything comes from two queries, whatever the number of attempts: the attempts with their
cadres, and the attempts' questions with their answers.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import and_, select

from lms import spreadsheets
from lms.extensions import db
from lms.people.models import User
from lms.quizzes.models import Answer, Attempt, AttemptQuestion, Quiz
from lms.units.models import Unit

# Below this many graded attempts a correlation says nothing: the index is None.
MIN_ATTEMPTS_FOR_DISCRIMINATION = 5


@dataclass(frozen=True)
class AttemptRow:
    attempt_id: int
    user_id: int
    full_name: str
    username: str
    unit: str  # the cadre's unit now; "" without one
    number: int
    submitted_at: dt.datetime | None
    state: str  # "needs_grading" or "graded"
    score: float | None  # percent, once graded
    passed: bool | None


@dataclass(frozen=True)
class QuestionStats:
    question_id: int | None  # None: the bank question was deleted since
    kind: str
    text: str  # as the latest attempt that drew it froze it
    shown: int  # submitted attempts that drew the question
    answered: int  # ... and in which the cadre answered it
    mean_credit: float | None  # percent, over graded appearances (unanswered counts as 0)
    discrimination: float | None


@dataclass(frozen=True)
class QuizResults:
    attempts: list[AttemptRow]
    questions: list[QuestionStats]
    attempt_count: int  # submitted attempts
    cadre_count: int  # distinct cadres with a submitted attempt
    graded_cadre_count: int  # cadres with a graded attempt: those the pass rate is over
    mean_score: float | None  # percent, over graded attempts
    pass_rate: float | None  # percent of graded cadres whose result passes


def _result_attempt(quiz: Quiz, graded: list[AttemptRow]) -> AttemptRow:
    """The attempt that counts for one cadre, as ``services.quiz_result`` picks it: the
    highest score (the earliest of equals), or the last graded attempt."""
    if quiz.grading == "highest":
        return min(graded, key=lambda row: (-(row.score or 0.0), row.number))
    return max(graded, key=lambda row: row.number)


def _pearson(xs: list[float], ys: list[float]) -> float | None:
    n = len(xs)
    mean_x, mean_y = sum(xs) / n, sum(ys) / n
    covariance = sum((x - mean_x) * (y - mean_y) for x, y in zip(xs, ys, strict=True))
    spread_x = sum((x - mean_x) ** 2 for x in xs)
    spread_y = sum((y - mean_y) ** 2 for y in ys)
    if spread_x <= 0 or spread_y <= 0:
        return None  # everyone got the same credit, or the same score: undefined
    return covariance / math.sqrt(spread_x * spread_y)


def discrimination(credits: list[float], scores: list[float]) -> float | None:
    """The discrimination index of a question: the Pearson correlation between its credit
    (0..1, an unanswered question counting 0) and the attempt's total score, over the graded
    attempts that drew it. For right-or-wrong questions this is the point-biserial
    correlation. The total includes the question itself (uncorrected item-total).

    From -1 to 1: near 1 the strong attempts get the question right and the weak ones wrong;
    near 0 it tells nothing; negative, the weak attempts do better (a wrong key, a trick).
    None with fewer than MIN_ATTEMPTS_FOR_DISCRIMINATION attempts, or when every attempt got
    the same credit or the same score."""
    if len(credits) < MIN_ATTEMPTS_FOR_DISCRIMINATION:
        return None
    return _pearson(credits, scores)


def _attempt_rows(quiz: Quiz) -> list[AttemptRow]:
    rows = db.session.execute(
        select(
            Attempt.id,
            Attempt.user_id,
            User.full_name,
            User.username,
            Unit.name,
            Attempt.number,
            Attempt.submitted_at,
            Attempt.state,
            Attempt.score,
            Attempt.passed,
        )
        .join(User, User.id == Attempt.user_id)
        .outerjoin(Unit, Unit.id == User.unit_id)
        .where(Attempt.quiz_id == quiz.id, Attempt.state != "in_progress")
        .order_by(User.full_name, User.username, Attempt.number)
    ).all()
    return [
        AttemptRow(
            attempt_id=row[0],
            user_id=row[1],
            full_name=row[2],
            username=row[3],
            unit=row[4] or "",
            number=row[5],
            submitted_at=row[6],
            state=row[7],
            score=row[8],
            passed=row[9],
        )
        for row in rows
    ]


def _question_stats(quiz: Quiz, by_attempt: dict[int, AttemptRow]) -> list[QuestionStats]:
    submitted = select(Attempt.id).where(Attempt.quiz_id == quiz.id, Attempt.state != "in_progress")
    rows = db.session.execute(
        select(
            AttemptQuestion.attempt_id,
            AttemptQuestion.position,
            AttemptQuestion.question_id,
            AttemptQuestion.snapshot,
            Answer.attempt_id.is_not(None),
            Answer.credit,
        )
        .outerjoin(
            Answer,
            and_(
                Answer.attempt_id == AttemptQuestion.attempt_id,
                Answer.position == AttemptQuestion.position,
            ),
        )
        .where(AttemptQuestion.attempt_id.in_(submitted))
        .order_by(AttemptQuestion.attempt_id, AttemptQuestion.position)
    ).all()

    groups: dict[Any, dict[str, Any]] = {}
    for attempt_id, position, question_id, snapshot, answered, credit in rows:
        attempt = by_attempt.get(attempt_id)
        if attempt is None:  # submitted between the two queries
            continue
        text = snapshot.get("text", "")
        # A deleted bank question keeps its attempts: grouped by its frozen text instead.
        key = question_id if question_id is not None else ("deleted", text)
        group = groups.setdefault(
            key,
            {"first": position, "shown": 0, "answered": 0, "credits": [], "scores": []},
        )
        group["first"] = min(group["first"], position)
        group["text"], group["kind"] = text, snapshot.get("kind", "")  # rows go by attempt id
        group["shown"] += 1
        group["answered"] += bool(answered)
        if attempt.state == "graded" and attempt.score is not None:
            group["credits"].append(float(credit or 0.0) if answered else 0.0)
            group["scores"].append(float(attempt.score))

    ordered = sorted(
        groups.items(),
        key=lambda item: (item[1]["first"], item[0] if isinstance(item[0], int) else 0),
    )
    return [
        QuestionStats(
            question_id=key if isinstance(key, int) else None,
            kind=group["kind"],
            text=group["text"],
            shown=group["shown"],
            answered=group["answered"],
            mean_credit=(
                round(100.0 * sum(group["credits"]) / len(group["credits"]), 2)
                if group["credits"]
                else None
            ),
            discrimination=discrimination(group["credits"], group["scores"]),
        )
        for key, group in ordered
    ]


def quiz_results(quiz: Quiz) -> QuizResults:
    """The submitted attempts of ``quiz`` (those in progress are left out), a summary, and
    statistics per bank question. Two queries, whatever the number of attempts."""
    rows = _attempt_rows(quiz)
    graded = [row for row in rows if row.state == "graded" and row.score is not None]
    per_cadre: dict[int, list[AttemptRow]] = {}
    for row in graded:
        per_cadre.setdefault(row.user_id, []).append(row)
    results = [_result_attempt(quiz, mine) for mine in per_cadre.values()]
    mean = sum(row.score or 0.0 for row in graded) / len(graded) if graded else None
    passed = sum(1 for row in results if row.passed)
    return QuizResults(
        attempts=rows,
        questions=_question_stats(quiz, {row.attempt_id: row for row in rows}),
        attempt_count=len(rows),
        cadre_count=len({row.user_id for row in rows}),
        graded_cadre_count=len(results),
        mean_score=round(mean, 2) if mean is not None else None,
        pass_rate=round(100.0 * passed / len(results), 2) if results else None,
    )


# ---- downloads ---------------------------------------------------------------------------------

# Spreadsheets run a cell that starts with one of these as a formula (CSV injection).


def _local(moment: dt.datetime | None) -> dt.datetime | None:
    """A stored UTC time as the naive local time a spreadsheet shows."""
    if moment is None:
        return None
    zone = ZoneInfo(current_app.config["TIMEZONE"])
    return moment.astimezone(zone).replace(tzinfo=None)


def tables(results: QuizResults) -> list[tuple[str, list[Any], list[list[Any]]]]:
    """The attempts and the questions as (title, header, rows), in the reader's language;
    cells are str, int, float, naive local datetime or None."""
    states = {"graded": _("graded"), "needs_grading": _("needs grading")}
    attempt_rows = [
        [
            row.full_name,
            row.username,
            row.unit,
            row.number,
            _local(row.submitted_at),
            states.get(row.state, row.state),
            row.score,
            None if row.passed is None else (_("yes") if row.passed else _("no")),
        ]
        for row in results.attempts
    ]
    question_rows = [
        [
            question.question_id,
            question.text,
            question.shown,
            question.answered,
            question.mean_credit,
            None if question.discrimination is None else round(question.discrimination, 3),
        ]
        for question in results.questions
    ]
    return [
        (
            _("Attempts"),
            [
                _("Full name"),
                _("Username"),
                _("Unit"),
                _("Attempt"),
                _("Submitted at"),
                _("State"),
                _("Score (percent)"),
                _("Passed"),
            ],
            attempt_rows,
        ),
        (
            _("Questions"),
            [
                _("Question ID"),
                _("Question"),
                _("Shown"),
                _("Answered"),
                _("Correct (percent)"),
                _("Discrimination"),
            ],
            question_rows,
        ),
    ]


def to_csv(results: QuizResults) -> bytes:
    return spreadsheets.to_csv(tables(results))


def to_xlsx(results: QuizResults) -> bytes:
    return spreadsheets.to_xlsx(tables(results))
