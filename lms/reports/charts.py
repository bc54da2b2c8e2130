"""Charts a commander reads at a glance, drawn on the server as SVG: nothing fetched, no script,
sharp on a 360-px phone and on paper. Every chart's numbers are also in a table on the page.

The SVG scales to the width of its box (``viewBox``); colours come from the stylesheet's
``chart-*`` classes, with presentation attributes as the fallback (print, no CSS)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from flask_babel import format_date
from flask_babel import gettext as _
from markupsafe import Markup, escape

from lms.formatting import decimal

WIDTH = 320  # drawn at the width of its box: a phone shows it a little larger
PAD = 8
VALUE_ROOM = 40  # right of the longest bar, for "100 %"
ROW = 34  # one unit: its name, then its bar
NAME_CHARS = 40


@dataclass
class Bar:
    label: str
    rate: float | None  # percent; None: nothing due
    note: str = ""  # after the name, e.g. "12/40"


def _percent(value: float) -> str:
    return f"{decimal(value, '#,##0.#')} %"


def _target_words(target: float) -> str:
    return str(_("Target %(rate)s", rate=_percent(target)))


def _short(text: str) -> str:
    return text if len(text) <= NAME_CHARS else text[: NAME_CHARS - 1] + "…"


def completion_bars(bars: Sequence[Bar], target: float, *, title: str) -> Markup:
    """Horizontal bars, highest rate first, with the target as a dashed line."""
    nothing_due = _("nothing due")
    ordered = sorted(bars, key=lambda b: (b.rate is None, -(b.rate or 0), b.label))
    span = WIDTH - 2 * PAD - VALUE_ROOM
    top = 20
    height = top + ROW * max(len(ordered), 1) + 4
    target_x = PAD + span * min(max(target, 0), 100) / 100
    parts = [
        f'<svg class="chart" viewBox="0 0 {WIDTH} {height}" role="img" '
        f'aria-label="{escape(title)}" preserveAspectRatio="xMinYMin meet">',
        f"<title>{escape(title)}</title>",
    ]
    for index, bar in enumerate(ordered):
        y = top + ROW * index
        name = _short(bar.label) + (f" · {bar.note}" if bar.note else "")
        parts.append(
            f'<text class="chart-label" x="{PAD}" y="{y + 11}" font-size="11">{escape(name)}</text>'
        )
        parts.append(
            f'<rect class="chart-track" x="{PAD}" y="{y + 15}" width="{span}" height="12" '
            'fill="#eeeeee"/>'
        )
        if bar.rate is None:
            parts.append(
                f'<text class="chart-value" x="{PAD + 4}" y="{y + 25}" font-size="10">'
                f"{escape(nothing_due)}</text>"
            )
            continue
        length = span * min(max(bar.rate, 0), 100) / 100
        below = " chart-bar-below" if bar.rate < target else ""
        parts.append(
            f'<rect class="chart-bar{below}" x="{PAD}" y="{y + 15}" width="{length:.1f}" '
            'height="12" fill="#2f5d8a"/>'
        )
        parts.append(
            f'<text class="chart-value" x="{PAD + length + 4:.1f}" y="{y + 25}" font-size="11">'
            f"{escape(_percent(bar.rate))}</text>"
        )
    parts.append(
        f'<line class="chart-target" x1="{target_x:.1f}" y1="14" x2="{target_x:.1f}" '
        f'y2="{height - 2}" stroke="#b03a2e" stroke-width="1.5" stroke-dasharray="4 3"/>'
    )
    anchor = "end" if target > 60 else "start"
    label_x = target_x - 3 if anchor == "end" else target_x + 3
    parts.append(
        f'<text class="chart-target-label" x="{label_x:.1f}" y="11" font-size="10" '
        f'text-anchor="{anchor}">{escape(_target_words(target))}</text>'
    )
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - every text above is escaped


@dataclass
class Column:
    month: dt.date
    rate: float | None  # cumulative percent at the month's end; None: still to come
    completed: int  # completions within the month


def monthly_columns(columns: Sequence[Column], target: float, *, title: str) -> Markup:
    """One column per month: how far the unit had got by the month's end (0-100 %), the
    completions of the month under it, the target as a dashed line."""
    height = 166
    chart_top, chart_bottom = 22, 130
    span = chart_bottom - chart_top
    slot = (WIDTH - 2 * PAD) / max(len(columns), 1)
    width = slot * 0.62
    target_y = chart_bottom - span * min(max(target, 0), 100) / 100
    small = len(columns) > 6  # twelve months on a phone: smaller labels
    size = 9 if small else 11
    parts = [
        f'<svg class="chart" viewBox="0 0 {WIDTH} {height}" role="img" '
        f'aria-label="{escape(title)}" preserveAspectRatio="xMinYMin meet">',
        f"<title>{escape(title)}</title>",
        f'<line class="chart-axis" x1="{PAD}" y1="{chart_bottom}" x2="{WIDTH - PAD}" '
        f'y2="{chart_bottom}" stroke="#888888"/>',
    ]
    for index, column in enumerate(columns):
        x = PAD + slot * index + (slot - width) / 2
        middle = x + width / 2
        if column.rate is not None:
            bar = span * min(max(column.rate, 0), 100) / 100
            below = " chart-bar-below" if column.rate < target else ""
            parts.append(
                f'<rect class="chart-bar{below}" x="{x:.1f}" y="{chart_bottom - bar:.1f}" '
                f'width="{width:.1f}" height="{bar:.1f}" fill="#2f5d8a"/>'
            )
            parts.append(
                f'<text class="chart-value" x="{middle:.1f}" y="{chart_bottom - bar - 3:.1f}" '
                f'font-size="{size}" text-anchor="middle">'
                f"{escape(decimal(column.rate, '#,##0'))}</text>"
            )
        parts.append(
            f'<text class="chart-label" x="{middle:.1f}" y="{chart_bottom + 14}" '
            f'font-size="{size}" text-anchor="middle">'
            f"{escape(format_date(column.month, 'M/yy'))}</text>"
        )
        if column.rate is not None:
            parts.append(
                f'<text class="chart-note" x="{middle:.1f}" y="{chart_bottom + 28}" '
                f'font-size="{size}" text-anchor="middle">+{column.completed}</text>'
            )
    parts.append(
        f'<line class="chart-target" x1="{PAD}" y1="{target_y:.1f}" x2="{WIDTH - PAD}" '
        f'y2="{target_y:.1f}" stroke="#b03a2e" stroke-width="1.5" stroke-dasharray="4 3"/>'
    )
    parts.append(
        f'<text class="chart-target-label" x="{WIDTH - PAD}" y="{target_y - 3:.1f}" '
        f'font-size="10" text-anchor="end">'
        f"{escape(_target_words(target))}</text>"
    )
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - every text above is escaped
