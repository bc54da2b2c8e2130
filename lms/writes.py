"""How many rows a write changed: the compare-and-swap updates (a record, a session, a module
revision, a notification claimed for e-mail) decide on it."""

from __future__ import annotations

from typing import Any, cast

from sqlalchemy import CursorResult
from sqlalchemy.sql import Executable

from lms.extensions import db


def rows_changed(statement: Executable) -> int:
    """Run an UPDATE, DELETE or INSERT in the current session; the rows it changed."""
    # Session.execute is typed as returning a Result; a write's is a CursorResult.
    return cast(CursorResult[Any], db.session.execute(statement)).rowcount
