"""The period's cohort counted once per request and rolled up in Python over the unit tree.

One grouped query sums the kept sums (``lms.reports.kept_sums``) per (placed unit, course),
with the completions of each local month of the period as extra columns; every figure of the
dashboard, the API and the report (the unit and the units below it, courses, months, the league
of units, pilots against the rest) is a sum of these few thousand groups. A second query reads
the unit tree (a thousand rows for the province). The kept sums are what keeps a province-wide
page fast: walking the period's enrollments themselves is the expensive part.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, TypeVar

from flask import has_request_context, request
from sqlalchemy import Select, and_, case, func, select

from lms.extensions import db
from lms.reports.cohort import Figures, Scope, figures_from
from lms.reports.localtime import month_index
from lms.reports.models import CompletionSum
from lms.units.models import Unit, UnitClosure

WIDTH = 7  # the sums of a group, in ``figures_from``'s order


@dataclass(frozen=True)
class UnitNode:
    id: int
    parent_id: int | None
    code: str
    name: str
    kind: str
    depth: int
    pilot: bool
    active: bool


@dataclass
class Tally:
    """``by_unit``: the sums of the enrollments placed in each unit itself (not below it);
    ``by_course``: of each course over the scope; ``months``: completions per local month of
    the period (``before``: completed before it began); ``units``: the whole tree."""

    scope: Scope
    units: dict[int, UnitNode]
    by_unit: dict[int, list[float]] = field(default_factory=dict)
    by_course: dict[int, list[float]] = field(default_factory=dict)
    month_starts: list[dt.date] = field(default_factory=list)
    months: list[int] = field(default_factory=list)
    before: int = 0
    _chains: dict[int, tuple[int, ...]] = field(default_factory=dict)

    def chain(self, unit_id: int) -> tuple[int, ...]:
        """The unit and its ancestors, nearest first."""
        found = self._chains.get(unit_id)
        if found is None:
            node = self.units.get(unit_id)
            parent = node.parent_id if node is not None else None
            found = (unit_id, *(self.chain(parent) if parent is not None else ()))
            self._chains[unit_id] = found
        return found

    def total(self) -> Figures:
        return figures_from(_add_all(self.by_unit.values()))

    def subtrees(self, below: int | None) -> dict[int, Figures]:
        """Every unit strictly below ``below`` (None: every unit) that has something due,
        each with the figures of its whole subtree."""
        sums_of: dict[int, list[float]] = {}
        for unit_id, values in self.by_unit.items():
            for ancestor in self.chain(unit_id):
                if ancestor == below:
                    break
                _add_into(sums_of.setdefault(ancestor, [0] * WIDTH), values)
        return {unit_id: figures_from(values) for unit_id, values in sums_of.items()}

    def split_by_pilot(self) -> tuple[Figures, Figures]:
        """Everyone placed in a pilot unit or below one (at any height), and everyone else."""
        pilots: list[float] = [0] * WIDTH
        rest: list[float] = [0] * WIDTH
        for unit_id, values in self.by_unit.items():
            in_pilot = any(self.units[a].pilot for a in self.chain(unit_id) if a in self.units)
            _add_into(pilots if in_pilot else rest, values)
        return figures_from(pilots), figures_from(rest)


def _add_into(target: list[float], values: list[float] | tuple[Any, ...]) -> None:
    for index in range(WIDTH):
        target[index] += values[index] or 0


def _add_all(rows: Any) -> list[float]:
    out: list[float] = [0] * WIDTH
    for values in rows:
        _add_into(out, values)
    return out


def months_of(scope: Scope) -> list[dt.date]:
    """The first day of each local month of the period."""
    day = scope.first_day
    out = []
    while day < scope.end_day:
        out.append(day)
        day = dt.date(day.year + day.month // 12, day.month % 12 + 1, 1)
    return out


def unit_tree() -> dict[int, UnitNode]:
    """Every unit (the province has about a thousand): one query, kept for the request."""
    cached = _request_cache().get("units")
    if cached is None:
        cached = {
            row.id: UnitNode(*row)
            for row in db.session.execute(
                select(
                    Unit.id,
                    Unit.parent_id,
                    Unit.code,
                    Unit.name,
                    Unit.kind,
                    Unit.depth,
                    Unit.pilot,
                    Unit.active,
                )
            )
        }
        _request_cache()["units"] = cached
    return cached


def tally(scope: Scope) -> Tally:
    """The scope's cohort counted: two queries the first time in a request, none after
    (outside a request, e.g. ``lms report``, every call counts afresh)."""
    if not has_request_context():
        return _count(scope)
    key = (
        scope.unit.id if scope.unit is not None else None,
        scope.period.label,
        scope.course.id if scope.course is not None else None,
        scope.today,
    )
    cache = _request_cache()
    found = cache.get(key)
    if found is None:
        found = cache[key] = _count(scope)
    return found


def _request_cache() -> dict[Any, Any]:
    """What this request has counted. Kept on the request itself, not on ``g``: ``g`` lives as
    long as the application context, which a test (or a script) may keep across requests."""
    if not has_request_context():
        return {}
    cache = getattr(request, "_lms_report_cache", None)
    if cache is None:
        cache = {}
        request._lms_report_cache = cache  # type: ignore[attr-defined]
    return cache


_Query = TypeVar("_Query", bound="Select[*tuple[Any, ...]]")


def kept_in_scope(scope: Scope, query: _Query) -> _Query:
    """``query`` (over ``CompletionSum``) limited to the scope's course and subtree."""
    if scope.course is not None:
        query = query.where(CompletionSum.course_id == scope.course.id)
    if scope.unit is None:
        return query
    return query.join(
        UnitClosure,
        and_(
            UnitClosure.descendant_id == CompletionSum.unit_id,
            UnitClosure.ancestor_id == scope.unit.id,
        ),
    )


def _count(scope: Scope) -> Tally:
    """Read from the kept sums (``lms.reports.kept_sums``): a few thousand rows for the
    province's half year, where the enrollments they sum are tens of thousands."""
    kept = CompletionSum
    starts = months_of(scope)
    first_month = month_index(starts[0])
    completed = kept.completed_in != 0

    def enrolled_where(condition: Any) -> Any:
        return func.sum(case((condition, kept.enrolled), else_=0))

    query = (
        select(
            kept.unit_id,
            kept.course_id,
            # ``figures_from``'s order: enrolled, completed, on time, overdue, scores, certified
            func.sum(kept.enrolled),
            enrolled_where(completed),
            func.sum(kept.on_time),
            enrolled_where(and_(kept.completed_in == 0, kept.due_date < scope.today)),
            func.sum(kept.score_sum),
            func.sum(kept.scored),
            func.sum(kept.certified),
            enrolled_where(and_(completed, kept.completed_in < first_month)),
            *(enrolled_where(kept.completed_in == month_index(start)) for start in starts),
        )
        .where(kept.due_date >= scope.first_day, kept.due_date < scope.end_day)
        .group_by(kept.unit_id, kept.course_id)
    )
    query = kept_in_scope(scope, query)
    found = Tally(scope, unit_tree(), month_starts=starts, months=[0] * len(starts))
    for unit_id, course_id, *values in db.session.execute(query):
        sums_part = values[:WIDTH]
        _add_into(found.by_unit.setdefault(unit_id, [0] * WIDTH), sums_part)
        _add_into(found.by_course.setdefault(course_id, [0] * WIDTH), sums_part)
        found.before += int(values[WIDTH] or 0)
        for index, count in enumerate(values[WIDTH + 1 :]):
            found.months[index] += int(count or 0)
    return found
