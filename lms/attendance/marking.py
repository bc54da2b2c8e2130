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
from sqlalchemy import and_, delete, exists, func, insert, literal, select, update
from sqlalchemy.exc import IntegrityError

from lms.attendance import presence
from lms.attendance.models import ATTENDED, STATUSES, AttendanceRecord, TrainingSession
from lms.attendance.roster import roster_pairs
from lms.audit import services as audit
from lms.courses.enrollment import completed_among
from lms.courses.signals import announce_progress
from lms.errors import InvalidInput
from lms.extensions import db
from lms.formatting import local_datetime
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
    actor: Any,
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
        _recheck_completion(session.course_id, outcome.changed)
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
    actor: Any,
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
    swapped = db.session.execute(
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
    ).rowcount
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


@dataclass
class RestOutcome:
    """What "everyone not marked yet" did: how many it marked, who it skipped (present at
    another session at the time) and the action's id, to undo it (None: nothing changed)."""

    count: int = 0
    skipped: list[Clash] = field(default_factory=list)
    batch_id: int | None = None


def mark_rest_present(session: TrainingSession, *, actor: Any, now: dt.datetime) -> RestOutcome:
    """ "All present": everyone on the roster not marked yet becomes present, in one statement;
    people already marked keep their status, people present elsewhere at the time are skipped
    and reported."""
    return _mark_rest(session, "present", actor=actor, now=now)


def mark_rest_absent(session: TrainingSession, *, actor: Any, now: dt.datetime) -> RestOutcome:
    return _mark_rest(session, "absent", actor=actor, now=now)


def rest_preview(session: TrainingSession, status: str, now: dt.datetime) -> RestOutcome:
    """What "everyone not marked yet" would do now, for its confirmation step: two queries."""
    check_timing(session, [status], now)
    pairs = roster_pairs(TrainingSession.id == session.id, now).subquery()
    unmarked = _not_marked_here(session, pairs.c.user_id)
    waiting = db.session.scalar(select(func.count()).select_from(pairs).where(unmarked)) or 0
    skipped = _skipped(session, pairs, unmarked) if status in ATTENDED else []
    return RestOutcome(count=waiting - len(skipped), skipped=skipped)


def _not_marked_here(session: TrainingSession, user_id: Any) -> Any:
    return ~exists().where(
        and_(AttendanceRecord.session_id == session.id, AttendanceRecord.user_id == user_id)
    )


def _skipped(session: TrainingSession, pairs: Any, unmarked: Any) -> list[Clash]:
    """The roster's people not marked here and present elsewhere at the time: one query."""
    elsewhere = presence.present_elsewhere(session).subquery()
    rows = db.session.execute(
        select(User.id, User.full_name, func.min(elsewhere.c.title))
        .join(pairs, pairs.c.user_id == User.id)
        .join(elsewhere, elsewhere.c.user_id == User.id)
        .where(unmarked)
        .group_by(User.id, User.full_name)
        .order_by(User.full_name, User.id)
    ).all()
    return [Clash(user_id, name, title) for user_id, name, title in rows]


def _mark_rest(
    session: TrainingSession, status: str, *, actor: Any, now: dt.datetime
) -> RestOutcome:
    check_timing(session, [status], now)
    pairs = roster_pairs(TrainingSession.id == session.id, now).subquery()
    unmarked = _not_marked_here(session, pairs.c.user_id)
    arriving = status in ATTENDED
    if arriving:
        presence.lock_people(select(pairs.c.user_id))
    nested = db.session.begin_nested()
    try:
        # The action's audit entry comes first: its id marks the records it creates, so that
        # undoing it removes exactly those. Nothing marked: both vanish with the savepoint.
        event = audit.record(
            "attendance.mark_rest",
            actor=actor,
            target_type="session",
            target_id=session.id,
            target_label=session.title,
            before={"status": None},
            after={"status": status},
        )
        db.session.flush()
        rows = select(
            literal(session.id),
            pairs.c.user_id,
            literal(status),
            literal(""),
            literal("trainer"),
            literal(False),
            literal(actor.id),
            literal(now, AttendanceRecord.marked_at.type),
            literal(1),
            literal(event.id),
        ).where(unmarked, *([presence.free_for(session, pairs.c.user_id)] if arriving else []))
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
                    "batch_id",
                ],
                rows,
            )
            .returning(AttendanceRecord.user_id)
        ).all()
    except IntegrityError:  # someone was marked in between: take the others again
        nested.rollback()
        return _mark_rest(session, status, actor=actor, now=now)
    skipped = _skipped(session, pairs, unmarked) if arriving else []
    if not new_ids:
        nested.rollback()  # nothing changed: nothing to audit
        return RestOutcome(skipped=skipped)
    nested.commit()
    after: dict[str, Any] = {"status": status, "people": _usernames(list(new_ids))}
    if skipped:
        after["skipped"] = [f"{c.full_name} ({c.elsewhere})" for c in skipped]
    event.after = after
    if arriving and session.course_id is not None:
        _recheck_completion(session.course_id, list(new_ids))
    return RestOutcome(count=len(new_ids), skipped=skipped, batch_id=event.id)


