"""The session list, the form to plan or change a session, and cancelling one."""

from __future__ import annotations

import datetime as dt
from typing import Any, cast

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user
from wtforms import SelectChoice  # type: ignore[attr-defined]  # SelectChoice: WTForms 3.3, not in types-WTForms 3.2

from lms.attendance import queries as session_queries
from lms.attendance import services
from lms.attendance.forms import CancelForm, SessionForm
from lms.attendance.models import TrainingSession
from lms.attendance.permissions import can_run_sessions
from lms.attendance.views.sessions.common import (
    SESSION_ID,
    bp,
    markable_or_404,
    time_zone,
)
from lms.auth.permissions import require
from lms.errors import InvalidInput
from lms.extensions import db
from lms.inputs import parse_int
from lms.paging import paginate
from lms.timeutil import from_local_naive, to_local_naive, utcnow
from lms.units import listing
from lms.units import services as unit_services


@bp.get("/")
@require(can_run_sessions)
def index() -> ResponseReturnValue:
    now = utcnow()
    upcoming = list(
        db.session.scalars(session_queries.trainer_sessions(current_user, past=False, now=now))
    )
    past = paginate(session_queries.trainer_sessions(current_user, past=True, now=now))
    return render_template(
        "attendance/sessions/index.html", upcoming=list(upcoming), past=past, now=now
    )


def _form_input(form: SessionForm) -> services.SessionInput:
    course_id = form.course_id.data
    return services.SessionInput(
        title=form.title.data or "",
        course_id=parse_int(course_id),
        kind=form.kind.data or "",
        place=form.place.data or "",
        meeting_url=form.meeting_url.data or "",
        description=form.description.data or "",
        # Required (InputRequired): a valid form, the only one read here, has them all.
        starts_at=from_local_naive(cast(dt.datetime, form.starts_at.data), time_zone()),
        ends_at=from_local_naive(cast(dt.datetime, form.ends_at.data), time_zone()),
        checkin_opens_minutes=cast(int, form.checkin_opens_minutes.data),
        checkin_closes_minutes=cast(int, form.checkin_closes_minutes.data),
        late_after_minutes=cast(int, form.late_after_minutes.data),
        allow_walk_ins=bool(form.allow_walk_ins.data),
        trainers=services.split_list(form.trainers.data),
        unit_ids=list(form.units.data or []),
        invitees=services.split_list(form.invitees.data),
    )


def _prepare(form: SessionForm, session: TrainingSession | None = None) -> list[Any]:
    """Fill the form's choices; returns the unit tree to pick invited units from."""
    invited = [row.unit_id for row in session.unit_rows] if session is not None else []
    forest = listing.active_tree_with(invited)
    form.units.choices = [
        SelectChoice(node.unit.id, node.unit.name) for node in unit_services.flatten(forest)
    ]
    choices = session_queries.course_choices(current_user)
    current = session.course_id if session is not None else None
    if current is not None and current not in {course_id for course_id, _title in choices}:
        # An archived course, or a draft this editor cannot see: kept, not silently dropped.
        choices.append((current, session_queries.course_title(current)))
    form.course_id.choices = [SelectChoice("", _("— no course —"))] + [
        SelectChoice(str(course_id), title) for course_id, title in choices
    ]
    return forest


def _render_form(
    form: SessionForm, session: TrainingSession | None, forest: list[Any], status: int
) -> tuple[str, int]:
    picked = set(form.units.data or []) if isinstance(form.units.data, list) else set()
    return render_template(
        "attendance/sessions/form.html",
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
        version = parse_int(form.version.data)
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
@require(can_run_sessions)
def new() -> ResponseReturnValue:
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
@require(can_run_sessions)
def edit(session_id: int) -> ResponseReturnValue:
    session = markable_or_404(session_id)
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
        people = session_queries.session_people(session)
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
@require(can_run_sessions)
def cancel(session_id: int) -> ResponseReturnValue:
    session = markable_or_404(session_id)
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
