"""The workbook writer: what it writes, read back by openpyxl (as a spreadsheet program reads
it), for every kind of value the downloads hold and the hostile ones."""

from __future__ import annotations

import datetime as dt
import decimal
import io
import zipfile
from pathlib import Path
from xml.etree import ElementTree

import pytest
from openpyxl import load_workbook

from lms import xlsx
from lms.xlsx import Percent, Style, Styled, Worksheet

CORPUS = Path(__file__).parent / "corpora" / "csv_injection.txt"


def read(data: bytes):
    return load_workbook(io.BytesIO(data))


def test_values_keep_their_kind_and_format():
    row = [
        "Hà Giang",
        42,
        2.5,
        True,
        decimal.Decimal("7.25"),
        dt.date(2026, 6, 30),
        dt.datetime(2026, 12, 1, 8, 30),
        Percent(87.5),
        None,
        "cuối",
    ]
    sheet = read(xlsx.write([Worksheet("Số liệu", [row])]))["Số liệu"]
    cells = [sheet.cell(1, column) for column in range(1, 11)]
    assert [c.value for c in cells[:5]] == ["Hà Giang", 42, 2.5, True, 7.25]
    assert cells[5].value == dt.datetime(2026, 6, 30)  # a date cell reads back as midnight
    assert cells[5].number_format == "dd/mm/yyyy"
    assert cells[6].value == dt.datetime(2026, 12, 1, 8, 30)
    assert cells[6].number_format == "dd/mm/yyyy hh:mm"
    assert cells[7].value == pytest.approx(0.875)
    assert cells[7].number_format == "0.0%"
    assert cells[8].value is None
    assert cells[9].value == "cuối"


def test_text_is_never_a_formula_or_an_error_value():
    hostile = [line for line in CORPUS.read_text(encoding="utf-8").splitlines() if line]
    hostile += ["=1+1", "#N/A", "#REF!", "@SUM(A1)", "<b>&amp;</b>", "  spaces kept  "]
    sheet = read(xlsx.write([Worksheet("x", [[value] for value in hostile])]))["x"]
    for number, value in enumerate(hostile, start=1):
        cell = sheet.cell(number, 1)
        assert cell.data_type == "s", value
        assert cell.value == value


def test_characters_xml_cannot_carry_are_dropped():
    sheet = read(xlsx.write([Worksheet("x", [["a\x00b\x07c\x1bd\ufffe", "tab\there\nline"]])]))["x"]
    assert sheet.cell(1, 1).value == "abcd"
    assert sheet.cell(1, 2).value == "tab\there\nline"


def test_numbers_a_spreadsheet_cannot_hold_leave_the_cell_empty():
    sheet = read(xlsx.write([Worksheet("x", [[float("nan"), float("inf"), 1.0]])]))["x"]
    assert [sheet.cell(1, c).value for c in (1, 2, 3)] == [None, None, 1]


def test_styles_widths_and_frozen_rows():
    rows = [
        [Styled("Báo cáo sơ kết", Style.TITLE)],
        [Styled("Họ và tên", Style.HEADER), Styled("Tỷ lệ", Style.HEADER)],
        ["Nguyễn Văn A", Percent(50)],
    ]
    book = read(xlsx.write([Worksheet("Đơn vị", rows, widths=[30, 12.5], frozen_rows=2)]))
    sheet = book["Đơn vị"]
    assert sheet.freeze_panes == "A3"
    assert sheet.column_dimensions["A"].width == 30
    assert sheet.column_dimensions["B"].width == 12.5
    title, header = sheet.cell(1, 1), sheet.cell(2, 1)
    assert title.font.b and title.font.sz == 13
    assert header.font.b and header.fill.fgColor.rgb == "FFDDE6F0" and header.alignment.wrap_text
    assert not sheet.cell(3, 1).font.b


def test_sheet_names_are_ones_excel_accepts():
    names = ["Quá hạn", "quá hạn", "a/b:c*d?[e]\\", "x" * 40, "", "x" * 40]
    book = read(xlsx.write([Worksheet(name, [[1]]) for name in names]))
    assert book.sheetnames == [
        "Quá hạn",
        "quá hạn (2)",
        "a b c d  e",
        "x" * 31,
        "Sheet",
        "x" * 27 + " (2)",
    ]


def test_every_part_is_well_formed_xml():
    data = xlsx.write([Worksheet('Tên "lạ" & <khác>', [["x"]]), Worksheet("b", [])])
    with zipfile.ZipFile(io.BytesIO(data)) as package:
        assert package.testzip() is None
        for name in package.namelist():
            ElementTree.fromstring(package.read(name))  # raises on malformed XML
    assert read(data).sheetnames == ['Tên "lạ" & <khác>', "b"]


def test_what_a_workbook_cannot_hold_is_refused():
    with pytest.raises(ValueError):
        xlsx.write([Worksheet("x", [[dt.datetime(2026, 1, 1, tzinfo=dt.UTC)]])])
    with pytest.raises(TypeError):
        xlsx.write([Worksheet("x", [[object()]])])
    with pytest.raises(ValueError):
        xlsx.write([])


def test_column_letters():
    assert [xlsx.column_letter(i) for i in (0, 25, 26, 51, 52, 701, 702)] == [
        "A",
        "Z",
        "AA",
        "AZ",
        "BA",
        "ZZ",
        "AAA",
    ]


def test_a_long_sheet_streams_every_row():
    rows = ([f"Người {n}", n, Percent(n % 100)] for n in range(20_000))
    sheet = read(xlsx.write([Worksheet("dài", rows)]))["dài"]
    assert sheet.max_row == 20_000
    assert sheet.cell(20_000, 1).value == "Người 19999"
    assert sheet.cell(20_000, 3).value == pytest.approx(0.99)


def test_text_repeated_on_many_rows_is_stored_once():
    rows = [["Xã Hướng Sơn", "Khóa dân vận", n] for n in range(1000)]
    data = xlsx.write([Worksheet("a", rows), Worksheet("b", [["Xã Hướng Sơn"]])])
    with zipfile.ZipFile(io.BytesIO(data)) as package:
        shared = package.read("xl/sharedStrings.xml").decode()
    assert shared.count("<si>") == 2
    book = read(data)
    assert book["a"].cell(1000, 1).value == "Xã Hướng Sơn"
    assert book["b"].cell(1, 1).value == "Xã Hướng Sơn"
