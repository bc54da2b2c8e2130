"""Markdown to safe HTML, done once when a module is saved.

Python-Markdown with tables, fenced code, footnotes, heading anchors with a table of contents,
and callout boxes, then an allowlist sanitizer (nh3): whatever an author writes, nothing
executable, no styles and no event handlers reach the page.

Every Markdown text of the application (modules, course descriptions, question texts, the
editors' previews) goes through ``check_source`` and ``render`` here: the one guard that keeps
the cost of any text bounded (see "The cost guard" below).
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


# Images only from this site's media store, by the exact address it gives them: nothing is
# fetched from elsewhere, and no path can climb out of /media/ ("/media/../../people/1").
_MEDIA_SRC = re.compile(r"/media/[0-9a-f]{64}\.(?:png|jpg|webp)")
# Ids the renderer makes itself: headings (h-..., see _slugify) and footnotes (fn:1, fnref:1,
# fnref2:1). Any other id an author writes in raw HTML gets AUTHOR_ID_PREFIX, so that it can
# never take the id of an element of the page (the attempt's "save-status", a question "q1").
_OWN_ID = re.compile(r"h-[\w\-.]+|fn(?:ref\d*)?:\d+")
AUTHOR_ID_PREFIX = "a-"


def _author_id(value: str) -> str:
    return value if _OWN_ID.fullmatch(value) else AUTHOR_ID_PREFIX + value


def _keep_attribute(tag: str, attribute: str, value: str) -> str | None:
    if tag == "img" and attribute == "src":
        return value if _MEDIA_SRC.fullmatch(value) else None
    if attribute == "id":
        if not re.fullmatch(r"[\w\-.:]{1,100}", value):
            return None
        return _author_id(value)
    if tag == "a" and attribute == "href" and value.startswith("#") and len(value) > 1:
        return "#" + _author_id(value[1:])  # a link to an author's id follows its prefix
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


# ---- the cost guard ---------------------------------------------------------------------------
# Python-Markdown is not linear in its input. Measured on the 2-core development machine:
# - each "[" that closes nowhere scans to the end of its paragraph (as does each "<" without a
#   ">" and each "](" without its ")"), so a paragraph of 1,400 "[" and 20,000 letters takes
#   10 s (0.15-0.4 µs per character scanned);
# - each "<a " never closed also scans the rest of the text in the raw-HTML pass, across
#   paragraphs (5,000 in 25,000 characters: 6 s), which also slows down with the number of
#   tags in the text (16,000 "<div>" in 80,000 characters: 1.4 s);
# - each fence line ("~~~a") never closed scans the rest of the text inside one regular
#   expression (5,000 of them in 25,000 characters: 1.9 s; 10,000: 7.3 s), and so does each
#   callout ("!!! note") that does not start a paragraph;
# - even closed, "[" and "<" cost by their number times their paragraph's length (10,000 link
#   definitions "[a]: /x" in one paragraph: 15 s), and so do "_", "*", "`" and "\\", about 300
#   times less ("__\\" 26,000 times: 4.7 s);
# - 5,000 headings take 7 s (the table of contents makes equal ids unique one by one), 5,000
#   references to one footnote 26 s;
# - lists and quotes nested deeper than the stack allows raise RecursionError.
# So a text is refused before rendering when it is longer than MAX_CHARS, nested deeper than
# MAX_NESTING, has more than MAX_HEADINGS headings, MAX_FOOTNOTE_REFS footnote references or
# MAX_PARAGRAPHS paragraphs, or when one of these, computed in one pass each, passes its
# budget: what the brackets of each paragraph make the inline patterns read (_scan_cost); what
# the "<" make the raw-HTML pass read, and their number times the text's length; the brackets,
# and the emphasis marks, times their paragraph's length; the fence and callout marks times
# the text's length. The bounds hold together: random and repetitive texts within all of them
# render in under a second of CPU here (most under 0.3 s), and tests/test_markdown_cost.py
# feeds the shapes above to every entry point. (A CPU-time budget enforced while rendering
# was tried: a trace or profile hook made every render four to six times slower, so the
# bounds are static.)
MAX_CHARS = 100_000
MAX_NESTING = 20
MAX_HEADINGS = 500
MAX_FOOTNOTE_REFS = 500
MAX_PARAGRAPHS = 5_000
MAX_SCAN_COST = 1_000_000  # characters the inline patterns read for brackets, all paragraphs
MAX_TAG_COST = 15_000_000  # characters the raw-HTML pass reads for "<"
MAX_TAGS_COST = 50_000_000  # "<" x text length (the raw-HTML pass keeps every open tag)
MAX_BRACKETS_COST = 20_000_000  # sum over paragraphs of ("[" + "<") x paragraph length
MAX_EMPHASIS_COST = 300_000_000  # sum over paragraphs of ("_*`\\" marks) x paragraph length
MAX_BLOCK_MARK_COST = 20_000_000  # (fence lines + callout marks) x text length
# A quote marker needs no space after it (">>>" is three levels), a list marker does.
_DEEP_NESTING = re.compile(
    rf"^[ \t]*(?:>[ \t]*|(?:[-*+]|\d+[.)])[ \t]+){{{MAX_NESTING},}}", re.MULTILINE
)
_BLANK_LINE = re.compile(r"\n[ \t]*\n")
_FENCE_LINE = re.compile(r"^[ \t]*(?:`{3,}|~{3,})", re.MULTILINE)
_HEADING_LINE = re.compile(r"^[ \t]*(?:#|=+[ \t]*$|-+[ \t]*$)", re.MULTILINE)
_SCANNED = re.compile(r"[\[\]()<>]")


def _to_closers(text: str, opener: str, closer: str, *, nested: bool) -> dict[int, int]:
    """For each ``opener`` in ``text``, where the scan that starts there stops: at its
    matching ``closer`` (``nested``) or the next one, else at the end. One pass."""
    stops: dict[int, int] = {}
    waiting: list[int] = []
    for match in _SCANNED.finditer(text):
        char, at = match.group(), match.start()
        if char == opener:
            waiting.append(at)
        elif char == closer and waiting:
            if nested:
                stops[waiting.pop()] = at
            else:
                stops.update(dict.fromkeys(waiting, at))
                waiting.clear()
    stops.update(dict.fromkeys(waiting, len(text)))
    return stops


def _scan_cost(paragraph: str) -> int:
    """The characters the inline patterns read from the brackets of one paragraph: from each
    "[" to its "]", each "<" to the next ">", each "](" to its ")" (or the paragraph's end)."""
    squares = _to_closers(paragraph, "[", "]", nested=True)
    angles = _to_closers(paragraph, "<", ">", nested=False)
    rounds = _to_closers(paragraph, "(", ")", nested=True)
    links = sum(rounds[at + 1] - at for at in squares.values() if paragraph[at + 1 : at + 2] == "(")
    return (
        sum(stop - at for at, stop in squares.items())
        + sum(stop - at for at, stop in angles.items())
        + links
    )


def check_source(source: str) -> None:
    """InvalidInput, at once, for a text whose rendering could cost more than a moment. It
    reads the text a fixed number of times: its own cost is linear in the text's length."""
    if len(source) > MAX_CHARS:
        raise InvalidInput(_l("The text is too long (at most %(n)s characters).", n=MAX_CHARS))
    if _DEEP_NESTING.search(source):
        raise InvalidInput(
            _l("Lists or quotes are nested more than %(n)s levels deep.", n=MAX_NESTING)
        )
    if len(_HEADING_LINE.findall(source)) > MAX_HEADINGS:
        raise InvalidInput(_l("The text has more than %(n)s headings.", n=MAX_HEADINGS))
    if source.count("[^") > MAX_FOOTNOTE_REFS:
        raise InvalidInput(
            _l("The text has more than %(n)s footnote references.", n=MAX_FOOTNOTE_REFS)
        )
    paragraphs = _BLANK_LINE.split(source)
    if len(paragraphs) > MAX_PARAGRAPHS:
        raise InvalidInput(_l("The text has more than %(n)s paragraphs.", n=MAX_PARAGRAPHS))
    scanned = sum(_scan_cost(paragraph) for paragraph in paragraphs)
    tags = sum(stop - at for at, stop in _to_closers(source, "<", ">", nested=False).items())
    brackets = sum(
        (paragraph.count("[") + paragraph.count("<")) * len(paragraph) for paragraph in paragraphs
    )
    emphasis = sum(
        sum(paragraph.count(mark) for mark in "_*`\\") * len(paragraph) for paragraph in paragraphs
    )
    if (
        scanned > MAX_SCAN_COST
        or tags > MAX_TAG_COST
        or source.count("<") * len(source) > MAX_TAGS_COST
        or brackets > MAX_BRACKETS_COST
        or emphasis > MAX_EMPHASIS_COST
    ):
        raise InvalidInput(
            _l(
                "The text has too many unclosed “[”, “(” or “<”, or too many “_”, “*” or “`”, "
                "for its length: close the brackets, or split the paragraph with blank lines."
            )
        )
    marks = len(_FENCE_LINE.findall(source)) + source.count("!!!")
    if marks * len(source) > MAX_BLOCK_MARK_COST:
        raise InvalidInput(
            _l("The text has too many code fences (``` or ~~~) or callouts (!!!) for its length.")
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
    # (The toc extension adds .toc to the converter: the stubs do not know it.)
    toc_html = converter.toc if getattr(converter, "toc_tokens", None) else ""  # type: ignore[attr-defined]
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
