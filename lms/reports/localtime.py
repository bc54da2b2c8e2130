"""Local dates in SQL, the same way on SQLite and PostgreSQL: the UTC instant a local day starts
(computed per row from a DATE column) and the local month a UTC instant falls in.

Due dates are local dates; "the unit a person was in on the due date" and "completed early" need
the instant the local day ends. The zone's offset is taken once per query: Asia/Ho_Chi_Minh has
had a fixed offset (UTC+7) since 1975, so one offset holds for every row.
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import DateTime, Integer, literal
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement


class local_midnight_utc(FunctionElement[dt.datetime]):
    """``local_midnight_utc(date_column, days, offset_minutes)``: the naive UTC instant at which
    the local day ``date_column + days`` begins, in a zone ``offset_minutes`` ahead of UTC."""

    type = DateTime()
    inherit_cache = True
    name = "local_midnight_utc"


def _arguments(element: Any) -> tuple[Any, int, int]:
    date, days, offset = list(element.clauses)
    return date, int(days.value), int(offset.value)


@compiles(local_midnight_utc, "sqlite")
def _sqlite(element: Any, compiler: Any, **kw: Any) -> str:
    # SQLite stores naive UTC as 'YYYY-MM-DD HH:MM:SS.ffffff'; datetime() gives
    # 'YYYY-MM-DD HH:MM:SS', which compares with it correctly as text.
    date, days, offset = _arguments(element)
    minutes = days * 1440 - offset
    return f"datetime({compiler.process(date, **kw)}, '{minutes:+d} minutes')"


@compiles(local_midnight_utc, "postgresql")
def _postgresql(element: Any, compiler: Any, **kw: Any) -> str:
    date, days, offset = _arguments(element)
    minutes = days * 1440 - offset
    return f"(CAST({compiler.process(date, **kw)} AS timestamp) + interval '{minutes} minutes')"


def zone_offset_minutes(zone: str, on: dt.date) -> int:
    """Minutes ``zone`` is ahead of UTC on a given day."""
    moment = dt.datetime.combine(on, dt.time(12), tzinfo=ZoneInfo(zone))
    offset = moment.utcoffset() or dt.timedelta()
    return int(offset.total_seconds() // 60)


def day_end(date_column: Any, zone: str, on: dt.date, *, days_before: int = 0) -> Any:
    """SQL: the UTC instant the local day ``date_column - days_before`` ends."""
    offset = zone_offset_minutes(zone, on)
    return local_midnight_utc(date_column, literal(1 - days_before), literal(offset))


class local_month_index(FunctionElement[int]):
    """``local_month_index(datetime_column, offset_minutes)``: ``year * 12 + month - 1`` of the
    local month a naive UTC instant falls in, in a zone ``offset_minutes`` ahead of UTC (see
    ``month_index``)."""

    type = Integer()
    inherit_cache = True
    name = "local_month_index"


def _month_arguments(element: Any) -> tuple[Any, int]:
    moment, offset = list(element.clauses)
    return moment, int(offset.value)


@compiles(local_month_index, "sqlite")
def _sqlite_month(element: Any, compiler: Any, **kw: Any) -> str:
    moment, offset = _month_arguments(element)
    shifted = f"{compiler.process(moment, **kw)}, '{offset:+d} minutes'"
    return (
        f"(CAST(strftime('%Y', {shifted}) AS INTEGER) * 12"
        f" + CAST(strftime('%m', {shifted}) AS INTEGER) - 1)"
    )


@compiles(local_month_index, "postgresql")
def _postgresql_month(element: Any, compiler: Any, **kw: Any) -> str:
    moment, offset = _month_arguments(element)
    shifted = f"({compiler.process(moment, **kw)} + interval '{offset} minutes')"
    return (
        f"(CAST(EXTRACT(YEAR FROM {shifted}) AS INTEGER) * 12"
        f" + CAST(EXTRACT(MONTH FROM {shifted}) AS INTEGER) - 1)"
    )


def month_index(day: dt.date) -> int:
    """The month ``day`` falls in as one number (``year * 12 + month - 1``): what
    ``local_month_index`` gives in SQL, and never 0 for a real date."""
    return day.year * 12 + day.month - 1


def local_month(moment_column: Any, zone: str, on: dt.date) -> Any:
    """SQL: ``month_index`` of the local month a UTC instant column falls in."""
    return local_month_index(moment_column, literal(zone_offset_minutes(zone, on)))
