"""Between the question editor's forms and questions: a posted form built into a GIFT
question (refused rows become the form's errors), and a bank question as the form's data."""

from __future__ import annotations

from decimal import Decimal
from typing import Any, cast

from flask_babel import gettext as _
from wtforms import Field

from lms.formatting import number
from lms.quizzes import bank, gift
from lms.quizzes.forms import (
    NEW_ROWS,
    NEW_SHORTANSWER_ROWS,
    ROWS,
    ChoiceQuestionForm,
    MatchingForm,
    NumericalForm,
    QuestionForm,
    ShortAnswerForm,
    TrueFalseForm,
)
from lms.quizzes.models import Question
from lms.text import nfc


def _text(value: str | None) -> str:
    """Typed text as GIFT reads it back: NFC, one kind of line break, trimmed."""
    return nfc((value or "").replace("\r\n", "\n").replace("\r", "\n")).strip()


def _fraction(percent: float) -> float:
    """A percentage as the fraction GIFT reads from %percent%."""
    return float(Decimal(repr(percent)) / 100)


def _percent(fraction: float) -> float:
    return float(Decimal(repr(fraction)) * 100)


def _add_error(field: Field, message: str) -> None:
    """A message under ``field``: a validated field keeps its errors in a list."""
    cast(list[str], field.errors).append(message)


class RowError(Exception):
    """A row the form can say is wrong before GIFT is asked."""


def _row_number(row: Any) -> int:
    """The number in a row's field names (choices-3-text: 3), which the radio buttons carry."""
    return int(row.name.rsplit("-", 1)[1])


def _picked(value: str | None) -> int | None:
    if value and value.isascii() and value.isdigit() and len(value) <= 4:
        return int(value)
    return None


def _same(percent: float, target: float) -> bool:
    return abs(percent - target) < 1e-9


def _choice_rows(kind: str, form: ChoiceQuestionForm, question: gift.Question) -> bool:
    """The choices of a one-answer or several-answers question; True if a row is wrong (the
    field errors say how, in the trainer's words rather than GIFT's)."""
    picked = _picked(form.correct_choice.data)
    by_radio = kind == "single" and not form.partial_credit.data
    written: list[tuple[Any, float]] = []
    broken = False
    for row in form.choices:
        fields = row.form
        text, feedback = _text(fields.text.data), _text(fields.feedback.data)
        if by_radio:
            percent = 100.0 if _row_number(row) == picked else 0.0
        else:
            percent = 0.0 if fields.credit.data is None else fields.credit.data
        if not text:
            if by_radio and _row_number(row) == picked:
                _add_error(fields.text, _("Write the correct answer, or mark another one."))
                broken = True
            elif feedback or (not by_radio and fields.credit.data):
                _add_error(fields.text, _("Write the answer, or empty this row."))
                broken = True
            continue
        question.choices.append(gift.Choice(text, _fraction(percent), feedback))
        written.append((row, percent))
    if broken:
        return True
    if len(written) < 2:
        form.answer_errors.append(_("Write at least two answers."))
        return True
    if by_radio:
        if picked is None:
            _add_error(form.correct_choice, _("Choose the correct answer."))
            return True
        return False
    full = [row for row, percent in written if _same(percent, 100)]
    if kind == "single":
        # As Moodle reads it: one answer gets 100 percent, the others may earn part of it
        # (a negative credit counts as 0 in a question with one answer).
        if not full:
            form.answer_errors.append(_("Give the correct answer 100 percent."))
        elif len(full) > 1:
            form.answer_errors.append(
                _(
                    "Only one answer can get 100 percent. For several correct answers, create "
                    "a question with several answers."
                )
            )
        return len(full) != 1
    positive = sum(percent for _row, percent in written if percent > 0)
    if positive == 0:
        form.answer_errors.append(
            _("Give each correct answer a credit, so that together they make 100 percent.")
        )
        return True
    if abs(positive - 100) > 0.5:  # thirds written 33.33 add up
        form.answer_errors.append(
            _(
                "The credits of the correct answers add up to %(total)s percent; they must add "
                "up to 100.",
                total=number(round(positive, 4)),
            )
        )
        return True
    if len(full) == 1 and all(percent == 0 for row, percent in written if row is not full[0]):
        form.answer_errors.append(
            _(
                "Only one answer is correct: share the 100 percent among several correct "
                "answers, or create a question with one answer."
            )
        )
        return True
    return False


