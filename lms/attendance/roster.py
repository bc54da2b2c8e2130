"""Who is on a session's roster, as SQL that every page and report composes.

The roster is the cadres of the invited units (each with every unit below it) at the moment
the roster is taken, the people invited by name, and anyone with a record (walk-ins, people
who have since moved). The moment is the session's start; for a session entered after it
took place (a paper sheet recorded later), it is when the session was entered. Deactivated
accounts stay only where they have a record.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    ColumnElement,
    CompoundSelect,
    Select,
    case,
    exists,
    func,
    literal,
    null,
    select,
    union,
    union_all,
)
from sqlalchemy.orm import aliased

from lms.attendance.models import AttendanceRecord, SessionInvitee, SessionUnit, TrainingSession
from lms.extensions import db
from lms.people.models import UnitMembership, User, UserRole
from lms.people.services import membership_covers
from lms.units.models import UnitClosure
from lms.units.scope import subtree_filter


def roster_moment() -> ColumnElement[dt.datetime]:
    session = TrainingSession
    return case(
        (session.created_at > session.starts_at, session.created_at), else_=session.starts_at
    )


def _is_cadre(user_id: Any) -> ColumnElement[bool]:
    return exists().where(UserRole.user_id == user_id, UserRole.role == "cadre")


def _present_account(now: dt.datetime) -> ColumnElement[bool]:
    # A deactivated account leaves every roster it has no record on: it is neither invited to
    # what comes nor counted absent from what it may have left before.
    return User.active.is_(True)


def roster_pairs(
    session_filter: ColumnElement[bool], now: dt.datetime, *, user_id: int | None = None
) -> CompoundSelect[*tuple[Any, ...]]:
    """(session_id, user_id) of every roster place of the sessions matching the filter."""
    return union(*_roster_parts(session_filter, now, user_id=user_id, placed=False))


def placed_roster(session_filter: ColumnElement[bool], now: dt.datetime) -> Select[Any]:
    """(session_id, user_id, unit_id) of every roster place of the sessions matching the
    filter, each in the unit its person counts under for the session (``unit_at_session``).

    Most places come from invited units, where the membership that put the person on the
    roster is the one current when it was taken, so its unit is the answer; only the others
    (invited by name, walk-ins, people moved since) look it up (COALESCE evaluates the lookup
    only for them, on SQLite and PostgreSQL alike)."""
    every = union_all(*_roster_parts(session_filter, now, user_id=None, placed=True)).subquery()
    places = (
        select(every.c.session_id, every.c.user_id, func.max(every.c.unit_id).label("unit_id"))
        .group_by(every.c.session_id, every.c.user_id)
        .subquery()
    )
    return select(
        places.c.session_id,
        places.c.user_id,
        func.coalesce(
            places.c.unit_id, unit_at_session(places.c.session_id, places.c.user_id)
        ).label("unit_id"),
    )


def _roster_parts(
    session_filter: ColumnElement[bool], now: dt.datetime, *, user_id: int | None, placed: bool
) -> list[Select[*tuple[Any, ...]]]:
    """The roster's three sources: invited units, people invited by name, anyone with a record;
    ``placed``: with a third column, the unit of the membership that invited (NULL for the
    other two)."""
    membership = aliased(UnitMembership)
    at = roster_moment()
    unit_column = [membership.unit_id.label("unit_id")] if placed else []
    unknown = [null().label("unit_id")] if placed else []
    by_unit = (
        select(
            TrainingSession.id.label("session_id"),
            membership.user_id.label("user_id"),
            *unit_column,
        )
        .join(SessionUnit, SessionUnit.session_id == TrainingSession.id)
        .join(UnitClosure, UnitClosure.ancestor_id == SessionUnit.unit_id)
        .join(membership, membership.unit_id == UnitClosure.descendant_id)
        .join(User, User.id == membership.user_id)
        .where(
            session_filter,
            membership_covers(membership, at),
            _present_account(now),
            _is_cadre(membership.user_id),
        )
    )
    named = (
        select(SessionInvitee.session_id, SessionInvitee.user_id, *unknown)
        .join(TrainingSession, TrainingSession.id == SessionInvitee.session_id)
        .join(User, User.id == SessionInvitee.user_id)
        .where(session_filter, _present_account(now))
    )
    recorded = (
        select(AttendanceRecord.session_id, AttendanceRecord.user_id, *unknown)
        .join(TrainingSession, TrainingSession.id == AttendanceRecord.session_id)
        .where(session_filter)
    )
    if user_id is not None:
        by_unit = by_unit.where(membership.user_id == user_id)
        named = named.where(SessionInvitee.user_id == user_id)
        recorded = recorded.where(AttendanceRecord.user_id == user_id)
    return [by_unit, named, recorded]


def unit_at_roster_moment(session_id_column: Any, user_id_column: Any) -> Any:
    """A scalar subquery: the unit a person was in when the session's roster was taken (their
    current unit when the history has no answer, e.g. a walk-in who joined later)."""
    membership = aliased(UnitMembership)
    at = (
        select(roster_moment())
        .where(TrainingSession.id == session_id_column)
        .correlate_except(TrainingSession)
        .scalar_subquery()
    )
    return (
        select(membership.unit_id)
        .where(
            membership.user_id == user_id_column,
            membership_covers(membership, at),
        )
        .order_by(membership.started_at.desc())
        .limit(1)
        .correlate_except(membership)
        .scalar_subquery()
    )


def unit_at_session(session_id: Any, user_id_column: Any) -> Any:
    """The unit a person counts under for a session: the one they were in when its roster was
    taken, else their current one. Scopes and reports place people with it."""
    # An alias: the outer query may itself select from users (user_id_column = User.id).
    person = aliased(User)
    current = select(person.unit_id).where(person.id == user_id_column).scalar_subquery()
    return func.coalesce(unit_at_roster_moment(session_id, user_id_column), current)


def anyone_in_scope(session_id: int, now: dt.datetime, scope: ColumnElement[bool]) -> bool:
    """Whether the session's roster holds anyone matching ``scope`` (a WHERE clause on
    ``User``, e.g. a commander's subtree): one EXISTS query."""
    pairs = roster_pairs(TrainingSession.id == session_id, now).subquery()
    people = select(User.id).join(pairs, pairs.c.user_id == User.id).where(scope)
    return db.session.scalar(select(people.exists())) or False


def on_roster(session_id: int, user_id: int, now: dt.datetime) -> bool:
    pairs = roster_pairs(TrainingSession.id == session_id, now, user_id=user_id).subquery()
    return db.session.scalar(select(exists().select_from(pairs))) or False


def followed_part(viewer: User, session_id: int) -> ColumnElement[bool]:
    """The part of a session's roster a commander follows (a WHERE clause on ``User``): the
    people placed in their subtree by the unit they were in for this session."""
    return subtree_filter(viewer, unit_at_session(literal(session_id), User.id))
