"""Reading import files: CSV (UTF-8, with a header) or XLSX (header in row 1).

Both give the same thing: rows as dicts keyed by column, each with its line number in the file,
so that every problem can be reported where the user will find it.
"""

from __future__ import annotations

import csv
import io
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from flask_babel import lazy_gettext as _l

from lms.errors import ImportRefused, Problem
from lms.text import nfc

XLSX_MAGIC = b"PK\x03\x04"
# An XLSX is a zip: a small file may unpack to gigabytes. 200 MB is a sheet of about a million
# cells, far more than a province's roster.
MAX_XLSX_UNPACKED = 200 * 2**20


@dataclass(frozen=True)
class Row:
    line: int
    values: dict[str, str]

    def get(self, column: str) -> str:
        return self.values.get(column, "")


def read_rows(
    source: str | Path | IO[bytes], columns: tuple[str, ...], required: tuple[str, ...]
) -> list[Row]:
    """Parse an import file; raise ImportRefused listing every problem with the header or cells.

    ``columns`` are all the columns the format knows; ``required`` must be present in the header.
    """
    data = Path(source).read_bytes() if isinstance(source, str | Path) else source.read()
    if data.startswith(XLSX_MAGIC):
        header, body = _xlsx_rows(data)
    else:
        header, body = _csv_rows(data)
    header = [h.strip().lower() for h in header]
    problems: list[Problem] = []
    unknown = [h for h in header if h not in columns]
    if unknown:
        problems.append(
            Problem(
                1,
                str(
                    _l(
                        "unknown column(s): %(unknown)s; the columns are: %(known)s",
                        unknown=", ".join(unknown) or '""',
                        known=",".join(columns),
                    )
                ),
            )
        )
    missing = [c for c in required if c not in header]
    if missing:
        problems.append(
            Problem(1, str(_l("missing column(s): %(missing)s", missing=", ".join(missing))))
        )
    duplicated = sorted({h for h in header if header.count(h) > 1})
    if duplicated:
        problems.append(
            Problem(1, str(_l("column(s) given twice: %(columns)s", columns=", ".join(duplicated))))
        )
    if problems:
        raise ImportRefused(problems)

    rows = []
    for line, cells in body:
        if not any(cell.strip() for cell in cells):
            continue  # blank lines are common at the end of spreadsheets
        if len(cells) > len(header) and any(c.strip() for c in cells[len(header) :]):
            problems.append(Problem(line, str(_l("more cells than columns in the header"))))
            continue
        values = {
            col: nfc(cells[i].strip()) if i < len(cells) else "" for i, col in enumerate(header)
        }
        rows.append(Row(line, values))
    if problems:
        raise ImportRefused(problems)
    if not rows:
        raise ImportRefused([Problem(1, str(_l("the file has a header but no rows")))])
    return rows


def _csv_rows(data: bytes) -> tuple[list[str], list[tuple[int, list[str]]]]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise ImportRefused(
            [
                Problem(
                    line, str(_l('the file is not UTF-8 text (save it as "CSV UTF-8" or as XLSX)'))
                )
            ]
        ) from None
    if not text.strip():
        raise ImportRefused([Problem(1, str(_l("the file is empty")))])
    if "\x00" in text:  # a binary file that happens to decode; no database stores a NUL
        line = text[: text.index("\x00")].count("\n") + 1
        raise ImportRefused(
            [Problem(line, str(_l("the file is not a CSV text file (it holds binary data)")))]
        )
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    rows: list[tuple[int, list[str]]] = []
    try:
        header = next(reader)
        line = reader.line_num + 1
        for cells in reader:
            rows.append((line, cells))
            line = reader.line_num + 1
    except csv.Error as error:
        raise ImportRefused(
            [Problem(reader.line_num, str(_l("the CSV is malformed: %(error)s", error=str(error))))]
        ) from None
    return header, rows


def _xlsx_rows(data: bytes) -> tuple[list[str], list[tuple[int, list[str]]]]:
    from openpyxl import load_workbook

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            unpacked = sum(member.file_size for member in archive.infolist())
    except (zipfile.BadZipFile, ValueError, OSError):
        unpacked = 0  # openpyxl reports the unreadable file below
    if unpacked > MAX_XLSX_UNPACKED:
        raise ImportRefused(
            [
                Problem(
                    1,
                    str(
                        _l(
                            "the workbook unpacks to more than %(n)s MB; split it into smaller "
                            "files",
                            n=MAX_XLSX_UNPACKED // 2**20,
                        )
                    ),
                )
            ]
        )
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError):
        raise ImportRefused(
            [Problem(1, str(_l("the file is not a readable XLSX workbook")))]
        ) from None
    try:
        sheet = workbook.worksheets[0]
        rows: list[tuple[int, list[str]]] = []
        header: list[str] | None = None
        for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
            cells = [_cell_text(v) for v in values]
            if header is None:
                header = list(cells)
                while header and not header[-1]:
                    header.pop()
                continue
            rows.append((number, cells))
    finally:
        workbook.close()
    if not header:
        raise ImportRefused([Problem(1, str(_l("the file is empty")))])
    return header, rows


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # codes typed as numbers in a spreadsheet
    return str(value)
