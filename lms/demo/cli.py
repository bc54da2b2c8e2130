from __future__ import annotations

import sys

import click
from flask.cli import with_appcontext
from flask_babel import gettext as _

from lms.commandline import one_transaction
from lms.courses.cli import courses_dir
from lms.demo import services
from lms.demo.training import DEMO_COURSE


@click.command("demo")
@click.option("--size", type=click.Choice(["small", "large"]), default="small", show_default=True)
@click.option(
    "--if-empty",
    is_flag=True,
    help="Succeed without loading anything when the database already has data.",
)
@click.option(
    "--force",
    is_flag=True,
    help="Delete every unit, account and record about them first (course content is kept).",
)
@with_appcontext
def demo_command(size: str, if_empty: bool, force: bool) -> None:
    """Fill an empty database with a demo province and print the demo logins."""
    if services.has_data() and not force:
        if if_empty:
            click.echo(_("The database already has data; the demo was not loaded again."))
            _print_logins()
            return
        click.echo(
            _(
                "The database already has data; the demo only fills an empty one. "
                "Use --force to delete everything and load the demo."
            ),
            err=True,
        )
        sys.exit(1)
    with one_transaction():
        if force:
            services.wipe()
        result = services.load(size, courses_dir=courses_dir())
    if size == "large":
        services.analyze()
    click.echo(
        _(
            "Demo province loaded: %(units)s units, %(people)s accounts, %(sessions)s "
            "training sessions.",
            units=result.units,
            people=result.people,
            sessions=result.sessions,
        )
    )
    training, activity = result.training, result.activity
    if activity is not None:
        click.echo(
            _(
                "Training across the province: %(assignments)s assignments, %(enrolled)s "
                "enrollments (%(completed)s completed, %(on_time)s of them on time; %(overdue)s "
                "overdue), %(read)s modules read, %(attempts)s quiz attempts, %(certificates)s "
                "certificates, %(attendance)s attendance records at %(sessions)s training "
                "sessions; %(transfers)s cadres moved to another unit.",
                assignments=activity.assignments,
                enrolled=activity.enrollments,
                completed=activity.completed,
                on_time=activity.on_time,
                overdue=activity.overdue,
                read=activity.modules_read,
                attempts=activity.attempts,
                certificates=activity.certificates,
                attendance=activity.attendance,
                sessions=activity.sessions,
                transfers=activity.transfers,
            )
        )
    elif training is None:
        click.echo(
            _(
                "The shipped course %(slug)s is not in the database (run lms init first): the "
                "demo has no course assigned, no progress and no quiz.",
                slug=DEMO_COURSE,
            )
        )
    else:
        click.echo(
            _(
                "%(courses)s courses assigned across the province (%(enrolled)s enrollments); "
                "%(read)s modules read, %(completed)s courses completed, %(attempts)s quiz "
                "attempts.",
                courses=len(training.courses),
                enrolled=training.enrolled,
                read=training.modules_read,
                completed=training.completed,
                attempts=training.attempts,
            )
        )
    _print_logins()


def _print_logins() -> None:
    click.echo(_("Demo logins (password for all: %(password)s):", password=services.DEMO_PASSWORD))
    for username, roles, unit in services.demo_logins():
        click.echo(f"  {username:<18} {roles:<20} {unit}")
