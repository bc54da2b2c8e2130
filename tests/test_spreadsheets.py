"""Downloads are formula-safe whatever separator the spreadsheet splits at."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pytest

from lms.spreadsheets import to_csv

CORPUS = Path(__file__).parent / "corpora" / "csv_injection.txt"
PAYLOADS = [
    line
    for line in CORPUS.read_text(encoding="utf-8").splitlines()
    if line and not line.startswith("# ")
]
# What may stand before a payload in one cell: nothing, or text and a separator that some
# spreadsheet (or locale) splits cells at.
PREFIXES = ["", "Nguyễn Văn An", "x;", "x; ", "x,", "x, ", "x\t", "x\n", "x\r\n", "x|", 'x;"']
FORMULA = ("=", "+", "-", "@", "＝", "＋", "－", "＠")


def _cells_as_a_spreadsheet_may_read(text: str) -> list[str]:
    """Every cell of ``text`` under every delimiter, honouring the quotes or not."""
    cells: list[str] = []
    for delimiter in (",", ";", "\t", "|"):
        for row in csv.reader(io.StringIO(text), delimiter=delimiter):
            cells.extend(row)
        for line in re.split(r"[\r\n]+", text):
            cells.extend(line.split(delimiter))
    return cells


def test_the_corpus_is_there():
    assert len(PAYLOADS) >= 30
    assert any(p.startswith("=HYPERLINK") for p in PAYLOADS)


@pytest.mark.parametrize("payload", PAYLOADS)
def test_no_cell_starts_a_formula_after_any_separator(payload):
    values = [prefix + payload for prefix in PREFIXES]
    text = to_csv([("t", ["value"], [[value] for value in values])]).decode("utf-8-sig")
    for cell in _cells_as_a_spreadsheet_may_read(text):
        start = cell.strip().lstrip('"').strip()
        assert not start.startswith(FORMULA), (payload, cell)


@pytest.mark.parametrize("payload", PAYLOADS)
def test_the_value_is_kept_readable(payload):
    """Only apostrophes are added, each just before a formula character."""
    value = "Trần Minh Đức; " + payload
    [[_header], [cell]] = list(
        csv.reader(io.StringIO(to_csv([("t", ["v"], [[value]])]).decode("utf-8-sig")))
    )
    assert re.sub(r"'(?=[=+\-@＝＋－＠])", "", cell) == value
    assert len(cell) - len(value) == len(re.findall(r"'(?=[=+\-@＝＋－＠])", cell))


def test_ordinary_values_are_unchanged():
    rows = [["Nguyễn Văn An", "Thiếu úy", "a-b", "2026-12-01", 5, -3, "x;y", "Hà Tĩnh, Việt Nam"]]
    text = to_csv([("t", ["a"] * 8, rows)]).decode("utf-8-sig")
    assert list(csv.reader(io.StringIO(text)))[1] == [
        "Nguyễn Văn An",
        "Thiếu úy",
        "a-b",
        "2026-12-01",
        "5",
        "-3",
        "x;y",
        "Hà Tĩnh, Việt Nam",
    ]