def _accepted_rows(form: ShortAnswerForm, question: gift.Question) -> bool:
    broken = False
    for row in form.choices:
        fields = row.form
        text, feedback = _text(fields.text.data), _text(fields.feedback.data)
        if not text:
            if feedback or fields.credit.data is not None:
                _add_error(fields.text, _("Write the answer, or empty this row."))
                broken = True
            continue
        percent = 100.0 if fields.credit.data is None else fields.credit.data
        question.choices.append(gift.Choice(text, _fraction(percent), feedback))
    if broken:
        return True
    if not question.choices:
        form.answer_errors.append(_("Write at least one accepted answer."))
        return True
    if not any(choice.fraction == 1 for choice in question.choices):
        form.answer_errors.append(
            _("Give at least one answer full credit: leave its credit empty, or write 100.")
        )
        return True
    return False


def _numeric_rows(form: NumericalForm, question: gift.Question) -> bool:
    broken = False
    for row in form.numeric:
        fields = row.form
        value, tolerance = fields.value.data, fields.tolerance.data
        minimum, maximum = fields.minimum.data, fields.maximum.data
        feedback = _text(fields.feedback.data)
        numbers = (value, tolerance, minimum, maximum)
        if all(n is None for n in numbers) and not feedback and fields.credit.data is None:
            continue
        percent = 100.0 if fields.credit.data is None else fields.credit.data
        if value is not None and (minimum is not None or maximum is not None):
            _add_error(fields.value, _("Give a value or a range, not both."))
            broken = True
        elif value is not None:
            question.numeric.append(
                gift.NumericAnswer(
                    value, tolerance or 0.0, fraction=_fraction(percent), feedback=feedback
                )
            )
        elif minimum is not None and maximum is not None and tolerance is None:
            if minimum > maximum:
                _add_error(fields.minimum, _("The range starts above its end."))
                broken = True
                continue
            question.numeric.append(
                gift.NumericAnswer(
                    None,
                    minimum=minimum,
                    maximum=maximum,
                    fraction=_fraction(percent),
                    feedback=feedback,
                )
            )
        elif tolerance is not None and value is None and (minimum, maximum) == (None, None):
            _add_error(fields.value, _("Enter the value the tolerance applies to."))
            broken = True
        elif tolerance is not None:
            _add_error(fields.tolerance, _("A range takes no tolerance."))
            broken = True
        elif minimum is not None or maximum is not None:
            _add_error(fields.minimum, _("Give both ends of the range."))
            broken = True
        elif fields.credit.data in (None, 0):
            # Only feedback: GIFT's ~#feedback, shown for any other number.
            question.numeric.append(gift.NumericAnswer(None, fraction=0.0, feedback=feedback))
        else:
            _add_error(fields.value, _("Enter a value or a range."))
            broken = True
    if broken:
        return True
    answers = [answer for answer in question.numeric if not answer.is_any_other]
    if not answers:
        form.answer_errors.append(_("Enter at least one accepted number."))
        return True
    if not any(answer.fraction == 1 for answer in answers):
        form.answer_errors.append(
            _("Give at least one number full credit: leave its credit empty, or write 100.")
        )
        return True
    return False


def _pair_rows(form: MatchingForm, question: gift.Question) -> bool:
    broken = False
    for row in form.pairs:
        left, right = _text(row.form.left.data), _text(row.form.right.data)
        if left and not right:
            _add_error(row.form.right, _("Write what this matches."))
            broken = True
        elif left or right:
            question.pairs.append(gift.MatchPair(left, right))
    if broken:
        return True
    if sum(1 for pair in question.pairs if pair.left) < 2:
        form.answer_errors.append(_("Write at least two pairs."))
        return True
    return False


