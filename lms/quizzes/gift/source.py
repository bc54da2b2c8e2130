"""A GIFT file as the reader walks it: numbered lines, one chunk per question or category,
and spans of text that keep their line numbers."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from lms.quizzes.gift.model import CATEGORY, ESCAPES
from lms.text import nfc


def _numbered_lines(text: str) -> list[tuple[int, str]]:
    text = nfc(text).removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    return list(enumerate(text.split("\n"), start=1))


@dataclass(frozen=True)
class _Category:
    path: str


def _chunks(lines: list[tuple[int, str]]) -> Iterator[_Category | list[tuple[int, str]]]:
    """Each question's lines (comments left out) and each category change, in file order."""
    question: list[tuple[int, str]] = []
    for number, line in lines:
        stripped = line.strip()
        if stripped.startswith("//"):
            continue  # a comment line does not end a question: Moodle blanks it in place
        if stripped and not stripped.startswith(CATEGORY):
            question.append((number, line))
            continue
        if question:
            yield question
            question = []
        if stripped:
            yield _Category(stripped.removeprefix(CATEGORY).strip())
    if question:
        yield question


class _Source:
    """A question's lines joined, escapes resolved; for each character, whether it was
    escaped (then it is text, never syntax) and the line of the file it came from."""

    def __init__(self, lines: list[tuple[int, str]]) -> None:
        chars: list[str] = []
        self.escaped: list[bool] = []
        self.line_of: list[int] = []

        def add(char: str, escaped: bool, number: int) -> None:
            chars.append(char)
            self.escaped.append(escaped)
            self.line_of.append(number)

        for number, line in lines:
            if chars:
                add("\n", False, number)
            at = 0
            while at < len(line):
                if line[at] == "\\" and line[at + 1 : at + 2] in ESCAPES:
                    add(ESCAPES[line[at + 1]], True, number)
                    at += 2
                else:
                    add(line[at], False, number)
                    at += 1
        self.chars = "".join(chars)

    def whole(self) -> _Span:
        return _Span(self, 0, len(self.chars))


@dataclass(frozen=True)
class _Span:
    """A stretch of a _Source; searches in it find only unescaped tokens."""

    source: _Source
    start: int
    end: int

    @property
    def text(self) -> str:
        return self.source.chars[self.start : self.end]

    @property
    def line(self) -> int:
        return self.source.line_of[min(self.start, len(self.source.line_of) - 1)]

    def is_syntax(self, at: int, token: str) -> bool:
        end = at + len(token)
        return (
            end <= self.end
            and self.source.chars.startswith(token, at)
            and not any(self.source.escaped[at:end])
        )

    def startswith(self, token: str) -> bool:
        return self.is_syntax(self.start, token)

    def find(self, token: str, start: int | None = None) -> int:
        at = self.start if start is None else start
        while (at := self.source.chars.find(token, at, self.end)) >= 0:
            if self.is_syntax(at, token):
                return at
            at += 1
        return -1

    def rfind(self, token: str) -> int:
        end = self.end
        while (at := self.source.chars.rfind(token, self.start, end)) >= 0:
            if self.is_syntax(at, token):
                return at
            end = at + len(token) - 1
        return -1

    def cut(self, start: int, end: int | None = None) -> _Span:
        return _Span(self.source, start, self.end if end is None else end)

    def strip(self) -> _Span:
        chars, start, end = self.source.chars, self.start, self.end
        while start < end and chars[start].isspace():
            start += 1
        while end > start and chars[end - 1].isspace():
            end -= 1
        return _Span(self.source, start, end)

    def split(self, token: str, parts: int) -> list[_Span]:
        """At most ``parts`` pieces, like str.split(token, parts - 1), each stripped."""
        pieces: list[_Span] = []
        start = self.start
        while len(pieces) < parts - 1 and (at := self.find(token, start)) >= 0:
            pieces.append(self.cut(start, at).strip())
            start = at + len(token)
        pieces.append(self.cut(start).strip())
        return pieces


@dataclass(frozen=True)
class _Answer:
    marker: str  # "=" or "~"
    body: _Span  # after the marker, stripped
    line: int
