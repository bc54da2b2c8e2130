"""Importing units: good files, updates, and every kind of bad file refused whole."""

from __future__ import annotations

import io

import pytest
from flask_babel import force_locale
from openpyxl import Workbook
from sqlalchemy import func, select

from lms.errors import ImportRefused
from lms.extensions import db
from lms.units import services as units
from lms.units.importer import import_units
from lms.units.models import Unit, UnitClosure
from lms.units.scope import subtree_ids


@pytest.fixture(autouse=True)
def english_messages():
    """Problems are checked by their English text here; test_cli checks the Vietnamese."""
    with force_locale("en"):
        yield


def csv_file(text: str, encoding: str = "utf-8") -> io.BytesIO:
    return io.BytesIO(text.encode(encoding))


def xlsx_file(rows: list[list[object]]) -> io.BytesIO:
    workbook = Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    out.seek(0)
    return out


def unit_count() -> int:
    return db.session.scalar(select(func.count()).select_from(Unit))


def problems_of(source) -> list[tuple[int, str]]:
    with pytest.raises(ImportRefused) as refused:
        import_units(source, actor=None)
    db.session.rollback()
    return [(p.line, p.message) for p in refused.value.problems]


GOOD = """code,name,parent_code,kind
HS-01,Ban CHQS xã Sơn Kim 1,HS,commune_command
HT,Tỉnh Hà Tĩnh,,province
HS,Ban CHQS huyện Hương Sơn,BCHQS,district_command
BCHQS,Bộ Chỉ huy Quân sự tỉnh,HT,military_command
"""


def test_parents_may_come_after_children():
    result = import_units(csv_file(GOOD), actor=None)
    db.session.commit()
    assert (result.created, result.updated) == (4, 0)
    root = units.get_by_code("HT")
    below = set(db.session.scalars(select(Unit.code).where(Unit.id.in_(subtree_ids(root.id)))))
    assert below == {"HT", "BCHQS", "HS", "HS-01"}
    assert units.get_by_code("HS-01").depth == 3
    assert units.get_by_code("HS-01").name == "Ban CHQS xã Sơn Kim 1"


def test_reimport_is_idempotent_and_updates_change_only_what_changed():
    import_units(csv_file(GOOD), actor=None)
    db.session.commit()
    again = import_units(csv_file(GOOD), actor=None)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 4)
    moved = GOOD.replace("HS-01,Ban CHQS xã Sơn Kim 1,HS,", "HS-01,Ban CHQS xã Sơn Kim Một,BCHQS,")
    result = import_units(csv_file(moved), actor=None)
    db.session.commit()
    assert (result.created, result.updated, result.unchanged) == (0, 1, 3)
    unit = units.get_by_code("HS-01")
    assert unit.name == "Ban CHQS xã Sơn Kim Một" and unit.depth == 2


def test_xlsx_with_bom_free_header_and_numeric_codes():
    source = xlsx_file(
        [
            ["code", "name", "parent_code", "kind"],
            ["HT", "Tỉnh Hà Tĩnh", None, "province"],
            [101, "Đơn vị số", "HT", "other"],
            [None, None, None, None],
        ]
    )
    result = import_units(source, actor=None)
    db.session.commit()
    assert result.created == 2
    assert units.get_by_code("101").parent_id == units.get_by_code("HT").id


def test_csv_with_bom_and_windows_line_endings():
    data = ("\ufeff" + GOOD).replace("\n", "\r\n").encode("utf-8")
    assert import_units(io.BytesIO(data), actor=None).created == 4


def test_parent_from_the_database(province):
    result = import_units(
        csv_file("code,name,parent_code\nHS-02,Ban CHQS xã Sơn Hồng,HS\n"), actor=None
    )
    db.session.commit()
    assert result.created == 1
    assert units.get_by_code("HS-02").kind == "other"
    assert units.get_by_code("HS-02").depth == 3


