"""Trainers' session pages: the list, the form, the roster to mark, the check-in screen, the
paper sheet and its bulk entry, and the exports. Commanders may read a session's roster,
limited to their subtree."""

from __future__ import annotations

import io
from typing import Any

import segno
from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from sqlalchemy import literal, or_
from wtforms import SelectChoice

from lms import spreadsheets
from lms.attendance import codes, marking, services
from lms.attendance.checkin import checked_in_count
from lms.attendance.forms import STATUS_LABELS, CancelForm, SessionForm
from lms.attendance.models import STATUSES, TrainingSession
from lms.attendance.permissions import can_follow_units, can_mark
from lms.attendance.reports import session_roster
from lms.attendance.roster import anyone_in_scope, unit_at_session
from lms.auth.permissions import require
from lms.errors import InvalidInput
from lms.extensions import db
from lms.inputs import MAX_INT, parse_int
from lms.paging import ListPage, page_number, paginate
from lms.people.models import User
from lms.timeutil import from_local_naive, to_local_naive, utcnow
from lms.units import services as unit_services
from lms.units.models import Unit
from lms.units.scope import subtree_filter
from lms.urls import absolute_url

bp = Blueprint("sessions", __name__, url_prefix="/sessions")

SESSION_ID = "<id:session_id>"
# A phone shows this many people of a roster per page; the search box finds the others.
ROSTER_PAGE_SIZE = 200


def _small_int(text: str | None) -> int | None:
    """A form's id or version, by the one rule for integers from outside."""
    return parse_int(text, high=MAX_INT)


def _zone() -> str:
    return current_app.config["TIMEZONE"]


def _session_or_404(session_id: int) -> TrainingSession:
    session = services.get_session(session_id)
    if session is None:
        abort(404)
    return session


def _markable_or_404(session_id: int) -> TrainingSession:
    session = _session_or_404(session_id)
    if not can_mark(current_user, session):
        abort(404)
    return session


def _roster_scope(session: TrainingSession) -> Any:
    """Trainers of the session see the whole roster; commanders only the people of their
    subtree (by the unit they were in for this session), and only sessions that have some."""
    if can_mark(current_user, session):
        return None
    if can_follow_units(current_user):
        scope = subtree_filter(current_user, unit_at_session(literal(session.id), User.id))
        if not anyone_in_scope(session.id, utcnow(), scope):
            abort(404)
        return scope
    abort(404)


# ---- the list and the form --------------------------------------------------------------------


@bp.get("/")
@require("trainer", "admin")
def index():
    now = utcnow()
    upcoming = list(
        db.session.scalars(services.trainer_sessions(current_user, past=False, now=now))
    )
    past = paginate(services.trainer_sessions(current_user, past=True, now=now))
    return render_template("sessions/index.html", upcoming=list(upcoming), past=past, now=now)


def _form_input(form: SessionForm) -> services.SessionInput:
    course_id = form.course_id.data
    return services.SessionInput(
        title=form.title.data or "",
        course_id=parse_int(course_id),
        kind=form.kind.data or "",
        place=form.place.data or "",
        meeting_url=form.meeting_url.data or "",
        description=form.description.data or "",
        starts_at=from_local_naive(form.starts_at.data, _zone()),  # type: ignore[arg-type]
        ends_at=from_local_naive(form.ends_at.data, _zone()),  # type: ignore[arg-type]
        checkin_opens_minutes=form.checkin_opens_minutes.data,  # type: ignore[arg-type]
        checkin_closes_minutes=form.checkin_closes_minutes.data,  # type: ignore[arg-type]
        late_after_minutes=form.late_after_minutes.data,  # type: ignore[arg-type]
        allow_walk_ins=bool(form.allow_walk_ins.data),
        trainers=services.split_list(form.trainers.data),
        unit_ids=list(form.units.data or []),
        invitees=services.split_list(form.invitees.data),
    )


