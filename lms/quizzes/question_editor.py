"""Trainers' question editor: create and edit a bank question of any kind with a form.

A form is accepted exactly when GIFT accepts the question it describes: the question is
written as GIFT and read back, and whatever the reader refuses becomes the form's errors.
Attempts keep their own copy of each question, so editing or deleting one only changes the
bank.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from wtforms import (
    BooleanField,
    FieldList,
    FormField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from lms.audit import services as audit
from lms.auth.permissions import require
from lms.courses import services as courses
from lms.courses.models import Course
from lms.courses.permissions import can_edit_course
from lms.extensions import db
from lms.formatting import number
from lms.forms import Form
from lms.quizzes import bank, gift
from lms.quizzes.forms import CreditField
from lms.quizzes.models import Question
from lms.text import nfc

bp = Blueprint("question_editor", __name__, url_prefix="/authoring")

# The kinds a form edits, in the order the kind chooser lists them (labels as on the bank page).
KIND_LABELS = {
    "single": _l("One answer"),
    "multiple": _l("Several answers"),
    "truefalse": _l("True or false"),
    "shortanswer": _l("Short answer"),
    "numerical": _l("Number"),
    "matching": _l("Matching"),
    "essay": _l("Essay"),
}
FORMAT_LABELS = {
    "moodle": _l("Moodle auto-format"),
    "markdown": _l("Markdown"),
    "html": _l("HTML"),
    "plain": _l("Plain text"),
}
# Rows a new question starts with; "Add a row" adds one more (MAX_ROWS at most). An existing
# question shows all its rows, and at least as many as a new one.
NEW_ROWS = {"choices": 4, "numeric": 3, "pairs": 4}
NEW_SHORTANSWER_ROWS = 3
MAX_ROWS = 200
NUMBER_MESSAGE = _l("Enter a number.")


# ---- forms -------------------------------------------------------------------------------------


class NumberField(CreditField):
    """A number typed with a comma or a dot, shown back without a needless ".0"."""

    def _value(self) -> str:
        if self.raw_data:
            return self.raw_data[0]
        if self.data is None:
            return ""
        return str(int(self.data)) if float(self.data).is_integer() else repr(self.data)


class _Row(Form):
    class Meta:
        csrf = False


class ChoiceRow(_Row):
    text = StringField(_l("Answer text"), validators=[Optional(), Length(max=2000)])
    credit = NumberField(
        _l("Credit (percent)"),
        validators=[Optional(), NumberRange(-100, 100)],
        description=_l("From -100 to 100; empty: 0."),
        invalid_value_message=NUMBER_MESSAGE,
    )
    feedback = StringField(_l("Feedback"), validators=[Optional(), Length(max=2000)])


class AcceptedAnswerRow(_Row):
    text = StringField(_l("Accepted answer"), validators=[Optional(), Length(max=2000)])
    credit = NumberField(
        _l("Credit (percent)"),
        validators=[Optional(), NumberRange(0, 100)],
        description=_l("From 0 to 100; empty: 100."),
        invalid_value_message=NUMBER_MESSAGE,
    )
    feedback = StringField(_l("Feedback"), validators=[Optional(), Length(max=2000)])


class NumericRow(_Row):
    value = NumberField(
        _l("Value"),
        validators=[Optional()],
        description=_l("A row with only feedback and no number: shown for any other answer."),
        invalid_value_message=NUMBER_MESSAGE,
    )
    tolerance = NumberField(
        _l("Tolerance (±)"),
        validators=[Optional(), NumberRange(min=0)],
        description=_l("Empty: exactly the value."),
        invalid_value_message=NUMBER_MESSAGE,
    )
    minimum = NumberField(
        _l("Or a range from"), validators=[Optional()], invalid_value_message=NUMBER_MESSAGE
    )
    maximum = NumberField(_l("to"), validators=[Optional()], invalid_value_message=NUMBER_MESSAGE)
    credit = NumberField(
        _l("Credit (percent)"),
        validators=[Optional(), NumberRange(0, 100)],
        description=_l("From 0 to 100; empty: 100."),
        invalid_value_message=NUMBER_MESSAGE,
    )
    feedback = StringField(_l("Feedback"), validators=[Optional(), Length(max=2000)])


class PairRow(_Row):
    left = StringField(_l("Left"), validators=[Optional(), Length(max=2000)])
    right = StringField(_l("Matches"), validators=[Optional(), Length(max=2000)])


class QuestionForm(Form):
    """What every kind has; the subclasses add the answers."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # What is wrong with the answers as a whole (too few, credits not adding up).
        self.answer_errors: list[str] = []

    category = StringField(
        _l("Category"),
        validators=[Optional(), Length(max=255)],
        description=_l("A path such as dan-van/co-ban; empty: no category."),
    )
    title = StringField(_l("Title"), validators=[Optional(), Length(max=255)])
    text = TextAreaField(
        _l("Question text"), validators=[DataRequired(), Length(max=20_000)], render_kw={"rows": 4}
    )
    # Only shown for a missing-word question read from GIFT, so that editing keeps it.
    text_after = TextAreaField(
        _l("Text after the blank"), validators=[Optional(), Length(max=20_000)]
    )
    text_format = SelectField(
        _l("Text format"),
        choices=[SelectChoice(k, v) for k, v in FORMAT_LABELS.items()],
        validators=[InputRequired()],
    )
    general_feedback = TextAreaField(
        _l("General feedback"),
        validators=[Optional(), Length(max=20_000)],
        description=_l("Shown after the question is answered, whatever the answer."),
        render_kw={"rows": 2},
    )


