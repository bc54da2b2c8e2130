"""A session's roster: marking one person, or everyone not marked yet (and undoing that)."""

from __future__ import annotations

from flask import abort, flash, jsonify, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from lms.attendance import bulk_marking, marking
from lms.attendance import queries as session_queries
from lms.attendance.forms import STATUS_LABELS, CancelForm
from lms.attendance.models import STATUSES
from lms.attendance.permissions import can_open_sessions, can_run_sessions
from lms.attendance.reports import session_roster
from lms.attendance.views.sessions.common import (
    ROSTER_PAGE_SIZE,
    SESSION_ID,
    bp,
    clash_message,
    conflict_message,
    markable_or_404,
    roster_scope,
    session_or_404,
)
from lms.auth.permissions import require
from lms.errors import InvalidInput
from lms.extensions import db
from lms.inputs import parse_int
from lms.paging import ListPage, page_number
from lms.timeutil import utcnow


@bp.get(f"/{SESSION_ID}")
@require(can_open_sessions)
def detail(session_id: int) -> ResponseReturnValue:
    session = session_or_404(session_id)
    scope = roster_scope(session)
    now = utcnow()
    query = request.args.get("q", "")[:100]
    roster = session_roster(session, now, scope=scope, query=query)
    people = session_queries.session_people(session)
    if scope is not None:  # a commander: only the invited units and people of their subtree
        people = session_queries.scoped_people(people, current_user)
    return render_template(
        "attendance/sessions/detail.html",
        session=session,
        people=people,
        roster=roster,
        undoable=bulk_marking.last_undoable(session) if scope is None else None,
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
@require(can_run_sessions)
def mark(session_id: int) -> ResponseReturnValue:
    """One tap: one person's status (and note). Answers JSON to the page's script."""
    session = markable_or_404(session_id)
    user_id = parse_int(request.form.get("user_id"))
    seen = parse_int(request.form.get("version"))
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
        message = conflict_message(outcome.conflicts[0])
    elif outcome.clashes:
        message = clash_message(outcome.clashes[0])
    if _wants_json():
        current = marking.current_record(session.id, wanted.user_id)
        return jsonify(
            ok=not refused,
            message=message,
            status=current.status if current else None,
            note=current.note if current else "",
            version=current.version if current else 0,
            tally_html=render_template(
                "attendance/sessions/_tally.html", roster=session_roster(session, utcnow())
            ),
        ), status_code
    if message:
        flash(message, "error")
    anchor = f"#u{wanted.user_id}"
    return redirect(url_for("sessions.detail", session_id=session.id) + anchor, code=303)


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
@require(can_run_sessions)
def mark_rest(session_id: int) -> ResponseReturnValue:
    """ "All present" (or absent): without ``confirmed=yes`` (the page's script asks in a
    dialog and adds it), a confirmation step first."""
    session = markable_or_404(session_id)
    status = request.form.get("status")
    if status not in ("present", "absent") or not CancelForm().validate_on_submit():
        abort(400)
    back = url_for("sessions.detail", session_id=session.id)
    try:
        if request.form.get("confirmed") != "yes":
            preview = bulk_marking.rest_preview(session, status, utcnow())
            return render_template(
                "attendance/sessions/confirm_rest.html",
                session=session,
                status=status,
                status_labels=STATUS_LABELS,
                preview=preview,
            )
        if status == "present":
            outcome = bulk_marking.mark_rest_present(session, actor=current_user, now=utcnow())
        else:
            outcome = bulk_marking.mark_rest_absent(session, actor=current_user, now=utcnow())
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
@require(can_run_sessions)
def undo_rest(session_id: int, batch_id: int) -> ResponseReturnValue:
    """Undo an "everyone not marked yet": its records nobody changed since are removed."""
    session = markable_or_404(session_id)
    if not CancelForm().validate_on_submit():
        abort(400)
    back = url_for("sessions.detail", session_id=session.id)
    try:
        outcome = bulk_marking.undo_rest(session, batch_id, actor=current_user, now=utcnow())
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
