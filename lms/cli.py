"""The ``lms`` command: a Flask command group over the app factory, plus the project's commands.

``lms run``, ``lms db upgrade`` and ``lms shell`` come from Flask and Flask-Migrate.
"""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import FlaskGroup

from lms import create_app
from lms.certificates.cli import certificates_group
from lms.courses.cli import courses_group
from lms.demo.cli import demo_command
from lms.maintenance import backup_command, create_admin_command, init_command
from lms.notifications.cli import notify_command
from lms.people.cli import users_group
from lms.quizzes.cli import quizzes_group
from lms.reports.cli import recount_command, report_command
from lms.units.cli import units_group


def register_commands(app: Flask) -> None:
    commands: list[click.Command] = [
        init_command,
        demo_command,
        create_admin_command,
        backup_command,
        units_group,
        users_group,
        courses_group,
        quizzes_group,
        certificates_group,
        report_command,
        recount_command,
        notify_command,
    ]
    for command in commands:
        app.cli.add_command(command)


def _create_app() -> Flask:
    return create_app()


@click.group(cls=FlaskGroup, create_app=_create_app, add_version_option=False)
def main() -> None:
    """Training LMS for mass-mobilization cadres."""