class ChoiceQuestionForm(QuestionForm):
    choices = FieldList(FormField(ChoiceRow), min_entries=1, max_entries=MAX_ROWS)
    # One answer: the row marked correct gets full credit and the others none, unless the
    # trainer asks to type the credits.
    correct_choice = StringField(_l("Correct answer"), validators=[Optional()])
    partial_credit = BooleanField(_l("Give partial credit"))


class TrueFalseForm(QuestionForm):
    correct = RadioField(
        _l("The statement is"),
        choices=[SelectChoice("true", _l("True")), SelectChoice("false", _l("False"))],
        validators=[InputRequired()],
    )
    feedback_true = StringField(
        _l("Feedback for whoever answers “true”"), validators=[Optional(), Length(max=2000)]
    )
    feedback_false = StringField(
        _l("Feedback for whoever answers “false”"), validators=[Optional(), Length(max=2000)]
    )


class ShortAnswerForm(QuestionForm):
    choices = FieldList(FormField(AcceptedAnswerRow), min_entries=1, max_entries=MAX_ROWS)
    ignore_diacritics = BooleanField(_l("Accept answers typed without diacritics"))


class NumericalForm(QuestionForm):
    numeric = FieldList(FormField(NumericRow), min_entries=1, max_entries=MAX_ROWS)


class MatchingForm(QuestionForm):
    pairs = FieldList(FormField(PairRow), min_entries=1, max_entries=MAX_ROWS)


# The list of rows each kind's form has (None: no rows).
ROWS = {
    "single": "choices",
    "multiple": "choices",
    "shortanswer": "choices",
    "numerical": "numeric",
    "matching": "pairs",
}

FORMS: dict[str, type[QuestionForm]] = {
    "single": ChoiceQuestionForm,
    "multiple": ChoiceQuestionForm,
    "truefalse": TrueFalseForm,
    "shortanswer": ShortAnswerForm,
    "numerical": NumericalForm,
    "matching": MatchingForm,
    "essay": QuestionForm,
}


class DeleteForm(Form):
    """Only the CSRF token."""


# ---- between forms and questions ---------------------------------------------------------------


def _text(value: str | None) -> str:
    """Typed text as GIFT reads it back: NFC, one kind of line break, trimmed."""
    return nfc((value or "").replace("\r\n", "\n").replace("\r", "\n")).strip()


def _fraction(percent: float) -> float:
    """A percentage as the fraction GIFT reads from %percent%."""
    return float(Decimal(repr(percent)) / 100)


def _percent(fraction: float) -> float:
    return float(Decimal(repr(fraction)) * 100)


class _RowError(Exception):
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
                fields.text.errors.append(_("Write the correct answer, or mark another one."))
                broken = True
            elif feedback or (not by_radio and fields.credit.data):
                fields.text.errors.append(_("Write the answer, or empty this row."))
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
            form.correct_choice.errors.append(_("Choose the correct answer."))
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
                fields.text.errors.append(_("Write the answer, or empty this row."))
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
            fields.value.errors.append(_("Give a value or a range, not both."))
            broken = True
        elif value is not None:
            question.numeric.append(
                gift.NumericAnswer(
                    value, tolerance or 0.0, fraction=_fraction(percent), feedback=feedback
                )
            )
        elif minimum is not None and maximum is not None and tolerance is None:
            if minimum > maximum:
                fields.minimum.errors.append(_("The range starts above its end."))
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
            fields.value.errors.append(_("Enter the value the tolerance applies to."))
            broken = True
        elif tolerance is not None:
            fields.tolerance.errors.append(_("A range takes no tolerance."))
            broken = True
        elif minimum is not None or maximum is not None:
            fields.minimum.errors.append(_("Give both ends of the range."))
            broken = True
        elif fields.credit.data in (None, 0):
            # Only feedback: GIFT's ~#feedback, shown for any other number.
            question.numeric.append(gift.NumericAnswer(None, fraction=0.0, feedback=feedback))
        else:
            fields.value.errors.append(_("Enter a value or a range."))
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
            row.form.right.errors.append(_("Write what this matches."))
            broken = True
        elif left or right:
            question.pairs.append(gift.MatchPair(left, right))
    if broken:
        return True
    if sum(1 for pair in question.pairs if pair.left) < 2:
        form.answer_errors.append(_("Write at least two pairs."))
        return True
    return False