def build(kind: str, form: QuestionForm) -> gift.Question:
    """The question the form describes; RowError (after adding field errors, in plain words)
    if it is incomplete or inconsistent. What GIFT would refuse is said here first, next to
    the field concerned; GIFT remains the last check."""
    question = gift.Question(
        kind=kind,
        text=_text(form.text.data),
        title=_text(form.title.data),
        text_after=_text(form.text_after.data),
        text_format=form.text_format.data,
        category=_text(form.category.data),
        general_feedback=_text(form.general_feedback.data),
    )
    broken = False
    if isinstance(form, ChoiceQuestionForm):
        broken = _choice_rows(kind, form, question)
    elif isinstance(form, ShortAnswerForm):
        broken = _accepted_rows(form, question)
    elif isinstance(form, TrueFalseForm):
        question.correct = form.correct.data == "true"
        question.feedback_true = _text(form.feedback_true.data)
        question.feedback_false = _text(form.feedback_false.data)
    elif isinstance(form, NumericalForm):
        broken = _numeric_rows(form, question)
    elif isinstance(form, MatchingForm):
        broken = _pair_rows(form, question)
    if broken:
        raise RowError
    return question


def checked(kind: str, question: gift.Question) -> tuple[gift.Question | None, list[str]]:
    """The question as GIFT reads it back, or the problems GIFT finds with it (rare: build
    says first, in plain words, what GIFT would refuse)."""
    try:
        parsed = gift.parse(gift.write([question]))
    except gift.GiftError as error:
        return None, list(dict.fromkeys(message for _line, message in error.problems))
    if (
        len(parsed) == 1
        and parsed[0].kind != kind
        and {kind, parsed[0].kind} <= {"single", "multiple"}
    ):
        if kind == "single":
            return None, [
                _(
                    "With these credits the question has several answers: give one answer full "
                    "credit (the others may earn part of it), or create a question with several "
                    "answers."
                )
            ]
        return None, [_("Give the correct answers credits that add up to 100 percent.")]
    if parsed != [question]:
        return None, [
            _(
                "The question cannot be saved as written: the category must be on one line, "
                "and no answer may contain “->”."
            )
        ]
    return parsed[0], []


def _rows_for(kind: str, count: int) -> int:
    """How many rows the form shows for ``count`` stored ones: all, and at least a new form's."""
    new = NEW_SHORTANSWER_ROWS if kind == "shortanswer" else NEW_ROWS.get(ROWS.get(kind, ""), 0)
    return max(count, new)


def new_form_data(kind: str) -> dict[str, Any]:
    data: dict[str, Any] = {"text_format": "markdown", "correct": "true"}
    if kind in ROWS:
        data[ROWS[kind]] = [{} for _ in range(_rows_for(kind, 0))]
    return data


def form_data(question: Question) -> dict[str, Any]:
    content = bank.from_content(question.content)
    fractions = [choice.fraction for choice in content.choices]
    one_right = fractions.count(1.0) == 1 and all(f in (0.0, 1.0) for f in fractions)
    data: dict[str, Any] = {
        "category": question.category,
        "title": content.title,
        "text": content.text,
        "text_after": content.text_after,
        "text_format": content.text_format,
        "general_feedback": content.general_feedback,
        "ignore_diacritics": question.ignore_diacritics,
        "correct": "true" if content.correct else "false",
        "feedback_true": content.feedback_true,
        "feedback_false": content.feedback_false,
        "correct_choice": str(fractions.index(1.0)) if one_right else "",
        "partial_credit": question.kind == "single" and not one_right,
        "choices": [
            {"text": c.text, "credit": _percent(c.fraction), "feedback": c.feedback}
            for c in content.choices
        ],
        "numeric": [
            {
                "value": n.value,
                "tolerance": n.tolerance if n.value is not None and n.tolerance else None,
                "minimum": n.minimum,
                "maximum": n.maximum,
                "credit": _percent(n.fraction),
                "feedback": n.feedback,
            }
            for n in content.numeric
        ],
        "pairs": [{"left": p.left, "right": p.right} for p in content.pairs],
    }
    if question.kind in ROWS:
        rows = data[ROWS[question.kind]]
        rows.extend({} for _ in range(_rows_for(question.kind, len(rows)) - len(rows)))
    return data
