"""Importing accounts: new and existing, temporary passwords, all-or-nothing refusals."""

from __future__ import annotations

import io

import pytest
from flask_babel import force_locale
from sqlalchemy import func, select

from lms.auth.passwords import verify_password
from lms.errors import ImportRefused
from lms.extensions import db
from lms.people import services as accounts
from lms.people.importer import import_users
from lms.people.models import UnitMembership, User

HEADER = "username,full_name,unit_code,rank,position,roles,email,password\n"


@pytest.fixture(autouse=True)
def english_messages():
    """Problems are checked by their English text here; test_cli checks the Vietnamese."""
    with force_locale("en"):
        yield


def csv_file(text: str) -> io.BytesIO:
    return io.BytesIO(text.encode("utf-8"))


def user_count() -> int:
    return db.session.scalar(select(func.count()).select_from(User))


def test_new_accounts_get_temporary_passwords(province):
    text = HEADER + (
        "nguyenvanan,Nguyễn Văn An,HS-01,Thiếu úy,Trợ lý dân vận,cadre,,\n"
        "levanbinh,Lê Văn Bình,DBP-CT,Trung úy,Đội trưởng,cadre;trainer,binh@example.vn,"
        "Mot-mat-khau-rieng-9\n"
    )
    result = import_users(csv_file(text), actor=None)
    db.session.commit()
    assert (result.created, result.updated) == (2, 0)
    [(username, full_name, unit_code, temporary)] = result.temporary_passwords
    assert (username, full_name, unit_code) == ("nguyenvanan", "Nguyễn Văn An", "HS-01")
    an = accounts.get_by_username("nguyenvanan")
    assert an.must_change_password and verify_password(an.password_hash, temporary)
    binh = accounts.get_by_username("levanbinh")
    assert not binh.must_change_password
    assert verify_password(binh.password_hash, "Mot-mat-khau-rieng-9")
    assert binh.roles == {"cadre", "trainer"} and binh.email == "binh@example.vn"
    assert db.session.scalar(select(func.count()).select_from(UnitMembership)) == 2


def test_existing_accounts_are_updated_and_keep_their_password(people, province):
    cadre = people["cadre"]
    old_hash = cadre.password_hash
    text = HEADER + "hocvien,Nguyễn Văn An,DBP-CT,Trung úy,Trợ lý dân vận,,,\n"
    result = import_users(csv_file(text), actor=None)
    db.session.commit()
    assert (result.created, result.updated, result.temporary_passwords) == (0, 1, [])
    db.session.expire_all()
    cadre = accounts.load_user(cadre.id)
    assert cadre.password_hash == old_hash
    assert cadre.rank == "Trung úy" and cadre.unit_id == province["DBP-CT"].id
    assert cadre.roles == {"cadre"}  # an empty roles cell keeps the roles
    assert [m.unit.code for m in accounts.membership_history(cadre)] == ["DBP-CT", "HS-01"]
    again = import_users(csv_file(text), actor=None)
    assert (again.updated, again.unchanged) == (0, 1)


def test_only_known_columns_and_optional_ones_may_be_left_out(province):
    result = import_users(csv_file("username,full_name,unit_code\nmoi,Người Mới,HK\n"), actor=None)
    assert result.created == 1
    assert accounts.get_by_username("moi").roles == {"cadre"}


@pytest.mark.parametrize(
    ("row", "fragment"),
    [
        ("Có Dấu,Tên,HS,,,cadre,,", "not valid"),
        ("ok1,,HS,,,cadre,,", "full name"),
        ("ok2,Tên,NOWHERE,,,cadre,,", "NOWHERE"),
        ("ok3,Tên,,,,cadre,,", "unit code"),
        ("ok4,Tên,HS,,,cadre;general,,", "general"),
        ("ok5,Tên,HS,,,cadre,khong-phai-email,", "e-mail"),
        ("ok6,Tên,HS,,,cadre,,ngan", "at least"),
        ("ok7,Tên,HS,,,cadre,,ok7ok7ok7ok7", "username"),
    ],
)
def test_bad_rows_are_refused(province, row, fragment):
    text = HEADER + "tot,Người Tốt,HS,,,cadre,,\n" + row + "\n"
    with pytest.raises(ImportRefused) as refused:
        import_users(csv_file(text), actor=None)
    db.session.rollback()
    [problem] = refused.value.problems
    assert problem.line == 3 and fragment in problem.message, problem
    assert user_count() == 0


def test_duplicates_and_every_problem_reported(province):
    text = HEADER + "a1,Một,HS,,,,,\na1,Hai,HS,,,,,\nb1,,XX,,,boss,,\n"
    with pytest.raises(ImportRefused) as refused:
        import_users(csv_file(text), actor=None)
    lines = [p.line for p in refused.value.problems]
    assert lines == [3, 4, 4, 4]
    assert "line 2" in refused.value.problems[0].message


def test_inactive_unit_is_refused(province):
    from lms.units import services as units

    units.set_active(province["HS-01"], False, actor=None)
    db.session.commit()
    with pytest.raises(ImportRefused) as refused:
        import_users(csv_file(HEADER + "x1,Tên,HS-01,,,,,\n"), actor=None)
    assert "inactive" in refused.value.problems[0].message


def test_unknown_column_refused(province):
    with pytest.raises(ImportRefused) as refused:
        import_users(csv_file("username,full_name,unit_code,birthday\nx,Y,HS,1990\n"), actor=None)
    assert refused.value.problems[0].line == 1 and "birthday" in refused.value.problems[0].message
