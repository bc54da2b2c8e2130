from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import HiddenField, RadioField, SelectChoice  # type: ignore[attr-defined]  # SelectChoice: WTForms 3.3, not in types-WTForms 3.2
from wtforms.validators import DataRequired

from lms.forms import Form

KIND_LABELS = {"units": _l("Units"), "accounts": _l("Accounts")}


class UploadForm(Form):
    kind = RadioField(
        _l("What the file holds"),
        choices=[SelectChoice(kind, label) for kind, label in KIND_LABELS.items()],
        default="accounts",
        validators=[DataRequired()],
    )
    file = FileField(_l("CSV (UTF-8) or XLSX file, at most 5 MB"), validators=[FileRequired()])


class ConfirmForm(Form):
    token = HiddenField(validators=[DataRequired()])
    payload = HiddenField(validators=[DataRequired()])


class DownloadForm(Form):
    token = HiddenField(validators=[DataRequired()])
