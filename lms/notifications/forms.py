"""The e-mail choices form. The rules live in lms.notifications.services."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import SelectChoice  # type: ignore[attr-defined]  # SelectChoice: WTForms 3.3, not in types-WTForms 3.2

from lms.forms import CheckboxesField, Form
from lms.notifications.services import KIND_LABELS


class EmailChoicesForm(Form):
    kinds = CheckboxesField(
        _l("Send me an e-mail when"),
        choices=[SelectChoice(kind, label) for kind, label in KIND_LABELS.items()],
    )
