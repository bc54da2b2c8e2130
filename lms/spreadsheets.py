"""Writing downloads: tables as CSV (UTF-8 with a byte order mark, so that Excel reads the
Vietnamese letters) or as an XLSX workbook. Cells that a spreadsheet would run as a formula
are written as text.

A CSV cell is read as a formula when it starts with ``=``, ``+``, ``-`` or ``@`` (or their
full-width forms), and a spreadsheet decides where cells start: Excel in a locale whose list
separator is ``;`` splits a line at every ``;``, whatever the file's own delimiter, and others
split at tabs or ignore the quoting of a line break. So a formula character is neutralised
(an apostrophe put before it) at the start of the text and after every separator a
spreadsheet may use, spaces and double quotes in between included.
``tests/corpora/csv_injection.txt`` holds the hostile values the tests try."""

from __future__ import annotations

import csv
import datetime as dt
import io
import itertools
import re
from collections.abc import Sequence
from typing import Any

from lms import xlsx

# A table: its title, its header, its rows.
Table = tuple[str, Sequence[str], Sequence[Sequence[Any]]]

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_TYPE = "text/csv; charset=utf-8"
# A formula character (ASCII or full-width) at the start of the text or after a separator
# (comma, semicolon, tab, line break, vertical bar), with any spaces or double quotes between them.
_FORMULA_AFTER_SEPARATOR = re.compile(r"""(?:^|(?<=[,;\t\r\n|]))([\s"]*)(?=[=+\-@＝＋－＠])""")


_FORMULA_CHARACTER = re.compile("[=+\\-@＝＋－＠]")


def neutralise_formulas(text: str) -> str:
    """``text`` with an apostrophe before every formula character that could start a cell."""
    if not _FORMULA_CHARACTER.search(text):
        return text  # most text: a plain search is many times cheaper than the substitution
    return _FORMULA_AFTER_SEPARATOR.sub(r"\1'", text)


def _csv_cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, str):
        return neutralise_formulas(value)
    return str(value)


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
    """A workbook with one sheet per table, its header bold and kept in view. Datetimes must
    be naive (local) times."""
    return xlsx.write(
        [
            xlsx.Worksheet(
                title,
                itertools.chain([[xlsx.Styled(name, xlsx.Style.HEADER) for name in header]], rows),
                widths=[min(max(len(name) + 2, 10), 45) for name in header],
                frozen_rows=1,
            )
            for title, header, rows in tables
        ]
    )
