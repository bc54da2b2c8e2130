"""Template filters: dates in the configured zone, numbers in the user's locale."""

from __future__ import annotations

import datetime as dt
from functools import lru_cache

from babel import numbers
from flask_babel import format_date, format_datetime, get_locale


def local_datetime(value: dt.datetime | None) -> str:
    return format_datetime(value, "short") if value else ""


def local_date(value: dt.datetime | dt.date | None) -> str:
    return format_date(value, "short") if value else ""


def number(value: int | float | None, *, exact: bool = False) -> str:
    """In the user's locale; ``exact``: every decimal kept and no grouping (an answer key's
    1822 and 0.0005, not "1.822" and "0,001")."""
    if value is None:
        return ""
    return decimal(value, "0.###############" if exact else None)


def decimal(value: int | float, pattern: str | None = None) -> str:
    """Flask-Babel's ``format_decimal``, remembered: a province's report formats thousands of
    mostly the same small numbers, and Babel takes ~20 µs for each."""
    kind: type = type(value)  # mypy takes type[int] | type[float] for unhashable
    return _decimal(kind, value, pattern, str(get_locale()))


def decimal_in(locale: str, value: int | float, pattern: str | None = None) -> str:
    """``decimal`` in a locale the caller looked up once (for thousands of cells)."""
    kind: type = type(value)  # mypy takes type[int] | type[float] for unhashable
    return _decimal(kind, value, pattern, locale)


@lru_cache(maxsize=8192)
def _decimal(_kind: type, value: int | float, pattern: str | None, locale: str) -> str:
    return numbers.format_decimal(value, format=pattern, locale=locale)


def month(value: dt.date | None) -> str:
    """A month as the reviews write it: 07/2026."""
    return format_date(value, "MM/yyyy") if value else ""
