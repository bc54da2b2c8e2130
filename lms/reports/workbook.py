"""The review report as tables, written as a formatted XLSX workbook (a title block, frozen
headers, numbers as numbers, percentages formatted) or as one CSV file (UTF-8 with BOM,
formula-safe). Both come from ``tables()``, so they cannot disagree."""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from flask_babel import format_date, format_datetime, get_locale
from flask_babel import gettext as _

from lms import xlsx
from lms.formatting import decimal_in
from lms.periods import describe
from lms.reports.cohort import Figures
from lms.reports.lists import PersonCourse, RankedUnit
from lms.reports.review import Review
from lms.spreadsheets import to_csv
from lms.timeutil import to_local_naive
from lms.xlsx import Percent  # a number in the CSV, a formatted percentage in the workbook


@dataclass
class Sheet:
    name: str  # the sheet's tab (31 characters at most)
    title: str  # the heading above the table
    header: list[str]
    rows: list[list[Any]]
    ends_with_total: bool = False  # the last row sums the others
    total: int | None = None  # the whole list's length when ``rows`` holds only its first rows

    @property
    def length(self) -> int:
        return self.total if self.total is not None else len(self.rows)


def _percent(value: float | None) -> Percent | None:
    return Percent(value) if value is not None else None


def _percent_header(name: str) -> str:
    """A column of percentages (outside the message: a catalogue reads "%)" as a placeholder)."""
    return f"{name} (%)"


def _figure_header() -> list[str]:
    return [
        _("Headcount"),
        _("Assigned"),
        _("Completed"),
        _("On time"),
        _("Overdue"),
        _percent_header(_("Completion rate")),
        _percent_header(_("Attendance rate")),
        _percent_header(_("Average best score")),
        _("Certificates issued"),
    ]


def _figure_cells(found: Figures) -> list[Any]:
    return [
        found.cadres,
        found.enrolled,
        found.completed,
        found.on_time,
        found.overdue,
        _percent(found.rate),
        _percent(found.attendance_rate),
        _percent(found.average_score),
        found.certificates,
    ]


def report_title(review: Review) -> str:
    period = review.scope.period
    if "-H" in period.label:
        return str(_("Training review, %(period)s (6-month review)", period=describe(period)))
    return str(_("Training review, %(period)s (annual review)", period=describe(period)))


def heading_lines(review: Review) -> list[str]:
    scope = review.scope
    unit = scope.unit.name if scope.unit is not None else _("The whole province")
    lines = [
        report_title(review),
        _("Unit: %(unit)s", unit=unit),
        _("Period: %(period)s", period=f"{describe(scope.period)} ({scope.period.label})"),
    ]
    if scope.course is not None:
        lines.append(_("Course: %(title)s", title=scope.course.title))
    moment = format_datetime(scope.now, "dd/MM/yyyy HH:mm")  # shown in the configured zone
    lines.append(_("Figures as of %(moment)s", moment=moment))
    return lines


def _units_sheet(review: Review) -> Sheet:
    overview = review.overview
    rows = []
    if overview.unit is not None and (overview.own.enrolled or overview.own.cadres):
        own = overview.own
        name = _("%(unit)s (its own people)", unit=overview.unit.name)
        rows.append([overview.unit.code, name, *_figure_cells(own)])
    for row in overview.rows:
        rows.append([row.code, row.name, *_figure_cells(row.figures)])
    rows.append(["", _("Total"), *_figure_cells(overview.total)])
    return Sheet(
        _("Units"),
        _("Completion by unit"),
        [_("Unit code"), _("Unit"), *_figure_header()],
        rows,
        ends_with_total=True,
    )


def _courses_sheet(review: Review) -> Sheet:
    header = [_("Course code"), _("Course"), *_figure_header()[1:6], *_figure_header()[7:]]
    rows = []
    for row in review.courses:
        cells = _figure_cells(row.figures)
        rows.append([row.slug, row.title, *cells[1:6], *cells[7:]])
    return Sheet(_("Courses"), _("Completion by course"), header, rows)


def _person_cells(item: PersonCourse) -> list[Any]:
    return [item.full_name, item.username, item.rank, item.position, item.unit_name]


def _person_header() -> list[str]:
    return [_("Full name"), _("Username"), _("Rank"), _("Position"), _("Unit")]


def _overdue_sheet(review: Review) -> Sheet:
    today = review.scope.today
    return Sheet(
        _("Overdue"),
        _("Reminders: cadres with overdue courses"),
        [*_person_header(), _("Course"), _("Due date"), _("Days overdue")],
        [
            [*_person_cells(item), item.course_title, item.due_date, item.days_overdue(today)]
            for item in review.overdue
        ],
        total=review.overdue_total,
    )


def _unit_rank_cells(unit: RankedUnit) -> list[Any]:
    found = unit.figures
    return [
        unit.code,
        unit.name,
        found.enrolled,
        found.completed,
        found.on_time,
        found.overdue,
        _percent(found.rate),
        _percent(found.on_time_rate),
    ]


