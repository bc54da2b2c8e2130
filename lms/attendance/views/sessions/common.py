"""What the session pages share: the blueprint, how a session is found for the viewer, whose
part of its roster they see, and how a refused mark is explained."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, current_app
from flask_babel import gettext as _
from flask_login import current_user

from lms.attendance import marking
from lms.attendance import queries as session_queries
from lms.attendance.forms import STATUS_LABELS
from lms.attendance.models import TrainingSession
from lms.attendance.permissions import can_follow_units, can_mark
from lms.attendance.roster import anyone_in_scope, followed_part
from lms.timeutil import utcnow

bp = Blueprint("sessions", __name__, url_prefix="/sessions")


SESSION_ID = "<id:session_id>"
# A phone shows this many people of a roster per page; the search box finds the others.
ROSTER_PAGE_SIZE = 200


def time_zone() -> str:
    zone: str = current_app.config["TIMEZONE"]
    return zone


def session_or_404(session_id: int) -> TrainingSession:
    session = session_queries.get_session(session_id)
    if session is None:
        abort(404)
    return session


def markable_or_404(session_id: int) -> TrainingSession:
    session = session_or_404(session_id)
    if not can_mark(current_user, session):
        abort(404)
    return session


def roster_scope(session: TrainingSession) -> Any:
    """Trainers of the session see the whole roster; commanders only the people of their
    subtree (by the unit they were in for this session), and only sessions that have some."""
    if can_mark(current_user, session):
        return None
    if can_follow_units(current_user):
        scope = followed_part(current_user, session.id)
        if not anyone_in_scope(session.id, utcnow(), scope):
            abort(404)
        return scope
    abort(404)


def conflict_message(conflict: marking.Conflict) -> str:
    current = STATUS_LABELS.get(conflict.current or "", _("not marked"))
    message: str = _(
        "%(name)s was marked “%(current)s” by %(by)s after you opened the page; your choice "
        "“%(wanted)s” was not saved. Choose again if you still mean it.",
        name=conflict.full_name,
        current=current,
        by=conflict.marked_by or _("someone"),
        wanted=STATUS_LABELS[conflict.wanted],
    )
    return message


def clash_message(clash: marking.Clash) -> str:
    message: str = _(
        "%(name)s was not marked: already present at “%(other)s”, held at the same time.",
        name=clash.full_name,
        other=clash.elsewhere,
    )
    return message
