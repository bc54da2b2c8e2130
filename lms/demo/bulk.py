"""Set-based writing for the large demo: rows inserted in chunks of one statement each, and
scratch tables that live for the demo's transaction only."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from sqlalchemy import (
    Column,
    ColumnElement,
    ForeignKeyConstraint,
    MetaData,
    String,
    Table,
    func,
    literal,
    text,
)
from sqlalchemy.schema import AddConstraint, DropConstraint
from sqlalchemy.sql.expression import Insert

from lms.extensions import db

CHUNK = 5_000


def insert_rows(statement: Insert | Table, rows: Sequence[dict[str, Any]]) -> int:
    """Insert ``rows`` (dicts with the same keys) into a table: with COPY on PostgreSQL, in
    chunks of multi-row statements elsewhere. Returns how many."""
    table = statement if isinstance(statement, Table) else statement.table
    if not rows:
        return 0
    if db.session.get_bind().dialect.name == "postgresql":
        _copy(table, rows)
        return len(rows)
    for start in range(0, len(rows), CHUNK):
        db.session.execute(table.insert(), rows[start : start + CHUNK])
    return len(rows)


def _copy(table: Any, rows: Sequence[dict[str, Any]]) -> None:
    """COPY the rows in, each value converted as the column's type converts it for an
    INSERT (UTC times, NFC text, JSON), in the session's transaction."""
    dialect = db.session.get_bind().dialect
    names = list(rows[0])
    # COPY knows the database's defaults only: add the columns' own (scalar) ones.
    defaults = {
        column.name: column.default.arg
        for column in table.c
        if column.name not in names and column.default is not None and column.default.is_scalar
    }
    if defaults:
        rows = [{**row, **defaults} for row in rows]
        names += list(defaults)
    processors = [table.c[name].type._cached_bind_processor(dialect) for name in names]
    converters = list(zip(names, processors, strict=True))
    quote = dialect.identifier_preparer.quote
    columns = ", ".join(quote(name) for name in names)
    driver = db.session.connection().connection.driver_connection
    statement = f"COPY {quote(table.name)} ({columns}) FROM STDIN"
    with driver.cursor() as cursor, cursor.copy(statement) as copy:  # type: ignore[union-attr]
        for row in rows:
            copy.write_row(
                [convert(row[name]) if convert else row[name] for name, convert in converters]
            )


@contextmanager
def foreign_keys_checked_after(*tables: Table) -> Iterator[None]:
    """On PostgreSQL, check the foreign keys of ``tables`` once, after the block, instead of
    row by row (a trigger per row and key would take most of the large demo's time): the
    constraints are dropped and added back in the same transaction, which validates every row
    in one join. Elsewhere (SQLite checks rows cheaply) the block just runs."""
    if db.session.get_bind().dialect.name != "postgresql":
        yield
        return
    keys = [key for table in tables for key in sorted(table.foreign_key_constraints, key=_columns)]
    for key in keys:
        db.session.execute(DropConstraint(key))
    yield
    for key in keys:
        db.session.execute(AddConstraint(key))


def _columns(key: ForeignKeyConstraint) -> list[str]:
    return list(key.column_keys)


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