def _unit_rank_header() -> list[str]:
    return [
        _("Unit code"),
        _("Unit"),
        _("Assigned"),
        _("Completed"),
        _("On time"),
        _("Overdue"),
        _percent_header(_("Completion rate")),
        _percent_header(_("On-time rate")),
    ]


def _lagging_sheet(review: Review) -> Sheet:
    return Sheet(
        _("Lagging units"),
        _("Reminders: units below %(rate)s %% completion", rate=f"{review.threshold:g}"),
        _unit_rank_header(),
        [_unit_rank_cells(unit) for unit in review.lagging],
    )


def _commendation_sheets(review: Review) -> list[Sheet]:
    zone = review.scope.zone
    units = Sheet(
        _("Commended units"),
        _("Commendations: units with the highest completion rates"),
        _unit_rank_header(),
        [_unit_rank_cells(unit) for unit in review.best_units],
    )
    people = Sheet(
        _("Commended cadres"),
        _("Commendations: cadres who completed early with high scores"),
        [
            *_person_header(),
            _("Course"),
            _("Completed on"),
            _("Due date"),
            _percent_header(_("Best score")),
        ],
        [
            [
                *_person_cells(item),
                item.course_title,
                _local_day(item.completed_at, zone),
                item.due_date,
                _percent(item.best),
            ]
            for item in review.early
        ],
    )
    return [units, people]


def _local_day(moment: dt.datetime | None, zone: str) -> dt.date | None:
    local = to_local_naive(moment, zone)
    return local.date() if local is not None else None


def _pilots_sheet(review: Review) -> Sheet:
    pilots = review.pilots
    header = [_("Group"), *_figure_header()[1:6], *_figure_header()[7:]]

    def cells(label: str, found: Figures) -> list[Any]:
        values = _figure_cells(found)
        return [label, *values[1:6], *values[7:]]

    rows = [cells(_("Pilot units"), pilots.pilots), cells(_("Other units"), pilots.rest)]
    rows += [cells(f"{unit.name} ({unit.code})", unit.figures) for unit in pilots.units]
    return Sheet(_("Pilots"), _("Pilot units against the rest"), header, rows)


def sheets(review: Review) -> list[Sheet]:
    return [
        _units_sheet(review),
        _courses_sheet(review),
        _overdue_sheet(review),
        _lagging_sheet(review),
        *_commendation_sheets(review),
        _pilots_sheet(review),
    ]


def as_csv(review: Review) -> bytes:
    lines = heading_lines(review)
    tables = [(lines[0], lines[:1], [[line] for line in lines[1:]])]
    tables += [(sheet.title, sheet.header, sheet.rows) for sheet in sheets(review)]
    return to_csv(tables)


def as_xlsx(review: Review) -> bytes:
    lines = heading_lines(review)
    return xlsx.write([_worksheet(sheet, lines) for sheet in sheets(review)])


def _worksheet(sheet: Sheet, lines: Sequence[str]) -> xlsx.Worksheet:
    widths = [
        min(
            max(max([len(str(name))] + [len(str(r[i] or "")) for r in sheet.rows[:200]]) + 2, 10),
            45,
        )
        for i, name in enumerate(sheet.header)
    ]
    above: list[Sequence[Any]] = [
        [xlsx.Styled(lines[0], xlsx.Style.TITLE)],
        *([line] for line in lines[1:]),
        [xlsx.Styled(sheet.title, xlsx.Style.BOLD)],
        [xlsx.Styled(name, xlsx.Style.HEADER) for name in sheet.header],
    ]
    return xlsx.Worksheet(
        sheet.name,
        itertools.chain(above, sheet.rows),
        widths=widths,
        frozen_rows=len(above),  # the heading lines, the sheet's title and its header
    )


@dataclass
class PrintedSheet:
    """A sheet as the printed page shows it: each cell's text and whether it is a number."""

    sheet: Sheet
    rows: list[list[tuple[str, bool]]]
    cut: bool  # the page shows only the first rows of the list


def printed(sheets: Sequence[Sheet], limit: int) -> list[PrintedSheet]:
    """The sheets for the printed page, lists cut to ``limit`` rows (a total row is kept),
    formatted here once rather than cell by cell in the template: the province's page holds
    8,000 cells."""
    locale = str(get_locale())
    out = []
    for sheet in sheets:
        shown = sheet.rows if sheet.ends_with_total else sheet.rows[:limit]
        rows = [[_printed_cell(value, locale) for value in row] for row in shown]
        out.append(PrintedSheet(sheet, rows, cut=sheet.length > len(shown)))
    return out


def _printed_cell(value: Any, locale: str) -> tuple[str, bool]:
    """A cell's text as the workbook shows it, and whether it is a number."""
    if value is None:
        return "—", False
    if isinstance(value, Percent):
        return f"{decimal_in(locale, float(value), '#,##0.0')}%", True
    if isinstance(value, int | float) and not isinstance(value, bool):
        return decimal_in(locale, value), True
    if isinstance(value, dt.datetime):
        return format_datetime(value, "short"), False
    if isinstance(value, dt.date):
        return format_date(value, "short"), False
    return str(value), False