@dataclass
class Undoable:
    """The last "everyone not marked yet" of a session that can still be undone."""

    batch_id: int
    status: str
    count: int  # its records not changed since
    marked_at: dt.datetime


def last_undoable(session: TrainingSession) -> Undoable | None:
    """One query."""
    row = db.session.execute(
        select(
            AttendanceRecord.batch_id,
            AttendanceRecord.status,
            func.count(),
            func.min(AttendanceRecord.marked_at),
        )
        .where(
            AttendanceRecord.session_id == session.id,
            AttendanceRecord.batch_id.is_not(None),
            AttendanceRecord.version == 1,
        )
        .group_by(AttendanceRecord.batch_id, AttendanceRecord.status)
        .order_by(AttendanceRecord.batch_id.desc())
        .limit(1)
    ).first()
    return Undoable(*row) if row is not None else None


@dataclass
class UndoOutcome:
    removed: int
    kept: int  # records of the action changed since: left as they are
    still_completed: list[str]  # people of the action who completed the course: they keep it


def undo_rest(
    session: TrainingSession, batch_id: int, *, actor: Any, now: dt.datetime
) -> UndoOutcome:
    """Undo an "everyone not marked yet": remove the records it created that nobody changed
    since (version 1), in one statement (a trainer's change racing it either comes first and
    keeps its record, or finds the record gone and is told). One audit entry.

    Completion is never taken back: those of them who have completed the course keep it
    (the marks may have counted towards it); they are named in the outcome and the audit
    entry, for a trainer to look at. Nobody else can complete by an undo (a presence removed
    never raises a rate), so there is nothing else to re-check."""
    if session.cancelled_at is not None:
        raise InvalidInput(_l("This session was cancelled; attendance cannot be marked."))
    removed = db.session.execute(
        delete(AttendanceRecord)
        .where(
            AttendanceRecord.session_id == session.id,
            AttendanceRecord.batch_id == batch_id,
            AttendanceRecord.version == 1,
        )
        .returning(AttendanceRecord.user_id, AttendanceRecord.status)
        .execution_options(synchronize_session=False)
    ).all()
    if not removed:
        raise InvalidInput(
            _l("Nothing to undo: those marks were changed or undone since."), field="batch"
        )
    kept = (
        db.session.scalar(
            select(func.count()).where(
                AttendanceRecord.session_id == session.id, AttendanceRecord.batch_id == batch_id
            )
        )
        or 0
    )
    user_ids = [user_id for user_id, _status in removed]
    still_completed = _completed_among(session, user_ids)
    after: dict[str, Any] = {"status": None, "people": _usernames(user_ids), "kept": kept}
    if still_completed:
        after["still_completed"] = still_completed
    audit.record(
        "attendance.mark_rest_undo",
        actor=actor,
        target_type="session",
        target_id=session.id,
        target_label=session.title,
        before={"status": removed[0][1], "batch": batch_id},
        after=after,
    )
    return UndoOutcome(len(removed), kept, still_completed)


def _completed_among(session: TrainingSession, user_ids: list[int]) -> list[str]:
    if session.course_id is None:
        return []
    return completed_among(session.course_id, user_ids)


def _usernames(user_ids: list[int]) -> list[str]:
    if not user_ids:
        return []
    return sorted(db.session.scalars(select(User.username).where(User.id.in_(user_ids))))


def _recheck_completion(course_id: int, user_ids: list[int]) -> None:
    announce_progress(course_id, user_ids)
