"""Forms of the trainers' quiz pages and of the question editor. Ranges and rules are checked
by lms.quizzes.attempts and by the GIFT reader, the places that know them; these forms only
read the values."""

from __future__ import annotations

import math
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    FieldList,
    FloatField,
    FormField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice  # type: ignore[attr-defined]
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from lms.forms import DATETIME_FORMATS, DATETIME_MESSAGE, DateTimeLocalField, Form, IntegerField

# SelectChoice and the fields' invalid_value_message are WTForms 3.3's, which types-WTForms
# (3.2) does not know yet: the "type: ignore" comments of this module are for them.

GRADING_LABELS = {
    "highest": _l("The highest score of the attempts"),
    "last": _l("The score of the last attempt"),
}
REVIEW_LABELS = {
    "score": _l("The score only"),
    "answers": _l("Their answers and credits"),
    "correct_after_pass": _l("The correct answers, once passed"),
    "correct_after_last": _l("The correct answers, after the last attempt"),
}


class QuizCreateForm(Form):
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=255)])
    slug = StringField(
        _l("Short name"),
        validators=[DataRequired(), Length(max=80)],
        description=_l(
            "Used in addresses and in the course's required quizzes; lower-case letters, "
            "digits and dashes, e.g. kiem-tra-cuoi-khoa. Cannot be changed later."
        ),
        render_kw={"autocapitalize": "none"},
    )


class QuizSettingsForm(Form):
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=255)])
    description = TextAreaField(
        _l("Description"), validators=[Optional(), Length(max=20_000)], render_kw={"rows": 4}
    )
    pass_score = IntegerField(
        _l("Pass score (percent)"),
        validators=[InputRequired()],
        invalid_value_message=_l("Enter a whole number."),
    )
    time_limit_minutes = IntegerField(
        _l("Time limit (minutes)"),
        validators=[Optional()],
        description=_l("Empty: no time limit."),
        invalid_value_message=_l("Enter a whole number."),
    )
    max_attempts = IntegerField(
        _l("Attempts allowed"),
        validators=[Optional()],
        description=_l("Empty: unlimited."),
        invalid_value_message=_l("Enter a whole number."),
    )
    question_count = IntegerField(
        _l("Questions per attempt"),
        validators=[Optional()],
        description=_l("Drawn at random from the categories below; empty: all of them."),
        invalid_value_message=_l("Enter a whole number."),
    )
    categories = StringField(
        _l("Categories"),
        validators=[Optional(), Length(max=2000)],
        description=_l(
            "Category paths of the question bank separated by commas, subcategories "
            "included; empty: the whole bank."
        ),
    )
    shuffle_questions = BooleanField(_l("Shuffle the questions"))
    shuffle_choices = BooleanField(_l("Shuffle the choices"))
    grading = SelectField(
        _l("Result of the quiz"),
        choices=[SelectChoice(k, v) for k, v in GRADING_LABELS.items()],
        validators=[InputRequired()],
    )
    review = SelectField(
        _l("After an attempt, cadres see"),
        choices=[SelectChoice(k, v) for k, v in REVIEW_LABELS.items()],
        validators=[InputRequired()],
    )
    opens_at = DateTimeLocalField(  # type: ignore[call-arg]
        _l("Opens at"),
        format=DATETIME_FORMATS,
        validators=[Optional()],
        description=_l("Local time; empty: open as soon as published."),
        invalid_value_message=DATETIME_MESSAGE,
    )
    closes_at = DateTimeLocalField(  # type: ignore[call-arg]
        _l("Closes at"),
        format=DATETIME_FORMATS,
        validators=[Optional()],
        description=_l("Local time; empty: never closes."),
        invalid_value_message=DATETIME_MESSAGE,
    )
    published = BooleanField(_l("Published: cadres can take it"))


class GiftUploadForm(Form):
    file = FileField(_l("GIFT file (UTF-8 text, at most 2 MB)"), validators=[FileRequired()])


class CreditField(FloatField):
    """A number typed the Vietnamese way (0,5) or the English way (0.5)."""

    def process_formdata(self, valuelist: list[str]) -> None:
        super().process_formdata([value.strip().replace(",", ".") for value in valuelist])
        if self.data is not None and not math.isfinite(self.data):  # "inf", "nan"
            self.data = None
            raise ValueError(self.invalid_value_message)  # type: ignore[attr-defined]


class EssayGradeForm(Form):
    credit = CreditField(  # type: ignore[call-arg]
        _l("Credit (0 to 1)"),
        validators=[InputRequired()],
        invalid_value_message=_l("The credit is a number from 0 to 1."),
        render_kw={"min": 0, "max": 1, "step": "0.05"},
    )
    comment = TextAreaField(
        _l("Comment for the cadre"),
        validators=[Optional(), Length(max=10_000)],
        render_kw={"rows": 3},
    )


# ---- the question editor's forms ---------------------------------------------------------------

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
            return str(self.raw_data[0])
        if self.data is None:
            return ""
        return str(int(self.data)) if float(self.data).is_integer() else repr(self.data)


class _Row(Form):
    class Meta:
        csrf = False


class ChoiceRow(_Row):
    text = StringField(_l("Answer text"), validators=[Optional(), Length(max=2000)])
    credit = NumberField(  # type: ignore[call-arg]
        _l("Credit (percent)"),
        validators=[Optional(), NumberRange(-100, 100)],
        description=_l("From -100 to 100; empty: 0."),
        invalid_value_message=NUMBER_MESSAGE,
    )
    feedback = StringField(_l("Feedback"), validators=[Optional(), Length(max=2000)])


class AcceptedAnswerRow(_Row):
    text = StringField(_l("Accepted answer"), validators=[Optional(), Length(max=2000)])
    credit = NumberField(  # type: ignore[call-arg]
        _l("Credit (percent)"),
        validators=[Optional(), NumberRange(0, 100)],
        description=_l("From 0 to 100; empty: 100."),
        invalid_value_message=NUMBER_MESSAGE,
    )
    feedback = StringField(_l("Feedback"), validators=[Optional(), Length(max=2000)])


class NumericRow(_Row):
    value = NumberField(  # type: ignore[call-arg]
        _l("Value"),
        validators=[Optional()],
        description=_l("A row with only feedback and no number: shown for any other answer."),
        invalid_value_message=NUMBER_MESSAGE,
    )
    tolerance = NumberField(  # type: ignore[call-arg]
        _l("Tolerance (±)"),
        validators=[Optional(), NumberRange(min=0)],
        description=_l("Empty: exactly the value."),
        invalid_value_message=NUMBER_MESSAGE,
    )
    minimum = NumberField(  # type: ignore[call-arg]
        _l("Or a range from"), validators=[Optional()], invalid_value_message=NUMBER_MESSAGE
    )
    maximum = NumberField(_l("to"), validators=[Optional()], invalid_value_message=NUMBER_MESSAGE)  # type: ignore[call-arg]
    credit = NumberField(  # type: ignore[call-arg]
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
