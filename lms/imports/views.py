"""Admins import units and accounts: upload, dry run, confirm, download the passwords once."""

from __future__ import annotations

from typing import cast

from flask import Blueprint, Response, current_app, render_template, request
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user

from lms.audit.labels import FIELD_LABELS
from lms.auth.permissions import require
from lms.errors import ImportRefused, InvalidInput, Problem
from lms.extensions import db
from lms.imports import services
from lms.imports.forms import KIND_LABELS, ConfirmForm, DownloadForm, UploadForm
from lms.imports.permissions import can_import
from lms.people.forms import ROLE_LABELS
from lms.spreadsheets import CSV_TYPE
from lms.timeutil import utcnow
from lms.units.forms import KIND_LABELS as UNIT_KIND_LABELS

bp = Blueprint("imports", __name__, url_prefix="/imports")


def _render_upload(
    form: UploadForm, problems: list[Problem] | None = None, error: str | None = None
) -> tuple[str, int]:
    return render_template(
        "imports/upload.html",
        form=form,
        problems=problems or [],
        error=error,
        max_mb=services.MAX_BYTES // 2**20,
    ), (400 if problems or error or form.errors else 200)


def _render_preview(preview: services.Preview, data: bytes, status: int = 200) -> tuple[str, int]:
    form = ConfirmForm(
        formdata=None,
        token=services.sign_preview(
            preview, user_id=current_user.id, secret_key=current_app.config["SECRET_KEY"]
        ),
        payload=services.encode_file(data),
    )
    return render_template(
        "imports/preview.html",
        preview=preview,
        form=form,
        kind_labels=KIND_LABELS,
        unit_kind_labels=UNIT_KIND_LABELS,
        role_labels=ROLE_LABELS,
        field_labels=FIELD_LABELS,
        shown=services.SHOWN_PER_LIST,
    ), status


@bp.get("/")
@require(can_import)
def index() -> ResponseReturnValue:
    form = UploadForm(formdata=None)
    if request.args.get("kind") in services.KINDS:
        form.kind.data = request.args["kind"]
    return _render_upload(form)


@bp.post("/preview")
@require(can_import)
def preview() -> ResponseReturnValue:
    # A request over the server's MAX_CONTENT_LENGTH (16 MB) is refused before this view
    # (413, "File too large"); up to that, a file over MAX_BYTES is a 400 with its message.
    form = UploadForm()
    if not form.validate_on_submit():
        return _render_upload(form)
    with form.file.data.stream as upload:  # large uploads are spooled to a temporary file
        data = upload.read(services.MAX_BYTES + 1)
    filename = (form.file.data.filename or "")[-200:]
    try:
        result, _plan = services.preview(
            form.kind.data,
            data,
            filename,
            actor=current_user,
            min_password_length=current_app.config["PASSWORD_MIN_LENGTH"],
        )
    except ImportRefused as refused:
        return _render_upload(form, problems=refused.problems)
    except InvalidInput as error:
        return _render_upload(form, error=str(error.message))
    # A dry run: it only read, and this request commits nothing.
    return _render_preview(result, data)


@bp.post("/apply")
@require(can_import)
def apply() -> ResponseReturnValue:
    form = ConfirmForm()
    if not form.validate_on_submit():
        return _render_upload(
            UploadForm(formdata=None),
            error=_("The confirmation is not valid. Upload the file again."),
        )
    try:
        signed, data = services.confirmed_file(
            cast(str, form.token.data),  # both required (DataRequired)
            cast(str, form.payload.data),
            user_id=current_user.id,
            secret_key=current_app.config["SECRET_KEY"],
        )
        outcome = services.apply(
            signed,
            data,
            actor=current_user,
            min_password_length=current_app.config["PASSWORD_MIN_LENGTH"],
        )
    except services.PreviewStale as stale:
        db.session.rollback()
        return _render_preview(stale.preview, data, status=409)
    except ImportRefused as refused:  # the database changed so that the file no longer fits
        db.session.rollback()
        return _render_upload(UploadForm(formdata=None), problems=refused.problems)
    except InvalidInput as error:
        db.session.rollback()
        return _render_upload(UploadForm(formdata=None), error=str(error.message))
    db.session.commit()
    return render_template(
        "imports/done.html",
        kind=signed["kind"],
        filename=signed["name"],
        outcome=outcome,
        download=DownloadForm(formdata=None, token=outcome.handout_token)
        if outcome.handout_token
        else None,
        minutes=services.HANDOUT_MINUTES,
    )


@bp.post("/passwords")
@require(can_import)
def passwords() -> ResponseReturnValue:
    form = DownloadForm()
    # The token is required (DataRequired): a valid form has one.
    content = (
        services.take_handout(current_user, cast(str, form.token.data)) if form.validate() else None
    )
    db.session.commit()  # taken (or expired): gone for good
    if content is None:
        return render_template("imports/gone.html", minutes=services.HANDOUT_MINUTES), 410
    response = Response(content, mimetype=CSV_TYPE)
    response.headers["Content-Disposition"] = (
        f'attachment; filename="temporary-passwords-{utcnow():%Y%m%dT%H%M%S}.csv"'
    )
    response.headers["Cache-Control"] = "no-store"
    return response
