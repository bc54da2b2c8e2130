"""Attendance figures: a session's roster and rate, a cadre's history, and whether a cadre meets
a course's minimum attendance (a unit's rate over a period is in ``rates``).

A rate is attended (present or late) over the places that count: sessions that took place
(not cancelled) and are over, or where the person already has a record; excused places
leave the count; a place never marked once the session is over counts as absent.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, cast

from sqlalchemy import ColumnElement, Select, and_, func, select
from sqlalchemy.orm import aliased

from lms.attendance.models import AttendanceRecord, TrainingSession
from lms.attendance.roster import roster_pairs
from lms.courses.models import Course
from lms.extensions import db
from lms.people.models import User
from lms.text import fold
from lms.units.models import Unit


@dataclass
class Tally:
    present: int = 0
    late: int = 0
    excused: int = 0
    absent: int = 0
    unmarked: int = 0

    @property
    def total(self) -> int:
        return self.present + self.late + self.excused + self.absent + self.unmarked

    @property
    def attended(self) -> int:
        return self.present + self.late

    @property
    def counted(self) -> int:
        """Places that count towards the rate: marked, and not excused. (Once a session is
        over, its unmarked places are tallied as absent before they get here.)"""
        return self.present + self.late + self.absent

    @property
    def rate(self) -> float | None:
        """Percent attended, or None when nothing counts yet."""
        return round(100 * self.attended / self.counted, 1) if self.counted else None

    def meets(self, minimum_percent: int) -> bool:
        return self.counted > 0 and 100 * self.attended >= minimum_percent * self.counted

    def add(self, status: str | None, count: int = 1) -> None:
        name = status if status in ("present", "late", "excused", "absent") else "unmarked"
        setattr(self, name, getattr(self, name) + count)


# ---- one session ------------------------------------------------------------------------------


@dataclass
class RosterRow:
    user_id: int
    username: str
    full_name: str
    rank: str
    unit_name: str
    status: str | None
    note: str
    walk_in: bool
    source: str | None
    checked_in_at: dt.datetime | None
    marked_at: dt.datetime | None
    marked_by: str
    version: int  # 0: not marked yet


@dataclass
class SessionRoster:
    rows: list[RosterRow]
    tally: Tally = field(default_factory=Tally)


def session_roster(
    session: TrainingSession,
    now: dt.datetime,
    *,
    scope: ColumnElement[bool] | None = None,
    query: str = "",
) -> SessionRoster:
    """The roster with each person's record, in the order of the paper sheet (unit, name),
    limited to ``scope`` (a commander's subtree) and to names matching ``query``: one query."""
    pairs = roster_pairs(TrainingSession.id == session.id, now).subquery()
    marker = aliased(User)
    # (Typed as any row: the checker cannot match 13 columns to RosterRow's fields.)
    statement: Select[*tuple[Any, ...]] = (
        # Columns in RosterRow's order, blanks for people not marked yet.
        select(
            User.id,
            User.username,
            User.full_name,
            User.rank,
            func.coalesce(Unit.name, ""),
            AttendanceRecord.status,
            func.coalesce(AttendanceRecord.note, ""),
            func.coalesce(AttendanceRecord.walk_in, False),
            AttendanceRecord.source,
            AttendanceRecord.checked_in_at,
            AttendanceRecord.marked_at,
            func.coalesce(marker.full_name, ""),
            func.coalesce(AttendanceRecord.version, 0),
        )
        .select_from(pairs)
        .join(User, User.id == pairs.c.user_id)
        .outerjoin(Unit, Unit.id == User.unit_id)
        .outerjoin(
            AttendanceRecord,
            and_(
                AttendanceRecord.session_id == session.id,
                AttendanceRecord.user_id == User.id,
            ),
        )
        .outerjoin(marker, marker.id == AttendanceRecord.marked_by)
        .order_by(Unit.name, User.search_key, User.id)
    )
    if scope is not None:
        statement = statement.where(scope)
    folded = fold(query)
    rows = [RosterRow(*values) for values in db.session.execute(statement)]
    roster = SessionRoster(rows=[])
    session_over = session.ends_at <= now and session.cancelled_at is None
    for row in rows:
        # Before the end, nobody unmarked is absent yet; afterwards they are.
        roster.tally.add(row.status or ("absent" if session_over else None))
        if not folded or folded in fold(f"{row.full_name} {row.username} {row.unit_name}"):
            roster.rows.append(row)
    return roster


# ---- one cadre --------------------------------------------------------------------------------


@dataclass
class HistoryRow:
    session: TrainingSession
    course_title: str | None
    status: str | None
    note: str
    walk_in: bool


def history(user_id: int, now: dt.datetime, *, limit: int = 5000) -> tuple[list[HistoryRow], Tally]:
    """Every session a person was on the roster of, newest first, with their tally: one query."""
    pairs = roster_pairs(TrainingSession.starts_at <= now, now, user_id=user_id).subquery()
    rows = db.session.execute(
        select(
            TrainingSession,
            Course.title,
            AttendanceRecord.status,
            AttendanceRecord.note,
            AttendanceRecord.walk_in,
        )
        .join(pairs, pairs.c.session_id == TrainingSession.id)
        .outerjoin(Course, Course.id == TrainingSession.course_id)
        .outerjoin(
            AttendanceRecord,
            and_(
                AttendanceRecord.session_id == TrainingSession.id,
                AttendanceRecord.user_id == user_id,
            ),
        )
        .order_by(TrainingSession.starts_at.desc(), TrainingSession.id.desc())
        .limit(limit)
    ).all()
    tally = Tally()
    out = []
    for session, course_title, status, note, walk_in in rows:
        out.append(HistoryRow(session, course_title, status, note or "", bool(walk_in)))
        if session.cancelled_at is None and (status or session.ends_at <= now):
            tally.add(status or "absent")
    return out, tally


def course_attendance(user_id: int, course_id: int, now: dt.datetime) -> Tally:
    """The person's attendance at the sessions of a course, for its minimum attendance."""
    pairs = roster_pairs(
        and_(TrainingSession.course_id == course_id, TrainingSession.cancelled_at.is_(None)),
        now,
        user_id=user_id,
    ).subquery()
    statuses = db.session.scalars(
        select(AttendanceRecord.status)
        .select_from(TrainingSession)
        .join(pairs, pairs.c.session_id == TrainingSession.id)
        .outerjoin(
            AttendanceRecord,
            and_(
                AttendanceRecord.session_id == TrainingSession.id,
                AttendanceRecord.user_id == user_id,
            ),
        )
    ).all()
    tally = Tally()
    for status in statuses:
        # A session still to come counts as not attended until it is: a course cannot be
        # completed on its first session while the others are ahead.
        tally.add(status or "absent")
    return tally


@dataclass
class CourseAttendance:
    """A person's attendance at a course's sessions, as its minimum attendance counts it, and
    the next session to attend."""

    tally: Tally = field(default_factory=Tally)
    sessions: int = 0  # sessions of the course (not cancelled) the person is invited to
    next_session: TrainingSession | None = None  # the first not over yet and not marked
    next_under_way: bool = False
    next_checkin_open: bool = False


def course_attendance_for(
    user_id: int, course_ids: list[int], now: dt.datetime
) -> dict[int, CourseAttendance]:
    """course_attendance for several courses at once, with each course's next session: one
    query, however many courses. Courses without a session for the person are left out."""
    if not course_ids:
        return {}
    pairs = roster_pairs(
        and_(TrainingSession.course_id.in_(course_ids), TrainingSession.cancelled_at.is_(None)),
        now,
        user_id=user_id,
    ).subquery()
    rows = db.session.execute(
        select(TrainingSession, AttendanceRecord.status)
        .join(pairs, pairs.c.session_id == TrainingSession.id)
        .outerjoin(
            AttendanceRecord,
            and_(
                AttendanceRecord.session_id == TrainingSession.id,
                AttendanceRecord.user_id == user_id,
            ),
        )
        .order_by(TrainingSession.starts_at, TrainingSession.id)
    ).all()
    out: dict[int, CourseAttendance] = {}
    for session, status in rows:
        # (The sessions were chosen by course: course_id is set.)
        standing = out.setdefault(cast(int, session.course_id), CourseAttendance())
        standing.sessions += 1
        # As course_attendance: a session still to come counts as not attended until it is.
        standing.tally.add(status or "absent")
        if standing.next_session is None and session.ends_at >= now and status is None:
            standing.next_session = session
            standing.next_under_way = session.starts_at <= now
            standing.next_checkin_open = session.checkin_open(now)
    return out
