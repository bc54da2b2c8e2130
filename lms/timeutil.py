"""Clock and time zone helpers: times are stored in UTC and shown in the configured zone."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def local_day_start_utc(day: dt.date, zone: str) -> dt.datetime:
    """The UTC instant at which ``day`` begins in ``zone``."""
    return dt.datetime.combine(day, dt.time.min, tzinfo=ZoneInfo(zone)).astimezone(dt.UTC)


def local_today(zone: str) -> dt.date:
    """Today's date where the users are (deadlines are local dates)."""
    return utcnow().astimezone(ZoneInfo(zone)).date()
