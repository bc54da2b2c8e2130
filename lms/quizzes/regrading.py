"""Regrading submitted attempts after a grading rule changed (``lms quizzes regrade``): each
answer graded again from its frozen question, the attempts whose score moves listed."""

from __future__ import annotations

from dataclasses import dataclass
from typing import cast

from sqlalchemy import select

from lms.audit import services as audit
from lms.courses.models import Course
from lms.extensions import db
from lms.people.models import User
from lms.quizzes import grading
from lms.quizzes.attempts import answers_of, finish_if_graded
from lms.quizzes.models import (
    Answer,
    Attempt,
    AttemptQuestion,
    Quiz,
)


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


def regrade_submitted(*, actor: audit.Actor = None) -> list[Regraded]:
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
        finish_if_graded(attempt, answers_of(attempt), watching=False)
        username = cast(
            str, db.session.scalar(select(User.username).where(User.id == attempt.user_id))
        )
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
                audit.Target("attempt", attempt.id, f"{label} #{attempt.number} {username}"),
                actor=actor,
                before={"score": before[0], "passed": before[1]},
                after={"score": attempt.score, "passed": attempt.passed},
            )
    return report
