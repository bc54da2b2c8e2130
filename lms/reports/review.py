"""The review report for a unit and period, assembled once and written as a page, an XLSX
workbook, a CSV file or JSON, so that every form shows the same numbers."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from lms.reads_beside import read_beside
from lms.reports import figures, lists
from lms.reports.cohort import Figures, Scope


@dataclass
class Review:
    scope: Scope
    overview: figures.Overview
    courses: list[figures.CourseRow]
    trend: list[figures.Month]
    overdue: list[lists.PersonCourse]
    overdue_total: int  # the whole list's length (``overdue`` may hold only its first rows)
    lagging: list[lists.RankedUnit]
    best_units: list[lists.RankedUnit]
    early: list[lists.PersonCourse]
    pilots: lists.PilotComparison
    target: float
    threshold: float


def build(
    scope: Scope, *, target: float, threshold: float, overdue_limit: int | None = None
) -> Review:
    """Everything of the report, in a fixed number of queries. ``overdue_limit``: keep only
    the first rows of the overdue list (the printed page; the files list everyone, and read
    that list, their longest read, beside the others: see ``lms.reads_beside``)."""
    whole_list = read_beside(lists.overdue_people, scope) if overdue_limit is None else None
    league = lists.unit_league(scope)
    overview = figures.unit_overview(scope)
    courses = figures.course_rows(scope)
    trend = figures.monthly_trend(scope)
    early = lists.early_high_scorers(scope)
    pilots = lists.pilots_against_rest(scope, league)
    return Review(
        scope=scope,
        overview=overview,
        courses=courses,
        trend=trend,
        overdue=(
            whole_list.result()
            if whole_list is not None
            else lists.overdue_people(scope, limit=overdue_limit)
        ),
        overdue_total=lists.overdue_count(scope),
        lagging=lists.lagging_units(league, threshold),
        best_units=lists.best_units(league),
        early=early,
        pilots=pilots,
        target=target,
        threshold=threshold,
    )


def _row(code: str, name: str, found: Figures) -> dict[str, Any]:
    return {
        "unit_code": code,
        "unit_name": name,
        "cadres": found.cadres,
        "assigned": found.enrolled,
        "completed": found.completed,
        "on_time": found.on_time,
        "overdue": found.overdue,
        "rate": found.rate,
        "attendance_rate": found.attendance_rate,
        "average_score": found.average_score,
        "certificates": found.certificates,
    }


def as_json(overview: figures.Overview, scope: Scope) -> dict[str, Any]:
    """``GET /api/reports/completion``: the unit's total and one row per unit directly below
    it (and the unit's own people, when it has any), rates in percent."""
    unit = overview.unit
    rows = [_row(row.code, row.name, row.figures) for row in overview.rows]
    own = overview.own
    if unit is not None and (own.enrolled or own.cadres):
        rows.insert(0, _row(unit.code, unit.name, own) | {"own": True})
    return {
        "unit": unit.code if unit is not None else None,
        "unit_name": unit.name if unit is not None else None,
        "period": scope.period.label,
        "course": scope.course.slug if scope.course is not None else None,
        "total": _row(unit.code if unit else "", unit.name if unit else "", overview.total),
        "rows": rows,
    }
