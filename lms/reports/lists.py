"""The review's lists: reminders (overdue people, lagging units), commendations (the best
units, people who finished early with high scores) and the pilot units against the rest."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, func, select
from sqlalchemy.orm import aliased

from lms.courses.models import Course
from lms.extensions import db
from lms.people.models import User
from lms.reports.cohort import Figures, Scope, cohort, figures_from, within
from lms.reports.localtime import day_end
from lms.reports.models import CompletionSum
from lms.reports.tally import kept_in_scope, tally
from lms.units.models import Unit, UnitClosure
from lms.units.scope import subtree_filter

# Commendation rules: finished at least this many days before the due date, with at least
# this best score (percent); units need this many enrollments to be ranked at all.
EARLY_DAYS = 7
HIGH_SCORE = 90
MIN_ENROLLED_TO_RANK = 5


@dataclass
class PersonCourse:
    """A person and one of their courses in the period (overdue, or finished early)."""

    user_id: int
    username: str
    full_name: str
    rank: str
    position: str
    unit_code: str
    unit_name: str
    course_id: int
    course_slug: str
    course_title: str
    due_date: dt.date
    completed_at: dt.datetime | None
    best: float | None

    def days_overdue(self, today: dt.date) -> int:
        return (today - self.due_date).days


def _people_query(
    scope: Scope, rows: Any, conditions: list[Any], order: list[Any], limit: int | None = None
) -> Any:
    """Rows for ``PersonCourse``: the cohort rows of the subtree matching ``conditions``, in
    ``order`` (columns of ``rows`` and ``Course.title``), the first ``limit`` of them.

    The rows are chosen and sorted first, with only what sorting needs (the cohort carries the
    person's name), and the account's and unit's details are joined to the chosen rows only:
    joining them to every row of a province's period before cutting to 300 cost more than the
    rest of the query."""
    picked = (
        select(
            rows.c.user_id,
            rows.c.course_id,
            rows.c.unit_id,
            rows.c.due_date,
            rows.c.completed_at,
            rows.c.best,
            rows.c.full_name,
            Course.title.label("course_title"),
        )
        .select_from(rows)
        .join(Course, Course.id == rows.c.course_id)
        .where(*conditions)
        .order_by(*order)
    )
    if limit is not None:
        picked = picked.limit(limit)
    chosen = within(scope, rows, picked).subquery("chosen")
    placed = aliased(Unit)
    return (
        select(
            User.id,
            User.username,
            User.full_name,
            User.rank,
            User.position,
            placed.code,
            placed.name,
            Course.id,
            Course.slug,
            Course.title,
            chosen.c.due_date,
            chosen.c.completed_at,
            chosen.c.best,
        )
        .select_from(chosen)
        .join(User, User.id == chosen.c.user_id)
        .join(Course, Course.id == chosen.c.course_id)
        .join(placed, placed.id == chosen.c.unit_id)
        .order_by(*_same_order(order, rows, chosen))
    )


def _same_order(order: list[Any], rows: Any, chosen: Any) -> list[Any]:
    """``order`` (over the cohort's columns and the course title) over the chosen rows."""
    out = []
    for term in order:
        modifier = getattr(term, "modifier", None)
        column = term.element if modifier is not None else term
        name = "course_title" if column is Course.title else column.name
        found = chosen.c[name]
        out.append(found.desc() if modifier is not None else found)
    return out


def _overdue_order(rows: Any) -> list[Any]:
    return [rows.c.due_date, rows.c.full_name, rows.c.user_id, Course.title]


def overdue_query(scope: Scope, *, limit: int | None = None) -> Any:
    """Everyone in the subtree with a course due in the period and not completed past its due
    date, the longest overdue first (rows for ``PersonCourse``); ``limit``: the first rows."""
    rows = cohort(scope)
    conditions = [rows.c.overdue == 1]
    last_due = _last_due_date_needed(scope, limit) if limit is not None else None
    if last_due is not None:
        conditions.append(rows.c.due_date <= last_due)
    return _people_query(scope, rows, conditions, _overdue_order(rows), limit)


def _last_due_date_needed(scope: Scope, limit: int) -> dt.date | None:
    """The list is sorted by due date first: its first ``limit`` rows are all due by the
    earliest date on which the kept sums (``CompletionSum``) count that many overdue, so the
    list need not read the enrollments due after it. None: every date is needed. One query."""
    kept = CompletionSum
    query = (
        select(kept.due_date, func.sum(kept.enrolled))
        .where(
            kept.completed_in == 0,
            kept.due_date >= scope.first_day,
            kept.due_date < min(scope.end_day, scope.today),
        )
        .group_by(kept.due_date)
        .order_by(kept.due_date)
    )
    counted = 0
    for due_date, overdue in db.session.execute(kept_in_scope(scope, query)):
        counted += overdue or 0
        if counted >= limit:
            return due_date
    return None


def overdue_count(scope: Scope) -> int:
    """How many rows the overdue list has: from the counted cohort (``tally``), leaving out
    the enrollments of accounts placed in no unit, as the list does."""
    placed = tally(scope).by_unit
    return sum(figures_from(values).overdue for unit, values in placed.items() if unit is not None)


def overdue_people(scope: Scope, *, limit: int | None = None) -> list[PersonCourse]:
    """The overdue list, whole or its first ``limit`` rows (the longest overdue). One query."""
    return [PersonCourse(*row) for row in db.session.execute(overdue_query(scope, limit=limit))]


def reminder_pairs(scope: Scope, actor: User) -> list[tuple[int, int]]:
    """(user_id, course_id) of the overdue list whose person is in ``actor``'s units today:
    whom the commander's "send reminders" reaches. Someone placed here by the due date who has
    since moved away is reminded by their new commander. One query."""
    rows = cohort(scope)
    query = (
        select(rows.c.user_id, rows.c.course_id)
        .select_from(rows)
        .join(User, User.id == rows.c.user_id)
        .where(
            rows.c.overdue == 1,
            rows.c.unit_id.is_not(None),  # as the list: accounts in no unit are not on it
            subtree_filter(actor, User.unit_id),
        )
    )
    return [
        (user_id, course_id)
        for user_id, course_id in db.session.execute(within(scope, rows, query))
    ]


def early_high_scorers(scope: Scope, *, limit: int = 50) -> list[PersonCourse]:
    """People who completed a course of the period at least ``EARLY_DAYS`` before its due date
    with a best score of at least ``HIGH_SCORE``: the best score first, then the earliest."""
    rows = cohort(scope)
    early = rows.c.completed_at < day_end(
        rows.c.due_date, scope.zone, scope.first_day, days_before=EARLY_DAYS
    )
    query = _people_query(
        scope,
        rows,
        [rows.c.completed == 1, rows.c.best >= HIGH_SCORE, early],
        [rows.c.best.desc(), rows.c.completed_at, rows.c.full_name, rows.c.user_id],
        limit,
    )
    return [PersonCourse(*row) for row in db.session.execute(query)]


@dataclass
class RankedUnit:
    unit_id: int
    code: str
    name: str
    kind: str
    depth: int  # below the scope's unit (1: directly below)
    pilot: bool
    figures: Figures


def unit_league(scope: Scope) -> list[RankedUnit]:
    """Every unit below the scope's unit (at any depth) with something due in the period, each
    with the figures of its whole subtree: from the counted cohort (``tally``)."""
    counted = tally(scope)
    below = scope.unit.id if scope.unit is not None else None
    base_depth = scope.unit.depth + 1 if scope.unit is not None else 0
    out = []
    for unit_id, found in counted.subtrees(below).items():
        node = counted.units[unit_id]
        out.append(
            RankedUnit(
                unit_id,
                node.code,
                node.name,
                node.kind,
                node.depth - base_depth + 1,
                node.pilot,
                found,
            )
        )
    return out


def lagging_units(league: list[RankedUnit], threshold: float) -> list[RankedUnit]:
    """Units whose completion rate is below ``threshold``, the furthest behind first."""
    behind = [u for u in league if u.figures.rate is not None and u.figures.rate < threshold]
    return sorted(behind, key=lambda u: (u.figures.rate, -u.figures.enrolled, u.name))


def best_units(league: list[RankedUnit], *, limit: int = 10) -> list[RankedUnit]:
    """The highest completion rates (on-time rate, then size, break ties), among units with
    at least ``MIN_ENROLLED_TO_RANK`` enrollments."""
    ranked = [u for u in league if u.figures.enrolled >= MIN_ENROLLED_TO_RANK]
    ranked.sort(
        key=lambda u: (
            -(u.figures.rate or 0),
            -(u.figures.on_time_rate or 0),
            -u.figures.enrolled,
            u.name,
        )
    )
    return ranked[:limit]


@dataclass
class PilotComparison:
    pilots: Figures
    rest: Figures
    units: list[RankedUnit]  # the pilot units themselves, each with its subtree's figures


def pilots_against_rest(scope: Scope, league: list[RankedUnit]) -> PilotComparison:
    """Everyone placed in a pilot unit or below one, against everyone else of the subtree:
    from the counted cohort (``tally``) and the league, computed once by the caller."""
    in_pilots, rest = tally(scope).split_by_pilot()
    pilots = [u for u in league if u.pilot]
    pilots.sort(key=lambda u: (-(u.figures.rate or 0), u.name))
    return PilotComparison(in_pilots, rest, pilots)


def pilot_units_count(scope: Scope) -> int:
    """How many pilot units the subtree holds (with or without anything due)."""
    query = (
        select(func.count()).select_from(Unit).where(Unit.pilot.is_(True), Unit.active.is_(True))
    )
    if scope.unit is not None:
        query = query.join(
            UnitClosure,
            and_(UnitClosure.descendant_id == Unit.id, UnitClosure.ancestor_id == scope.unit.id),
        )
    return db.session.scalar(query) or 0
