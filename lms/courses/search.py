"""Search over course and module titles and text, ignoring diacritics and case."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from markupsafe import Markup, escape
from sqlalchemy import and_, select

from lms.courses.markdown import plain_text
from lms.courses.models import Course, Module
from lms.courses.queries import visible_courses_filter
from lms.extensions import db
from lms.text import fold

if TYPE_CHECKING:
    from lms.people.models import User

SNIPPET_CHARS = 160
MAX_RESULTS = 50


@dataclass
class SearchHit:
    course_slug: str
    course_title: str
    module_slug: str | None
    title: str
    snippet: Markup


def _like(column: Any, words: list[str]) -> Any:
    clauses = []
    for word in words:
        escaped = word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        clauses.append(column.like(f"%{escaped}%", escape="\\"))
    return and_(*clauses)


def search(user: User, query: str) -> list[SearchHit]:
    """Courses and modules whose text holds every word of ``query``: two queries."""
    words = fold(query).split()[:8]
    if not words:
        return []
    visible = visible_courses_filter(user)
    hits: list[SearchHit] = []
    for course in db.session.scalars(
        select(Course)
        .where(visible, _like(Course.search_text, words))
        .order_by(Course.title)
        .limit(MAX_RESULTS)
    ):
        hits.append(
            SearchHit(
                course.slug, course.title, None, course.title, highlight(f"{course.summary}", words)
            )
        )
    rows = db.session.execute(
        select(Module.slug, Module.title, Module.body_html, Course.slug, Course.title)
        .join(Course, Course.id == Module.course_id)
        .where(visible, _like(Module.search_text, words))
        .order_by(Course.title, Module.position)
        .limit(MAX_RESULTS)
    ).all()
    for module_slug, title, body_html, course_slug, course_title in rows:
        hits.append(
            SearchHit(
                course_slug,
                course_title,
                module_slug,
                title,
                highlight(plain_text(body_html), words),
            )
        )
    return hits


def highlight(text: str, words: list[str]) -> Markup:
    """A snippet around the first match with every match wrapped in <mark>, escaped.

    Folding keeps one character for one, so positions found in the folded text apply to the
    original, diacritics and all.
    """
    source = text
    haystack = _fold_same_length(text)
    first = min((i for i in (haystack.find(w) for w in words) if i >= 0), default=0)
    start = max(0, first - SNIPPET_CHARS // 3)
    end = min(len(source), start + SNIPPET_CHARS)
    spans: list[tuple[int, int]] = []
    for word in words:
        index = haystack.find(word, start)
        while 0 <= index < end:
            spans.append((index, min(index + len(word), end)))
            index = haystack.find(word, index + len(word))
    spans.sort()
    out, cursor = [], start
    for begin, finish in spans:
        if begin < cursor:
            continue
        out.append(escape(source[cursor:begin]))
        out.append(Markup("<mark>") + escape(source[begin:finish]) + Markup("</mark>"))
        cursor = finish
    out.append(escape(source[cursor:end]))
    if start > 0:
        out.insert(0, escape("… "))
    if end < len(source):
        out.append(escape(" …"))
    return Markup("").join(out)


def _fold_same_length(text: str) -> str:
    """Fold character by character (NFC text): positions stay the same."""
    return "".join(fold(ch) or ch for ch in text)
