"""Reading GIFT: ``parse`` gives the questions of a file, or GiftError listing every problem
with its line."""

from __future__ import annotations

import re
from decimal import Decimal

from flask_babel import lazy_gettext as _l

from lms.errors import InvalidInput
from lms.quizzes.gift.model import (
    TEXT_FORMATS,
    Choice,
    GiftError,
    MatchPair,
    NumericAnswer,
    Question,
    number_text,
)
from lms.quizzes.gift.source import _Answer, _Category, _chunks, _numbered_lines, _Source, _Span
from lms.quizzes.gift.values import excerpt, numeric_answer, truefalse
from lms.quizzes.question_text import check_text

_FORMAT = re.compile(r"\[([A-Za-z]+)\]")
_WEIGHT = re.compile(r"%([^%]*)%")
_PERCENT = re.compile(r"[+-]?\d+(?:\.\d+)?")
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
        elif not truefalse(question, block):
            self._marked(question, block, opening)

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
                    text=excerpt(head.text),
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
                marked = _WEIGHT.match(answer.body.text)
                if marked and _PERCENT.fullmatch(marked.group(1).strip()):
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
                    total=number_text(round(positive * 100, 4)),
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
                        text=excerpt(answer.body.text),
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
            number = numeric_answer(text.text)
            if isinstance(number, NumericAnswer):
                number.fraction = 1.0 if fraction is None else fraction
                number.feedback = feedback[0].text if feedback else ""
                question.numeric.append(number)
            else:
                self.problem(answer.line, number)
        if len(self.problems) == before and not any(
            a.fraction == 1 and not a.is_any_other for a in question.numeric
        ):
            self.problem(opening, _l("no answer gets full credit: mark one with = and no weight"))
