"""A frozen question as the attempt's page shows it: its text as HTML, its choices in the
attempt's order, and a stored answer renumbered the same way. The page, the autosave and the
review all go through here."""

from __future__ import annotations

from typing import Any


def shown_question(position: int, snapshot: dict[str, Any], order: list[int]) -> dict[str, Any]:
    """A question as a page shows it before submission: its text, and choices (or matching
    sides) in the given order, numbered as shown, with nothing that tells the right answer."""
    kind = snapshot["kind"]
    item: dict[str, Any] = {
        "position": position,
        "kind": kind,
        "text": snapshot.get("text", ""),
        "text_after": snapshot.get("text_after", ""),
        "text_format": snapshot.get("text_format", "moodle"),
        "html": snapshot.get("html"),  # rendered when the attempt started (None: older ones)
        "response": None,
    }
    if kind in ("single", "multiple"):
        item["choices"] = [
            {"index": shown, "text": snapshot["choices"][i]["text"]}
            for shown, i in enumerate(order)
        ]
    elif kind == "matching":
        pairs = snapshot.get("pairs", [])
        item["lefts"] = [
            {"index": i, "text": pair["left"]} for i, pair in enumerate(pairs) if pair["left"]
        ]
        seen: set[str] = set()
        rights = []
        for shown, i in enumerate(order):
            # Two pairs may share a right-hand side: show it once (grading goes by text).
            if pairs[i]["right"] not in seen:
                seen.add(pairs[i]["right"])
                rights.append({"index": shown, "text": pairs[i]["right"]})
        item["rights"] = rights
    return item


def as_shown(kind: str, order: list[int], response: dict[str, Any]) -> dict[str, Any]:
    """A stored response numbered as the page shows the choices (see _checked_response)."""
    shown = {index: position for position, index in enumerate(order)}
    if kind == "single":
        return {"choice": shown[response["choice"]]}
    if kind == "multiple":
        return {"choices": sorted(shown[i] for i in response["choices"])}
    if kind == "matching":
        return {"pairs": {left: shown[right] for left, right in response["pairs"].items()}}
    return response
