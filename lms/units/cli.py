from __future__ import annotations

from pathlib import Path

import click
from flask.cli import with_appcontext
from flask_babel import gettext as _

from lms.commandline import cli_actor, one_transaction
from lms.units.importer import import_units


@click.group("units")
def units_group() -> None:
    """The unit tree."""


@units_group.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@with_appcontext
def import_command(file: Path) -> None:
    """Create or update units from a CSV or XLSX file (code,name,parent_code,kind)."""
    with one_transaction():
        result = import_units(file, actor=cli_actor())
    click.echo(
        _(
            "Units: %(created)s created, %(updated)s updated, %(unchanged)s unchanged.",
            created=result.created,
            updated=result.updated,
            unchanged=result.unchanged,
        )
    )
