"""Creating, editing and cancelling training sessions; finding them for each kind of user."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, or_, select, update

from lms.attendance import codes
from lms.attendance.models import (
    SESSION_KINDS,
    SessionInvitee,
    SessionTrainer,
    SessionUnit,
    TrainingSession,
)
from lms.audit import services as audit
from lms.courses.models import Course
from lms.courses.signals import announce_progress
from lms.errors import InvalidInput
from lms.extensions import db
from lms.people.models import User, UserRole
from lms.text import clean
from lms.timeutil import utcnow
from lms.units.models import Unit
from lms.writes import rows_changed

MAX_SESSION_HOURS = 24  # a session is one sitting; a course over several days has several
MAX_MARGIN_MINUTES = 240
_SPLIT = re.compile(r"[\s,;]+")


class StaleSession(Exception):
    """The session was changed by someone else since the form was opened."""


@dataclass
class SessionInput:
    """What a trainer fills in for a session; checked by ``validate``."""

    title: str
    starts_at: dt.datetime
    ends_at: dt.datetime
    kind: str = "in_person"
    course_id: int | None = None
    place: str = ""
    meeting_url: str = ""
    description: str = ""
    checkin_opens_minutes: int = 30
    checkin_closes_minutes: int = 30
    late_after_minutes: int = 15
    allow_walk_ins: bool = False
    trainers: list[str] = field(default_factory=list)  # usernames
    units: list[str] = field(default_factory=list)  # unit codes (the command line, the demo)
    unit_ids: list[int] = field(default_factory=list)  # units picked from the tree (the form)
    invitees: list[str] = field(default_factory=list)  # usernames


def split_list(text: str | None) -> list[str]:
    """Codes or usernames typed one per line or separated by commas, spaces or semicolons."""
    return [item for item in _SPLIT.split(text or "") if item]


@dataclass
class _Resolved:
    trainer_ids: list[int]
    unit_ids: list[int]
    invitee_ids: list[int]


def _resolve(data: SessionInput, invited_units: frozenset[int] = frozenset()) -> _Resolved:
    """Check everything and turn names into ids; the first problem found is raised.
    ``invited_units``: units the session already invites, kept even if deactivated since."""
    title = clean(data.title)
    if not title:
        raise InvalidInput(_l("Give the session a title."), field="title")
    if len(title) > 255:
        raise InvalidInput(_l("The title is too long (255 characters at most)."), field="title")
    if data.kind not in SESSION_KINDS:
        raise InvalidInput(_l("Choose in person or online."), field="kind")
    if data.kind == "in_person" and not clean(data.place):
        raise InvalidInput(_l("Say where the session takes place."), field="place")
    if len(clean(data.place)) > 255:
        raise InvalidInput(_l("The place is too long (255 characters at most)."), field="place")
    if data.kind == "online":
        url = data.meeting_url.strip()
        parts = urlsplit(url) if len(url) <= 500 and not any(c.isspace() for c in url) else None
        if not parts or parts.scheme not in ("https", "http") or not parts.netloc:
            raise InvalidInput(
                _l("Give the meeting link, starting with https://"), field="meeting_url"
            )
    if data.ends_at <= data.starts_at:
        raise InvalidInput(_l("The session must end after it starts."), field="ends_at")
    if data.ends_at - data.starts_at > dt.timedelta(hours=MAX_SESSION_HOURS):
        raise InvalidInput(
            _l(
                "A session lasts at most %(hours)s hours; a course over several days has one "
                "session per day.",
                hours=MAX_SESSION_HOURS,
            ),
            field="ends_at",
        )
    for name in ("checkin_opens_minutes", "checkin_closes_minutes", "late_after_minutes"):
        if not 0 <= getattr(data, name) <= MAX_MARGIN_MINUTES:
            raise InvalidInput(
                _l("Enter a number of minutes from 0 to %(max)s.", max=MAX_MARGIN_MINUTES),
                field=name,
            )
    if data.course_id is not None and db.session.get(Course, data.course_id) is None:
        raise InvalidInput(_l("Choose a course from the list."), field="course_id")

    trainer_ids = _user_ids(data.trainers, "trainers", roles=("trainer", "admin"))
    if not trainer_ids:
        raise InvalidInput(_l("A session needs at least one trainer."), field="trainers")
    unit_ids = list(
        dict.fromkeys(_unit_ids(data.units) + _picked_units(data.unit_ids, invited_units))
    )
    invitee_ids = _user_ids(data.invitees, "invitees")
    if not unit_ids and not invitee_ids:
        raise InvalidInput(_l("Invite at least one unit or one person."), field="units")
    return _Resolved(trainer_ids, unit_ids, invitee_ids)


def _user_ids(usernames: list[str], field_name: str, roles: tuple[str, ...] = ()) -> list[int]:
    wanted = list(dict.fromkeys(name.strip().lower() for name in usernames if name.strip()))
    if not wanted:
        return []
    if len(wanted) > 2000:
        raise InvalidInput(_l("Too many names (2,000 at most)."), field=field_name)
    found = {
        username: (user_id, active)
        for user_id, username, active in db.session.execute(
            select(User.id, User.username, User.active).where(User.username.in_(wanted))
        )
    }
    unknown = [name for name in wanted if name not in found or not found[name][1]]
    if unknown:
        raise InvalidInput(
            _l("No active account named %(names)s.", names=", ".join(unknown[:10])),
            field=field_name,
        )
    ids = [found[name][0] for name in wanted]
    if roles:
        qualified = set(
            db.session.scalars(
                select(UserRole.user_id).where(UserRole.user_id.in_(ids), UserRole.role.in_(roles))
            )
        )
        lacking = [name for name in wanted if found[name][0] not in qualified]
        if lacking:
            raise InvalidInput(
                _l("%(names)s is not a trainer.", names=", ".join(lacking[:10])), field=field_name
            )
    return ids


def _unit_ids(unit_codes: list[str]) -> list[int]:
    wanted = list(dict.fromkeys(code.strip().upper() for code in unit_codes if code.strip()))
    if not wanted:
        return []
    if len(wanted) > 500:
        raise InvalidInput(_l("Too many units (500 at most)."), field="units")
    found = {
        code: (unit_id, active)
        for unit_id, code, active in db.session.execute(
            select(Unit.id, Unit.code, Unit.active).where(func.upper(Unit.code).in_(wanted))
        )
    }
    folded = {code.upper(): value for code, value in found.items()}
    unknown = [code for code in wanted if code not in folded or not folded[code][1]]
    if unknown:
        raise InvalidInput(
            _l("No active unit with code %(codes)s.", codes=", ".join(unknown[:10])),
            field="units",
        )
    return [folded[code][0] for code in wanted]


def _picked_units(unit_ids: list[int], invited: frozenset[int]) -> list[int]:
    """Units picked from the tree: active ones, or ones the session already invites."""
    wanted = list(dict.fromkeys(unit_ids))
    if not wanted:
        return []
    if len(wanted) > 500:
        raise InvalidInput(_l("Too many units (500 at most)."), field="units")
    usable = set(
        db.session.scalars(
            select(Unit.id).where(
                Unit.id.in_(wanted), or_(Unit.active.is_(True), Unit.id.in_(invited))
            )
        )
    )
    if any(unit_id not in usable for unit_id in wanted):
        raise InvalidInput(_l("Choose units from the tree."), field="units")
    return wanted


def _apply(session: TrainingSession, data: SessionInput, resolved: _Resolved) -> None:
    session.title = clean(data.title)
    session.course_id = data.course_id
    session.kind = data.kind
    session.place = clean(data.place)
    session.meeting_url = data.meeting_url.strip() if data.kind == "online" else ""
    session.description = (data.description or "").strip()
    session.starts_at = data.starts_at
    session.ends_at = data.ends_at
    session.checkin_opens_minutes = data.checkin_opens_minutes
    session.checkin_closes_minutes = data.checkin_closes_minutes
    session.late_after_minutes = data.late_after_minutes
    session.allow_walk_ins = data.allow_walk_ins
    session.trainer_rows = [SessionTrainer(user_id=uid) for uid in resolved.trainer_ids]
    session.unit_rows = [SessionUnit(unit_id=uid) for uid in resolved.unit_ids]
    session.invitee_rows = [SessionInvitee(user_id=uid) for uid in resolved.invitee_ids]


def snapshot(session: TrainingSession) -> dict[str, Any]:
    return {
        "title": session.title,
        "course_id": session.course_id,
        "kind": session.kind,
        "place": session.place,
        "meeting_url": session.meeting_url,
        "starts_at": session.starts_at,
        "ends_at": session.ends_at,
        "checkin_opens_minutes": session.checkin_opens_minutes,
        "checkin_closes_minutes": session.checkin_closes_minutes,
        "late_after_minutes": session.late_after_minutes,
        "allow_walk_ins": session.allow_walk_ins,
        "trainers": sorted(session.trainer_ids),
        "units": sorted(row.unit_id for row in session.unit_rows),
        "invitees": sorted(row.user_id for row in session.invitee_rows),
    }


def create_session(data: SessionInput, *, actor: User | None) -> TrainingSession:
    resolved = _resolve(data)
    session = TrainingSession(
        secret=codes.new_secret(), created_by=actor.id if actor is not None else None
    )
    session.trainer_rows, session.unit_rows, session.invitee_rows = [], [], []
    _apply(session, data, resolved)
    db.session.add(session)
    db.session.flush()
    audit.record("session.create", session, actor=actor, after=snapshot(session))
    return session


def update_session(
    session: TrainingSession, data: SessionInput, *, actor: User | None, expected_version: int
) -> None:
    """Save a trainer's edit, unless someone else saved since they opened the form."""
    resolved = _resolve(data, frozenset(row.unit_id for row in session.unit_rows))
    before = snapshot(session)
    # Compare-and-swap on the version: of two edits based on the same version, one wins.
    claimed = rows_changed(
        update(TrainingSession)
        .where(TrainingSession.id == session.id, TrainingSession.version == expected_version)
        .values(version=expected_version + 1, updated_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    if claimed != 1:
        raise StaleSession
    session.version = expected_version + 1
    _apply(session, data, resolved)
    db.session.flush()
    _recheck_completion({before["course_id"], session.course_id})
    changed_before, changed_after = audit.changed_fields(before, snapshot(session))
    if not changed_after:
        return  # saved unchanged: nothing to audit
    audit.record("session.update", session, actor=actor, before=changed_before, after=changed_after)


def cancel_session(session: TrainingSession, reason: str, *, actor: User | None) -> None:
    if session.cancelled_at is not None:
        return  # a second click changes nothing
    reason = clean(reason)
    if len(reason) > 500:
        raise InvalidInput(_l("The reason is too long (500 characters at most)."), field="reason")
    session.cancelled_at = utcnow()
    session.cancel_reason = reason
    session.version += 1
    db.session.flush()
    _recheck_completion({session.course_id})
    audit.record("session.cancel", session, actor=actor, after={"reason": reason})


def _recheck_completion(course_ids: set[int | None]) -> None:
    """Fewer sessions to attend (one cancelled, or moved to another course) may complete
    enrollments; completion is never taken back."""
    for course_id in course_ids - {None}:
        announce_progress(course_id, None)  # type: ignore[arg-type]
