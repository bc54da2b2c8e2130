"""Clock and time zone helpers: times are stored in UTC and shown in the configured zone."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import overload
from zoneinfo import ZoneInfo


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def local_day_start_utc(day: dt.date, zone: str) -> dt.datetime:
    """The UTC instant at which ``day`` begins in ``zone``."""
    return dt.datetime.combine(day, dt.time.min, tzinfo=ZoneInfo(zone)).astimezone(dt.UTC)


def local_today(zone: str) -> dt.date:
    """Today's date where the users are (deadlines are local dates)."""
    return utcnow().astimezone(ZoneInfo(zone)).date()


def to_local_naive(moment: dt.datetime | None, zone: str) -> dt.datetime | None:
    """A stored UTC time as the naive local time a form shows."""
    return moment.astimezone(ZoneInfo(zone)).replace(tzinfo=None) if moment else None


@overload
def from_local_naive(moment: dt.datetime, zone: str) -> dt.datetime: ...
@overload
def from_local_naive(moment: dt.datetime | None, zone: str) -> dt.datetime | None: ...
def from_local_naive(moment: dt.datetime | None, zone: str) -> dt.datetime | None:
    """A naive local time from a form as an aware UTC time."""
    return moment.replace(tzinfo=ZoneInfo(zone)).astimezone(dt.UTC) if moment else None


PERIOD_PATTERN = re.compile(r"^([0-9]{4})(?:-(H1|H2))?$")


@dataclass(frozen=True)
class Period:
    """A reporting period: a year (``2026``) or one of its halves (``2026-H1``, ``2026-H2``),
    the 6-monthly and annual reviews, bounded in the local zone and expressed in UTC."""

    label: str
    since: dt.datetime
    until: dt.datetime


def parse_period(text: str, zone: str) -> Period:
    """The period ``text`` names; ValueError if it names none."""
    found = PERIOD_PATTERN.match((text or "").strip().upper())
    if not found:
        raise ValueError(text)
    year, half = int(found.group(1)), found.group(2)
    if not 2000 <= year <= 2100:
        raise ValueError(text)
    first, last = {None: (1, 13), "H1": (1, 7), "H2": (7, 13)}[half]
    end = dt.date(year + 1, 1, 1) if last == 13 else dt.date(year, last, 1)
    label = f"{year}-{half}" if half else str(year)
    return Period(
        label, local_day_start_utc(dt.date(year, first, 1), zone), local_day_start_utc(end, zone)
    )


def current_half(zone: str) -> str:
    today = local_today(zone)
    return f"{today.year}-H{1 if today.month <= 6 else 2}"
