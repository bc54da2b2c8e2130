"""Read-only queries of the quiz pages: each page's data in a fixed number of queries."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Row, func, select

from lms.courses.models import Course
from lms.extensions import db
from lms.people.models import User
from lms.quizzes.essay_grading import grading_queue
from lms.quizzes.models import Answer, Attempt, AttemptQuestion, Quiz


def attempt_with_quiz(attempt_id: int) -> tuple[Attempt, Quiz] | None:
    attempt = db.session.get(Attempt, attempt_id)
    if attempt is None:
        return None
    quiz = db.session.get(Quiz, attempt.quiz_id)
    assert quiz is not None  # attempts are deleted with their quiz
    return attempt, quiz


def attempts_of(quiz: Quiz, user: User) -> list[Attempt]:
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


@dataclass
class QuizStanding:
    """Where a person stands on one quiz: what My training and the course page show."""

    course_id: int
    slug: str
    title: str
    published: bool
    pass_score: int
    max_attempts: int | None
    attempts_used: int = 0
    best_score: float | None = None  # the highest graded score
    passed: bool = False  # by the quiz's grading method, as completion counts it
    waiting_for_grading: bool = False

    @property
    def attempts_left(self) -> int | None:
        """None: unlimited."""
        if self.max_attempts is None:
            return None
        return max(self.max_attempts - self.attempts_used, 0)


def standings(user_id: int, course_ids: list[int]) -> dict[int, dict[str, QuizStanding]]:
    """The person's standing on every quiz of these courses, by course and short name: one
    query, however many courses. ``passed`` follows the rule of passed_quiz_slugs (the result
    by the quiz's grading method: the highest graded attempt, or the last)."""
    if not course_ids:
        return {}
    rows = db.session.execute(
        select(
            Quiz.id,
            Quiz.course_id,
            Quiz.slug,
            Quiz.title,
            Quiz.published,
            Quiz.pass_score,
            Quiz.max_attempts,
            Quiz.grading,
            Attempt.number,
            Attempt.state,
            Attempt.score,
            Attempt.passed,
        )
        .outerjoin(Attempt, (Attempt.quiz_id == Quiz.id) & (Attempt.user_id == user_id))
        .where(Quiz.course_id.in_(course_ids))
        .order_by(Quiz.id, Attempt.number)
    ).all()
    out: dict[int, dict[str, QuizStanding]] = {}
    results: dict[int, Row[*tuple[Any, ...]]] = {}  # quiz id -> the attempt that is its result
    found: dict[int, QuizStanding] = {}
    for row in rows:
        standing = found.get(row.id)
        if standing is None:
            standing = found[row.id] = QuizStanding(
                course_id=row.course_id,
                slug=row.slug,
                title=row.title,
                published=row.published,
                pass_score=row.pass_score,
                max_attempts=row.max_attempts,
            )
            out.setdefault(row.course_id, {})[row.slug] = standing
        if row.number is None:
            continue
        standing.attempts_used = max(standing.attempts_used, row.number)
        if row.state == "needs_grading":
            standing.waiting_for_grading = True
        if row.state != "graded":
            continue
        score = float(row.score)
        if standing.best_score is None or score > standing.best_score:
            standing.best_score = score
        current = results.get(row.id)
        # Rows come by attempt number: "last" takes each later one, "highest" a higher score.
        if current is None or (row.grading == "last" or score > current.score):
            results[row.id] = row
    for quiz_id, result in results.items():
        found[quiz_id].passed = bool(result.passed)
    return out
