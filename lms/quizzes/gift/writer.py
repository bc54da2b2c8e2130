"""Writing GIFT: canonical text that ``parse`` reads back to equal questions."""

from __future__ import annotations

from decimal import Decimal

from lms.quizzes.gift.model import (
    CATEGORY,
    ESCAPES,
    Choice,
    NumericAnswer,
    Question,
    number_text,
)
from lms.text import nfc

_IN_BLOCK = "=~#"  # besides braces, what must be escaped inside an answer block
_ESCAPABLE = frozenset(ESCAPES) | {"\n"}


def write(questions: list[Question]) -> str:
    """Canonical GIFT: one blank line between questions, $CATEGORY: where it changes, titles
    and formats only where set, special characters escaped."""
    chunks: list[str] = []
    category = ""
    for question in questions:
        if question.category != category:
            category = question.category
            chunks.append(f"{CATEGORY} {category}".rstrip())
        chunks.append(_write_question(question))
    return nfc("\n\n".join(chunks) + "\n") if chunks else ""


def _write_question(question: Question) -> str:
    head = f"::{_escape(question.title, ':')}:: " if question.title else ""
    text = _escape(question.text)
    # A text that starts like syntax gets an explicit format in front, so that it stays text.
    looks_like_syntax = text.startswith("[") or (
        not question.title and text.startswith(("//", "::", CATEGORY))
    )
    if question.text_format != "moodle" or looks_like_syntax:
        head += f"[{question.text_format}]"
    if question.kind == "description":
        return head + text
    line = head + (f"{text} " if text else "") + _write_block(question)
    if question.text_after:
        line += " " + _escape(question.text_after)
    return line


def _write_block(question: Question) -> str:
    general = [f"####{_escape(question.general_feedback, _IN_BLOCK)}"]
    general = general if question.general_feedback else []
    # A missing-word question keeps its answers inline, so the sentence reads on one line.
    inline = bool(question.text_after)
    kind = question.kind
    if kind == "essay":
        return "{" + "".join(general) + "}"
    if kind == "truefalse":
        return "{" + _write_truefalse(question) + "".join(general) + "}"
    if kind == "numerical":
        answers = question.numeric
        if len(answers) == 1 and not general and _is_plain_number(answers[0]):
            return "{#" + _write_number(answers[0]) + "}"
        return _layout("{#", [_write_numeric(answer) for answer in answers] + general, inline)
    if kind == "matching":
        items = [
            f"={_escape(p.left, _IN_BLOCK)} -> {_escape(p.right, _IN_BLOCK)}"
            for p in question.pairs
        ]
        return _layout("{", items + general, inline)
    if kind in ("single", "multiple", "shortanswer"):
        items = [_write_choice(choice, kind) for choice in question.choices]
        return _layout("{", items + general, inline)
    raise ValueError(f"unknown question kind {kind!r}")


def _layout(opening: str, items: list[str], inline: bool) -> str:
    if inline:
        return opening + " ".join(items) + "}"
    return opening + "\n" + "".join(f"\t{item}\n" for item in items) + "}"


def _write_truefalse(question: Question) -> str:
    if question.correct:
        word, right, wrong = "TRUE", question.feedback_true, question.feedback_false
    else:
        word, right, wrong = "FALSE", question.feedback_false, question.feedback_true
    parts = [word]
    if wrong or right:
        parts.append(_escape(wrong, _IN_BLOCK))
    if right:
        parts.append(_escape(right, _IN_BLOCK))
    return "#".join(parts)


def _write_choice(choice: Choice, kind: str) -> str:
    text = _escape(choice.text, _IN_BLOCK)
    if kind == "single" and choice.fraction == 1:
        # No weight after "=" in a multiple-choice question: there a "%" is text.
        return "=" + text + (f" # {_escape(choice.feedback, _IN_BLOCK)}" if choice.feedback else "")
    if kind == "shortanswer":
        marker, weighted = "=", choice.fraction != 1
    else:
        marker, weighted = "~", choice.fraction != 0
    # An answer that starts with "%" needs a weight in front, even %0%, to stay text.
    if weighted or text.startswith("%"):
        marker += f"%{_percent(choice.fraction)}%"
    feedback = f" # {_escape(choice.feedback, _IN_BLOCK)}" if choice.feedback else ""
    return marker + text + feedback


def _is_plain_number(answer: NumericAnswer) -> bool:
    return answer.fraction == 1 and not answer.feedback and not answer.is_any_other


def _write_number(answer: NumericAnswer) -> str:
    if answer.is_range:
        return f"{number_text(answer.minimum)}..{number_text(answer.maximum)}"
    value = number_text(answer.value)
    return f"{value}:{number_text(answer.tolerance)}" if answer.tolerance else value


def _write_numeric(answer: NumericAnswer) -> str:
    feedback = _escape(answer.feedback, _IN_BLOCK)
    if answer.is_any_other:
        return f"~#{feedback}" if feedback else "~"
    feedback = f" # {feedback}" if feedback else ""
    weight = "" if answer.fraction == 1 else f"%{_percent(answer.fraction)}%"
    return f"={weight}{_write_number(answer)}{feedback}"


def _percent(fraction: float) -> str:
    """The shortest percentage that parse() reads back as exactly this fraction."""
    for places in range(16):
        text = f"{fraction * 100:.{places}f}"
        if float(Decimal(text) / 100) == fraction:
            return text
    return format(Decimal(fraction) * 100, "f")


def _escape(text: str, special: str = "") -> str:
    """Backslashes before braces and the ``special`` characters, newlines as \\n."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    special = "{}" + special
    out = []
    for at, char in enumerate(text):
        if char == "\\":
            following = text[at + 1 : at + 2]
            # Only a backslash that would start an escape is doubled: LaTeX's \( stays readable.
            out.append("\\\\" if not following or following in _ESCAPABLE else "\\")
        elif char == "\n":
            out.append("\\n")
        elif char in special:
            out.append("\\" + char)
        else:
            out.append(char)
    return "".join(out)