def _prepare(form: SessionForm, session: TrainingSession | None = None) -> list[Any]:
    """Fill the form's choices; returns the unit tree to pick invited units from."""
    invited = [row.unit_id for row in session.unit_rows] if session is not None else []
    forest = unit_services.tree(or_(Unit.active.is_(True), Unit.id.in_(invited)))
    form.units.choices = [
        SelectChoice(node.unit.id, node.unit.name) for node in unit_services.flatten(forest)
    ]
    choices = services.course_choices(current_user)
    current = session.course_id if session is not None else None
    if current is not None and current not in {course_id for course_id, _title in choices}:
        # An archived course, or a draft this editor cannot see: kept, not silently dropped.
        choices.append((current, services.course_title(current)))
    form.course_id.choices = [SelectChoice("", _("— no course —"))] + [
        SelectChoice(str(course_id), title) for course_id, title in choices
    ]
    return forest


def _render_form(
    form: SessionForm, session: TrainingSession | None, forest: list[Any], status: int
):
    picked = set(form.units.data or []) if isinstance(form.units.data, list) else set()
    return render_template(
        "sessions/form.html",
        form=form,
        session=session,
        forest=forest,
        picked=picked,
        open_ids=_holding(forest, picked),
    ), status


def _holding(forest: list[Any], picked: set[int]) -> set[int]:
    """Units with a picked unit below them: shown unfolded, so every tick is in sight."""
    found: set[int] = set()

    def walk(node: Any) -> bool:
        below = any([walk(child) for child in node.children])
        if below:
            found.add(node.unit.id)
        return below or node.unit.id in picked

    for root in forest:
        walk(root)
    return found


def _save(form: SessionForm, session: TrainingSession | None) -> TrainingSession | None:
    """Validate and save; None (with the form's errors filled) when something is wrong."""
    if not form.validate_on_submit():  # dates outside 2000-2100 included (lms.forms)
        return None
    try:
        data = _form_input(form)
        if session is None:
            return services.create_session(data, actor=current_user)
        version = _small_int(form.version.data)
        if version is None:
            version = -1
        services.update_session(session, data, actor=current_user, expected_version=version)
        return session
    except InvalidInput as error:
        field = getattr(form, error.field, None) if error.field else None
        if field is not None:
            field.errors = [*field.errors, str(error.message)]
        else:
            form.form_errors.append(str(error.message))
        return None


@bp.route("/new", methods=["GET", "POST"])
@require("trainer", "admin")
def new():
    form = SessionForm()
    forest = _prepare(form)
    if request.method == "GET":
        config = current_app.config
        form.trainers.data = current_user.username
        form.checkin_opens_minutes.data = config["CHECKIN_OPENS_BEFORE_MINUTES"]
        form.checkin_closes_minutes.data = config["CHECKIN_CLOSES_AFTER_MINUTES"]
        form.late_after_minutes.data = config["LATE_AFTER_MINUTES"]
        course = parse_int(request.args.get("course"))
        if course is not None:
            form.course_id.data = str(course)
    session = _save(form, None)
    if session is not None:
        db.session.commit()
        flash(_("The session is scheduled."), "success")
        return redirect(url_for("sessions.detail", session_id=session.id))
    status = 400 if request.method == "POST" else 200
    return _render_form(form, None, forest, status)


@bp.route(f"/{SESSION_ID}/edit", methods=["GET", "POST"])
@require("trainer", "admin")
def edit(session_id: int):
    session = _markable_or_404(session_id)
    if session.cancelled_at is not None:
        flash(_("This session was cancelled."), "error")
        return redirect(url_for("sessions.detail", session_id=session.id))
    form = SessionForm(obj=None if request.method == "POST" else _Values(session))
    forest = _prepare(form, session)
    try:
        saved = _save(form, session)
    except services.StaleSession:
        db.session.rollback()
        form.form_errors.append(
            _(
                "Someone else changed this session after you opened the form. Your changes "
                "are below; open the session again to see theirs, then save."
            )
        )
        return _render_form(form, session, forest, 409)
    if saved is not None:
        db.session.commit()
        flash(_("The session is saved."), "success")
        return redirect(url_for("sessions.detail", session_id=session.id))
    status = 400 if request.method == "POST" else 200
    return _render_form(form, session, forest, status)


