"""Attendance records as people see them: a cadre checks in and reads their own; a commander
reads a unit's attendance over a period and a person's history."""

from __future__ import annotations

from typing import cast

from flask import (
    Blueprint,
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

from lms.attendance import checkin, reports
from lms.attendance import queries as session_queries
from lms.attendance import rates as attendance_rates
from lms.attendance.forms import STATUS_LABELS, CheckinForm
from lms.attendance.models import TrainingSession
from lms.attendance.permissions import can_follow_units, can_mark
from lms.attendance.roster import on_roster
from lms.auth.permissions import require
from lms.extensions import db, limiter
from lms.people import services as people
from lms.people.models import User
from lms.periods import choose_period, describe
from lms.timeutil import utcnow
from lms.units import services as units
from lms.units.models import Unit
from lms.units.scope import can_see_unit, scope_root_id, sees_everything

bp = Blueprint("attendance", __name__)


def _checkin_limit() -> str:
    limit: str = current_app.config["CHECKIN_LIMIT"]
    return limit


def _per_user() -> str:
    # The account's id, not its session token: signing out and in again starts no new count.
    return f"checkin:{current_user.id}"


# One counter for both check-in pages: typing codes at /checkin and at /checkin/<id> together
# get LMS_CHECKIN_LIMIT tries, not twice as many.
_checkin_attempts = limiter.shared_limit(
    _checkin_limit, scope="checkin", key_func=_per_user, methods=["POST"]
)


@bp.route("/checkin", methods=["GET", "POST"])
@require()
@_checkin_attempts
def checkin_any() -> ResponseReturnValue:
    """Enter the code on the screen; the session is found from the code."""
    return _checkin(None)


@bp.route("/checkin/<id:session_id>", methods=["GET", "POST"])
@require()
@_checkin_attempts
def checkin_session(session_id: int) -> ResponseReturnValue:
    """Where the QR code leads: the code comes filled in; one tap checks in."""
    session = session_queries.get_session(session_id)
    # Sessions are shown only to those who may check in to them (or run them).
    if session is None or not (
        session.allow_walk_ins
        or can_mark(current_user, session)
        or on_roster(session.id, current_user.id, utcnow())
    ):
        abort(404)
    return _checkin(session)


def _checkin(session: TrainingSession | None) -> ResponseReturnValue:
    form = CheckinForm()
    if request.method == "GET" and request.args.get("code"):
        form.code.data = request.args["code"][:20]
    status = 200
    if form.validate_on_submit():
        try:
            result = checkin.check_in(
                current_user,
                cast(str, form.code.data),  # required (DataRequired)
                now=utcnow(),
                step_seconds=current_app.config["CHECKIN_CODE_SECONDS"],
                session=session,
            )
        except checkin.CheckinRefused as refusal:
            db.session.rollback()
            form.code.errors = [str(refusal.message)]
            status = 400
        else:
            db.session.commit()
            record = result.record
            label = STATUS_LABELS[record.status]
            if result.already:
                flash(
                    _(
                        "You had already checked in to %(title)s (%(status)s). Nothing changed.",
                        title=result.session.title,
                        status=label,
                    ),
                    "info",
                )
            else:
                flash(
                    _(
                        "Checked in to %(title)s: %(status)s.",
                        title=result.session.title,
                        status=label,
                    ),
                    "success",
                )
            return redirect(url_for("attendance.mine"), code=303)
    elif form.errors:
        status = 400
    return render_template("attendance/checkin.html", form=form, session=session), status


@bp.get("/attendance/mine")
@require()
def mine() -> ResponseReturnValue:
    return _render_history(current_user, own=True)


@bp.get("/attendance/people/<username>")
@require(can_follow_units)
def person(username: str) -> ResponseReturnValue:
    user = people.get_by_username(username[:64])
    if user is None or not can_see_unit(current_user, user.unit_id):
        abort(404)
    return _render_history(user, own=False)


def _render_history(user: User, *, own: bool) -> str:
    """A person's sessions and rate; their own page adds what is coming up."""
    now = utcnow()
    rows, tally = reports.history(user.id, now)
    return render_template(
        "attendance/history.html",
        person=user,
        rows=rows,
        tally=tally,
        upcoming=session_queries.upcoming_for(user, now) if own else [],
        status_labels=STATUS_LABELS,
        own=own,
        now=now,
    )


@bp.get("/attendance/units/")
@require(can_follow_units)
def province() -> ResponseReturnValue:
    """A commander's own unit; for an admin, every top-level unit."""
    root = scope_root_id(current_user)
    if not sees_everything(current_user):
        found = db.session.get(Unit, root) if root is not None else None
        if found is None:
            abort(404)
        period = request.args.get("period", "")[:20] or None
        year = request.args.get("year", "")[:10] or None
        return redirect(url_for("attendance.unit", code=found.code, period=period, year=year))
    return _render_units(None)


@bp.get("/attendance/units/<code>")
@require(can_follow_units)
def unit(code: str) -> ResponseReturnValue:
    found = units.get_by_code(code[:64])
    if found is None or not can_see_unit(current_user, found.id):
        abort(404)
    return _render_units(found)


def _render_units(found: Unit | None) -> str | tuple[str, int]:
    choice = choose_period(request.args, current_app.config["TIMEZONE"])
    path = []
    if found is not None:
        path = [u for u in units.ancestors(found) if can_see_unit(current_user, u.id)]
    period = choice.period
    if period is None:  # the picker again, saying which periods exist
        return render_template(
            "attendance/unit.html", unit=found, choice=choice, period=None, path=path
        ), 400
    now = utcnow()
    total, own, rows = attendance_rates.unit_rates(found, period.since, period.until, now)
    return render_template(
        "attendance/unit.html",
        unit=found,
        choice=choice,
        period=period,
        period_words=describe(period),
        total=total,
        own=own,
        rows=rows,
        path=path,
        sessions=attendance_rates.sessions_of_units(period.since, period.until, now, found),
        status_labels=STATUS_LABELS,
    )
