from __future__ import annotations

import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext
from flask_babel import gettext as _

from lms.commandline import cli_actor, one_transaction
from lms.courses import enrollment, folders, services
from lms.inputs import parse_date
from lms.paths import PROJECT_ROOT
from lms.units import services as units

SHIPPED_COURSES_DIR = PROJECT_ROOT / "courses"


def courses_dir() -> Path:
    """LMS_COURSES_DIR, else the programme shipped beside the package."""
    configured = current_app.config.get("COURSES_DIR")
    return Path(configured) if configured else SHIPPED_COURSES_DIR


@click.group("courses")
def courses_group() -> None:
    """Courses and their folders."""


def sync_directory(directory: Path) -> bool:
    """Sync and report; returns False when some course folder was refused."""
    result = folders.sync_folders(directory)
    for report in result.reports:
        if report.created:
            click.echo(
                _("%(slug)s: created with %(n)s modules.", slug=report.slug, n=report.modules_added)
            )
        elif report.changed:
            click.echo(
                _(
                    "%(slug)s: %(added)s modules added, %(changed)s changed, %(removed)s "
                    "removed, %(moved)s moved; settings %(settings)s.",
                    slug=report.slug,
                    added=report.modules_added,
                    changed=report.modules_changed,
                    removed=report.modules_removed,
                    moved=report.modules_moved,
                    settings=_("changed") if report.settings_changed else _("unchanged"),
                )
            )
        else:
            click.echo(_("%(slug)s: unchanged.", slug=report.slug))
        if report.quizzes_added or report.quizzes_changed or report.quizzes_removed:
            click.echo(
                _(
                    "%(slug)s: quizzes: %(added)s added, %(changed)s changed, %(removed)s removed.",
                    slug=report.slug,
                    added=report.quizzes_added,
                    changed=report.quizzes_changed,
                    removed=report.quizzes_removed,
                )
            )
        if report.questions_added or report.questions_removed:
            click.echo(
                _(
                    "%(slug)s: question bank: %(added)s questions added, %(removed)s removed.",
                    slug=report.slug,
                    added=report.questions_added,
                    removed=report.questions_removed,
                )
            )
    for slug, problems in result.refused.items():
        click.echo(_("%(slug)s: not synced, nothing of it was written:", slug=slug), err=True)
        for problem in problems:
            click.echo(f"  {problem}", err=True)
    return not result.refused


@courses_group.command("sync")
@click.argument(
    "directory", required=False, type=click.Path(exists=True, file_okay=False, path_type=Path)
)
@with_appcontext
def sync_command(directory: Path | None) -> None:
    """Create or update courses from course folders (default: the shipped courses/)."""
    with one_transaction():
        ok = sync_directory(directory or courses_dir())
    if not ok:
        sys.exit(1)


@courses_group.command("export")
@click.argument("slug")
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
@with_appcontext
def export_command(slug: str, directory: Path) -> None:
    """Write a course back out as a course folder DIRECTORY/SLUG."""
    course = services.get_course(slug, with_modules=True)
    if course is None:
        click.echo(_("No course %(slug)s.", slug=slug), err=True)
        sys.exit(1)
    try:
        # A transaction: questions written on the web take the exported file as their source.
        with one_transaction():
            written = folders.export_course(course, list(course.modules), directory)
    except OSError as error:  # the target is a file, or not writable
        click.echo(
            _(
                "Cannot write %(folder)s: %(error)s",
                folder=directory / course.slug,
                error=error.strerror or error,
            ),
            err=True,
        )
        sys.exit(1)
    click.echo(
        _("%(n)s files written to %(folder)s.", n=len(written), folder=directory / course.slug)
    )


@courses_group.command("assign")
@click.argument("slug")
@click.option("--unit", "unit_code", required=True, help="Unit code; its subtree is included.")
@click.option("--due", required=True, help="Deadline, YYYY-MM-DD.")
@with_appcontext
def assign_command(slug: str, unit_code: str, due: str) -> None:
    """Assign a course to every cadre of a unit and of the units below it."""
    course = services.get_course(slug)
    unit = units.get_by_code(unit_code)
    due_date = parse_date(due)
    if course is None or unit is None or due_date is None:
        click.echo(
            _("Unknown course %(slug)s.", slug=slug)
            if course is None
            else _("Unknown unit %(code)s.", code=unit_code)
            if unit is None
            else _("%(value)s is not a date (YYYY-MM-DD).", value=due),
            err=True,
        )
        sys.exit(1)
    with one_transaction():
        _assignment, created = enrollment.assign(course, unit, due_date, actor=cli_actor())
    click.echo(
        _(
            "%(slug)s assigned to %(unit)s and the units below it, due %(due)s: "
            "%(n)s new enrollments.",
            slug=course.slug,
            unit=unit.code,
            due=due_date,
            n=created,
        )
    )
