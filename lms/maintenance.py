"""Commands that look after the installation: init, create-admin, backup."""

from __future__ import annotations

import sqlite3
import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext
from flask_babel import gettext as _
from flask_migrate import upgrade
from sqlalchemy.engine import make_url

from lms.commandline import cli_actor, one_transaction
from lms.courses.cli import courses_dir, sync_directory
from lms.extensions import db
from lms.people.services import create_user


@click.command("init")
@with_appcontext
def init_command() -> None:
    """Create or upgrade the database to the latest schema, then sync the shipped courses."""

    upgrade(directory=current_app.extensions["migrate"].directory)
    click.echo(_("The database is up to date."))
    directory = courses_dir()
    if not directory.is_dir():
        click.echo(
            _(
                "No course folder at %(path)s: no course was synced (set LMS_COURSES_DIR).",
                path=directory,
            )
        )
        return
    with one_transaction():
        ok = sync_directory(directory)
    if not ok:
        sys.exit(1)


@click.command("create-admin")
@click.argument("username")
@click.option("--password", help="Password; asked for when omitted.")
@click.option("--full-name", default="Quản trị hệ thống", show_default=True)
@with_appcontext
def create_admin_command(username: str, password: str | None, full_name: str) -> None:
    """Create an administrator account."""

    if password is None:
        password = click.prompt(_("Password"), hide_input=True, confirmation_prompt=True)
    with one_transaction():
        user, _temporary = create_user(
            username=username,
            full_name=full_name,
            unit=None,
            roles={"admin"},
            password=password,
            actor=cli_actor(),
            min_password_length=current_app.config["PASSWORD_MIN_LENGTH"],
        )
    click.echo(_("Administrator %(username)s created.", username=user.username))


@click.command("backup")
@click.argument("target", type=click.Path(dir_okay=False, path_type=Path))
@with_appcontext
def backup_command(target: Path) -> None:
    """Write a consistent copy of the database to TARGET (SQLite), safe while serving."""
    url = make_url(current_app.config["SQLALCHEMY_DATABASE_URI"])
    if url.get_backend_name() != "sqlite":
        click.echo(
            _(
                "This database is PostgreSQL: back it up with pg_dump, which takes a consistent "
                "snapshot while the app serves:\n  pg_dump --format=custom --file=%(target)s "
                '"%(url)s"\nRestore with: pg_restore --clean --dbname="%(url)s" %(target)s',
                target=target,
                url=url.set(drivername="postgresql").render_as_string(hide_password=True),
            ),
            err=True,
        )
        sys.exit(2)
    if target.exists():
        click.echo(_("%(target)s already exists; choose a new file name.", target=target), err=True)
        sys.exit(1)
    source_path = url.database
    db.session.remove()
    # The online backup API copies page by page under SQLite's own locking: the result is a
    # consistent snapshot even while requests write to the database.
    source = sqlite3.connect(f"file:{source_path}?mode=ro", uri=True)
    destination = sqlite3.connect(target)
    try:
        with destination:
            source.backup(destination)
    finally:
        destination.close()
        source.close()
    click.echo(_("Backup written to %(target)s.", target=target))