def _build(kind: str, form: QuestionForm) -> gift.Question:
    """The question the form describes; _RowError (after adding field errors, in plain words)
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
        raise _RowError
    return question


def _checked(kind: str, question: gift.Question) -> tuple[gift.Question | None, list[str]]:
    """The question as GIFT reads it back, or the problems GIFT finds with it (rare: _build
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


def _new_form_data(kind: str) -> dict[str, Any]:
    data: dict[str, Any] = {"text_format": "markdown", "correct": "true"}
    if kind in ROWS:
        data[ROWS[kind]] = [{} for _ in range(_rows_for(kind, 0))]
    return data


def _form_data(question: Question) -> dict[str, Any]:
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


# ---- pages -------------------------------------------------------------------------------------


def _editable_course_or_404(slug: str) -> Course:
    course = courses.get_course(slug)
    if course is None or not can_edit_course(current_user, course):
        abort(404)
    return course


def _question_or_404(course: Course, question_id: int) -> Question:
    question = db.session.get(Question, question_id)
    if question is None or question.course_id != course.id:
        abort(404)
    return question


def _editable_kind(question: Question) -> str:
    """The form kind of a stored question; 404 for a kind no form edits (text only)."""
    if question.kind not in FORMS:
        abort(404)
    return question.kind


def _render(
    course: Course,
    kind: str,
    form: QuestionForm,
    *,
    question: Question | None = None,
    problems: list[str] | None = None,
    status: int = 200,
):
    return render_template(
        "question_editor/edit.html",
        course=course,
        kind=kind,
        kind_label=KIND_LABELS[kind],
        form=form,
        question=question,
        missing_word=bool(question is not None and question.content.get("text_after")),
        delete_form=DeleteForm() if question is not None else None,
        problems=problems or [],
        rows=ROWS.get(kind),
        max_rows=MAX_ROWS,
        invalid=status == 400,
    ), status


def _has_errors(form: Form) -> bool:
    for field in form:
        if isinstance(field, FieldList):
            if any(_has_errors(entry.form) for entry in field):
                return True
        elif field.errors:
            return True
    return False


def _validate(kind: str, form: QuestionForm) -> bool:
    valid = form.validate_on_submit()
    by_radio = isinstance(form, ChoiceQuestionForm) and not form.partial_credit.data
    if not valid and kind == "single" and by_radio:
        # The credits are hidden and unused while a radio button marks the right answer.
        for row in form.choices:  # type: ignore[attr-defined]
            row.form.credit.errors = []
        valid = not _has_errors(form)
    return valid


def _save(course: Course, kind: str, form: QuestionForm, question: Question | None):
    """Store the posted form: a redirect to the bank, or the page again with the errors. The
    "Add a row" button only shows the form again with one more row, everything typed kept."""
    rows = ROWS.get(kind)
    if rows is not None and "add_row" in request.form:
        field = getattr(form, rows)
        if len(field) < MAX_ROWS:
            field.append_entry()
        return _render(course, kind, form, question=question)
    if not _validate(kind, form):
        return _render(course, kind, form, question=question, status=400)
    try:
        built = _build(kind, form)
    except _RowError:
        return _render(course, kind, form, question=question, status=400)
    checked, problems = _checked(kind, built)
    if checked is None:
        return _render(course, kind, form, question=question, problems=problems, status=400)
    ignore_diacritics = bool(kind == "shortanswer" and form.ignore_diacritics.data)
    bank.save_question(course, question, checked, ignore_diacritics, actor=current_user)
    db.session.commit()
    flash(_("Question saved."), "success")
    return redirect(url_for("quiz_authoring.questions", slug=course.slug))


@bp.route("/<slug>/questions/new", methods=["GET", "POST"])
@require("trainer", "admin")
def new(slug: str):
    course = _editable_course_or_404(slug)
    kind = request.args.get("kind", "")
    if kind not in FORMS:
        if request.method == "POST":
            abort(404)
        return render_template("question_editor/kinds.html", course=course, kinds=KIND_LABELS)
    if request.method == "POST":
        return _save(course, kind, FORMS[kind](), None)
    return _render(course, kind, FORMS[kind](data=_new_form_data(kind)))


@bp.route("/<slug>/questions/<id:question_id>/edit", methods=["GET", "POST"])
@require("trainer", "admin")
def edit(slug: str, question_id: int):
    course = _editable_course_or_404(slug)
    question = _question_or_404(course, question_id)
    kind = _editable_kind(question)
    if request.method == "POST":
        return _save(course, kind, FORMS[kind](), question)
    return _render(course, kind, FORMS[kind](data=_form_data(question)), question=question)


@bp.post("/<slug>/questions/<id:question_id>/delete")
@require("trainer", "admin")
def delete(slug: str, question_id: int):
    course = _editable_course_or_404(slug)
    question = _question_or_404(course, question_id)
    if not DeleteForm().validate_on_submit():
        abort(400)
    audit.record(
        "questions.delete",
        actor=current_user,
        target_type="question",
        target_id=question.id,
        target_label=question.title or course.slug,
        before=question.content,
    )
    db.session.delete(question)
    db.session.commit()
    flash(_("Question deleted."), "success")
    return redirect(url_for("quiz_authoring.questions", slug=course.slug))
