"""A quiz as a cadre would see it, for its trainers: every bank question the quiz draws from,
shown like an attempt's page but with nothing started, saved or revealed."""

from __future__ import annotations

import random
from typing import Any

from lms.quizzes import drawing, shown
from lms.quizzes.models import Quiz


def preview_items(quiz: Quiz) -> list[dict[str, Any]]:
    """The questions of the quiz's pool in the shape ``display.attempt_view`` gives a page before
    submission: text and choices only (no fractions, feedback, correct values or pairing).
    Choices are shuffled as an attempt would shuffle them (matching's right-hand sides always),
    with a generator seeded by the quiz so that the page does not change on every load."""
    rng = random.Random(quiz.id)  # noqa: S311 - shuffling for display is not cryptography
    items = []
    for position, question in enumerate(drawing.question_pool(quiz), start=1):
        snapshot = drawing.question_snapshot(question)
        order = drawing.shuffled_order(snapshot, shuffle=quiz.shuffle_choices, rng=rng)
        item = shown.shown_question(position, snapshot, order)
        item.update(title=question.title, category=question.category)
        items.append(item)
    return items
