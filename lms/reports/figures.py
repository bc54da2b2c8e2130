"""The dashboard's figures: a unit and each unit directly below it (each with everything below
it), the people of a unit, and completions month by month. Set-based SQL over the closure
table, in a fixed number of queries whatever the size of the tree."""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.orm import aliased

from lms.attendance import reports as attendance
from lms.courses.models import Course
from lms.extensions import db
from lms.people.models import User
from lms.reports.cohort import (
    Figures,
    Scope,
    cohort,
    figures_from,
    placed_cadres,
    sums,
    within,
)
from lms.timeutil import local_day_start_utc
from lms.units.models import Unit, UnitClosure


@dataclass
class UnitRow:
    unit_id: int
    code: str
    name: str
    kind: str
    pilot: bool
    has_children: bool
    figures: Figures


@dataclass
class Overview:
    """``total``: the unit with everything below it; ``own``: the people placed in the unit
    itself (a commune command's own cadres); ``rows``: one per unit directly below."""

    unit: Unit | None
    total: Figures
    own: Figures
    rows: list[UnitRow] = field(default_factory=list)


def _is_child(unit_id: int | None) -> Any:
    return Unit.parent_id == unit_id if unit_id is not None else Unit.parent_id.is_(None)


def _bucket_filter(unit_id: int | None) -> Any:
    """Closure rows that place a descendant under a child of ``unit_id``, or under the unit
    itself (depth 0): every placed unit of the subtree falls in exactly one bucket."""
    children = select(Unit.id).where(_is_child(unit_id))
    if unit_id is None:
        return UnitClosure.ancestor_id.in_(children)
    return or_(
        UnitClosure.ancestor_id.in_(children),
        and_(UnitClosure.ancestor_id == unit_id, UnitClosure.depth == 0),
    )


def unit_overview(scope: Scope) -> Overview:
    """Five queries: enrollments, headcounts, child units, and attendance (two)."""
    unit_id = scope.unit.id if scope.unit is not None else None
    rows = cohort(scope)
    enrolled = db.session.execute(
        select(UnitClosure.ancestor_id, *sums(rows))
        .select_from(rows)
        .join(UnitClosure, UnitClosure.descendant_id == rows.c.unit_id)
        .where(_bucket_filter(unit_id))
        .group_by(UnitClosure.ancestor_id)
    ).all()
    figures = {row[0]: figures_from(row[1:]) for row in enrolled}
    people = placed_cadres(scope)
    for bucket, count in db.session.execute(
        select(UnitClosure.ancestor_id, func.count())
        .select_from(people)
        .join(UnitClosure, UnitClosure.descendant_id == people.c.unit_id)
        .where(_bucket_filter(unit_id))
        .group_by(UnitClosure.ancestor_id)
    ):
        figures.setdefault(bucket, Figures()).cadres = count
    _, own_tally, rates = attendance.unit_rates(
        scope.unit, scope.period.since, scope.period.until, scope.now
    )
    tallies = {rate.unit_id: rate.tally for rate in rates}
    child = aliased(Unit)
    children = db.session.execute(
        select(
            Unit.id,
            Unit.code,
            Unit.name,
            Unit.kind,
            Unit.pilot,
            Unit.active,
            select(func.count()).where(child.parent_id == Unit.id).scalar_subquery(),
        )
        .where(_is_child(unit_id))
        .order_by(Unit.name)
    ).all()
    own = figures.get(unit_id, Figures()) if unit_id is not None else Figures()
    own.attendance = own_tally
    total = Figures()
    total.add(own)
    out = Overview(scope.unit, total, own)
    for child_id, code, name, kind, pilot, active, grandchildren in children:
        found = figures.get(child_id, Figures())
        found.attendance = tallies.get(child_id, found.attendance)
        if not active and not (found.enrolled or found.cadres or found.attendance.total):
            continue
        total.add(found)
        out.rows.append(UnitRow(child_id, code, name, kind, pilot, grandchildren > 0, found))
    return out


@dataclass
class PersonRow:
    user_id: int
    username: str
    full_name: str
    rank: str
    position: str
    figures: Figures


def people_of_unit(scope: Scope) -> list[PersonRow]:
    """The people placed in the unit itself (not below it), each with their figures: cadres of
    the unit at the headcount moment and anyone with an enrollment counted there. Three
    queries."""
    assert scope.unit is not None
    rows = cohort(scope)
    figures: dict[int, Figures] = {}
    for user_id, *values in db.session.execute(
        select(rows.c.user_id, *sums(rows))
        .where(rows.c.unit_id == scope.unit.id)
        .group_by(rows.c.user_id)
    ):
        figures[user_id] = figures_from(values)
    people = placed_cadres(scope)
    for (user_id,) in db.session.execute(
        select(people.c.user_id).where(people.c.unit_id == scope.unit.id)
    ):
        figures.setdefault(user_id, Figures()).cadres = 1
    for user_id, tally in attendance.person_tallies(
        scope.unit.id, scope.period.since, scope.period.until, scope.now
    ).items():
        if user_id in figures:
            figures[user_id].attendance = tally
    if not figures:
        return []
    found = db.session.execute(
        select(User.id, User.username, User.full_name, User.rank, User.position)
        .where(User.id.in_(list(figures)))
        .order_by(User.full_name, User.id)
    ).all()
    return [PersonRow(*person, figures=figures[person[0]]) for person in found]


@dataclass
class Month:
    first_day: dt.date
    completed: int  # completions of the period's enrollments within the month
    cumulative: int  # completed by the month's end (earlier completions included)
    rate: float | None  # cumulative over everything due in the period


def months_of(scope: Scope) -> list[dt.date]:
    day = scope.first_day
    out = []
    while day < scope.end_day:
        out.append(day)
        day = dt.date(day.year + day.month // 12, day.month % 12 + 1, 1)
    return out


def monthly_trend(scope: Scope) -> list[Month]:
    """Completions of the period's enrollments month by month (local months), and how far the
    unit had got by each month's end. One query."""
    rows = cohort(scope)
    months = months_of(scope)
    bounds = [local_day_start_utc(day, scope.zone) for day in [*months, scope.end_day]]
    columns = [func.count(), func.sum(case((rows.c.completed_at < bounds[0], 1), else_=0))]
    for start, end in itertools.pairwise(bounds):
        columns.append(
            func.sum(
                case((and_(rows.c.completed_at >= start, rows.c.completed_at < end), 1), else_=0)
            )
        )
    query = select(*columns).select_from(rows)
    query = within(scope, rows, query)
    enrolled, before, *per_month = db.session.execute(query).one()
    cumulative = int(before or 0)
    out = []
    for day, count in zip(months, per_month, strict=True):
        cumulative += int(count or 0)
        rate = round(100 * cumulative / enrolled, 1) if enrolled else None
        if day > scope.today:
            rate = None  # a month still to come has no figure yet
        out.append(Month(day, int(count or 0), cumulative, rate))
    return out


@dataclass
class CourseRow:
    course_id: int
    slug: str
    title: str
    figures: Figures


def course_rows(scope: Scope) -> list[CourseRow]:
    """The period's figures course by course, within the subtree. One query."""
    rows = cohort(scope)
    query = (
        select(Course.id, Course.slug, Course.title, *sums(rows))
        .select_from(rows)
        .join(Course, Course.id == rows.c.course_id)
        .group_by(Course.id, Course.slug, Course.title)
        .order_by(Course.title)
    )
    query = within(scope, rows, query)
    return [
        CourseRow(course_id, slug, title, figures_from(values))
        for course_id, slug, title, *values in db.session.execute(query)
    ]
