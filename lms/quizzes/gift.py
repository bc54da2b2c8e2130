"""Moodle GIFT: read a question file into plain dataclasses, and write questions back.

``parse`` refuses a file whole: GiftError lists every problem with its line, nothing is
returned. ``write`` gives canonical GIFT that ``parse`` reads back to equal questions.

The syntax is Moodle's (question/format/gift/format.php). Where Moodle would quietly import
something the author probably did not mean, this reader refuses it with a problem instead:

- an answer block without markers, such as ``{Paris}`` (Moodle: a one-answer short answer);
- ``=`` or ``~`` glued to a word inside an answer block, such as ``{=1+1=2}``: write ``\\=``;
- ``[word]`` before the question text that is not a format Moodle knows;
- general feedback ``####`` followed by more answers;
- a weight after ``=`` in a multiple-choice question, ``{=%50%a ~b}``: Moodle gives every
  ``=`` answer full credit there and keeps "%50%" as part of its text;
- a multiple-answer question (no ``=`` answer) whose positive weights do not add up to 100%
  (Moodle imports it with a warning).

As in Moodle, a multiple-choice question with an ``=`` answer is a single-answer one, whose
``~%n%`` answers earn partial (or negative) credit: ``{=a ~%50%b ~c}``, ``{=a =b ~c}``; without
an ``=`` answer it is a multiple-answer one. In a numerical block, ``~`` (the feedback for any
other answer) and ``=`` (the next answer) may follow a number without a space, as Moodle
reads them: ``{#3:2~#Completely wrong}``.

And it is more lenient in two places: T, TRUE, F and FALSE are read in any case, and a
``$CATEGORY:`` line needs no blank line after it. Per-answer ``[format]`` prefixes are not
interpreted: they stay in the answer text.

The writer escapes a character only where it would be syntax: braces everywhere, ``= ~ #``
inside answer blocks, ``:`` in titles, a backslash only before what it could escape (so
LaTeX's ``\\(x\\)`` stays readable). Moodle reads the result the same way. GIFT has no way to
write ``->`` in a short answer or on the left of a matching pair; parse() never yields one.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal

from flask_babel import lazy_gettext as _l

from lms.errors import InvalidInput
from lms.quizzes.question_text import check_text
from lms.text import nfc

QUESTION_KINDS = (
    "single",
    "multiple",
    "truefalse",
    "shortanswer",
    "numerical",
    "matching",
    "essay",
    "description",
)
TEXT_FORMATS = ("moodle", "html", "markdown", "plain")


@dataclass
class Choice:
    """An answer of a single, multiple or shortanswer question."""

    text: str
    fraction: float  # credit in [-1.0, 1.0]: "=" is 1.0, "~" is 0.0, "~%50%" is 0.5
    feedback: str = ""


@dataclass
class NumericAnswer:
    """An accepted number: ``value`` ± ``tolerance``, or the range ``minimum..maximum``.

    With neither a value nor a range it is Moodle's "any other answer" (``~#feedback``),
    which only carries the feedback shown for a wrong number.
    """

    value: float | None
    tolerance: float = 0.0
    minimum: float | None = None
    maximum: float | None = None
    fraction: float = 1.0
    feedback: str = ""

    @property
    def is_range(self) -> bool:
        return self.minimum is not None and self.maximum is not None

    @property
    def is_any_other(self) -> bool:
        return self.value is None and not self.is_range


@dataclass
class MatchPair:
    left: str  # empty: an extra answer on the right that matches nothing
    right: str


@dataclass
class Question:
    kind: str
    text: str  # for a missing-word question: the text before the blank
    title: str = ""
    text_after: str = ""  # for a missing-word question: the text after the blank
    text_format: str = "moodle"
    category: str = ""  # the $CATEGORY: in force where the question was read
    choices: list[Choice] = field(default_factory=list)
    numeric: list[NumericAnswer] = field(default_factory=list)
    pairs: list[MatchPair] = field(default_factory=list)
    correct: bool | None = None  # truefalse
    feedback_true: str = ""  # truefalse: shown to whoever answered "true"
    feedback_false: str = ""
    general_feedback: str = ""
    # Where the question was read, not what it is: two equal questions may sit on other lines.
    line: int = field(default=0, compare=False)


class GiftError(Exception):
    """The file had problems; nothing was imported."""

    def __init__(self, problems: list[tuple[int, str]]) -> None:
        self.problems = sorted(problems, key=lambda problem: problem[0])
        super().__init__("; ".join(f"line {line}: {message}" for line, message in self.problems))


# ---- reading -----------------------------------------------------------------------------

# What a backslash escapes; after any other character it stays as typed, as in Moodle.
_ESCAPES = {"\\": "\\", "~": "~", "=": "=", "#": "#", "{": "{", "}": "}", ":": ":", "n": "\n"}
_CATEGORY = "$CATEGORY:"
_FORMAT = re.compile(r"\[([A-Za-z]+)\]")
_WEIGHT = re.compile(r"%([^%]*)%")
_PERCENT = re.compile(r"[+-]?\d+(?:\.\d+)?")
_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")
_TRUE = ("T", "TRUE")
_FALSE = ("F", "FALSE")
# Short words starting with T or F, such as "Tx" or "Fasle": a true/false answer mistyped.
_TRUEFALSE_TYPO = re.compile(r"[TF][A-Z0-9]{0,4}", re.IGNORECASE)


def parse(text: str) -> list[Question]:
    """The questions of a GIFT file, or GiftError listing every problem in it."""
    questions: list[Question] = []
    problems: list[tuple[int, str]] = []
    category = ""
    for chunk in _chunks(_numbered_lines(text)):
        if isinstance(chunk, _Category):
            category = chunk.path
            continue
        reader = _Reader(chunk, category)
        question = reader.read()
        problems.extend(reader.problems)
        if question is not None:
            questions.append(question)
    if problems:
        raise GiftError(problems)
    return questions


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
        if stripped and not stripped.startswith(_CATEGORY):
            question.append((number, line))
            continue
        if question:
            yield question
            question = []
        if stripped:
            yield _Category(stripped.removeprefix(_CATEGORY).strip())
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
                if line[at] == "\\" and line[at + 1 : at + 2] in _ESCAPES:
                    add(_ESCAPES[line[at + 1]], True, number)
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
        pieces, start = [], self.start
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


class _Reader:
    """Reads one question, collecting its problems rather than stopping at the first."""

    def __init__(self, lines: list[tuple[int, str]], category: str) -> None:
        self.source = _Source(lines)
        self.line = lines[0][0]
        self.category = category
        self.problems: list[tuple[int, str]] = []

    def problem(self, line: int, message: object) -> None:
        self.problems.append((line, str(message)))

    def read(self) -> Question | None:
        rest = self.source.whole().strip()
        title = ""
        if rest.startswith("::"):
            end = rest.find("::", rest.start + 2)
            if end < 0:
                self.problem(self.line, _l("the title is not closed: end it with ::"))
                return None
            title = rest.cut(rest.start + 2, end).strip().text
            rest = rest.cut(end + 2).strip()
        text_format = "moodle"
        if match := _FORMAT.match(rest.text):
            text_format = match.group(1).lower()
            if text_format not in TEXT_FORMATS:
                self.problem(
                    rest.line,
                    _l(
                        "unknown text format [%(name)s]: use [moodle], [html], [markdown] or "
                        "[plain]",
                        name=match.group(1),
                    ),
                )
                return None
            rest = rest.cut(rest.start + match.end()).strip()

        question = Question(
            kind="description",
            text="",
            title=title,
            text_format=text_format,
            category=self.category,
            line=self.line,
        )
        block = self._block(rest)
        if self.problems:
            return None
        if block is None:
            question.text = rest.text
        else:
            question.text = rest.cut(rest.start, block.start - 1).strip().text
            question.text_after = rest.cut(block.end + 1).strip().text
        if not question.text and not question.text_after:
            self.problem(self.line, _l("the question has no text"))
        try:  # the one Markdown guard: a text that would render slowly is refused here
            check_text(question.text, question.text_after, question.text_format)
        except InvalidInput as refused:
            self.problem(self.line, refused.message)
        if block is not None:
            self._answers(question, block)
        return None if self.problems else question

    def _block(self, rest: _Span) -> _Span | None:
        """The inside of the answer block, or None for a description; a problem if braces
        do not pair up."""
        chars, escaped, line_of = self.source.chars, self.source.escaped, self.source.line_of
        opened = closed = -1
        for at in range(rest.start, rest.end):
            if chars[at] not in "{}" or escaped[at]:
                continue
            if chars[at] == "}" and (opened < 0 or closed >= 0):
                self.problem(
                    line_of[at], _l("“}” without an opening “{”: write \\} for a brace in text")
                )
                return None
            if chars[at] == "}":
                closed = at
            elif opened < 0:
                opened = at
            elif closed < 0:
                self.problem(
                    line_of[at],
                    _l("“{” inside an answer block: close the block with } first, or write \\{"),
                )
                return None
            else:
                self.problem(
                    line_of[at],
                    _l(
                        "a second answer block in one question: leave a blank line between "
                        "questions"
                    ),
                )
                return None
        if opened >= 0 and closed < 0:
            self.problem(line_of[opened], _l("the answer block opened here is not closed with }"))
            return None
        return rest.cut(opened + 1, closed) if opened >= 0 else None

    def _answers(self, question: Question, block: _Span) -> None:
        opening = self.source.line_of[block.start - 1]  # the line of "{"
        block = block.strip()
        general = block.rfind("####")
        if general >= 0:
            feedback = block.cut(general + 4).strip()
            if feedback.find("=") >= 0 or feedback.find("~") >= 0:
                self.problem(
                    feedback.line,
                    _l(
                        "general feedback (####) must come last in the answer block; "
                        "write \\= and \\~ inside it"
                    ),
                )
            question.general_feedback = feedback.text
            block = block.cut(block.start, general).strip()

        if not block.text:
            question.kind = "essay"
        elif block.startswith("#"):
            self._numerical(question, block.cut(block.start + 1).strip(), opening)
        elif not self._truefalse(question, block):
            self._marked(question, block, opening)

    def _truefalse(self, question: Question, block: _Span) -> bool:
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

    def _split(self, block: _Span, *, numerical: bool = False) -> tuple[_Span, list[_Answer]]:
        """The text before the first marker, and the answers: a marker is an unescaped = or ~
        at the start of the block or after white space; in a numerical block also one right
        after a number (Moodle splits numerical answers at every = and ~)."""
        chars, escaped, line_of = self.source.chars, self.source.escaped, self.source.line_of
        markers: list[int] = []
        for at in range(block.start, block.end):
            if chars[at] not in "=~" or escaped[at]:
                continue
            spaced = at == block.start or (chars[at - 1].isspace() and not escaped[at - 1])
            if spaced or (numerical and self._glued_numeric_marker(block, markers, at)):
                markers.append(at)
            else:
                self.problem(
                    line_of[at],
                    _l(
                        "“%(char)s” inside an answer: write \\%(char)s, or put a space before "
                        "it to start another answer",
                        char=chars[at],
                    ),
                )
        head = block.cut(block.start, markers[0] if markers else block.end).strip()
        ends = [*markers[1:], block.end] if markers else []
        answers = [
            _Answer(chars[at], block.cut(at + 1, end).strip(), line_of[at])
            for at, end in zip(markers, ends, strict=True)
        ]
        return head, answers

    def _glued_numeric_marker(self, block: _Span, markers: list[int], at: int) -> bool:
        """Whether an = or ~ right after other text in a numerical block starts an answer, as
        Moodle reads it: after the number of an answer (before its #feedback) it does; inside
        a feedback only "~#" does (the feedback for any other answer): Moodle would cut
        "well~done" or "x=3" in two where the author meant text."""
        start = markers[-1] + 1 if markers else block.start
        in_feedback = block.cut(start, at).find("#") >= 0
        if not in_feedback:
            return True
        return self.source.chars[at] == "~" and block.cut(at + 1).strip().startswith("#")

    def _marked(self, question: Question, block: _Span, opening: int) -> None:
        head, answers = self._split(block)
        if head.text:
            word = head.split("#", 2)[0].text
            if not answers and _TRUEFALSE_TYPO.fullmatch(word):
                message = _l(
                    "“%(answer)s” is not a true/false answer: write T, TRUE, F or FALSE; "
                    "other answers start with = or ~",
                    answer=word,
                )
            else:
                message = _l(
                    "“%(text)s” has no answer marker: start each answer with = (right) or ~ "
                    "(wrong)",
                    text=_excerpt(head.text),
                )
            self.problem(head.line, message)
        if not answers:
            return
        if any(answer.marker == "~" for answer in answers):
            self._choices(question, answers, opening)
        elif any(answer.body.split("#", 2)[0].find("->") >= 0 for answer in answers):
            self._matching(question, answers, opening)
        else:
            self._shortanswer(question, answers, opening)

    def _weight(self, answer: _Answer, lowest: int) -> tuple[float | None, _Span]:
        """A leading %n% weight as a fraction (None without one), and the rest of the answer."""
        body = answer.body
        if not body.startswith("%"):
            return None, body
        match = _WEIGHT.match(body.text)
        rest = body.cut(body.start + match.end()).strip() if match else body
        if not match or not _PERCENT.fullmatch(match.group(1).strip()):
            shown = match.group(0) if match else body.text.split()[0]
            self.problem(
                answer.line,
                _l("unknown weight “%(weight)s”: write a percentage such as %%50%%", weight=shown),
            )
            return None, rest
        percent = Decimal(match.group(1).strip())
        if not lowest <= percent <= 100:
            self.problem(
                answer.line,
                _l(
                    "weight %(weight)s%% is outside %(lowest)s%% to 100%%",
                    weight=match.group(1).strip(),
                    lowest=lowest,
                ),
            )
        return float(percent / 100), rest

    def _text_and_feedback(self, answer: _Answer, rest: _Span) -> tuple[str, str]:
        text, *feedback = rest.split("#", 2)
        if not text.text:
            self.problem(answer.line, _l("an answer is empty"))
        return text.text, feedback[0].text if feedback else ""

    def _choices(self, question: Question, answers: list[_Answer], opening: int) -> None:
        before = len(self.problems)
        # As in Moodle: with an "=" answer the question is a single-answer one, whose "~%n%"
        # answers earn partial (or negative) credit; without one, a multiple-answer one.
        single = any(answer.marker == "=" for answer in answers)
        for answer in answers:
            if answer.marker == "=":
                weight = _WEIGHT.match(answer.body.text)
                if weight and _PERCENT.fullmatch(weight.group(1).strip()):
                    self.problem(
                        answer.line,
                        _l(
                            "a weight after “=”: Moodle gives every = answer full credit and "
                            "keeps the weight as text; write %(example)s for partial credit",
                            example="~%50%",
                        ),
                    )
                fraction, rest = 1.0, answer.body  # any other "%" is text, as in Moodle
            else:
                weight, rest = self._weight(answer, lowest=-100)
                fraction = 0.0 if weight is None else weight
            text, feedback = self._text_and_feedback(answer, rest)
            question.choices.append(Choice(text, fraction, feedback))
        fractions = [choice.fraction for choice in question.choices]
        question.kind = "single" if single else "multiple"
        if len(self.problems) > before:
            return  # the totals below would only repeat the problems already found
        if len(fractions) < 2:
            self.problem(opening, _l("a multiple-choice question needs at least two answers"))
        if single:
            return
        positive = sum(fraction for fraction in fractions if fraction > 0)
        if positive == 0:
            self.problem(
                opening,
                _l(
                    "no correct answer: mark it with =, or give the correct answers positive "
                    "weights"
                ),
            )
        elif abs(positive - 1) > 0.005:  # half a percent: thirds written 33.33% add up
            self.problem(
                opening,
                _l(
                    "the positive weights add up to %(total)s%%; in a multiple-answer question "
                    "they must add up to 100%%",
                    total=_number(round(positive * 100, 4)),
                ),
            )

    def _shortanswer(self, question: Question, answers: list[_Answer], opening: int) -> None:
        question.kind = "shortanswer"
        before = len(self.problems)
        for answer in answers:
            fraction, rest = self._weight(answer, lowest=0)
            text, feedback = self._text_and_feedback(answer, rest)
            question.choices.append(Choice(text, 1.0 if fraction is None else fraction, feedback))
        if len(self.problems) == before and all(c.fraction != 1 for c in question.choices):
            self.problem(opening, _l("no answer gets full credit: mark one with = and no weight"))

    def _matching(self, question: Question, answers: list[_Answer], opening: int) -> None:
        question.kind = "matching"
        before = len(self.problems)
        for answer in answers:
            arrow = answer.body.find("->")
            if arrow < 0:
                self.problem(
                    answer.line,
                    _l(
                        "“%(text)s” has no “->”: write a matching pair as =left -> right",
                        text=_excerpt(answer.body.text),
                    ),
                )
                continue
            left = answer.body.cut(answer.body.start, arrow).strip().text
            right = answer.body.cut(arrow + 2).strip().text
            if not right:
                self.problem(
                    answer.line, _l("nothing after “->”: a matching pair needs a right side")
                )
            question.pairs.append(MatchPair(left, right))
        if len(self.problems) == before and sum(1 for p in question.pairs if p.left) < 2:
            self.problem(opening, _l("a matching question needs at least two pairs"))

    def _numerical(self, question: Question, block: _Span, opening: int) -> None:
        question.kind = "numerical"
        head, answers = self._split(block, numerical=True)
        if head.text:  # {#3.14:0.01}: the first answer may go without "="
            answers.insert(0, _Answer("=", head, head.line))
        if not answers:
            self.problem(opening, _l("the numerical question has no answer"))
            return
        before = len(self.problems)
        for index, answer in enumerate(answers):
            if answer.marker == "~":
                text, *feedback = answer.body.split("#", 2)
                if text.text:
                    self.problem(
                        answer.line,
                        _l(
                            "after “~” a numerical question takes only #feedback, "
                            "shown for any other answer"
                        ),
                    )
                elif index != len(answers) - 1:
                    self.problem(
                        answer.line, _l("the ~#feedback for any other answer must come last")
                    )
                other = feedback[0].text if feedback else ""
                question.numeric.append(NumericAnswer(None, fraction=0.0, feedback=other))
                continue
            fraction, rest = self._weight(answer, lowest=0)
            text, *feedback = rest.split("#", 2)
            number = self._numeric_answer(answer, text.text)
            if number is not None:
                number.fraction = 1.0 if fraction is None else fraction
                number.feedback = feedback[0].text if feedback else ""
                question.numeric.append(number)
        if len(self.problems) == before and not any(
            a.fraction == 1 and not a.is_any_other for a in question.numeric
        ):
            self.problem(opening, _l("no answer gets full credit: mark one with = and no weight"))

    def _numeric_answer(self, answer: _Answer, text: str) -> NumericAnswer | None:
        low, dots, high = text.partition("..")
        value_text, colon, tolerance_text = text.partition(":")
        if dots and low:
            minimum, maximum = _float(low), _float(high)
            if minimum is not None and maximum is not None:
                if minimum > maximum:
                    self.problem(
                        answer.line, _l("the range %(range)s starts above its end", range=text)
                    )
                    return None
                return NumericAnswer(None, minimum=minimum, maximum=maximum)
        else:
            value = _float(value_text)
            tolerance = _float(tolerance_text) if colon else 0.0
            if value is not None and tolerance is not None:
                if tolerance < 0:
                    self.problem(
                        answer.line,
                        _l("the tolerance %(tolerance)s is negative", tolerance=tolerance_text),
                    )
                    return None
                return NumericAnswer(value, tolerance)
        self.problem(
            answer.line,
            _l(
                "“%(text)s” is not a number: write 3.14, 3.14:0.01 (with a tolerance) or a "
                "range like 1..5",
                text=_excerpt(text),
            ),
        )
        return None


def _float(text: str) -> float | None:
    text = text.strip()
    if not _NUMBER.fullmatch(text):
        return None  # float() would also take "inf", "nan" and "1_000"
    value = float(text)
    return value if math.isfinite(value) else None


def _excerpt(text: str, length: int = 40) -> str:
    text = " ".join(text.split())
    return text if len(text) <= length else text[: length - 1] + "…"


# ---- writing -----------------------------------------------------------------------------

_IN_BLOCK = "=~#"  # besides braces, what must be escaped inside an answer block
_ESCAPABLE = frozenset(_ESCAPES) | {"\n"}


def write(questions: list[Question]) -> str:
    """Canonical GIFT: one blank line between questions, $CATEGORY: where it changes, titles
    and formats only where set, special characters escaped."""
    chunks: list[str] = []
    category = ""
    for question in questions:
        if question.category != category:
            category = question.category
            chunks.append(f"{_CATEGORY} {category}".rstrip())
        chunks.append(_write_question(question))
    return nfc("\n\n".join(chunks) + "\n") if chunks else ""


def _write_question(question: Question) -> str:
    head = f"::{_escape(question.title, ':')}:: " if question.title else ""
    text = _escape(question.text)
    # A text that starts like syntax gets an explicit format in front, so that it stays text.
    looks_like_syntax = text.startswith("[") or (
        not question.title and text.startswith(("//", "::", _CATEGORY))
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
        return f"{_number(answer.minimum)}..{_number(answer.maximum)}"
    value = _number(answer.value)
    return f"{value}:{_number(answer.tolerance)}" if answer.tolerance else value


def _write_numeric(answer: NumericAnswer) -> str:
    feedback = _escape(answer.feedback, _IN_BLOCK)
    if answer.is_any_other:
        return f"~#{feedback}" if feedback else "~"
    feedback = f" # {feedback}" if feedback else ""
    weight = "" if answer.fraction == 1 else f"%{_percent(answer.fraction)}%"
    return f"={weight}{_write_number(answer)}{feedback}"


def _number(value: float | None) -> str:
    assert value is not None
    if value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return repr(value)  # the shortest text that reads back as the same float


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
