"""The ``lms`` command: a Flask command group over the app factory, plus the project's commands.

``lms run``, ``lms db upgrade`` and ``lms shell`` come from Flask and Flask-Migrate.
"""

from __future__ import annotations

import getpass
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import click
from flask import Flask
from flask.cli import FlaskGroup
from flask_babel import gettext as _

from lms.errors import ImportRefused, InvalidInput
from lms.extensions import db


def _cli_actor() -> str:
    """Who ran a command, for the audit log."""
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):
        return "cli"


@contextmanager
def one_transaction() -> Iterator[None]:
    """Commit if the command's work succeeds; on a refusal say why, write nothing, exit 1."""
    try:
        yield
        db.session.commit()
    except ImportRefused as refused:
        db.session.rollback()
        click.echo(
            _("Nothing was written. %(count)s problem(s):", count=len(refused.problems)), err=True
        )
        for problem in refused.problems:
            click.echo(f"  {problem}", err=True)
        sys.exit(1)
    except InvalidInput as error:
        db.session.rollback()
        click.echo(_("Refused: %(message)s", message=error.message), err=True)
        sys.exit(1)
    except BaseException:
        db.session.rollback()
        raise


def register_commands(app: Flask) -> None:
    from lms.courses.cli import courses_group
    from lms.demo.cli import demo_command
    from lms.maintenance import backup_command, create_admin_command, init_command
    from lms.people.cli import users_group
    from lms.quizzes.cli import quizzes_group
    from lms.units.cli import units_group

    commands: list[Callable[..., Any]] = [
        init_command,
        demo_command,
        create_admin_command,
        backup_command,
        units_group,
        users_group,
        courses_group,
        quizzes_group,
    ]
    for command in commands:
        app.cli.add_command(command)


def _create_app() -> Flask:
    from lms import create_app

    return create_app()


@click.group(cls=FlaskGroup, create_app=_create_app, add_version_option=False)
def main() -> None:
    """Training LMS for mass-mobilization cadres."""
