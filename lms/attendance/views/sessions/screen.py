"""The self check-in screen: the rotating code and its QR code, for a projector."""

from __future__ import annotations

import io

import segno
from flask import Response, current_app, render_template
from flask.typing import ResponseReturnValue

from lms.attendance import codes
from lms.attendance.checkin import checked_in_count
from lms.attendance.models import TrainingSession
from lms.attendance.permissions import can_run_sessions
from lms.attendance.views.sessions.common import SESSION_ID, bp, markable_or_404
from lms.auth.permissions import require
from lms.timeutil import utcnow
from lms.urls import absolute_url


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
@require(can_run_sessions)
def screen(session_id: int) -> ResponseReturnValue:
    """Big digits and a QR code for the room's screen; the page reloads when the code
    changes (no script needed)."""
    session = markable_or_404(session_id)
    now = utcnow()
    is_open = session.checkin_open(now)
    shown = codes.current_code(session.secret, now, current_app.config["CHECKIN_CODE_SECONDS"])
    url = checkin_url(session, shown.code) if is_open else ""
    response = Response(
        render_template(
            "attendance/sessions/screen.html",
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
