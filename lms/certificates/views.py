"""Certificate pages: a cadre's own, a unit's (commanders, admins), one certificate with its
history, revocation and re-issue (admins), and the public verification."""

from __future__ import annotations

import datetime as dt
from typing import Any, cast

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user

from lms import spreadsheets
from lms.auth.permissions import public, require
from lms.certificates import printing, queries, revocation, services
from lms.certificates.forms import REASON_LABELS, STATUS_LABELS, RevokeForm, VerifyForm
from lms.certificates.models import STATUSES, Certificate
from lms.certificates.permissions import (
    can_list_certificates,
    can_revoke_certificates,
    can_view_certificate,
)
from lms.errors import InvalidInput
from lms.extensions import db, limiter
from lms.inputs import MAX_INT, parse_int
from lms.paging import paginate
from lms.periods import PeriodChoice, choose_period, describe
from lms.timeutil import Period, local_today, to_local_naive
from lms.units import services as units
from lms.units.models import Unit
from lms.units.scope import can_see_unit, scope_root_id, sees_everything, subtree_filter

bp = Blueprint("certificates", __name__)

ID = "<id:certificate_id>"


def _zone() -> str:
    zone: str = current_app.config["TIMEZONE"]
    return zone


def _today() -> dt.date:
    return local_today(_zone())


def _verify_limit() -> str:
    limit: str = current_app.config["VERIFY_LIMIT"]
    return limit


# Both ways of verifying share one counter per address: guessing codes is slow either way.
_verifications = limiter.shared_limit(_verify_limit, scope="verify")


def _certificate_or_404(certificate_id: int) -> Certificate:
    certificate = db.session.get(Certificate, certificate_id)
    # Someone else's certificate is not found, not forbidden: ids reveal nothing.
    if certificate is None or not can_view_certificate(current_user, certificate):
        abort(404)
    return certificate


@bp.get("/certificates/mine")
@require()
def mine() -> ResponseReturnValue:
    today = _today()
    certificates = queries.mine(current_user.id)
    return render_template(
        "certificates/mine.html",
        certificates=certificates,
        today=today,
        status_labels=STATUS_LABELS,
        verify_url=printing.verification_url,
    )


@bp.get(f"/certificates/{ID}")
@require()
def detail(certificate_id: int) -> ResponseReturnValue:
    certificate = _certificate_or_404(certificate_id)
    today = _today()
    return render_template(
        "certificates/detail.html",
        certificate=certificate,
        status=certificate.status(today),
        history=queries.history(certificate),
        today=today,
        status_labels=STATUS_LABELS,
        reason_labels=REASON_LABELS,
        revoke_form=RevokeForm() if can_revoke_certificates(current_user) else None,
        can_revoke=can_revoke_certificates(current_user),
        verify_url=printing.verification_url(certificate),
    )


@bp.get(f"/certificates/{ID}/certificate.pdf")
@require()
def pdf(certificate_id: int) -> ResponseReturnValue:
    certificate = _certificate_or_404(certificate_id)
    data = printing.one(certificate, certificate.status(_today()))
    return Response(
        data,
        content_type="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="{certificate.serial}.pdf"'},
    )


@bp.post(f"/certificates/{ID}/revoke")
@require(can_revoke_certificates)
def revoke(certificate_id: int) -> ResponseReturnValue:
    certificate = _certificate_or_404(certificate_id)
    form = RevokeForm()
    if not form.validate_on_submit():
        problems = [str(error) for field in form for error in field.errors]
        flash(problems[0] if problems else _("Choose a reason for the revocation."), "error")
        return redirect(url_for("certificates.detail", certificate_id=certificate.id)), 303
    try:
        revocation.revoke(certificate, form.reason.data, form.note.data or "", actor=current_user)
    except InvalidInput as error:
        db.session.rollback()
        flash(str(error.message), "error")
        return redirect(url_for("certificates.detail", certificate_id=certificate.id)), 303
    db.session.commit()
    flash(_("Certificate %(serial)s is revoked.", serial=certificate.serial), "success")
    return redirect(url_for("certificates.detail", certificate_id=certificate.id)), 303


