"""The `lms` command line: init, demo, create-admin, imports, backup."""

from __future__ import annotations

import csv
import sqlite3

from sqlalchemy import func, select

from lms.courses.models import Enrollment
from lms.extensions import db
from lms.people import services as accounts
from lms.people.models import User
from lms.units import services as units
from lms.units.models import Unit
from tests.support import login


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_init_is_repeatable(cli):
    result = cli("init")
    assert result.exit_code == 0, result.output
    assert cli("init").exit_code == 0


def test_demo_without_the_course_says_so(cli, app, tmp_path):
    configured, app.config["COURSES_DIR"] = app.config.get("COURSES_DIR"), str(tmp_path)
    try:
        result = cli("demo")  # no course folder there, none in the database
    finally:
        app.config["COURSES_DIR"] = configured
    assert result.exit_code == 0, result.output
    assert "dan-van-kheo" in result.output and "lms init" in result.output
    assert db.session.scalar(select(func.count()).select_from(Enrollment)) == 0


def test_demo_refuses_a_database_with_data_unless_forced(cli, province):
    result = cli("demo")
    assert result.exit_code == 1
    assert units.get_by_code("HS") is not None and units.get_by_code("BCHQS-HS") is None
    result = cli("demo", "--force")
    assert result.exit_code == 0, result.output
    assert units.get_by_code("HS") is None and units.get_by_code("BCHQS-HS") is not None
    # Forced again over its own data: the course content (quizzes included) is kept and reused.
    again = cli("demo", "--force")
    assert again.exit_code == 0, again.output


def test_create_admin(cli, client):
    result = cli("create-admin", "chief", "--password", "Mot-mat-khau-dai-1")
    assert result.exit_code == 0, result.output
    assert accounts.get_by_username("chief").roles == {"admin"}
    login(client, "chief", "Mot-mat-khau-dai-1")
    result = cli("create-admin", "chief", "--password", "Mot-mat-khau-dai-1")
    assert result.exit_code == 1  # taken
    result = cli("create-admin", "other", "--password", "short")
    assert result.exit_code == 1 and accounts.get_by_username("other") is None
    result = cli("create-admin", "prompted", input="Mat-khau-nhap-vao-3\nMat-khau-nhap-vao-3\n")
    assert result.exit_code == 0, result.output


def test_units_import_command(cli, tmp_path):
    good = tmp_path / "units.csv"
    good.write_text(
        "code,name,parent_code,kind\nHT,Tỉnh Hà Tĩnh,,province\nCAT,Công an tỉnh,HT,police\n",
        encoding="utf-8",
    )
    result = cli("units", "import", str(good))
    assert result.exit_code == 0, result.output
    assert count(Unit) == 2
    bad = tmp_path / "bad.csv"
    bad.write_text("code,name,parent_code\nX,,HT\nY,Tên,NOPE\n", encoding="utf-8")
    result = cli("units", "import", str(bad))
    assert result.exit_code == 1
    # Vietnamese by default, with the line of every problem
    assert "Không ghi dữ liệu nào" in result.output
    assert "dòng 2:" in result.output and "dòng 3:" in result.output
    assert count(Unit) == 2


def test_users_import_command_writes_temporary_passwords_beside_the_file(
    cli, tmp_path, province, client
):
    source = tmp_path / "roster.csv"
    source.write_text(
        "username,full_name,unit_code,rank,position,roles\n"
        "tranvanhai,Trần Văn Hải,HS-01,Hạ sĩ,Chiến sĩ,cadre\n",
        encoding="utf-8",
    )
    result = cli("users", "import", str(source))
    assert result.exit_code == 0, result.output
    [password_file] = list(tmp_path.glob("roster-passwords-*.csv"))
    assert password_file.stat().st_mode & 0o077 == 0
    with password_file.open(encoding="utf-8-sig") as handle:
        [row] = list(csv.DictReader(handle))
    assert row["username"] == "tranvanhai" and row["unit_code"] == "HS-01"
    login(client, "tranvanhai", row["temporary_password"])
    assert client.get("/").location == "/account/password"


def test_users_import_command_refuses_bad_rows(cli, tmp_path, province):
    source = tmp_path / "roster.csv"
    source.write_text("username,full_name,unit_code,colour\nx1,Tên,HS,red\n", encoding="utf-8")
    result = cli("users", "import", str(source))
    assert result.exit_code == 1 and "colour" in result.output
    assert count(User) == 0
    assert not list(tmp_path.glob("roster-passwords-*"))


def test_backup(cli, tmp_path, people):
    target = tmp_path / "backup.sqlite"
    result = cli("backup", str(target))
    if db.engine.dialect.name != "sqlite":
        assert result.exit_code == 2 and "pg_dump" in result.output
        assert not target.exists()
        return
    assert result.exit_code == 0, result.output
    copy = sqlite3.connect(target)
    assert copy.execute("select count(*) from users").fetchone()[0] == len(people)
    assert copy.execute("pragma integrity_check").fetchone()[0] == "ok"
    copy.close()
    assert cli("backup", str(target)).exit_code == 1  # never overwrites


def test_demo_if_empty_succeeds_without_touching_existing_data(cli, province):
    result = cli("demo", "--if-empty")
    assert result.exit_code == 0, result.output
    assert "quantri" in result.output  # the logins are printed again
    assert units.get_by_code("BCHQS-HS") is None
