"""What an attempt is drawn from and keeps: the quiz's pool of questions (its categories, or its
own file in a course folder), each question frozen as a snapshot with its text rendered once,
and the order its choices are shown in. The preview and the demo draw the same way."""

from __future__ import annotations

import random
from typing import Any

from sqlalchemy import or_, select

from lms.extensions import db
from lms.quizzes import question_text
from lms.quizzes.models import Question, Quiz


def question_pool(quiz: Quiz) -> list[Question]:
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


def question_snapshot(question: Question) -> dict[str, Any]:
    return {
        **question.content,
        "kind": question.kind,
        "ignore_diacritics": question.ignore_diacritics,
    }


def frozen_snapshot(question: Question) -> dict[str, Any]:
    """The snapshot an attempt keeps: with its text rendered once, here, not on every view."""
    snapshot = question_snapshot(question)
    snapshot["html"] = question_text.render_text(snapshot)
    return snapshot


def shuffled_order(snapshot: dict[str, Any], *, shuffle: bool, rng: random.Random) -> list[int]:
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
