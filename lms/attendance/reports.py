"""Attendance figures: a session's roster and rate, a cadre's history, a unit's rate over a
period, and whether a cadre meets a course's minimum attendance.

A rate is attended (present or late) over the places that count: sessions that took place
(not cancelled) and are over, or where the person already has a record; excused places
leave the count; a place never marked once the session is over counts as absent.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, cast

from sqlalchemy import ColumnElement, Select, and_, case, func, or_, select
from sqlalchemy.orm import aliased

from lms.attendance.models import AttendanceRecord, TrainingSession
from lms.attendance.roster import placed_roster, roster_pairs, unit_at_session
from lms.courses.models import Course
from lms.extensions import db
from lms.people.models import User
from lms.text import fold
from lms.units.models import Unit, UnitClosure
from lms.units.scope import subtree_ids


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


# ---- units over a period ----------------------------------------------------------------------


@dataclass
class UnitRate:
    unit_id: int
    code: str
    name: str
    tally: Tally
    has_children: bool = False


def _held_between(since: dt.datetime, until: dt.datetime, now: dt.datetime) -> Any:
    """Sessions held (not cancelled, over by ``now``) that started in [since, until)."""
    return and_(
        TrainingSession.cancelled_at.is_(None),
        TrainingSession.starts_at >= since,
        TrainingSession.starts_at < until,
        TrainingSession.ends_at <= now,
    )


def _status_sums(status_column: Any) -> list[Any]:
    return [
        func.sum(case((status_column == name, 1), else_=0)).label(name)
        for name in ("present", "late", "excused", "absent")
    ]


def unit_rates(
    unit: Unit | None, since: dt.datetime, until: dt.datetime, now: dt.datetime
) -> tuple[Tally, Tally, list[UnitRate]]:
    """Attendance at the sessions held in [since, until) by the people of ``unit``'s subtree,
    each placed by the unit they were in when the roster was taken: the subtree's total, the
    unit's own people (placed in the unit itself) and one row per child unit. Two queries.
    ``unit`` None: the whole province, one row per top-level unit."""
    window = _held_between(since, until, now)
    placed = placed_roster(window, now).subquery()
    places = (
        select(placed.c.unit_id, AttendanceRecord.status.label("status"))
        .select_from(placed)
        .outerjoin(
            AttendanceRecord,
            and_(
                AttendanceRecord.session_id == placed.c.session_id,
                AttendanceRecord.user_id == placed.c.user_id,
            ),
        )
        .subquery()
    )
    # Counted per unit first: the closure is then joined to a row per unit, not to each of
    # the province's 50,000 places.
    per_unit = (
        select(
            places.c.unit_id,
            func.count().label("total"),
            *_status_sums(places.c.status),
        )
        .group_by(places.c.unit_id)
        .subquery()
    )
    unit_id = unit.id if unit is not None else None
    is_child = Unit.parent_id == unit_id if unit_id is not None else Unit.parent_id.is_(None)
    children = select(Unit.id).where(is_child)
    # Each place once: under the child unit it belongs to, or under the unit itself.
    grouped = db.session.execute(
        select(
            UnitClosure.ancestor_id,
            *(
                func.sum(per_unit.c[name])
                for name in ("total", "present", "late", "excused", "absent")
            ),
        )
        .select_from(per_unit)
        .join(UnitClosure, UnitClosure.descendant_id == per_unit.c.unit_id)
        .where(
            or_(
                UnitClosure.ancestor_id.in_(children),
                and_(UnitClosure.ancestor_id == unit_id, UnitClosure.depth == 0),
            )
        )
        .group_by(UnitClosure.ancestor_id)
    ).all()
    # (sums of sums: PostgreSQL gives them as numeric)
    figures = {row[0]: _tally(*(int(v or 0) for v in row[1:])) for row in grouped}
    child = aliased(Unit)
    child_units = db.session.execute(
        select(
            Unit.id,
            Unit.code,
            Unit.name,
            Unit.active,
            select(func.count()).where(child.parent_id == Unit.id).scalar_subquery(),
        )
        .where(is_child)
        .order_by(Unit.name)
    ).all()
    own = figures.get(unit_id, Tally()) if unit_id is not None else Tally()
    total = Tally()
    _merge(total, own)
    rows = []
    for child_id, code, name, active, grandchildren in child_units:
        tally = figures.get(child_id, Tally())
        if not active and not tally.total:
            continue
        _merge(total, tally)
        rows.append(UnitRate(child_id, code, name, tally, has_children=grandchildren > 0))
    return total, own, rows


def person_tallies(
    unit_id: int, since: dt.datetime, until: dt.datetime, now: dt.datetime
) -> dict[int, Tally]:
    """Attendance at the sessions held in [since, until) of each person placed in the unit
    itself (by the unit they were in when the roster was taken). One query."""
    window = _held_between(since, until, now)
    pairs = roster_pairs(window, now).subquery()
    rows = db.session.execute(
        select(pairs.c.user_id, func.count(), *_status_sums(AttendanceRecord.status))
        .select_from(pairs)
        .outerjoin(
            AttendanceRecord,
            and_(
                AttendanceRecord.session_id == pairs.c.session_id,
                AttendanceRecord.user_id == pairs.c.user_id,
            ),
        )
        .where(unit_at_session(pairs.c.session_id, pairs.c.user_id) == unit_id)
        .group_by(pairs.c.user_id)
    ).all()
    return {row[0]: _tally(*row[1:]) for row in rows}


def _tally(
    count: int, present: int | None, late: int | None, excused: int | None, absent: int | None
) -> Tally:
    """Figures of sessions that are over: a place never marked counts as absent."""
    present, late, excused, absent = (v or 0 for v in (present, late, excused, absent))
    return Tally(present, late, excused, count - present - late - excused)


def _merge(into: Tally, other: Tally) -> None:
    for name in ("present", "late", "excused", "absent", "unmarked"):
        setattr(into, name, getattr(into, name) + getattr(other, name))


def sessions_of_units(
    since: dt.datetime, until: dt.datetime, now: dt.datetime, unit: Unit | None
) -> list[tuple[TrainingSession, int]]:
    """Sessions of the period with people of ``unit``'s subtree (None: anyone) on the roster,
    and how many of them."""
    window = and_(TrainingSession.starts_at >= since, TrainingSession.starts_at < until)
    pairs = roster_pairs(window, now).subquery()
    statement = select(TrainingSession, func.count()).join(
        pairs, pairs.c.session_id == TrainingSession.id
    )
    if unit is not None:
        placed = unit_at_session(pairs.c.session_id, pairs.c.user_id)
        statement = statement.where(placed.in_(subtree_ids(unit.id)))
    return [
        (session, count)
        for session, count in db.session.execute(
            statement.group_by(TrainingSession.id).order_by(TrainingSession.starts_at.desc())
        ).all()
    ]
