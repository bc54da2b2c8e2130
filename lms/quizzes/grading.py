"""Automatic grading: the credit (0..1) a response earns on a question snapshot.

A snapshot is the question's content as stored (the fields of lms.quizzes.gift.Question) plus
``ignore_diacritics``. Responses are what the attempt form sends, per kind:
single {"choice": i}, multiple {"choices": [i, ...]}, truefalse {"value": bool},
shortanswer / numerical / essay {"text": str}, matching {"pairs": {"left index": right index}}.
Choice indices are positions in the snapshot, whatever order the cadre saw them in.
"""

from __future__ import annotations

import math
from typing import Any

from lms.text import clean, fold

AUTO_GRADED = ("single", "multiple", "truefalse", "shortanswer", "numerical", "matching")


def _clamp(value: float) -> float:
    # As in Moodle, negative weights can take a question down to zero, never below.
    return min(1.0, max(0.0, value))


def parse_number(text: str) -> float | None:
    """A number as cadres type it: "3.14", "3,14" (Vietnamese decimal comma), " 1 822 "."""
    cleaned = (text or "").strip().replace(" ", "").replace("\u00a0", "")
    if cleaned.count(",") == 1 and "." not in cleaned:
        cleaned = cleaned.replace(",", ".")
    try:
        value = float(cleaned)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def normalize_short_answer(text: str, *, ignore_diacritics: bool) -> str:
    """Case and extra spaces never matter; diacritics only if the trainer says so."""
    return fold(text) if ignore_diacritics else clean(text).lower()


def credit(snapshot: dict[str, Any], response: dict[str, Any] | None) -> float | None:
    """The credit earned, or None when a person must grade it (essays)."""
    kind = snapshot["kind"]
    if kind == "essay":
        return None
    if kind == "description" or not response:
        return 0.0
    choices = snapshot.get("choices", [])
    if kind == "single":
        index = response.get("choice")
        if not isinstance(index, int) or not 0 <= index < len(choices):
            return 0.0
        return _clamp(choices[index]["fraction"])
    if kind == "multiple":
        picked = {
            i for i in response.get("choices", []) if isinstance(i, int) and 0 <= i < len(choices)
        }
        return _clamp(sum(choices[i]["fraction"] for i in picked))
    if kind == "truefalse":
        value = response.get("value")
        return 1.0 if isinstance(value, bool) and value == snapshot.get("correct") else 0.0
    if kind == "shortanswer":
        fold_marks = bool(snapshot.get("ignore_diacritics"))
        given = normalize_short_answer(str(response.get("text", "")), ignore_diacritics=fold_marks)
        if not given:
            return 0.0
        return _clamp(
            max(
                (
                    c["fraction"]
                    for c in choices
                    if normalize_short_answer(c["text"], ignore_diacritics=fold_marks) == given
                ),
                default=0.0,
            )
        )
    if kind == "numerical":
        number = parse_number(str(response.get("text", "")))
        if number is None:
            return 0.0
        return _clamp(
            max(
                (a["fraction"] for a in snapshot.get("numeric", []) if _number_matches(a, number)),
                default=0.0,
            )
        )
    if kind == "matching":
        pairs = snapshot.get("pairs", [])
        chosen = response.get("pairs", {})
        # A pair with an empty left side is a distractor: a right-hand side that matches
        # nothing. It is not a question to answer, so it is not counted (as in Moodle).
        asked = [i for i, pair in enumerate(pairs) if pair["left"]]
        if not asked or not isinstance(chosen, dict):
            return 0.0
        rights = [pair["right"] for pair in pairs]
        correct = 0
        for i in asked:
            matched = chosen.get(str(i))
            # Two pairs may share a right-hand side: the text decides, not the position.
            if (
                isinstance(matched, int)
                and 0 <= matched < len(rights)
                and rights[matched] == pairs[i]["right"]
            ):
                correct += 1
        return correct / len(asked)
    return 0.0


def _number_matches(answer: dict[str, Any], number: float) -> bool:
    if answer.get("value") is not None:
        return bool(abs(number - answer["value"]) <= (answer.get("tolerance") or 0.0) + 1e-12)
    low, high = answer.get("minimum"), answer.get("maximum")
    return low is not None and high is not None and low <= number <= high
