"""Read-only queries of the quiz pages: each page's data in a fixed number of queries."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from lms.courses.models import Course
from lms.extensions import db
from lms.people.models import User
from lms.quizzes.attempts import grading_queue
from lms.quizzes.models import Answer, Attempt, AttemptQuestion, Quiz


def attempt_with_quiz(attempt_id: int) -> tuple[Attempt, Quiz] | None:
    attempt = db.session.get(Attempt, attempt_id)
    if attempt is None:
        return None
    quiz = db.session.get(Quiz, attempt.quiz_id)
    assert quiz is not None  # attempts are deleted with their quiz
    return attempt, quiz


def attempts_of(quiz: Quiz, user: Any) -> list[Attempt]:
    """A person's attempts at a quiz, first to last."""
    return list(
        db.session.scalars(
            select(Attempt)
            .where(Attempt.quiz_id == quiz.id, Attempt.user_id == user.id)
            .order_by(Attempt.number)
        )
    )


def quizzes_with_attempt_counts(course: Course) -> list[tuple[Quiz, int]]:
    """A course's quizzes with how many attempts each has had: one query."""
    counts = select(Attempt.quiz_id, func.count().label("n")).group_by(Attempt.quiz_id).subquery()
    rows = db.session.execute(
        select(Quiz, func.coalesce(counts.c.n, 0))
        .outerjoin(counts, counts.c.quiz_id == Quiz.id)
        .where(Quiz.course_id == course.id)
        .order_by(Quiz.created_at, Quiz.id)
    )
    return [(quiz, count) for quiz, count in rows]


def essays_to_grade(quiz: Quiz) -> list[dict[str, Any]]:
    """Every essay waiting for a grade in the quiz's submitted attempts, oldest attempt first."""
    queue = grading_queue(quiz)
    if not queue:
        return []
    ids = [attempt.id for attempt in queue]
    names = dict(
        db.session.execute(
            select(Attempt.id, User.full_name)
            .join(User, User.id == Attempt.user_id)
            .where(Attempt.id.in_(ids))
        ).all()
    )
    rows = db.session.execute(
        select(AttemptQuestion, Answer)
        .join(
            Answer,
            (Answer.attempt_id == AttemptQuestion.attempt_id)
            & (Answer.position == AttemptQuestion.position),
        )
        .where(AttemptQuestion.attempt_id.in_(ids), Answer.credit.is_(None))
        .order_by(AttemptQuestion.attempt_id, AttemptQuestion.position)
    ).all()
    essays: dict[int, list[tuple[AttemptQuestion, Answer]]] = {}
    for question, answer in rows:
        if question.snapshot.get("kind") == "essay":
            essays.setdefault(question.attempt_id, []).append((question, answer))
    return [
        {
            "attempt": attempt,
            "cadre": names.get(attempt.id, ""),
            "position": question.position,
            "question": question.snapshot.get("text", ""),
            "answer": answer.response.get("text", ""),
        }
        for attempt in queue
        for question, answer in essays.get(attempt.id, [])
    ]
