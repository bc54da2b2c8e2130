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
CHOICE_ROWS = 8
SHORTANSWER_ROWS = 6
NUMERIC_ROWS = 4
PAIR_ROWS = 8
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
    text = StringField(_l("Answer"), validators=[Optional(), Length(max=2000)])
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
    choices = FieldList(FormField(ChoiceRow), min_entries=CHOICE_ROWS, max_entries=CHOICE_ROWS)


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
    choices = FieldList(
        FormField(AcceptedAnswerRow), min_entries=SHORTANSWER_ROWS, max_entries=SHORTANSWER_ROWS
    )
    ignore_diacritics = BooleanField(_l("Accept answers typed without diacritics"))


class NumericalForm(QuestionForm):
    numeric = FieldList(FormField(NumericRow), min_entries=NUMERIC_ROWS, max_entries=NUMERIC_ROWS)


class MatchingForm(QuestionForm):
    pairs = FieldList(FormField(PairRow), min_entries=PAIR_ROWS, max_entries=PAIR_ROWS)


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


def _build(kind: str, form: QuestionForm) -> gift.Question:
    """The question the form describes; _RowError (after adding field errors) if a row is
    incomplete in a way GIFT has no message for."""
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
    if isinstance(form, ChoiceQuestionForm | ShortAnswerForm):
        default = 0.0 if kind in ("single", "multiple") else 100.0
        for row in form.choices:
            text, feedback = _text(row.form.text.data), _text(row.form.feedback.data)
            if not text and not feedback:
                continue
            percent = default if row.form.credit.data is None else row.form.credit.data
            question.choices.append(gift.Choice(text, _fraction(percent), feedback))
    elif isinstance(form, TrueFalseForm):
        question.correct = form.correct.data == "true"
        question.feedback_true = _text(form.feedback_true.data)
        question.feedback_false = _text(form.feedback_false.data)
    elif isinstance(form, NumericalForm):
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
    elif isinstance(form, MatchingForm):
        for row in form.pairs:
            left, right = _text(row.form.left.data), _text(row.form.right.data)
            if left or right:
                question.pairs.append(gift.MatchPair(left, right))
    if broken:
        raise _RowError
    return question


def _checked(kind: str, question: gift.Question) -> tuple[gift.Question | None, list[str]]:
    """The question as GIFT reads it back, or the problems GIFT finds with it."""
    try:
        parsed = gift.parse(gift.write([question]))
    except gift.GiftError as error:
        return None, list(dict.fromkeys(message for _line, message in error.problems))
    if (
        len(parsed) == 1
        and parsed[0].kind != kind
        and {kind, parsed[0].kind}
        <= {
            "single",
            "multiple",
        }
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
                "GIFT cannot hold this question as written: check the category for line "
                "breaks and the answers for “->”."
            )
        ]
    return parsed[0], []


def _form_data(question: Question) -> dict[str, Any]:
    content = bank.from_content(question.content)
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
    ), status


def _save(course: Course, kind: str, form: QuestionForm, question: Question | None):
    """Validate the posted form and store it: a redirect to the bank, or the page with errors."""
    if not form.validate_on_submit():
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
    return _render(course, kind, FORMS[kind](data={"text_format": "moodle", "correct": "true"}))


@bp.route("/<slug>/questions/<int(max=2147483647):question_id>/edit", methods=["GET", "POST"])
@require("trainer", "admin")
def edit(slug: str, question_id: int):
    course = _editable_course_or_404(slug)
    question = _question_or_404(course, question_id)
    kind = _editable_kind(question)
    if request.method == "POST":
        return _save(course, kind, FORMS[kind](), question)
    return _render(course, kind, FORMS[kind](data=_form_data(question)), question=question)


@bp.post("/<slug>/questions/<int(max=2147483647):question_id>/delete")
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
