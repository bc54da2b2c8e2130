"""The roster's exports, CSV and XLSX."""

from __future__ import annotations

from flask import Response
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from lms import spreadsheets
from lms.attendance.forms import STATUS_LABELS
from lms.attendance.models import TrainingSession
from lms.attendance.permissions import can_open_sessions
from lms.attendance.reports import session_roster
from lms.attendance.views.sessions.common import (
    SESSION_ID,
    bp,
    roster_scope,
    session_or_404,
    time_zone,
)
from lms.auth.permissions import require
from lms.timeutil import to_local_naive, utcnow


def _export_tables(session: TrainingSession) -> list[spreadsheets.Table]:
    zone = time_zone()
    roster = session_roster(session, utcnow(), scope=roster_scope(session))
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
    local_start = to_local_naive(session.starts_at, time_zone())
    name = f"session-{session.id}-{local_start:%Y%m%d}.{extension}"
    return Response(
        data,
        content_type=mimetype,
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@bp.get(f"/{SESSION_ID}/attendance.csv")
@require(can_open_sessions)
def export_csv(session_id: int) -> ResponseReturnValue:
    session = session_or_404(session_id)
    data = spreadsheets.to_csv(_export_tables(session))
    return _download(session, data, "csv", spreadsheets.CSV_TYPE)


@bp.get(f"/{SESSION_ID}/attendance.xlsx")
@require(can_open_sessions)
def export_xlsx(session_id: int) -> ResponseReturnValue:
    session = session_or_404(session_id)
    data = spreadsheets.to_xlsx(_export_tables(session))
    return _download(session, data, "xlsx", spreadsheets.XLSX_TYPE)
