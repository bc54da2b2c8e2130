from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, SelectChoice, SelectField, StringField  # type: ignore[attr-defined]  # SelectChoice: WTForms 3.3, not in types-WTForms 3.2
from wtforms.validators import DataRequired, Length

from lms.forms import Form, choice_int
from lms.units.models import Unit

KIND_LABELS = {
    "province": _l("Province"),
    "military_command": _l("Provincial Military Command"),
    "regional_defence_command": _l("Regional defence command"),
    "district_command": _l("District military command (before 7/2025)"),
    "commune_command": _l("Commune military command"),
    "police": _l("Police"),
    "district_police": _l("District police (before 7/2025)"),
    "commune_police": _l("Commune police"),
    "border_command": _l("Border Guard Command"),
    "border_post": _l("Border post"),
    "party_board": _l("Party board"),
    "mass_organisation": _l("Fatherland Front / mass organisation"),
    "other": _l("Other"),
}

NO_PARENT = 0


def unit_choices(options: list[tuple[Unit, str]], empty_label: str) -> list[SelectChoice]:
    """Choices for a unit picker: an empty choice (value 0), then units in tree order."""
    return [SelectChoice(0, empty_label), *(SelectChoice(u.id, label) for u, label in options)]


class UnitEditForm(Form):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=255)])
    kind = SelectField(_l("Kind"), choices=[SelectChoice(k, v) for k, v in KIND_LABELS.items()])
    pilot = BooleanField(_l("Pilot unit (the programme starts here first)"))


class UnitCreateForm(UnitEditForm):
    code = StringField(
        _l("Code"),
        validators=[DataRequired(), Length(max=64)],
        description=_l("Stable and unique, e.g. BCHQS-HS. Cannot be changed later."),
    )
    parent_id = SelectField(_l("Parent unit"), coerce=choice_int)


class UnitMoveForm(Form):
    parent_id = SelectField(_l("New parent unit"), coerce=choice_int)
