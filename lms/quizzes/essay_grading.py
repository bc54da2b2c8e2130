"""Essays, graded by hand: the queue of attempts waiting for a trainer, and one grade given."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from lms.audit import services as audit
from lms.errors import InvalidInput
from lms.extensions import db
from lms.quizzes.attempts import answers_of, finish_if_graded, locked_attempt
from lms.quizzes.models import (
    Attempt,
    AttemptQuestion,
    Quiz,
)
from lms.text import nfc

if TYPE_CHECKING:
    from lms.people.models import User

MAX_COMMENT = 10_000  # characters


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
    attempt: Attempt, position: int, credit: float, *, grader: User, comment: str = ""
) -> Attempt:
    """Give an essay its credit (0..1); the attempt is graded once its last essay is."""
    locked = locked_attempt(attempt.id, exclusive=True)
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
    finish_if_graded(locked, answers, watching=False)
    audit.record(
        "quiz.essay_graded",
        audit.Target("attempt", locked.id, f"{locked.id}#{position}"),
        actor=grader,
        after={"credit": float(credit), "state": locked.state},
    )
    return locked
