"""Writing downloads: tables as CSV (UTF-8 with a byte order mark, so that Excel reads the
Vietnamese letters) or as an XLSX workbook. Cells that a spreadsheet would run as a formula
are written as text."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Sequence
from typing import Any

# A table: its title, its header, its rows.
Table = tuple[str, Sequence[str], Sequence[Sequence[Any]]]

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_TYPE = "text/csv; charset=utf-8"
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _csv_cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    text = str(value)
    if isinstance(value, str) and text.startswith(_FORMULA_START):
        return "'" + text
    return text


def to_csv(tables: Sequence[Table]) -> bytes:
    """The tables one after the other, a blank line and the table's title between them."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    for index, (title, header, rows) in enumerate(tables):
        if index:
            writer.writerow([])
            writer.writerow([title])
        writer.writerow(header)
        writer.writerows([_csv_cell(cell) for cell in row] for row in rows)
    return out.getvalue().encode("utf-8-sig")


def to_xlsx(tables: Sequence[Table]) -> bytes:
    """A workbook with one sheet per table. Datetimes must be naive (local) times."""
    from openpyxl import Workbook

    workbook = Workbook()
    workbook.remove(workbook.active)
    for title, header, rows in tables:
        sheet = workbook.create_sheet(title[:31])  # Excel's limit on sheet names
        sheet.append(list(header))
        for row in rows:
            sheet.append(list(row))
        for cells in sheet.iter_rows(min_row=2):
            for cell in cells:
                if isinstance(cell.value, str) and cell.value.startswith("="):
                    cell.data_type = "s"  # text, never a formula
                elif isinstance(cell.value, dt.datetime):
                    cell.number_format = "yyyy-mm-dd hh:mm"
        sheet.freeze_panes = "A2"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
