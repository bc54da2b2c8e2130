from __future__ import annotations

import csv
import os
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext
from flask_babel import gettext as _

from lms.commandline import cli_actor, one_transaction
from lms.people.importer import import_users
from lms.timeutil import utcnow


@click.group("users")
def users_group() -> None:
    """Accounts."""


@users_group.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--passwords-out",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Where to write the temporary passwords (default: beside FILE).",
)
@with_appcontext
def import_command(file: Path, passwords_out: Path | None) -> None:
    """Create or update accounts from CSV/XLSX
    (username,full_name,unit_code,rank,position,roles,email,password)."""
    with one_transaction():
        result = import_users(
            file,
            actor=cli_actor(),
            min_password_length=current_app.config["PASSWORD_MIN_LENGTH"],
        )
        if result.temporary_passwords:
            # Written before the commit: if the file cannot be written, no account is created
            # whose password nobody knows.
            passwords_out = passwords_out or file.with_name(
                f"{file.stem}-passwords-{utcnow():%Y%m%dT%H%M%S}.csv"
            )
            _write_passwords(passwords_out, result.temporary_passwords)
    click.echo(
        _(
            "Accounts: %(created)s created, %(updated)s updated, %(unchanged)s unchanged.",
            created=result.created,
            updated=result.updated,
            unchanged=result.unchanged,
        )
    )
    if result.temporary_passwords:
        click.echo(
            _(
                "Temporary passwords for %(count)s new accounts are in %(path)s; hand them "
                "out in person and delete the file.",
                count=len(result.temporary_passwords),
                path=passwords_out,
            )
        )


def _write_passwords(path: Path, rows: list[tuple[str, str, str, str]]) -> None:
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w", newline="", encoding="utf-8-sig") as out:
        writer = csv.writer(out)
        writer.writerow(["username", "full_name", "unit_code", "temporary_password"])
        writer.writerows(rows)
