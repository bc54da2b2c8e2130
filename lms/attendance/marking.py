"""Trainers marking attendance: one person, everyone not yet marked, or a whole paper sheet.

Every change raises the record's version and is audited. A change based on a version older
than the record's (another trainer marked the person meanwhile) is refused with what the
other trainer set, never applied silently over it; repeating a change already made is a no-op.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, exists, insert, literal, select, update
from sqlalchemy.exc import IntegrityError

from lms.attendance.models import STATUSES, AttendanceRecord, TrainingSession
from lms.attendance.roster import roster_pairs
from lms.audit import services as audit
from lms.errors import InvalidInput
from lms.extensions import db
from lms.people.models import User
from lms.text import clean

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
class MarkOutcome:
    changed: list[int] = field(default_factory=list)
    unchanged: list[int] = field(default_factory=list)
    conflicts: list[Conflict] = field(default_factory=list)


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
    actor: Any,
    now: dt.datetime,
    source: str = "trainer",
) -> MarkOutcome:
    """Apply the marks. Bad input (an unknown status, someone not on the roster) refuses the
    whole batch before anything is written; conflicts are reported per person."""
    if session.cancelled_at is not None:
        raise InvalidInput(_l("This session was cancelled; attendance cannot be marked."))
    marks = [check_mark(m) for m in marks]
    if not marks:
        return MarkOutcome()
    if now < session.checkin_opens_at() and any(m.status != "excused" for m in marks):
        raise InvalidInput(
            _l("Before the session, people can only be marked excused (told they cannot come).")
        )
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
    outcome = MarkOutcome()
    audit_entries: list[dict[str, Any]] = []
    for m in marks:
        record = existing.get(m.user_id)
        label = f"{session.title} · {on_roster[m.user_id]}"
        result = _apply_one(session, m, record, label, actor=actor, now=now, source=source)
        if result is None:
            outcome.unchanged.append(m.user_id)
        elif isinstance(result, Conflict):
            outcome.conflicts.append(result)
        else:
            outcome.changed.append(m.user_id)
            audit_entries.append(result)
    if outcome.conflicts:
        _name_conflicts(outcome.conflicts)
    audit.record_many(audit_entries, actor=actor)
    if outcome.changed and session.course_id is not None:
        _recheck_completion(session.course_id, outcome.changed)
    return outcome


def _apply_one(
    session: TrainingSession,
    m: Mark,
    record: AttendanceRecord | None,
    label: str,
    *,
    actor: Any,
    now: dt.datetime,
    source: str,
) -> dict[str, Any] | Conflict | None:
    """One person's change: its audit entry, a conflict, or None when nothing changes."""
    if record is not None and record.status == m.status and record.note == m.note:
        return None  # saving twice changes nothing
    if record is None:
        if m.seen_version not in (None, 0):
            return _conflict(m, None)
        nested = db.session.begin_nested()
        try:
            db.session.add(
                AttendanceRecord(
                    session_id=session.id,
                    user_id=m.user_id,
                    status=m.status,
                    note=m.note,
                    source=source,
                    marked_by=actor.id,
                    marked_at=now,
                )
            )
            db.session.flush()
            nested.commit()
        except IntegrityError:  # another trainer marked this person a moment ago
            nested.rollback()
            current = current_record(session.id, m.user_id)
            if current is not None and (current.status, current.note) == (m.status, m.note):
                return None
            return _conflict(m, current)
        return _entry(session, m, label, before=None)
    if m.seen_version is not None and m.seen_version != record.version:
        return _conflict(m, record)
    # Compare-and-swap: only if nobody changed the record since it was read.
    swapped = db.session.execute(
        update(AttendanceRecord)
        .where(
            AttendanceRecord.session_id == session.id,
            AttendanceRecord.user_id == m.user_id,
            AttendanceRecord.version == record.version,
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
    ).rowcount
    if swapped != 1:
        return _conflict(m, current_record(session.id, m.user_id))
    before = {"status": record.status, "note": record.note}
    return _entry(session, m, label, before=before)


def _entry(
    session: TrainingSession, m: Mark, label: str, *, before: dict[str, Any] | None
) -> dict[str, Any]:
    return {
        "action": "attendance.mark",
        "target_type": "session",
        "target_id": session.id,
        "target_label": label,
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


def _name_conflicts(conflicts: list[Conflict]) -> None:
    """Fill in the names the conflict messages show: one query."""
    ids = {c.user_id for c in conflicts} | {int(c.marked_by) for c in conflicts if c.marked_by}
    names = dict(db.session.execute(select(User.id, User.full_name).where(User.id.in_(ids))).all())
    for c in conflicts:
        c.full_name = names.get(c.user_id, "")
        c.marked_by = names.get(int(c.marked_by), "") if c.marked_by else ""


def mark_rest_present(session: TrainingSession, *, actor: Any, now: dt.datetime) -> int:
    """ "All present": everyone on the roster not marked yet becomes present, in one statement;
    people already marked keep their status. Returns how many were marked."""
    return _mark_rest(session, "present", actor=actor, now=now)


def mark_rest_absent(session: TrainingSession, *, actor: Any, now: dt.datetime) -> int:
    return _mark_rest(session, "absent", actor=actor, now=now)


def _mark_rest(session: TrainingSession, status: str, *, actor: Any, now: dt.datetime) -> int:
    if session.cancelled_at is not None:
        raise InvalidInput(_l("This session was cancelled; attendance cannot be marked."))
    if now < session.checkin_opens_at():
        raise InvalidInput(
            _l("Before the session, people can only be marked excused (told they cannot come).")
        )
    pairs = roster_pairs(TrainingSession.id == session.id, now).subquery()
    unmarked = select(
        literal(session.id),
        pairs.c.user_id,
        literal(status),
        literal(""),
        literal("trainer"),
        literal(False),
        literal(actor.id),
        literal(now, AttendanceRecord.marked_at.type),
        literal(1),
    ).where(
        ~exists().where(
            and_(
                AttendanceRecord.session_id == session.id,
                AttendanceRecord.user_id == pairs.c.user_id,
            )
        )
    )
    try:
        nested = db.session.begin_nested()
        new_ids = db.session.scalars(
            insert(AttendanceRecord)
            .from_select(
                [
                    "session_id",
                    "user_id",
                    "status",
                    "note",
                    "source",
                    "walk_in",
                    "marked_by",
                    "marked_at",
                    "version",
                ],
                unmarked,
            )
            .returning(AttendanceRecord.user_id)
        ).all()
        nested.commit()
    except IntegrityError:  # someone was marked in between: take the others again
        nested.rollback()
        return _mark_rest(session, status, actor=actor, now=now)
    if not new_ids:
        return 0  # nothing changed: nothing to audit
    audit.record(
        "attendance.mark_rest",
        actor=actor,
        target_type="session",
        target_id=session.id,
        target_label=session.title,
        before={"status": None},
        after={"status": status, "people": _usernames(new_ids)},
    )
    if new_ids and session.course_id is not None and status == "present":
        _recheck_completion(session.course_id, list(new_ids))
    return len(new_ids)


def _usernames(user_ids: list[int]) -> list[str]:
    if not user_ids:
        return []
    return sorted(db.session.scalars(select(User.username).where(User.id.in_(user_ids))))


def _recheck_completion(course_id: int, user_ids: list[int]) -> None:
    from lms.courses.enrollment import complete_those_finished

    complete_those_finished(course_id, user_ids)
