"""Values an answer block holds that read on their own: a numerical question's answers (3.14,
3.14:0.01 with a tolerance, 1..5 as a range), read strictly (what float() would also take,
"inf", "nan", "1_000", is refused), and a true/false question's word."""

from __future__ import annotations

import math
import re

from flask_babel import lazy_gettext as _l

from lms.quizzes.gift.model import NumericAnswer, Question
from lms.quizzes.gift.source import _Span

_TRUE = ("T", "TRUE")
_FALSE = ("F", "FALSE")
_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")


def numeric_answer(text: str) -> NumericAnswer | str:
    """The answer ``text`` writes, or what is wrong with it (a message for the author)."""
    low, dots, high = text.partition("..")
    value_text, colon, tolerance_text = text.partition(":")
    if dots and low:
        minimum, maximum = number(low), number(high)
        if minimum is not None and maximum is not None:
            if minimum > maximum:
                return str(_l("the range %(range)s starts above its end", range=text))
            return NumericAnswer(None, minimum=minimum, maximum=maximum)
    else:
        value = number(value_text)
        tolerance = number(tolerance_text) if colon else 0.0
        if value is not None and tolerance is not None:
            if tolerance < 0:
                return str(_l("the tolerance %(tolerance)s is negative", tolerance=tolerance_text))
            return NumericAnswer(value, tolerance)
    return str(
        _l(
            "“%(text)s” is not a number: write 3.14, 3.14:0.01 (with a tolerance) or a "
            "range like 1..5",
            text=excerpt(text),
        )
    )


def number(text: str) -> float | None:
    text = text.strip()
    if not _NUMBER.fullmatch(text):
        return None  # float() would also take "inf", "nan" and "1_000"
    value = float(text)
    return value if math.isfinite(value) else None


def excerpt(text: str, length: int = 40) -> str:
    """The start of an author's text, on one line, to quote in a problem."""
    text = " ".join(text.split())
    return text if len(text) <= length else text[: length - 1] + "…"


def truefalse(question: Question, block: _Span) -> bool:
    """Read the block as a true/false answer ({T}, {FALSE#wrong#right}) into ``question``;
    False (and nothing changed) when it is not one."""
    word, *feedback = block.split("#", 3)
    answer = word.text.upper()
    if answer not in _TRUE + _FALSE:
        return False
    # Moodle's {T#first#second}: the first feedback is shown to whoever picked the wrong
    # answer, the second to whoever picked the right one.
    wrong_text = feedback[0].text if feedback else ""
    right_text = feedback[1].text if len(feedback) > 1 else ""
    question.kind = "truefalse"
    question.correct = answer in _TRUE
    if question.correct:
        question.feedback_true, question.feedback_false = right_text, wrong_text
    else:
        question.feedback_true, question.feedback_false = wrong_text, right_text
    return True
