"""A unit's attendance over a period, for commanders' pages and the dashboard: the subtree's
rate, the unit's own people and each child unit, each person placed by the unit they were in
when the roster was taken; and the period's sessions with people of the subtree.

The rule is ``reports``'s: attended (present or late) over the places that count.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.orm import aliased

from lms.attendance.models import AttendanceRecord, TrainingSession
from lms.attendance.reports import Tally
from lms.attendance.roster import placed_roster, roster_pairs, unit_at_session
from lms.extensions import db
from lms.units.models import Unit, UnitClosure
from lms.units.scope import subtree_ids


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