class _Values:
    """A session as the form shows it: local times, names instead of ids."""

    def __init__(self, session: TrainingSession) -> None:
        people = services.session_people(session)
        zone = current_app.config["TIMEZONE"]
        self.title = session.title
        self.course_id = str(session.course_id) if session.course_id else ""
        self.kind = session.kind
        self.place = session.place
        self.meeting_url = session.meeting_url
        self.description = session.description
        self.starts_at = to_local_naive(session.starts_at, zone)
        self.ends_at = to_local_naive(session.ends_at, zone)
        self.checkin_opens_minutes = session.checkin_opens_minutes
        self.checkin_closes_minutes = session.checkin_closes_minutes
        self.late_after_minutes = session.late_after_minutes
        self.allow_walk_ins = session.allow_walk_ins
        self.trainers = ", ".join(u.username for u in people.trainers)
        self.units = [u.id for u in people.units]
        self.invitees = ", ".join(u.username for u in people.invitees)
        self.version = str(session.version)


@bp.post(f"/{SESSION_ID}/cancel")
@require("trainer", "admin")
def cancel(session_id: int):
    session = _markable_or_404(session_id)
    form = CancelForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        services.cancel_session(session, form.reason.data or "", actor=current_user)
    except InvalidInput as error:
        flash(str(error.message), "error")
        return redirect(url_for("sessions.detail", session_id=session.id))
    db.session.commit()
    flash(_("The session is cancelled. Invited people see it as cancelled."), "success")
    return redirect(url_for("sessions.detail", session_id=session.id))


# ---- the roster -------------------------------------------------------------------------------


@bp.get(f"/{SESSION_ID}")
@require("trainer", "admin", "commander")
def detail(session_id: int):
    session = _session_or_404(session_id)
    scope = _roster_scope(session)
    now = utcnow()
    query = request.args.get("q", "")[:100]
    roster = session_roster(session, now, scope=scope, query=query)
    people = services.session_people(session)
    if scope is not None:  # a commander: only the invited units and people of their subtree
        people = services.scoped_people(people, current_user)
    return render_template(
        "sessions/detail.html",
        session=session,
        people=people,
        roster=roster,
        undoable=marking.last_undoable(session) if scope is None else None,
        started=now >= session.starts_at,
        rows=ListPage(roster.rows, page_number(), ROSTER_PAGE_SIZE),
        query=query,
        markable=scope is None,
        statuses=STATUSES,
        status_labels=STATUS_LABELS,
        now=now,
        cancel_form=CancelForm(),
    )


def _wants_json() -> bool:
    return request.accept_mimetypes.best == "application/json"


@bp.post(f"/{SESSION_ID}/mark")
@require("trainer", "admin")
def mark(session_id: int):
    """One tap: one person's status (and note). Answers JSON to the page's script."""
    session = _markable_or_404(session_id)
    user_id = _small_int(request.form.get("user_id"))
    seen = _small_int(request.form.get("version"))
    if user_id is None or seen is None:
        abort(400)
    wanted = marking.Mark(
        user_id=user_id,
        status=request.form.get("status", ""),
        note=request.form.get("note", ""),
        seen_version=seen,
    )
    try:
        outcome = marking.mark(session, [wanted], actor=current_user, now=utcnow())
    except InvalidInput as error:
        db.session.rollback()
        if _wants_json():
            return jsonify(ok=False, message=str(error.message)), 400
        flash(str(error.message), "error")
        return redirect(url_for("sessions.detail", session_id=session.id)), 303
    db.session.commit()
    refused = outcome.conflicts or outcome.clashes
    status_code = 409 if refused else 200
    message = ""
    if outcome.conflicts:
        message = _conflict_message(outcome.conflicts[0])
    elif outcome.clashes:
        message = _clash_message(outcome.clashes[0])
    if _wants_json():
        current = marking.current_record(session.id, wanted.user_id)
        return jsonify(
            ok=not refused,
            message=message,
            status=current.status if current else None,
            note=current.note if current else "",
            version=current.version if current else 0,
            tally_html=render_template(
                "sessions/_tally.html", roster=session_roster(session, utcnow())
            ),
        ), status_code
    if message:
        flash(message, "error")
    anchor = f"#u{wanted.user_id}"
    return redirect(url_for("sessions.detail", session_id=session.id) + anchor, code=303)


