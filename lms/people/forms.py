from flask_babel import lazy_gettext as _l
from wtforms import (  # type: ignore[attr-defined]  # SelectChoice: WTForms 3.3, not in types-WTForms 3.2
    EmailField,
    PasswordField,
    SelectChoice,
    SelectField,
    StringField,
)
from wtforms.validators import DataRequired, Length, Optional

from lms.forms import CheckboxesField, Form, choice_int

ROLE_LABELS = {
    "cadre": _l("Cadre (learner)"),
    "trainer": _l("Trainer"),
    "commander": _l("Commander"),
    "admin": _l("Administrator"),
}

NO_UNIT = 0


class PersonForm(Form):
    full_name = StringField(_l("Full name"), validators=[DataRequired(), Length(max=200)])
    rank = StringField(
        _l("Rank"),
        validators=[Optional(), Length(max=64)],
        description=_l("e.g. Thiếu úy, Đại úy, Thiếu tá"),
    )
    position = StringField(
        _l("Position"),
        validators=[Optional(), Length(max=120)],
        description=_l("e.g. Trợ lý dân vận, Chính trị viên"),
    )
    unit_id = SelectField(_l("Unit"), coerce=choice_int)
    roles = CheckboxesField(
        _l("Roles"), choices=[SelectChoice(k, v) for k, v in ROLE_LABELS.items()]
    )
    email = EmailField(_l("E-mail (optional)"), validators=[Optional(), Length(max=254)])


class PersonCreateForm(PersonForm):
    username = StringField(
        _l("Username"),
        validators=[DataRequired(), Length(max=64)],
        description=_l("Lower-case letters and digits, no diacritics, e.g. nguyenvanan"),
        render_kw={"autocapitalize": "none"},
    )
    password = PasswordField(
        _l("Password (optional)"),
        validators=[Optional(), Length(max=256)],
        description=_l(
            "Leave empty to generate a temporary password that must be changed at first sign-in."
        ),
        render_kw={"autocomplete": "new-password"},
    )
