"""Each enrollment's best graded score at its course's quizzes (``Enrollment.best_score``),
kept exact: set when an attempt is graded (submitted, an essay graded, a regrade) and when an
enrollment is created (someone may have sat a quiz before being enrolled). ``rebuild`` computes
every one from the attempts, for data written around the services (the large demo) and for the
test that the kept values are what a rebuild gives."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select, update

from lms.courses.models import Enrollment
from lms.courses.signals import enrolled
from lms.extensions import db
from lms.quizzes.models import Attempt, Quiz


def _best_of_enrollment() -> Any:
    """SQL: the best graded score of the enrollment's person at its course's quizzes."""
    return (
        select(func.max(Attempt.score))
        .join(Quiz, Quiz.id == Attempt.quiz_id)
        .where(
            Attempt.user_id == Enrollment.user_id,
            Quiz.course_id == Enrollment.course_id,
            Attempt.state == "graded",
            Attempt.score.is_not(None),
        )
        .correlate(Enrollment)
        .scalar_subquery()
    )


def record(user_id: int, course_id: int) -> None:
    """After one of the person's attempts at the course was graded: one statement."""
    db.session.execute(
        update(Enrollment)
        .where(Enrollment.user_id == user_id, Enrollment.course_id == course_id)
        .values(best_score=_best_of_enrollment())
        .execution_options(synchronize_session=False)
    )


def rebuild(enrollment_ids: list[int] | None = None) -> None:
    """Every enrollment's best score (or those of ``enrollment_ids``) from the attempts."""
    statement = update(Enrollment).values(best_score=_best_of_enrollment())
    if enrollment_ids is not None:
        statement = statement.where(Enrollment.id.in_(enrollment_ids))
    db.session.execute(statement.execution_options(synchronize_session=False))


@enrolled.connect
def _on_enrolled(_sender: Any, enrollment_ids: list[int], **_extra: Any) -> None:
    rebuild(enrollment_ids)