def _conflict_message(conflict: marking.Conflict) -> str:
    current = STATUS_LABELS.get(conflict.current or "", _("not marked"))
    return _(
        "%(name)s was marked “%(current)s” by %(by)s after you opened the page; your choice "
        "“%(wanted)s” was not saved. Choose again if you still mean it.",
        name=conflict.full_name,
        current=current,
        by=conflict.marked_by or _("someone"),
        wanted=STATUS_LABELS[conflict.wanted],
    )


def _clash_message(clash: marking.Clash) -> str:
    return _(
        "%(name)s was not marked: already present at “%(other)s”, held at the same time.",
        name=clash.full_name,
        other=clash.elsewhere,
    )


def _flash_skipped(skipped: list[marking.Clash]) -> None:
    if skipped:
        flash(
            _(
                "Not marked, because already present at another session held at the same "
                "time: %(people)s.",
                people="; ".join(f"{c.full_name} ({c.elsewhere})" for c in skipped),
            ),
            "error",
        )


@bp.post(f"/{SESSION_ID}/mark-rest")
@require("trainer", "admin")
def mark_rest(session_id: int):
    """ "All present" (or absent): without ``confirmed=yes`` (the page's script asks in a
    dialog and adds it), a confirmation step first."""
    session = _markable_or_404(session_id)
    status = request.form.get("status")
    if status not in ("present", "absent") or not CancelForm().validate_on_submit():
        abort(400)
    back = url_for("sessions.detail", session_id=session.id)
    try:
        if request.form.get("confirmed") != "yes":
            preview = marking.rest_preview(session, status, utcnow())
            return render_template(
                "sessions/confirm_rest.html",
                session=session,
                status=status,
                status_labels=STATUS_LABELS,
                preview=preview,
            )
        if status == "present":
            outcome = marking.mark_rest_present(session, actor=current_user, now=utcnow())
        else:
            outcome = marking.mark_rest_absent(session, actor=current_user, now=utcnow())
    except InvalidInput as error:
        db.session.rollback()
        flash(str(error.message), "error")
        return redirect(back, code=303)
    db.session.commit()
    flash(
        ngettext(
            "%(num)s person marked %(status)s.",
            "%(num)s people marked %(status)s.",
            outcome.count,
            status=STATUS_LABELS[status],
        ),
        "success",
    )
    _flash_skipped(outcome.skipped)
    return redirect(back, code=303)


@bp.post(f"/{SESSION_ID}/mark-rest/<id:batch_id>/undo")
@require("trainer", "admin")
def undo_rest(session_id: int, batch_id: int):
    """Undo an "everyone not marked yet": its records nobody changed since are removed."""
    session = _markable_or_404(session_id)
    if not CancelForm().validate_on_submit():
        abort(400)
    back = url_for("sessions.detail", session_id=session.id)
    try:
        outcome = marking.undo_rest(session, batch_id, actor=current_user, now=utcnow())
    except InvalidInput as error:
        db.session.rollback()
        flash(str(error.message), "error")
        return redirect(back, code=303)
    db.session.commit()
    message = ngettext(
        "Undone: %(num)s mark removed.", "Undone: %(num)s marks removed.", outcome.removed
    )
    if outcome.kept:
        message += " " + ngettext(
            "%(num)s changed since was kept.", "%(num)s changed since were kept.", outcome.kept
        )
    flash(message, "success")
    if outcome.still_completed:
        flash(
            _(
                "Completion is never taken back: %(people)s had completed the course and "
                "keep it, although these marks may have counted towards it. Check their "
                "attendance.",
                people=", ".join(outcome.still_completed),
            ),
            "info",
        )
    return redirect(back, code=303)


