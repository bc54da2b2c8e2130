"""``lms certificates reconcile`` and ``lms certificates pdf``."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext
from flask_babel import gettext as _
from sqlalchemy import true

from lms.certificates import printing, queries, services
from lms.commandline import one_transaction
from lms.courses import services as courses
from lms.extensions import db
from lms.timeutil import local_today, parse_period
from lms.units import services as units


@click.group("certificates")
def certificates_group() -> None:
    """Completion and certificates."""


@certificates_group.command("reconcile")
@click.option("--course", "slug", help="Only this course (its short name).")
@with_appcontext
def reconcile_command(slug: str | None) -> None:
    """Complete what the completion rule says is complete and issue missing certificates."""
    course = None
    if slug:
        course = courses.get_course(slug, with_owners=False)
        if course is None:
            click.echo(_("No course “%(slug)s”.", slug=slug), err=True)
            sys.exit(1)
    with one_transaction():
        result = services.reconcile(course)
    click.echo(
        _(
            "%(completed)s enrollment(s) completed, %(issued)s certificate(s) issued.",
            completed=result.completed,
            issued=result.issued,
        )
    )


@certificates_group.command("pdf")
@click.option("--unit", "code", required=True, help="The unit's code (its subtree is included).")
@click.option("--period", required=True, help="2026, 2026-H1 or 2026-H2 (by date of issue).")
@click.option(
    "-o", "--output", "output", required=True, type=click.Path(dir_okay=False, path_type=Path)
)
@with_appcontext
def pdf_command(code: str, period: str, output: Path) -> None:
    """Write one PDF of the certificates of a unit and the units below it, for printing."""
    zone = current_app.config["TIMEZONE"]
    found = units.get_by_code(code)
    if found is None:
        click.echo(_("No unit with code %(code)s.", code=code), err=True)
        sys.exit(1)
    try:
        chosen = parse_period(period, zone)
    except ValueError:
        click.echo(_("“%(text)s” is not a period (2026, 2026-H1, 2026-H2).", text=period), err=True)
        sys.exit(1)
    today = local_today(zone)
    filters = queries.Filters(
        unit_id=found.id, scope=true(), period=chosen, course_id=None, status=None
    )
    certificates = db.session.scalars(queries.for_printing(filters, today))
    with current_app.test_request_context():  # absolute verification URLs need a request
        faces = printing.faces_of(certificates, today)
    if not faces:
        click.echo(_("No certificate matches: there is nothing to print."), err=True)
        sys.exit(1)
    with output.open("wb") as target:
        pages = printing.write_file(faces, target)
    click.echo(_("%(n)s certificate(s) written to %(file)s.", n=pages, file=output))
