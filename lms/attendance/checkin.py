"""Self check-in: a cadre enters (or scans) the code on the trainer's screen."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from lms.attendance import codes, presence
from lms.attendance.models import ATTENDED, AttendanceRecord, TrainingSession
from lms.attendance.queries import open_sessions
from lms.attendance.roster import on_roster
from lms.audit import services as audit
from lms.courses.signals import announce_progress
from lms.errors import InvalidInput
from lms.extensions import db
from lms.formatting import local_datetime
from lms.people.models import User
from lms.writes import rows_changed


class CheckinRefused(InvalidInput):
    """The check-in was not recorded; the message says why. Nothing was written."""


@dataclass
class CheckinResult:
    session: TrainingSession
    record: AttendanceRecord
    already: bool  # the person had checked in before: nothing changed


def check_in(
    user: User,
    code: str,
    *,
    now: dt.datetime,
    step_seconds: int,
    session: TrainingSession | None = None,
) -> CheckinResult:
    """Record ``user`` present (or late) at the session whose current code is ``code``.

    With ``session`` (the QR link names it) the code must be that session's; without, the code
    is looked up among the sessions open now.
    """
    typed = codes.normalize(code)
    if not typed:
        raise CheckinRefused(_l("Enter the code shown on the trainer's screen."))
    if session is not None:
        _check_open(session, now)
        verdict = codes.match(session.secret, typed, now, step_seconds)
        if verdict is not codes.CodeMatch.VALID:
            others, _expired = _open_sessions_with_code(typed, now, step_seconds, session.id)
            if others:
                raise CheckinRefused(
                    _l(
                        "This code belongs to another session: %(title)s.",
                        title=others[0].title,
                    )
                )
            raise _code_refusal(verdict)
    else:
        matches, expired = _open_sessions_with_code(typed, now, step_seconds)
        if not matches:
            raise _code_refusal(codes.CodeMatch.EXPIRED if expired else codes.CodeMatch.WRONG)
        session = matches[0]
        if len(matches) > 1:  # two sessions may, rarely, share a code: take the one invited to
            invited_to = [s for s in matches if on_roster(s.id, user.id, now)]
            session = (invited_to or matches)[0]

    invited = on_roster(session.id, user.id, now)
    if not invited and not session.allow_walk_ins:
        raise CheckinRefused(
            _l(
                "You are not on the roster of %(title)s. Ask the trainer to add you.",
                title=session.title,
            )
        )
    status = "late" if now > session.late_from() else "present"
    record = db.session.get(AttendanceRecord, (session.id, user.id))
    if record is not None and record.status in ATTENDED:
        return CheckinResult(session, record, already=True)
    # Nobody is present at two sessions at once: the same rule as the trainers' marks, checked
    # here for the message and carried by the writing statements below against a race.
    presence.lock_people([user.id])
    if presence.where_else(session, [user.id]):
        raise _elsewhere(session, user.id)
    before = {"status": record.status} if record is not None else None
    if record is None:
        nested = db.session.begin_nested()
        try:
            inserted = presence.insert_if_free(
                session,
                {
                    "session_id": session.id,
                    "user_id": user.id,
                    "status": status,
                    "note": "",
                    "source": "checkin",
                    "walk_in": not invited,
                    "checked_in_at": now,
                    "marked_by": user.id,
                    "marked_at": now,
                    "version": 1,
                },
            )
            nested.commit()
        except IntegrityError:  # a double tap raced this one and recorded it first
            nested.rollback()
            db.session.expire_all()
            record = db.session.get(AttendanceRecord, (session.id, user.id))
            assert record is not None
            return CheckinResult(session, record, already=True)
        if not inserted:
            raise _elsewhere(session, user.id)
        record = db.session.get(AttendanceRecord, (session.id, user.id))
        assert record is not None
    else:
        # Marked absent or excused beforehand, yet here with the code: the check-in wins, but
        # only over the record read (compare-and-swap), so a trainer's change made meanwhile is
        # never overwritten unseen; their note belonged to the old status.
        swapped = rows_changed(
            update(AttendanceRecord)
            .where(
                AttendanceRecord.session_id == session.id,
                AttendanceRecord.user_id == user.id,
                AttendanceRecord.version == record.version,
                presence.free_for(session, user.id),
            )
            .values(
                status=status,
                note="",
                source="checkin",
                checked_in_at=now,
                marked_by=user.id,
                marked_at=now,
                version=record.version + 1,
            )
            .execution_options(synchronize_session=False)
        )
        if swapped != 1:
            if presence.where_else(session, [user.id]):
                raise _elsewhere(session, user.id)
            raise CheckinRefused(
                _l("The trainer changed your attendance just now. Check it, then try again.")
            )
        record = db.session.get(AttendanceRecord, (session.id, user.id), populate_existing=True)
        assert record is not None
    audit.record(
        "attendance.checkin",
        session,
        actor=user,
        before=before,
        after={"status": status, "walk_in": record.walk_in},
        label=f"{session.title} · {user.username}",
    )
    _recheck_completion(session, user.id)
    return CheckinResult(session, record, already=False)


def _elsewhere(session: TrainingSession, user_id: int) -> CheckinRefused:
    title = presence.where_else(session, [user_id]).get(user_id, "")
    return CheckinRefused(
        _l(
            "You are already recorded present at %(title)s, which takes place at the same time.",
            title=title,
        )
    )


def _check_open(session: TrainingSession, now: dt.datetime) -> None:
    if session.cancelled_at is not None:
        raise CheckinRefused(_l("This session was cancelled."))
    if now < session.checkin_opens_at():
        raise CheckinRefused(
            _l(
                "Check-in for this session opens at %(time)s.",
                time=local_datetime(session.checkin_opens_at()),
            )
        )
    if now > session.checkin_closes_at():
        raise CheckinRefused(
            _l(
                "Check-in for this session closed at %(time)s. Ask the trainer to mark you.",
                time=local_datetime(session.checkin_closes_at()),
            )
        )


def _code_refusal(verdict: codes.CodeMatch) -> CheckinRefused:
    if verdict is codes.CodeMatch.EXPIRED:
        return CheckinRefused(_l("This code has expired. Enter the code shown on the screen now."))
    return CheckinRefused(
        _l("This code is not right. Check the code on the trainer's screen and try again.")
    )


def _open_sessions_with_code(
    code: str, now: dt.datetime, step_seconds: int, exclude: int | None = None
) -> tuple[list[TrainingSession], bool]:
    """The open sessions whose current code this is, and whether it is an expired code of
    one of them: one pass over the open sessions."""
    matches, expired = [], False
    for candidate in open_sessions(now):
        if candidate.id == exclude:
            continue
        verdict = codes.match(candidate.secret, code, now, step_seconds)
        if verdict is codes.CodeMatch.VALID:
            matches.append(candidate)
        expired = expired or verdict is codes.CodeMatch.EXPIRED
    return matches, expired


def _recheck_completion(session: TrainingSession, user_id: int) -> None:
    if session.course_id is not None:
        announce_progress(session.course_id, [user_id])


def checked_in_count(session_id: int) -> int:
    return (
        db.session.scalar(
            select(func.count()).where(
                AttendanceRecord.session_id == session_id,
                AttendanceRecord.status.in_(ATTENDED),
            )
        )
        or 0
    )