@bp.post(f"/certificates/{ID}/reissue")
@require(can_revoke_certificates)
def reissue(certificate_id: int) -> ResponseReturnValue:
    certificate = _certificate_or_404(certificate_id)
    try:
        new = revocation.reissue(certificate, actor=current_user)
    except InvalidInput as error:
        db.session.rollback()
        flash(str(error.message), "error")
        return redirect(url_for("certificates.detail", certificate_id=certificate.id)), 303
    db.session.commit()
    flash(
        _(
            "Certificate %(new)s replaces %(old)s, with the name and rank as they are now.",
            new=new.serial,
            old=certificate.serial,
        ),
        "success",
    )
    return redirect(url_for("certificates.detail", certificate_id=new.id)), 303


# ---- a unit's certificates ----------------------------------------------------------------------


@bp.get("/certificates/units/")
@require(can_list_certificates)
def province() -> ResponseReturnValue:
    """A commander's own unit; for an admin, every unit."""
    if sees_everything(current_user):
        return _unit_page(None)
    root = scope_root_id(current_user)
    found = db.session.get(Unit, root) if root is not None else None
    if found is None:
        abort(404)
    return redirect(url_for("certificates.unit", code=found.code, **_kept_args()))


def _kept_args() -> dict[str, Any]:
    """The filters to keep across a redirect to a unit's page (the first value of each); the
    unit is the redirect's own, so a ``code`` in the query is dropped."""
    args: dict[str, Any] = request.args.to_dict()
    args.pop("code", None)
    return args


def _unit_or_404(code: str) -> Unit:
    found = units.get_by_code(code[:64])
    if found is None or not can_see_unit(current_user, found.id):
        abort(404)
    return found


@bp.get("/certificates/units/<code>")
@require(can_list_certificates)
def unit(code: str) -> ResponseReturnValue:
    return _unit_page(_unit_or_404(code))


def _filters(found: Unit | None) -> tuple[queries.Filters | None, PeriodChoice, dict[str, Any]]:
    """The filters the query string asks for; None (and a 400) when the period names none."""
    choice = choose_period(request.args, _zone())
    courses = queries.course_choices()
    course_id = parse_int(request.args.get("course"), low=1, high=MAX_INT)
    if course_id not in {cid for cid, _title in courses}:
        course_id = None
    status = request.args.get("status", "")[:16]
    if status not in STATUSES:
        status = ""
    shown = {"course": course_id, "status": status, "courses": courses}
    if choice.period is None:
        return None, choice, shown
    return (
        queries.Filters(
            unit_id=found.id if found is not None else None,
            scope=subtree_filter(current_user, Certificate.unit_id),
            period=choice.period,
            course_id=course_id,
            status=status or None,
        ),
        choice,
        shown,
    )


def _unit_page(found: Unit | None) -> str | tuple[str, int]:
    filters, choice, shown = _filters(found)
    path = []
    if found is not None:
        path = [u for u in units.ancestors(found) if can_see_unit(current_user, u.id)]
    context = {
        "unit": found,
        "choice": choice,
        "path": path,
        "status_labels": STATUS_LABELS,
        **shown,
    }
    if filters is None:
        return render_template("certificates/unit.html", page=None, **context), 400
    today = _today()
    return render_template(
        "certificates/unit.html",
        page=paginate(queries.unit_certificates(filters, today)),
        period_words=describe(cast(Period, filters.period)),  # _filters gives one with a period
        today=today,
        args=_list_args(filters, choice),
        **context,
    )


def _list_args(filters: queries.Filters, choice: PeriodChoice) -> dict[str, Any]:
    period = cast(Period, filters.period)  # _filters gives filters with a period
    args: dict[str, Any] = {"period": choice.selected or period.label}
    if choice.year:
        args["year"] = choice.year
    if filters.course_id:
        args["course"] = filters.course_id
    if filters.status:
        args["status"] = filters.status
    return args


