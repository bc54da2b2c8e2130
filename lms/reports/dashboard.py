"""What the dashboard's overview shows for a scope: the figures of the unit and the units
below it, the two charts, and the people of the unit when it has its own."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _

from lms.periods import describe
from lms.reports import charts, figures
from lms.reports.cohort import Scope


def overview(scope: Scope, target: float) -> dict[str, Any]:
    found = figures.unit_overview(scope)
    trend = figures.monthly_trend(scope)
    due_rows = [row for row in found.rows if row.figures.enrolled]
    bars = None
    if due_rows:
        bars = charts.completion_bars(
            [
                charts.Bar(
                    row.name, row.figures.rate, f"{row.figures.completed}/{row.figures.enrolled}"
                )
                for row in due_rows
            ],
            target,
            title=_("Completion rate by unit, %(period)s", period=describe(scope.period)),
        )
    trend_chart = charts.monthly_columns(
        [charts.Column(month.first_day, month.rate, month.completed) for month in trend],
        target,
        title=_("Completions month by month, %(period)s", period=describe(scope.period)),
    )
    # A unit's own people: always for a unit with nothing below it, else when it has cadres
    # of its own (a commune command's staff beside its villages' militia, say).
    show_people = scope.unit is not None and (not found.rows or found.own.cadres > 0)
    return {
        "overview": found,
        "trend": trend,
        "bars": bars,
        "trend_chart": trend_chart,
        "people": figures.people_of_unit(scope) if show_people else None,
    }
