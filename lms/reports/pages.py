"""What every dashboard page does the same way: read the request's unit, period and course
(within the viewer's reach), and render a page with its breadcrumbs and settings. The overview
is here too because it is also a commander's home page (``/`` renders it: one round trip less
on a weak connection)."""

from __future__ import annotations

from typing import Any

from flask import abort, current_app, render_template, request
from flask_login import current_user

from lms.periods import describe
from lms.reports import dashboard
from lms.reports.selection import OutsideScope, Selection, UnknownUnit, select_review
from lms.timeutil import utcnow
from lms.units import services as units
from lms.units.scope import can_see_unit


def read_selection() -> Selection:
    """The request's unit, period and course; 404/403 for a unit that does not exist or is not
    the viewer's to see (who may open the dashboard at all, ``@require`` has checked)."""
    try:
        return select_review(
            current_user, request.args, zone=current_app.config["TIMEZONE"], now=utcnow()
        )
    except UnknownUnit:
        abort(404)
    except OutsideScope:
        abort(403)


def render(template: str, selection: Selection, **context: Any) -> tuple[str, int]:
    unit = selection.unit
    path = []
    if unit is not None:
        path = [u for u in units.ancestors(unit) if visible(u.id)]
    return render_template(
        template,
        selection=selection,
        unit=unit,
        path=path,
        period_words=describe(selection.scope.period) if selection.scope else "",
        target=current_app.config["COMPLETION_TARGET"],
        lagging_below=current_app.config["LAGGING_BELOW"],
        **context,
    ), (400 if selection.errors else 200)


def visible(unit_id: int) -> bool:
    return can_see_unit(current_user, unit_id)


def overview() -> tuple[str, int]:
    """The dashboard's overview: a commander's home page too (``/`` renders it, one round trip
    less on a weak connection)."""
    selection = read_selection()
    if selection.scope is None:
        return render("reports/index.html", selection)
    return render(
        "reports/index.html",
        selection,
        **dashboard.overview(selection.scope, current_app.config["COMPLETION_TARGET"]),
    )
