"""``lms report``: the review report of a unit and period, written as XLSX or CSV; ``lms recount``:
the review's kept sums checked and counted again."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext
from flask_babel import gettext as _

from lms.commandline import one_transaction
from lms.courses import services as courses
from lms.reports import kept_sums, review, workbook
from lms.reports.cohort import Scope
from lms.timeutil import local_today, parse_period, utcnow
from lms.units import services as units


def _fail(message: str) -> None:
    click.echo(message, err=True)
    sys.exit(1)


@click.command("report")
@click.option("--period", required=True, help="2026 (annual review), 2026-H1 or 2026-H2.")
@click.option("--unit", "code", help="The unit's code (default: the whole province).")
@click.option("--course", "slug", help="Only this course (its short name).")
@click.option(
    "--format",
    "kind",
    type=click.Choice(["xlsx", "csv"]),
    help="Default: from the file name's extension, else xlsx.",
)
@click.option(
    "-o", "--output", "output", required=True, type=click.Path(dir_okay=False, path_type=Path)
)
@with_appcontext
def report_command(
    period: str, code: str | None, slug: str | None, kind: str | None, output: Path
) -> None:
    """Write the completion (review) report of a unit and the units below it."""
    zone = current_app.config["TIMEZONE"]
    try:
        chosen = parse_period(period, zone)
    except ValueError:
        _fail(_("“%(text)s” is not a period (2026, 2026-H1, 2026-H2).", text=period))
    unit = None
    if code:
        unit = units.get_by_code(code)
        if unit is None:
            _fail(_("No unit with code %(code)s.", code=code))
    course = None
    if slug:
        course = courses.get_course(slug, with_owners=False)
        if course is None:
            _fail(_("No course “%(slug)s”.", slug=slug))
    kind = kind or ("csv" if output.suffix.lower() == ".csv" else "xlsx")
    scope = Scope(unit, chosen, course, zone, local_today(zone), utcnow())
    found = review.build(
        scope,
        target=current_app.config["COMPLETION_TARGET"],
        threshold=current_app.config["LAGGING_BELOW"],
    )
    body = workbook.as_xlsx(found) if kind == "xlsx" else workbook.as_csv(found)
    output.write_bytes(body)
    total = found.overview.total
    click.echo(
        _(
            "%(file)s written: %(completed)s of %(enrolled)s completed, %(overdue)s overdue.",
            file=output,
            completed=total.completed,
            enrolled=total.enrolled,
            overdue=total.overdue,
        )
    )


@click.command("recount")
@click.option("--check", is_flag=True, help="Only say whether the kept sums are exact.")
@with_appcontext
def recount_command(check: bool) -> None:
    """Compare the review's kept sums with the enrollments and count them again if they differ
    (after data was written around the application, e.g. a restore by hand, or a change of
    LMS_TIMEZONE)."""
    drift = kept_sums.drift()
    if not drift:
        click.echo(_("The review's sums are exact (%(rows)s rows).", rows=len(kept_sums.kept())))
        return
    if check:
        _fail(
            _(
                "The review's sums differ from the enrollments in %(rows)s rows; run "
                "“lms recount” to count them again.",
                rows=len(drift),
            )
        )
    with one_transaction():
        kept_sums.rebuild()
    click.echo(
        _("The review's sums were counted again: %(rows)s rows had differed.", rows=len(drift))
    )
