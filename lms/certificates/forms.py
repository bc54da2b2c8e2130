"""Forms of the certificate pages. The rules live in lms.certificates.services."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import SelectChoice, SelectField, StringField, TextAreaField  # type: ignore[attr-defined]  # SelectChoice: WTForms 3.3, not in types-WTForms 3.2
from wtforms.validators import DataRequired, Length

from lms.forms import Form

REASON_LABELS = {
    "error": _l("Issued in error"),
    "fraud": _l("Obtained by fraud"),
    "withdrawn": _l("Withdrawn by the issuing authority"),
    "other": _l("Other reason"),
}
STATUS_LABELS = {
    "valid": _l("Valid"),
    "expired": _l("Expired"),
    "revoked": _l("Revoked"),
    "superseded": _l("Replaced"),
}


class RevokeForm(Form):
    reason = SelectField(
        _l("Reason"),
        choices=[SelectChoice("", "—")] + [SelectChoice(k, v) for k, v in REASON_LABELS.items()],
        validators=[DataRequired(message=_l("Choose a reason for the revocation."))],
    )
    note = TextAreaField(
        _l("Note (kept in the audit log)"),
        validators=[Length(max=500, message=_l("At most 500 characters."))],
    )


class VerifyForm(Form):
    serial = StringField(
        _l("Serial number"),
        validators=[
            DataRequired(message=_l("Type the serial number printed on the certificate.")),
            Length(max=20, message=_l("A serial number looks like DV-2026-000123.")),
        ],
        render_kw={"autocomplete": "off", "placeholder": "DV-2026-000123"},
    )
    code = StringField(
        _l("Verification code"),
        validators=[
            DataRequired(message=_l("Type the verification code of the certificate.")),
            Length(max=64, message=_l("The verification code has at most 64 characters.")),
        ],
        render_kw={"autocomplete": "off", "spellcheck": "false"},
    )
