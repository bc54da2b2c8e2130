"""Forms of the session pages. The rules live in lms.attendance.services; these only read."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import (  # type: ignore[attr-defined]
    BooleanField,
    HiddenField,
    RadioField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from lms.forms import DATETIME_FORMATS, DATETIME_MESSAGE, DateTimeLocalField, Form, IntegerField

# SelectChoice and the fields' invalid_value_message are WTForms 3.3's, which types-WTForms
# (3.2) does not know yet: the "type: ignore" comments of this module are for them.

KIND_LABELS = {"in_person": _l("In person"), "online": _l("Online")}
STATUS_LABELS = {
    "present": _l("Present"),
    "late": _l("Late"),
    "excused": _l("Excused"),
    "absent": _l("Absent"),
}
WHOLE_NUMBER = _l("Enter a whole number.")


def _minutes(label: str, description: str) -> IntegerField:
    return IntegerField(
        label,
        validators=[InputRequired()],
        description=description,
        invalid_value_message=WHOLE_NUMBER,
        render_kw={"inputmode": "numeric", "min": 0, "max": 240},
    )


class SessionForm(Form):
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=255)])
    course_id = SelectField(_l("Course"), coerce=str, validators=[Optional()])
    kind = RadioField(
        _l("Session format"),
        choices=[SelectChoice(k, v) for k, v in KIND_LABELS.items()],
        default="in_person",
        validators=[InputRequired()],
    )
    place = StringField(
        _l("Place"),
        validators=[Length(max=255)],
        description=_l("For a session in person, e.g. Hội trường Ban CHQS huyện Hương Sơn."),
    )
    meeting_url = StringField(
        _l("Meeting link"),
        validators=[Length(max=500)],
        description=_l("For an online session."),
        render_kw={"inputmode": "url", "autocapitalize": "none"},
    )
    description = TextAreaField(
        _l("What to bring or prepare"),
        validators=[Optional(), Length(max=5000)],
        render_kw={"rows": 3},
    )
    starts_at = DateTimeLocalField(  # type: ignore[call-arg]
        _l("Starts at"),
        format=DATETIME_FORMATS,
        validators=[InputRequired()],
        invalid_value_message=DATETIME_MESSAGE,
    )
    ends_at = DateTimeLocalField(  # type: ignore[call-arg]
        _l("Ends at"),
        format=DATETIME_FORMATS,
        validators=[InputRequired()],
        invalid_value_message=DATETIME_MESSAGE,
    )
    trainers = TextAreaField(
        _l("Trainers"),
        validators=[Length(max=20_000)],
        description=_l("Usernames, separated by commas or one per line."),
        render_kw={"rows": 2, "autocapitalize": "none"},
    )
    # Picked from the unit tree (choices set by the view); each unit brings its subtree.
    units = SelectMultipleField(
        _l("Invited units"),
        coerce=int,
        validators=[Optional()],
        description=_l(
            "Tick the units invited: each comes with every unit below it, so ticking a unit "
            "is enough for its whole subtree. The number is the people in it and below it."
        ),
    )
    invitees = TextAreaField(
        _l("Invited people"),
        validators=[Length(max=60_000)],
        description=_l("Usernames of people invited by name, besides the units."),
        render_kw={"rows": 2, "autocapitalize": "none"},
    )
    checkin_opens_minutes = _minutes(
        _l("Check-in opens (minutes before the start)"), _l("From 0 to 240.")
    )
    checkin_closes_minutes = _minutes(
        _l("Check-in closes (minutes after the end)"), _l("From 0 to 240.")
    )
    late_after_minutes = _minutes(
        _l("Late after (minutes from the start)"),
        _l("People checking in later than this are marked late."),
    )
    allow_walk_ins = BooleanField(
        _l("Accept people who are not on the roster (they are flagged as walk-ins)")
    )
    version = HiddenField()


class CancelForm(Form):
    reason = StringField(_l("Reason"), validators=[Optional(), Length(max=500)])


class CheckinForm(Form):
    code = StringField(
        _l("Check-in code"),
        validators=[DataRequired(), Length(max=20)],
        render_kw={
            "inputmode": "numeric",
            "autocomplete": "one-time-code",
            "pattern": "[0-9 ]*",
            "maxlength": 20,
            "class": "code-input",
        },
    )
