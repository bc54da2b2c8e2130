"""Markdown to safe HTML, done once when a module is saved.

Python-Markdown with tables, fenced code, footnotes, heading anchors with a table of contents,
and callout boxes, then an allowlist sanitizer (nh3): whatever an author writes, nothing
executable, no styles and no event handlers reach the page.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from html import unescape

import markdown
import nh3
from flask_babel import lazy_gettext as _l

from lms.errors import InvalidInput
from lms.text import fold, nfc

# Callouts: a line "!!! note", "!!! remember" or "!!! case" (optionally with a title in
# quotes) followed by an indented block, as in Python-Markdown's admonitions.
CALLOUTS = {"note": "Lưu ý", "remember": "Ghi nhớ", "case": "Tình huống"}
_CALLOUT_LINE = re.compile(r"!!!\s+(\w+)\s*")

_EXTENSIONS = ["tables", "fenced_code", "footnotes", "admonition", "toc", "sane_lists"]

ALLOWED_TAGS = {
    "a",
    "abbr",
    "b",
    "blockquote",
    "br",
    "caption",
    "code",
    "dd",
    "del",
    "div",
    "dl",
    "dt",
    "em",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "hr",
    "i",
    "img",
    "ins",
    "kbd",
    "li",
    "ol",
    "p",
    "pre",
    "s",
    "small",
    "span",
    "strong",
    "sub",
    "sup",
    "table",
    "tbody",
    "td",
    "tfoot",
    "th",
    "thead",
    "tr",
    "u",
    "ul",
    "section",
    "figure",
    "figcaption",
    "mark",
}
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title", "id"},
    "img": {"src", "alt", "title", "width", "height"},
    "h1": {"id"},
    "h2": {"id"},
    "h3": {"id"},
    "h4": {"id"},
    "h5": {"id"},
    "h6": {"id"},
    "li": {"id"},
    "sup": {"id"},
    "div": {"id"},
    "td": {"align"},
    "th": {"align"},
    "ol": {"start"},
    "abbr": {"title"},
}
ALLOWED_CLASSES = {
    "div": {"admonition", "footnote", "toc", *CALLOUTS},
    "p": {"admonition-title"},
    "a": {"footnote-ref", "footnote-backref", "toclink"},
    "sup": {"footnote-ref"},
    "code": {"language-text"},
}


def _keep_attribute(tag: str, attribute: str, value: str) -> str | None:
    # Images only from this site's media store: nothing is fetched from elsewhere.
    if tag == "img" and attribute == "src" and not value.startswith("/media/"):
        return None
    if attribute == "id" and not re.fullmatch(r"[\w\-.:]{1,100}", value):
        return None
    return value


_CLEANER = nh3.Cleaner(
    tags=ALLOWED_TAGS,
    attributes=ALLOWED_ATTRIBUTES,
    allowed_classes=ALLOWED_CLASSES,
    url_schemes={"http", "https", "mailto"},
    clean_content_tags={
        "script",
        "style",
        "iframe",
        "object",
        "embed",
        "svg",
        "math",
        "template",
        "noscript",
        "textarea",
        "select",
    },
    link_rel="noopener noreferrer nofollow",
    attribute_filter=_keep_attribute,
    strip_comments=True,
)


@dataclass(frozen=True)
class Rendered:
    html: str
    toc_html: str
    text: str  # plain text, for search


def _with_callout_titles(source: str) -> str:
    """`!!! note` without a title gets the Vietnamese one ("Lưu ý", ...), outside code."""
    lines, fence = source.split("\n"), None
    for index, line in enumerate(lines):
        marker = re.match(r"^\s*(`{3,}|~{3,})", line)
        if marker and (fence is None or marker.group(1)[0] == fence[0]):
            fence = None if fence else marker.group(1)
            continue
        match = _CALLOUT_LINE.fullmatch(line) if fence is None else None
        if match and match.group(1) in CALLOUTS:
            lines[index] = f'!!! {match.group(1)} "{CALLOUTS[match.group(1)]}"'
    return "\n".join(lines)


# Python-Markdown slows down with the square of unmatched "[" and recurses once per nesting
# level: these bounds keep any text to a fraction of a second and away from the stack limit.
MAX_BRACKETS = 1500
MAX_NESTING = 20
_DEEP_NESTING = re.compile(rf"^[ \t]*(?:(?:[-*+>]|\d+[.)])[ \t]+){{{MAX_NESTING},}}", re.MULTILINE)


def check_source(source: str) -> None:
    if source.count("[") > MAX_BRACKETS:
        raise InvalidInput(_l("The text has more than %(n)s “[” characters.", n=MAX_BRACKETS))
    if _DEEP_NESTING.search(source):
        raise InvalidInput(
            _l("Lists or quotes are nested more than %(n)s levels deep.", n=MAX_NESTING)
        )


def render(source: str) -> Rendered:
    """Safe HTML for ``source``; raises InvalidInput for text it will not render."""
    source = nfc(source.replace("\r\n", "\n"))
    check_source(source)
    converter = markdown.Markdown(
        extensions=_EXTENSIONS,
        extension_configs={
            "toc": {"permalink": False, "toc_depth": "2-3", "slugify": _slugify},
            "footnotes": {"BACKLINK_TEXT": "↩", "BACKLINK_TITLE": "Quay lại vị trí chú thích %d"},
        },
        output_format="html",
    )
    try:
        html = converter.convert(_with_callout_titles(source))
    except RecursionError:
        raise InvalidInput(_l("The text is nested too deeply to be shown.")) from None
    toc_html = converter.toc if getattr(converter, "toc_tokens", None) else ""
    safe_html = _CLEANER.clean(html)
    return Rendered(html=safe_html, toc_html=_CLEANER.clean(toc_html), text=plain_text(safe_html))


def plain_text(html: str) -> str:
    text = re.sub(r"<[^>]+>", " ", html)
    return " ".join(unescape(text).split())


def _slugify(value: str, separator: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", separator, fold(value)).strip(separator)
    # Prefixed, so that an author's heading can never take the id of an element of the page.
    return f"h-{slug or 'muc'}"


def sanitize_html(html: str) -> str:
    """Authored HTML (a GIFT question in [html] format) through the same allowlist."""
    return _CLEANER.clean(html)
