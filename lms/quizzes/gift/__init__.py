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

from lms.quizzes.gift.model import (
    QUESTION_KINDS,
    TEXT_FORMATS,
    Choice,
    GiftError,
    MatchPair,
    NumericAnswer,
    Question,
)
from lms.quizzes.gift.reader import parse
from lms.quizzes.gift.writer import write

__all__ = [
    "QUESTION_KINDS",
    "TEXT_FORMATS",
    "Choice",
    "GiftError",
    "MatchPair",
    "NumericAnswer",
    "Question",
    "parse",
    "write",
]
