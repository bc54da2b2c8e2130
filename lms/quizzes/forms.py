"""Forms of the trainers' quiz pages. Ranges and rules are checked by lms.quizzes.attempts, the
one place that knows them; these forms only read the values."""

from __future__ import annotations

import math

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    FloatField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from lms.forms import DATETIME_FORMATS, DATETIME_MESSAGE, DateTimeLocalField, Form, IntegerField

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
    opens_at = DateTimeLocalField(
        _l("Opens at"),
        format=DATETIME_FORMATS,
        validators=[Optional()],
        description=_l("Local time; empty: open as soon as published."),
        invalid_value_message=DATETIME_MESSAGE,
    )
    closes_at = DateTimeLocalField(
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
            raise ValueError(self.invalid_value_message)


class EssayGradeForm(Form):
    credit = CreditField(
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
