"""GIFT questions as plain dataclasses, and what the reader and the writer share."""

from __future__ import annotations

from dataclasses import dataclass, field

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


# What a backslash escapes; after any other character it stays as typed, as in Moodle.
ESCAPES = {"\\": "\\", "~": "~", "=": "=", "#": "#", "{": "{", "}": "}", ":": ":", "n": "\n"}
CATEGORY = "$CATEGORY:"


def number_text(value: float | None) -> str:
    """A number as GIFT writes it, and as the reader's messages quote it."""
    assert value is not None
    if value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return repr(value)  # the shortest text that reads back as the same float
