"""The paper sheet to print, and the bulk entry of what was ticked on it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from flask import abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user

from lms.attendance import bulk_marking, marking
from lms.attendance import queries as session_queries
from lms.attendance.forms import STATUS_LABELS, CancelForm
from lms.attendance.models import STATUSES, TrainingSession
from lms.attendance.permissions import can_run_sessions
from lms.attendance.reports import session_roster
from lms.attendance.views.sessions.common import (
    SESSION_ID,
    bp,
    clash_message,
    conflict_message,
    markable_or_404,
)
from lms.attendance.views.sessions.screen import qr_svg
from lms.auth.permissions import require
from lms.errors import InvalidInput
from lms.extensions import db
from lms.inputs import parse_int
from lms.timeutil import utcnow
from lms.urls import absolute_url


@bp.get(f"/{SESSION_ID}/sheet")
@require(can_run_sessions)
def sheet(session_id: int) -> ResponseReturnValue:
    """The sign-in sheet to print for a room without a connection."""
    session = markable_or_404(session_id)
    url = absolute_url("attendance.checkin_session", session_id=session.id)
    return render_template(
        "attendance/sessions/sheet.html",
        session=session,
        people=session_queries.session_people(session),
        roster=session_roster(session, utcnow()),
        qr=qr_svg(url, 3),
        url=url,
    )


@bp.route(f"/{SESSION_ID}/bulk", methods=["GET", "POST"])
@require(can_run_sessions)
def bulk(session_id: int) -> ResponseReturnValue:
    """Recording a paper sheet: every row at once; rows left blank stay as they are (or
    become absent if asked)."""
    session = markable_or_404(session_id)
    now = utcnow()
    if request.method == "POST":
        if not CancelForm().validate_on_submit():
            abort(400)
        try:
            marks = _bulk_marks(request.form)
            outcome = marking.mark(session, marks, actor=current_user, now=now, source="sheet")
            rest = 0
            if request.form.get("rest") == "absent":
                rest = bulk_marking.mark_rest_absent(session, actor=current_user, now=now).count
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
            flash(conflict_message(conflict), "error")
        for clash in outcome.clashes:
            flash(clash_message(clash), "error")
        if outcome.conflicts or outcome.clashes:
            return _render_bulk(session, utcnow(), status=409)
        return redirect(url_for("sessions.detail", session_id=session.id), code=303)
    return _render_bulk(session, now)


def _bulk_marks(form: Mapping[str, str]) -> list[marking.Mark]:
    """Rows of the bulk form (version-<id>, status-<id>, note-<id>); blank statuses skipped."""
    marks = []
    for key in form:
        if not key.startswith("version-"):
            continue
        raw_id = key.removeprefix("version-")
        user_id, version = parse_int(raw_id), parse_int(form.get(key))
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


def _render_bulk(
    session: TrainingSession,
    now: dt.datetime,
    status: int = 200,
    typed: Mapping[str, str] | None = None,
) -> tuple[str, int]:
    """The sheet; after a refused save, with what the trainer typed, so nothing is lost."""
    return render_template(
        "attendance/sessions/bulk.html",
        typed=typed,
        session=session,
        roster=session_roster(session, now),
        statuses=STATUSES,
        status_labels=STATUS_LABELS,
        form=CancelForm(),
        started=now >= session.starts_at,
    ), status
