"""Trainers marking attendance: one person, everyone not yet marked, or a whole paper sheet.

Every change raises the record's version and is audited. A change based on a version older
than the record's (another trainer marked the person meanwhile) is refused with what the
other trainer set, never applied silently over it; repeating a change already made is a no-op.
Nobody is made present at two sessions held at the same time (lms.attendance.presence): such a
person is skipped and reported with the other session. Before a session starts, trainers can
only record people as excused; "all present" can be undone as one action.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from lms.attendance import presence
from lms.attendance.models import ATTENDED, STATUSES, AttendanceRecord, TrainingSession
from lms.attendance.roster import roster_pairs
from lms.audit import services as audit
from lms.courses.signals import announce_progress
from lms.errors import InvalidInput
from lms.extensions import db
from lms.formatting import local_datetime
from lms.people.models import User
from lms.text import clean
from lms.writes import rows_changed

MAX_NOTE = 500


@dataclass
class Mark:
    user_id: int
    status: str
    note: str = ""
    # The record's version the trainer saw (0: not marked yet); None: apply whatever it is.
    seen_version: int | None = None


@dataclass
class Conflict:
    user_id: int
    full_name: str
    wanted: str
    current: str | None
    marked_by: str


@dataclass
class Clash:
    """Not made present: already present at another session held at the same time."""

    user_id: int
    full_name: str
    elsewhere: str  # the other session's title


@dataclass
class MarkOutcome:
    changed: list[int] = field(default_factory=list)
    unchanged: list[int] = field(default_factory=list)
    conflicts: list[Conflict] = field(default_factory=list)
    clashes: list[Clash] = field(default_factory=list)


def check_timing(session: TrainingSession, statuses: list[str], now: dt.datetime) -> None:
    """Trainers mark a cancelled session not at all, and one not started yet only as excused:
    nobody is present at what has not begun (self check-in, with the code shown in the hall,
    keeps its own window)."""
    if session.cancelled_at is not None:
        raise InvalidInput(_l("This session was cancelled; attendance cannot be marked."))
    if now < session.starts_at and any(status != "excused" for status in statuses):
        raise InvalidInput(
            _l(
                "The session starts at %(time)s. Until then people can only be marked excused "
                "(they said they cannot come); those already in the hall check in with the code.",
                time=local_datetime(session.starts_at),
            )
        )


def check_mark(mark: Mark) -> Mark:
    if mark.status not in STATUSES:
        raise InvalidInput(_l("Choose present, late, excused or absent."), field="status")
    note = clean(mark.note)
    if len(note) > MAX_NOTE:
        raise InvalidInput(
            _l("The note is too long (%(max)s characters at most).", max=MAX_NOTE), field="note"
        )
    return Mark(mark.user_id, mark.status, note, mark.seen_version)


def roster_usernames(
    session: TrainingSession, now: dt.datetime, user_ids: list[int]
) -> dict[int, str]:
    """Those of ``user_ids`` on the roster, with their usernames (for the audit log)."""
    pairs = roster_pairs(TrainingSession.id == session.id, now).subquery()
    return dict(
        db.session.execute(
            select(User.id, User.username)
            .join(pairs, pairs.c.user_id == User.id)
            .where(User.id.in_(user_ids))
        ).all()
    )


def mark(
    session: TrainingSession,
    marks: list[Mark],
    *,
    actor: User,
    now: dt.datetime,
    source: str = "trainer",
) -> MarkOutcome:
    """Apply the marks. Bad input (an unknown status, someone not on the roster) refuses the
    whole batch before anything is written; conflicts are reported per person."""
    marks = [check_mark(m) for m in marks]
    check_timing(session, [m.status for m in marks], now)
    if not marks:
        return MarkOutcome()
    ids = [m.user_id for m in marks]
    if len(set(ids)) != len(ids):
        raise InvalidInput(_l("Each person can be marked once per save."))
    on_roster = roster_usernames(session, now, ids)
    strangers = [uid for uid in ids if uid not in on_roster]
    if strangers:
        raise InvalidInput(_l("Only people on the session's roster can be marked."))

    existing = {
        r.user_id: r
        for r in db.session.scalars(
            select(AttendanceRecord).where(
                AttendanceRecord.session_id == session.id, AttendanceRecord.user_id.in_(ids)
            )
        )
    }
    # Those who would become present: locked (see presence), and checked against the rule.
    arriving = [m.user_id for m in marks if _arrives(m, existing.get(m.user_id))]
    presence.lock_people(arriving)
    elsewhere = presence.where_else(session, arriving)
    outcome = MarkOutcome()
    audit_entries: list[dict[str, Any]] = []
    for m in marks:
        record = existing.get(m.user_id)
        label = f"{session.title} · {on_roster[m.user_id]}"
        if m.user_id in elsewhere and not _unchanged(m, record):
            outcome.clashes.append(Clash(m.user_id, "", elsewhere[m.user_id]))
            continue
        result = _apply_one(session, m, record, label, actor=actor, now=now, source=source)
        if result is None:
            outcome.unchanged.append(m.user_id)
        elif isinstance(result, Conflict):
            outcome.conflicts.append(result)
        elif isinstance(result, Clash):
            outcome.clashes.append(result)
        else:
            outcome.changed.append(m.user_id)
            audit_entries.append(result)
    if outcome.conflicts or outcome.clashes:
        _name_people(outcome.conflicts, outcome.clashes)
    audit.record_many(audit_entries, actor=actor)
    if outcome.changed and session.course_id is not None:
        announce_progress(session.course_id, outcome.changed)
    return outcome


def _unchanged(m: Mark, record: AttendanceRecord | None) -> bool:
    return record is not None and record.status == m.status and record.note == m.note


def _arrives(m: Mark, record: AttendanceRecord | None) -> bool:
    """Whether the mark makes the person present (or late) where they were not: what the
    rule against two places at once applies to (late becoming present is no arrival)."""
    return m.status in ATTENDED and (record is None or record.status not in ATTENDED)


def _apply_one(
    session: TrainingSession,
    m: Mark,
    record: AttendanceRecord | None,
    label: str,
    *,
    actor: User,
    now: dt.datetime,
    source: str,
) -> dict[str, Any] | Conflict | Clash | None:
    """One person's change: its audit entry, a conflict, a clash (present elsewhere at the
    time, found by the writing statement itself), or None when nothing changes."""
    if _unchanged(m, record):
        return None  # saving twice changes nothing
    if record is None:
        if m.seen_version not in (None, 0):
            return _conflict(m, None)
        nested = db.session.begin_nested()
        try:
            inserted = presence.insert_if_free(
                session,
                {
                    "session_id": session.id,
                    "user_id": m.user_id,
                    "status": m.status,
                    "note": m.note,
                    "source": source,
                    "walk_in": False,
                    "marked_by": actor.id,
                    "marked_at": now,
                    "version": 1,
                },
            )
            nested.commit()
        except IntegrityError:  # another trainer marked this person a moment ago
            nested.rollback()
            current = current_record(session.id, m.user_id)
            if current is not None and (current.status, current.note) == (m.status, m.note):
                return None
            return _conflict(m, current)
        if not inserted:
            return _clash(session, m)
        return _entry(session, m, label, before=None)
    if m.seen_version is not None and m.seen_version != record.version:
        return _conflict(m, record)
    # Compare-and-swap: only if nobody changed the record since it was read, and (for an
    # arrival) only if the person is not present elsewhere at the time.
    rule = [presence.free_for(session, m.user_id)] if _arrives(m, record) else []
    swapped = rows_changed(
        update(AttendanceRecord)
        .where(
            AttendanceRecord.session_id == session.id,
            AttendanceRecord.user_id == m.user_id,
            AttendanceRecord.version == record.version,
            *rule,
        )
        .values(
            status=m.status,
            note=m.note,
            source=source,
            marked_by=actor.id,
            marked_at=now,
            version=record.version + 1,
        )
        .execution_options(synchronize_session=False)
    )
    if swapped != 1:
        current = current_record(session.id, m.user_id)
        if rule and current is not None and current.version == record.version:
            return _clash(session, m)
        return _conflict(m, current)
    before = {"status": record.status, "note": record.note}
    return _entry(session, m, label, before=before)


def _entry(
    session: TrainingSession, m: Mark, label: str, *, before: dict[str, Any] | None
) -> dict[str, Any]:
    return {
        "action": "attendance.mark",
        "target": audit.Target("session", session.id, label),
        "before": before,
        "after": {"username": label.rsplit(" · ", 1)[-1], "status": m.status, "note": m.note},
    }


def current_record(session_id: int, user_id: int) -> AttendanceRecord | None:
    return db.session.scalar(
        select(AttendanceRecord)
        .where(AttendanceRecord.session_id == session_id, AttendanceRecord.user_id == user_id)
        .execution_options(populate_existing=True)
    )


def _conflict(m: Mark, current: AttendanceRecord | None) -> Conflict:
    return Conflict(
        user_id=m.user_id,
        full_name="",
        wanted=m.status,
        current=current.status if current is not None else None,
        marked_by=str(current.marked_by) if current is not None and current.marked_by else "",
    )


def _clash(session: TrainingSession, m: Mark) -> Clash:
    return Clash(m.user_id, "", presence.where_else(session, [m.user_id]).get(m.user_id, ""))


def _name_people(conflicts: list[Conflict], clashes: list[Clash]) -> None:
    """Fill in the names the conflict and clash messages show: one query."""
    ids = {c.user_id for c in conflicts} | {int(c.marked_by) for c in conflicts if c.marked_by}
    ids |= {c.user_id for c in clashes}
    names = dict(db.session.execute(select(User.id, User.full_name).where(User.id.in_(ids))).all())
    for c in conflicts:
        c.full_name = names.get(c.user_id, "")
        c.marked_by = names.get(int(c.marked_by), "") if c.marked_by else ""
    for clash in clashes:
        clash.full_name = names.get(clash.user_id, "")