# ---- self check-in screen ---------------------------------------------------------------------


def checkin_url(session: TrainingSession, code: str) -> str:
    return absolute_url("attendance.checkin_session", session_id=session.id, code=code)


def qr_svg(data: str, scale: int) -> str:
    """An SVG QR code, without the XML declaration, for embedding in the page."""
    buffer = io.BytesIO()
    segno.make(data, error="m").save(
        buffer, kind="svg", scale=scale, border=2, xmldecl=False, svgns=True, nl=False
    )
    return buffer.getvalue().decode()


@bp.get(f"/{SESSION_ID}/screen")
@require("trainer", "admin")
def screen(session_id: int):
    """Big digits and a QR code for the room's screen; the page reloads when the code
    changes (no script needed)."""
    session = _markable_or_404(session_id)
    now = utcnow()
    is_open = session.checkin_open(now)
    shown = codes.current_code(session.secret, now, current_app.config["CHECKIN_CODE_SECONDS"])
    url = checkin_url(session, shown.code) if is_open else ""
    response = Response(
        render_template(
            "sessions/screen.html",
            session=session,
            is_open=is_open,
            code=shown.code if is_open else "",
            seconds_left=shown.seconds_left,
            qr=qr_svg(url, 8) if is_open else "",
            url=url,
            checked_in=checked_in_count(session.id),
            now=now,
        )
    )
    response.headers["Cache-Control"] = "no-store"
    return response


# ---- paper sheet and bulk entry ---------------------------------------------------------------


@bp.get(f"/{SESSION_ID}/sheet")
@require("trainer", "admin")
def sheet(session_id: int):
    """The sign-in sheet to print for a room without a connection."""
    session = _markable_or_404(session_id)
    url = absolute_url("attendance.checkin_session", session_id=session.id)
    return render_template(
        "sessions/sheet.html",
        session=session,
        people=services.session_people(session),
        roster=session_roster(session, utcnow()),
        qr=qr_svg(url, 3),
        url=url,
    )


@bp.route(f"/{SESSION_ID}/bulk", methods=["GET", "POST"])
@require("trainer", "admin")
def bulk(session_id: int):
    """Recording a paper sheet: every row at once; rows left blank stay as they are (or
    become absent if asked)."""
    session = _markable_or_404(session_id)
    now = utcnow()
    if request.method == "POST":
        if not CancelForm().validate_on_submit():
            abort(400)
        try:
            marks = _bulk_marks(request.form)
            outcome = marking.mark(session, marks, actor=current_user, now=now, source="sheet")
            rest = 0
            if request.form.get("rest") == "absent":
                rest = marking.mark_rest_absent(session, actor=current_user, now=now).count
        except InvalidInput as error:
            db.session.rollback()
            flash(str(error.message), "error")
            return _render_bulk(session, now, status=400, typed=request.form)
        db.session.commit()
        flash(
            _(
                "Saved: %(changed)s changed, %(unchanged)s unchanged, %(rest)s left blank "
                "marked absent.",
                changed=len(outcome.changed),
                unchanged=len(outcome.unchanged),
                rest=rest,
            ),
            "success",
        )
        for conflict in outcome.conflicts:
            flash(_conflict_message(conflict), "error")
        for clash in outcome.clashes:
            flash(_clash_message(clash), "error")
        if outcome.conflicts or outcome.clashes:
            return _render_bulk(session, utcnow(), status=409)
        return redirect(url_for("sessions.detail", session_id=session.id), code=303)
    return _render_bulk(session, now)


