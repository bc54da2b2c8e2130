"""A question's text as HTML: Markdown and HTML sanitized, the other formats as plain text.

It is rendered once, when an attempt starts, and kept in the attempt's snapshot ("html"), as
modules are rendered once when saved: showing an attempt, its review or the grading queue
renders nothing. Attempts started before that (and the trainers' preview of the bank) render
when shown, through the same guard (lms.courses.markdown.check_source), so that no text can
cost more than a moment; a text the guard refuses is shown as plain text.
"""

from __future__ import annotations

from typing import Any

from markupsafe import Markup, escape

from lms.courses.markdown import check_source, render, sanitize_html
from lms.errors import InvalidInput


def joined_text(text: str, text_after: str) -> str:
    """The text as shown: a missing-word question's blank between its two parts."""
    return text + ("" if not text_after else " ____ " + text_after)


def check_text(text: str, text_after: str, text_format: str) -> None:
    """InvalidInput for a question text the renderer would refuse (or take too long on)."""
    if text_format == "markdown":
        check_source(joined_text(text, text_after))


def _plain(text: str) -> str:
    return str(Markup("<br>").join(escape(line) for line in text.split("\n")))


def render_text(content: dict[str, Any]) -> str:
    """The HTML of a question's text (``content``: a snapshot, or a question shown from one).
    Never raises: a text the guard refuses comes out as plain text."""
    text = joined_text(content.get("text", ""), content.get("text_after", ""))
    text_format = content.get("text_format", "moodle")
    try:
        if text_format == "markdown":
            return render(text).html
    except InvalidInput:
        return _plain(text)
    if text_format == "html":
        return sanitize_html(text)
    return _plain(text)


def question_html(item: dict[str, Any]) -> Markup:
    """The text of a question shown on a page: the snapshot's HTML, or rendered now."""
    html = item.get("html")
    return Markup(html if html is not None else render_text(item))  # noqa: S704 - sanitized
