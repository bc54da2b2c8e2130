"""Set-based writing for the large demo: rows inserted in chunks of one statement each, and
scratch tables that live for the demo's transaction only."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Column, ColumnElement, MetaData, String, Table, func, literal, text
from sqlalchemy.sql.expression import Insert

from lms.extensions import db

CHUNK = 5_000


def insert_rows(statement: Insert | Table, rows: Sequence[dict[str, Any]]) -> int:
    """Insert ``rows`` (dicts with the same keys) in chunks; returns how many."""
    if isinstance(statement, Table):
        statement = statement.insert()
    for start in range(0, len(rows), CHUNK):
        db.session.execute(statement, rows[start : start + CHUNK])
    return len(rows)


@contextmanager
def scratch_table(name: str, *columns: Column[Any]) -> Iterator[Table]:
    """A temporary table for the block (dropped after it, and with the transaction)."""
    table = Table(name, MetaData(), *columns, prefixes=["TEMPORARY"])
    connection = db.session.connection()
    table.create(connection)
    try:
        yield table
    finally:
        connection.execute(text(f"DROP TABLE {name}"))


def plus_seconds(moment: ColumnElement[Any], seconds: ColumnElement[Any]) -> ColumnElement[Any]:
    """SQL: a stored UTC time ``seconds`` (whole) later, in the form the application stores
    times (on SQLite: text with microseconds; ``moment`` must have none)."""
    if db.session.get_bind().dialect.name == "postgresql":
        return moment + func.make_interval(0, 0, 0, 0, 0, 0, seconds)
    shift = literal("+") + seconds.cast(String) + literal(" seconds")
    return func.strftime("%Y-%m-%d %H:%M:%S", moment, shift) + literal(".000000")
