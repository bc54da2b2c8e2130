"""What an answer to each kind of question may hold, checked before it is stored: indexes
within the shown choices, text within its length, a number that is one."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l

from lms.errors import InvalidInput
from lms.text import nfc

MAX_TEXT_ANSWER = 10_000  # characters


def _is_index(value: Any, size: int) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 <= value < size


def _refused() -> InvalidInput:
    # Built when raised, not ahead: its message is translated as it is made, and the autosave
    # checks every answer of the attempt on each save.
    return InvalidInput(_l("This answer does not fit the question."))


def checked_response(snapshot: dict[str, Any], order: list[int], response: Any) -> dict[str, Any]:
    """The response as stored (snapshot indices, as grading.credit reads them), from the
    response as the page sends it, if its shape fits the question's kind; InvalidInput
    otherwise. Pages number choices, and matching's right-hand sides, by their position as
    shown (``order``): snapshot indices would tell which choice the author wrote first (often
    the right one) and, for matching, pair each left with the right of the same index."""
    if not isinstance(response, dict):
        raise _refused()
    kind = snapshot["kind"]
    keys = set(response)
    if kind == "single":
        if keys != {"choice"} or not _is_index(response["choice"], len(order)):
            raise _refused()
        return {"choice": order[response["choice"]]}
    if kind == "multiple":
        picked = response.get("choices")
        if (
            keys != {"choices"}
            or not isinstance(picked, list)
            or not all(_is_index(i, len(order)) for i in picked)
            or len(set(picked)) != len(picked)
        ):
            raise _refused()
        return {"choices": sorted(order[i] for i in picked)}
    if kind == "truefalse":
        if keys != {"value"} or not isinstance(response["value"], bool):
            raise _refused()
        return {"value": response["value"]}
    if kind in ("shortanswer", "numerical", "essay"):
        text = response.get("text")
        if keys != {"text"} or not isinstance(text, str) or "\x00" in text:
            raise _refused()
        if len(text) > MAX_TEXT_ANSWER:
            raise InvalidInput(_l("An answer is at most %(n)s characters long.", n=MAX_TEXT_ANSWER))
        return {"text": nfc(text)}
    if kind == "matching":
        pairs = snapshot.get("pairs", [])
        chosen = response.get("pairs")
        lefts = {str(i) for i, pair in enumerate(pairs) if pair["left"]}
        if (
            keys != {"pairs"}
            or not isinstance(chosen, dict)
            or not set(chosen) <= lefts
            or not all(_is_index(right, len(order)) for right in chosen.values())
        ):
            raise _refused()
        return {"pairs": {left: order[chosen[left]] for left in sorted(chosen, key=int)}}
    raise _refused()  # a description has nothing to answer
