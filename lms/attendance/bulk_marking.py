"""Everyone not marked yet, in one step ("mark the rest present" or absent), shown before it is
done, and undone as one batch; people marked by another session at the same time are skipped
and named."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, cast

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, delete, exists, func, insert, literal, select
from sqlalchemy.exc import IntegrityError

from lms.attendance import presence
from lms.attendance.marking import Clash, check_timing
from lms.attendance.models import ATTENDED, AttendanceRecord, TrainingSession
from lms.attendance.roster import roster_pairs
from lms.audit import services as audit
from lms.courses.enrollment import completed_among
from lms.courses.signals import announce_progress
from lms.errors import InvalidInput
from lms.extensions import db
from lms.people.models import User


@dataclass
class RestOutcome:
    """What "everyone not marked yet" did: how many it marked, who it skipped (present at
    another session at the time) and the action's id, to undo it (None: nothing changed)."""

    count: int = 0
    skipped: list[Clash] = field(default_factory=list)
    batch_id: int | None = None


def mark_rest_present(session: TrainingSession, *, actor: User, now: dt.datetime) -> RestOutcome:
    """ "All present": everyone on the roster not marked yet becomes present, in one statement;
    people already marked keep their status, people present elsewhere at the time are skipped
    and reported."""
    return _mark_rest(session, "present", actor=actor, now=now)


def mark_rest_absent(session: TrainingSession, *, actor: User, now: dt.datetime) -> RestOutcome:
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
    session: TrainingSession, status: str, *, actor: User, now: dt.datetime
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
            session,
            actor=actor,
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
        announce_progress(session.course_id, list(new_ids))
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
    if row is None:
        return None
    # (batch_id is not NULL: the query asked for it.)
    return Undoable(*cast(tuple[int, str, int, dt.datetime], row))


@dataclass
class UndoOutcome:
    removed: int
    kept: int  # records of the action changed since: left as they are
    still_completed: list[str]  # people of the action who completed the course: they keep it


def undo_rest(
    session: TrainingSession, batch_id: int, *, actor: User, now: dt.datetime
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
        session,
        actor=actor,
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
