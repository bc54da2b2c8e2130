"""What every command shares: one transaction per command and the actor's name for the audit
log. (Apart from ``lms/cli.py``, which gathers the commands, so that a feature's commands need
not import the module that imports them.)"""

from __future__ import annotations

import getpass
import sys
from collections.abc import Iterator
from contextlib import contextmanager

import click
from flask_babel import gettext as _

from lms.errors import ImportRefused, InvalidInput
from lms.extensions import db


def cli_actor() -> str:
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