def _export_rows(filters: queries.Filters, today: dt.date) -> list[list[Any]]:
    zone = _zone()
    return [
        [
            c.serial,
            c.full_name,
            c.rank,
            c.position,
            c.unit_name,
            c.unit_code,
            c.course_title,
            c.score,
            c.completed_on,
            to_local_naive(c.issued_at, zone),
            c.expires_on,
            str(STATUS_LABELS[c.status(today)]),
        ]
        for c in db.session.scalars(queries.unit_certificates(filters, today))
    ]


def _export(found: Unit | None, extension: str) -> Response:
    filters, _choice, _shown = _filters(found)
    if filters is None:
        abort(400)
    today = _today()
    header = [
        _("Serial number"),
        _("Full name"),
        _("Rank"),
        _("Position"),
        _("Unit"),
        _("Unit code"),
        _("Course"),
        _("Score (percent)"),
        _("Completed on"),
        _("Issued at"),
        _("Expires on"),
        _("Status"),
    ]
    tables = [(_("Certificates"), header, _export_rows(filters, today))]
    if extension == "csv":
        data, mimetype = spreadsheets.to_csv(tables), spreadsheets.CSV_TYPE
    else:
        data, mimetype = spreadsheets.to_xlsx(tables), spreadsheets.XLSX_TYPE
    period = cast(Period, filters.period)  # _filters gives filters with a period
    name = f"certificates-{found.code if found else 'all'}-{period.label}.{extension}"
    return Response(
        data,
        content_type=mimetype,
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@bp.get("/certificates/units/<code>/certificates.csv")
@require(can_list_certificates)
def export_csv(code: str) -> ResponseReturnValue:
    return _export(_unit_or_404(code), "csv")


@bp.get("/certificates/units/<code>/certificates.xlsx")
@require(can_list_certificates)
def export_xlsx(code: str) -> ResponseReturnValue:
    return _export(_unit_or_404(code), "xlsx")


@bp.get("/certificates/units/<code>/certificates.pdf")
@require(can_list_certificates)
def unit_pdf(code: str) -> ResponseReturnValue:
    """One PDF of the unit's certificates over the period, for printing and signing, sent
    while it is drawn."""
    found = _unit_or_404(code)
    filters, _choice, _shown = _filters(found)
    if filters is None:
        abort(400)
    today = _today()
    faces = printing.faces_of(db.session.scalars(queries.for_printing(filters, today)), today)
    if not faces:
        flash(_("No certificate matches: there is nothing to print."), "error")
        return redirect(url_for("certificates.unit", code=found.code, **_kept_args())), 303
    period = cast(Period, filters.period)  # _filters gives filters with a period
    name = f"certificates-{found.code}-{period.label}.pdf"
    return Response(
        printing.stream(faces),  # needs no request: the faces are made already
        content_type="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


# ---- verification (public) ----------------------------------------------------------------------


def _verdict_page(
    verdict: services.Verdict, form: VerifyForm | None, status: int = 200
) -> tuple[str, int]:
    return render_template(
        "certificates/verify.html",
        verdict=verdict,
        form=form,
        status_labels=STATUS_LABELS,
        reason_labels=REASON_LABELS,
    ), status


@bp.get("/verify/<code>")
@public
@_verifications
def verify_code(code: str) -> ResponseReturnValue:
    """What the QR code opens: the certificate's status and what it shows, or "unknown"."""
    verdict = services.verify(code[:100])
    return _verdict_page(verdict, None, 200 if verdict.certificate else 404)


@bp.route("/verify", methods=["GET", "POST"])
@public
@_verifications
def verify_form() -> ResponseReturnValue:
    """Type the serial and the verification code printed on a certificate."""
    form = VerifyForm()
    if request.method == "POST":
        if not form.validate_on_submit():
            return _verdict_page(services.Verdict("form"), form, 400)
        # The code is required (DataRequired): a valid form has one.
        verdict = services.verify(cast(str, form.code.data), form.serial.data)
        return _verdict_page(verdict, form, 200 if verdict.certificate else 404)
    return _verdict_page(services.Verdict("form"), form)
