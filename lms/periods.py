"""The period picker of the pages that report over a period (the 6-monthly and annual reviews):
this half-year, the last one, this year, last year, or a year typed in. The page's URL keeps
the period's label (``?period=2026-H2``, ``?period=2026``), so links and bookmarks work as
before; a chosen year comes as ``?period=year&year=2023``. Use it with the ``period_picker``
macro of ``templates/_period.html``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from flask_babel import gettext as _

from lms.timeutil import Period, local_today, parse_period

CHOSEN_YEAR = "year"  # the picker's value for "another year", with the year in ``year``


@dataclass
class PeriodChoice:
    """What the picker shows and what was picked: ``period`` None with ``error`` when the
    request named no period that exists (the page answers 400 and shows the picker again)."""

    period: Period | None
    error: str = ""
    options: list[tuple[str, str]] = field(default_factory=list)  # (value, label)
    selected: str = ""
    year: str = ""


def describe(period: Period) -> str:
    """A period in words: "first half of 2026", "second half of 2026", "year 2026"."""
    year, _dash, half = period.label.partition("-")
    if half == "H1":
        return str(_("first half of %(year)s", year=year))
    if half == "H2":
        return str(_("second half of %(year)s", year=year))
    return str(_("year %(year)s", year=year))


def _presets(zone: str) -> list[tuple[str, str]]:
    today = local_today(zone)
    this_half = f"{today.year}-H{1 if today.month <= 6 else 2}"
    last_half = f"{today.year}-H1" if today.month > 6 else f"{today.year - 1}-H2"

    def words(label: str) -> str:
        return describe(parse_period(label, zone))

    return [
        (this_half, _("This half-year: %(period)s", period=words(this_half))),
        (last_half, _("Last half-year: %(period)s", period=words(last_half))),
        (str(today.year), _("This year: %(period)s", period=words(str(today.year)))),
        (str(today.year - 1), _("Last year: %(period)s", period=words(str(today.year - 1)))),
    ]


def choose_period(args: Mapping[str, str], zone: str) -> PeriodChoice:
    """The period a request asks for (``period``, and ``year`` for a chosen year); this
    half-year when it names none."""
    presets = _presets(zone)
    text = (args.get("period") or "").strip()[:20]
    year = (args.get("year") or "").strip()[:10]
    choice = PeriodChoice(period=None, year=year)
    if text.lower() == CHOSEN_YEAR:
        wanted, choice.selected = year, CHOSEN_YEAR
        if not year:
            choice.error = _("Type the year, e.g. 2024.")
    else:
        wanted = text or presets[0][0]
    if not choice.error:
        try:
            choice.period = parse_period(wanted, zone)
        except ValueError:
            choice.error = _(
                "“%(text)s” is not a period. Choose one from the list, or type a year from "
                "2000 to 2100; in a link, a period is a year (2026) or a half-year (2026-H1: "
                "January to June, 2026-H2: July to December).",
                text=wanted,
            )
    choice.options = list(presets)
    if choice.period is not None and choice.selected != CHOSEN_YEAR:
        choice.selected = choice.period.label
        if choice.period.label not in {value for value, _label in presets}:
            # A period from a link (an older half-year, say): shown as what is picked.
            choice.options.insert(0, (choice.period.label, describe(choice.period)))
    choice.options.append((CHOSEN_YEAR, _("Another year (type it)")))
    return choice
