"""Template filters: dates in the configured zone, numbers in the user's locale."""

from __future__ import annotations

import datetime as dt

from flask_babel import format_date, format_datetime, format_decimal


def local_datetime(value: dt.datetime | None) -> str:
    return format_datetime(value, "short") if value else ""


def local_date(value: dt.datetime | dt.date | None) -> str:
    return format_date(value, "short") if value else ""


def number(value: int | float | None) -> str:
    return format_decimal(value) if value is not None else ""