def _bulk_marks(form: Any) -> list[marking.Mark]:
    """Rows of the bulk form (version-<id>, status-<id>, note-<id>); blank statuses skipped."""
    marks = []
    for key in form:
        if not key.startswith("version-"):
            continue
        raw_id = key.removeprefix("version-")
        user_id, version = _small_int(raw_id), _small_int(form.get(key))
        if user_id is None or version is None:
            raise InvalidInput(_("The form was damaged; open the page again."))
        status, note = form.get(f"status-{raw_id}", ""), form.get(f"note-{raw_id}", "")
        if not status:
            if note.strip() and version == 0:
                raise InvalidInput(_("A note needs a status: choose one on every row with a note."))
            continue
        marks.append(marking.Mark(user_id, status, note, version))
    if len(marks) > 5000:
        raise InvalidInput(_("Too many rows in one save."))
    return marks


def _render_bulk(session: TrainingSession, now: Any, status: int = 200, typed: Any = None):
    """The sheet; after a refused save, with what the trainer typed, so nothing is lost."""
    return render_template(
        "sessions/bulk.html",
        typed=typed,
        session=session,
        roster=session_roster(session, now),
        statuses=STATUSES,
        status_labels=STATUS_LABELS,
        form=CancelForm(),
        started=now >= session.starts_at,
    ), status


# ---- exports ----------------------------------------------------------------------------------


def _export_tables(session: TrainingSession) -> list[spreadsheets.Table]:
    zone = _zone()
    roster = session_roster(session, utcnow(), scope=_roster_scope(session))
    rows = [
        (
            index,
            row.full_name,
            row.username,
            row.rank,
            row.unit_name,
            str(STATUS_LABELS[row.status]) if row.status else "",
            _("yes") if row.walk_in else "",
            to_local_naive(row.checked_in_at, zone),
            row.note,
            row.marked_by,
        )
        for index, row in enumerate(roster.rows, start=1)
    ]
    header = [
        _("No."),
        _("Full name"),
        _("Username"),
        _("Rank"),
        _("Unit"),
        _("Status"),
        _("Walk-in"),
        _("Checked in at"),
        _("Note"),
        _("Marked by"),
    ]
    tally = roster.tally
    summary = [
        (_("Session"), session.title),
        (_("Starts at"), to_local_naive(session.starts_at, zone)),
        (_("Ends at"), to_local_naive(session.ends_at, zone)),
        (_("On the roster"), tally.total),
        (_("Present"), tally.present),
        (_("Late"), tally.late),
        (_("Excused"), tally.excused),
        (_("Absent"), tally.absent),
        (_("Not marked"), tally.unmarked),
        (_("Attendance rate (percent)"), tally.rate),
    ]
    return [(_("Roster"), header, rows), (_("Totals"), [_("Item"), _("Value")], summary)]


def _download(session: TrainingSession, data: bytes, extension: str, mimetype: str) -> Response:
    local_start = to_local_naive(session.starts_at, _zone())
    name = f"session-{session.id}-{local_start:%Y%m%d}.{extension}"
    return Response(
        data,
        content_type=mimetype,
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@bp.get(f"/{SESSION_ID}/attendance.csv")
@require("trainer", "admin", "commander")
def export_csv(session_id: int):
    session = _session_or_404(session_id)
    data = spreadsheets.to_csv(_export_tables(session))
    return _download(session, data, "csv", spreadsheets.CSV_TYPE)


@bp.get(f"/{SESSION_ID}/attendance.xlsx")
@require("trainer", "admin", "commander")
def export_xlsx(session_id: int):
    session = _session_or_404(session_id)
    data = spreadsheets.to_xlsx(_export_tables(session))
    return _download(session, data, "xlsx", spreadsheets.XLSX_TYPE)
