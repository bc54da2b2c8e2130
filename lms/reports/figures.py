"""The dashboard's figures: a unit and each unit directly below it (each with everything below
it), the people of a unit, and completions month by month. Set-based SQL over the closure
table, in a fixed number of queries whatever the size of the tree."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import and_, func, select

from lms.attendance import rates as attendance_rates
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
)
from lms.reports.tally import tally
from lms.text import fold
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


def headcounts(scope: Scope) -> dict[int, int]:
    """Cadres placed in each unit of the subtree at the headcount moment. One query."""
    people = placed_cadres(scope)
    query = select(people.c.unit_id, func.count()).group_by(people.c.unit_id)
    if scope.unit is not None:
        query = query.join(
            UnitClosure,
            and_(
                UnitClosure.descendant_id == people.c.unit_id,
                UnitClosure.ancestor_id == scope.unit.id,
            ),
        )
    return {unit_id: count for unit_id, count in db.session.execute(query)}


def unit_overview(scope: Scope) -> Overview:
    """The unit, its own people and each unit directly below it (with everything below it):
    the counted cohort (``tally``), headcounts and attendance (two)."""
    unit_id = scope.unit.id if scope.unit is not None else None
    counted = tally(scope)
    figures = counted.subtrees(unit_id)
    own = Figures()
    if unit_id is not None and unit_id in counted.by_unit:
        own = figures_from(counted.by_unit[unit_id])
    children = [node for node in counted.units.values() if node.parent_id == unit_id]
    has_children = {node.parent_id for node in counted.units.values()}
    child_ids = {node.id for node in children}
    for placed, count in headcounts(scope).items():
        if placed is None:  # an account in no unit (the province's scope only): no row
            continue
        if placed == unit_id:
            own.cadres += count
            continue
        bucket = next((a for a in counted.chain(placed) if a in child_ids), None)
        if bucket is not None:
            figures.setdefault(bucket, Figures()).cadres += count
    _, own_tally, rates = attendance_rates.unit_rates(
        scope.unit, scope.period.since, scope.period.until, scope.now
    )
    tallies = {rate.unit_id: rate.tally for rate in rates}
    own.attendance = own_tally
    total = Figures()
    total.add(own)
    out = Overview(scope.unit, total, own)
    for node in sorted(children, key=lambda n: (fold(n.name), n.code)):
        found = figures.get(node.id, Figures())
        found.attendance = tallies.get(node.id, found.attendance)
        if not node.active and not (found.enrolled or found.cadres or found.attendance.total):
            continue
        total.add(found)
        out.rows.append(
            UnitRow(
                node.id,
                node.code,
                node.name,
                node.kind,
                node.pilot,
                node.id in has_children,
                found,
            )
        )
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
    for user_id, attended in attendance_rates.person_tallies(
        scope.unit.id, scope.period.since, scope.period.until, scope.now
    ).items():
        if user_id in figures:
            figures[user_id].attendance = attended
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


def monthly_trend(scope: Scope) -> list[Month]:
    """Completions of the period's enrollments month by month (local months), and how far the
    unit had got by each month's end: from the counted cohort (``tally``)."""
    counted = tally(scope)
    enrolled = counted.total().enrolled
    cumulative = counted.before
    out = []
    for day, count in zip(counted.month_starts, counted.months, strict=True):
        cumulative += count
        rate = round(100 * cumulative / enrolled, 1) if enrolled else None
        if day > scope.today:
            rate = None  # a month still to come has no figure yet
        out.append(Month(day, count, cumulative, rate))
    return out


@dataclass
class CourseRow:
    course_id: int
    slug: str
    title: str
    figures: Figures


def course_rows(scope: Scope) -> list[CourseRow]:
    """The period's figures course by course, within the subtree: from the counted cohort
    (``tally``) and one query for the courses' names."""
    counted = tally(scope)
    if not counted.by_course:
        return []
    courses = db.session.execute(
        select(Course.id, Course.slug, Course.title)
        .where(Course.id.in_(list(counted.by_course)))
        .order_by(Course.title)
    ).all()
    return [
        CourseRow(course_id, slug, title, figures_from(counted.by_course[course_id]))
        for course_id, slug, title in courses
    ]
