"""The two rules for numbers and dates that come from outside (query strings, forms, the
command line): every view, form and command reads them through these.

- An integer is ASCII digits (``"²"`` and ``"١٢"`` are digits to Python, and ``int()`` takes
  the second), at most ten of them, an optional minus sign where negatives make sense, and
  within bounds (32-bit by default: ids, versions and counts are 32-bit columns).
- A date is ISO ``YYYY-MM-DD`` in ASCII (a date-time adds ``HH:MM``), in the years 2000-2100:
  a year 1 or 9999 would overflow time-zone arithmetic and means a typing slip anyway.
"""

from __future__ import annotations

import datetime as dt
import re

from flask_babel import lazy_gettext as _l

MAX_INT = 2_147_483_647
MIN_YEAR, MAX_YEAR = 2000, 2100
DATE_RANGE_MESSAGE = _l("Enter a date between 2000 and 2100.")

_INTEGER = re.compile(r"-?[0-9]{1,10}", re.ASCII)
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", re.ASCII)


def parse_int(text: str | None, *, low: int = 0, high: int = MAX_INT) -> int | None:
    """The integer ``text`` spells, or None when it is not one or lies outside low..high."""
    if text is None:
        return None
    text = text.strip()
    if not _INTEGER.fullmatch(text):
        return None
    value = int(text)
    return value if low <= value <= high else None


def in_date_range(value: dt.date | dt.datetime) -> bool:
    return MIN_YEAR <= value.year <= MAX_YEAR


def parse_date(text: str | None) -> dt.date | None:
    """The date ``text`` spells (YYYY-MM-DD), or None when it is none or out of range."""
    text = (text or "").strip()
    if not _DATE.fullmatch(text):
        return None
    try:
        day = dt.date.fromisoformat(text)
    except ValueError:  # 2026-02-30
        return None
    return day if in_date_range(day) else None
