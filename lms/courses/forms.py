from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional
from wtforms.widgets import HiddenInput

from lms.forms import CheckboxesField, DateField, Form, IntegerField, choice_int


class CourseCreateForm(Form):
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=255)])
    slug = StringField(
        _l("Short name"),
        validators=[DataRequired(), Length(max=80)],
        description=_l(
            "Used in addresses and folder names; lower-case letters, digits and "
            "dashes, e.g. dan-van-kheo. Cannot be changed later."
        ),
        render_kw={"autocapitalize": "none"},
    )
    summary = StringField(_l("Summary"), validators=[Optional(), Length(max=500)])
    topic = StringField(_l("Topic"), validators=[Optional(), Length(max=120)])


class CourseSettingsForm(Form):
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=255)])
    summary = StringField(_l("Summary"), validators=[Optional(), Length(max=500)])
    topic = StringField(_l("Topic"), validators=[Optional(), Length(max=120)])
    description_md = TextAreaField(
        _l("Description (Markdown)"),
        validators=[Optional(), Length(max=50_000)],
        render_kw={"rows": 8},
    )
    pass_score = IntegerField(
        _l("Pass score (percent)"),
        validators=[Optional(), NumberRange(0, 100)],
        description=_l(
            "Kept with the course and its folder; completing the course does not use it: "
            "each required quiz is passed at its own pass score."
        ),
    )
    min_attendance = IntegerField(
        _l("Minimum attendance (percent)"),
        validators=[Optional(), NumberRange(0, 100)],
        description=_l("Share of the course's training sessions to attend; empty: none."),
    )
    # Choices: the course's quizzes, set by the view (see quiz_choices).
    required_quizzes = CheckboxesField(
        _l("Required quizzes"),
        choices=[],
        description=_l(
            "To complete the course, a cadre passes every quiz ticked here, at that quiz's "
            "own pass score."
        ),
    )
    certificate_valid_months = IntegerField(
        _l("Certificate valid for (months)"),
        validators=[Optional(), NumberRange(1, 600)],
        description=_l("Empty: valid for ever."),
    )
    certificate_issuer = StringField(
        _l("Issuing authority on the certificates"),
        validators=[Optional(), Length(max=255)],
        description=_l("Empty: the site's issuing authority (LMS_ISSUER_NAME)."),
    )
    certificate_signer_title = StringField(
        _l("Title of the signer"),
        validators=[Optional(), Length(max=120)],
        description=_l("Empty: the site's signer (LMS_SIGNER_TITLE), e.g. CHỈ HUY TRƯỞNG."),
    )


class CourseOwnersForm(Form):
    owners = StringField(
        _l("Trainers who edit this course"),
        validators=[Optional(), Length(max=1000)],
        description=_l("Usernames separated by commas."),
    )


class ModuleAddForm(Form):
    title = StringField(_l("Title of the new module"), validators=[DataRequired(), Length(max=255)])


class ModuleEditForm(Form):
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=255)])
    minutes = IntegerField(
        _l("Estimated minutes"), validators=[DataRequired(), NumberRange(1, 600)]
    )
    body_md = TextAreaField(
        _l("Text (Markdown)"), validators=[Optional()], render_kw={"rows": 24, "spellcheck": "true"}
    )
    message = StringField(_l("What changed (optional)"), validators=[Optional(), Length(max=500)])
    base_revision = IntegerField(
        widget=HiddenInput(), validators=[InputRequired(), NumberRange(min=1)]
    )


class ImageUploadForm(Form):
    image = FileField(_l("Image (PNG, JPEG or WebP, at most 2 MB)"), validators=[FileRequired()])
    alt = StringField(_l("Description of the image"), validators=[Optional(), Length(max=200)])


class AssignForm(Form):
    unit_id = SelectField(_l("Unit (with every unit below it)"), coerce=choice_int)
    due_date = DateField(_l("Due date"), validators=[DataRequired()])
