"""A submitted attempt as its reader may see it: what the review policy lets them see, and
each question as it was shown (choices in the attempt's order), with the answer key where
allowed."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select

from lms.extensions import db
from lms.quizzes.attempts import answers_of, questions_of
from lms.quizzes.models import (
    Attempt,
    Quiz,
)
from lms.quizzes.services import quiz_result
from lms.quizzes.shown import as_shown, shown_question

if TYPE_CHECKING:
    from lms.people.models import User


def review_allowed(quiz: Quiz, user: User, attempt: Attempt) -> str:
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
    submitted = (
        db.session.scalar(
            select(func.count()).where(
                Attempt.quiz_id == quiz.id,
                Attempt.user_id == user.id,
                Attempt.state != "in_progress",
            )
        )
        or 0
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
            item["response"] = as_shown(snapshot["kind"], order, answer.response)
        if reveal in ("answers", "correct") and attempt.state != "in_progress":
            item["credit"] = answer.credit if answer is not None else 0.0
            item["comment"] = answer.comment if answer is not None else ""
        if reveal == "correct":
            item["key"] = _key(snapshot, order)
        view.append(item)
    return view


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