@pytest.mark.parametrize(
    ("text", "expected_line", "fragment"),
    [
        ("code,name,parent_code\nA,Đơn vị A,NOPE\n", 2, "NOPE"),
        ("code,name,parent_code\nA,Đơn vị A,\nA,Trùng,\n", 3, "line 2"),
        ("code,name,parent_code\nA,Đơn vị A,B\nB,Đơn vị B,A\n", 2, "cycle"),
        ("code,name,parent_code\nA,,\n", 2, "needs a name"),
        ("code,name,parent_code\nA,Tự làm cha,A\n", 2, "own parent"),
        ("code,name,parent_code,kind\nA,Đơn vị,,spaceship\n", 2, "spaceship"),
        ("code,name,parent_code\nhas space,Đơn vị,\n", 2, "not valid"),
        ("code,name,parent_code,colour\nA,Đơn vị,,red\n", 1, "colour"),
        ("code,name\nA,Đơn vị\n", 1, "parent_code"),
        ('code,name,parent_code\nA,"unterminated,\n', 2, "malformed"),
        ("code,name,parent_code\nA,Đơn vị,,extra\n", 2, "more cells"),
        ("code,name,parent_code\n", 1, "no rows"),
        ("", 1, "empty"),
    ],
)
def test_bad_files_are_refused_with_line_numbers(province, text, expected_line, fragment):
    before = unit_count()
    problems = problems_of(csv_file(text))
    assert any(line == expected_line and fragment in message for line, message in problems), (
        problems
    )
    assert unit_count() == before


def test_wrong_encoding_is_reported():
    # "Đơn vị" in Windows-1258, what older Vietnamese Excel exports use
    data = b"code,name,parent_code\nA,\xd0\xf5n vi\xf2 A,\n"
    problems = problems_of(io.BytesIO(data))
    assert problems[0][0] == 2 and "UTF-8" in problems[0][1]
    assert unit_count() == 0


def test_broken_xlsx_is_reported():
    problems = problems_of(io.BytesIO(b"PK\x03\x04 this is not a workbook"))
    assert problems[0][0] == 1 and "XLSX" in problems[0][1]


def test_every_bad_row_is_reported_and_nothing_written(province):
    text = (
        "code,name,parent_code\nOK1,Tốt,HT\nBAD1,,HT\nOK2,Tốt,HT\nBAD2,Tên,MISSING\n"
        "HS,Ban CHQS huyện Hương Sơn,HS-01\n"
    )
    problems = problems_of(csv_file(text))
    assert {line for line, _ in problems} == {3, 5, 6}
    assert units.get_by_code("OK1") is None
    assert units.get_by_code("HS").parent_id == province["BCHQS"].id


def test_five_thousand_units(count_queries):
    lines = ["code,name,parent_code,kind", "ROOT,Tỉnh,,province"]
    for d in range(50):
        lines.append(f"D{d},Huyện {d},ROOT,district_command")
        lines.extend(f"D{d}-{c},Xã {d}-{c},D{d},commune_command" for c in range(99))
    result = import_units(csv_file("\n".join(lines) + "\n"), actor=None)
    db.session.commit()
    assert result.created == 5001
    assert db.session.scalar(select(func.count()).select_from(UnitClosure)) == 1 + 50 * 2 + 4950 * 3


def test_long_names_inactive_parents_and_deep_chains_are_refused(province):
    from lms.units import services as unit_services

    unit_services.set_active(province["HK"], False, actor=None)
    db.session.commit()
    text = "code,name,parent_code\nL1," + "Đ" * 256 + ",HT\nL2,Dưới đơn vị đã ngừng,HK\n"
    problems = problems_of(csv_file(text))
    assert [line for line, _ in problems] == [2, 3]
    chain = ["code,name,parent_code"] + [
        f"C{i},Cấp {i},{'C' + str(i - 1) if i else 'HT'}" for i in range(20)
    ]
    problems = problems_of(csv_file("\n".join(chain) + "\n"))
    assert problems and all("levels deep" in message for _, message in problems)
