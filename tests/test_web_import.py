"""Admins import units and accounts on the web: dry run, confirmation, passwords once."""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile

import pytest
from bs4 import BeautifulSoup
from sqlalchemy import func, select, update

from lms.audit.models import AuditEvent
from lms.auth.passwords import verify_password
from lms.extensions import db
from lms.imports import services as imports
from lms.imports.models import PasswordHandout
from lms.people import services as accounts
from lms.people.models import User
from lms.timeutil import utcnow
from lms.units.models import Unit
from tests.support import csrf_token, login

UNITS = "code,name,parent_code,kind\n"
ACCOUNTS = "username,full_name,unit_code,rank,position,roles,email,password\n"


@pytest.fixture
def admin(client, people):
    accounts.set_locale(people["admin"], "en")
    db.session.commit()
    login(client, "quantri")
    return client


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def audit_actions() -> list[str]:
    return list(db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)))


def upload(client, kind: str, content: bytes | str, filename: str = "file.csv"):
    if isinstance(content, str):
        content = content.encode("utf-8")
    return client.post(
        "/imports/preview",
        data={
            "csrf_token": csrf_token(client, "/imports/"),
            "kind": kind,
            "file": (io.BytesIO(content), filename),
        },
        content_type="multipart/form-data",
    )


def confirm_form(response) -> dict[str, str]:
    soup = BeautifulSoup(response.get_data(as_text=True), "html.parser")
    form = soup.find("form", action="/imports/apply")
    assert form is not None, response.get_data(as_text=True)[:2000]
    return {i["name"]: i.get("value", "") for i in form.find_all("input")}


def download_form(response) -> dict[str, str]:
    soup = BeautifulSoup(response.get_data(as_text=True), "html.parser")
    form = soup.find("form", action="/imports/passwords")
    assert form is not None, response.get_data(as_text=True)[:2000]
    return {i["name"]: i.get("value", "") for i in form.find_all("input")}


def text_of(response) -> str:
    return " ".join(
        BeautifulSoup(response.get_data(as_text=True), "html.parser").get_text().split()
    )


# ---- units ---------------------------------------------------------------------------------


def test_a_bad_row_is_reported_by_line_and_nothing_is_written(admin, province):
    units_before, audit_before = count(Unit), count(AuditEvent)
    response = upload(
        admin, "units", UNITS + "HS-02,Ban CHQS xã Sơn Kim 2,HS,commune_command\nHS-03,,HS,\n"
    )
    assert response.status_code == 400
    text = text_of(response)
    assert "Nothing was imported" in text and "line 3:" in text
    assert "/imports/apply" not in response.get_data(as_text=True)
    assert (count(Unit), count(AuditEvent)) == (units_before, audit_before)


def test_units_dry_run_shows_the_changes_and_writes_nothing_then_confirm_applies_them(
    admin, province
):
    units_before, audit_before = count(Unit), count(AuditEvent)
    text = UNITS + (
        "HS-02,Ban CHQS xã Sơn Kim 2,HS,commune_command\n"  # new
        "HK,Ban CHQS huyện Hương Khê (mới),BCHQS,district_command\n"  # renamed
        "HS-01,Ban CHQS xã Sơn Kim 1,HK,commune_command\n"  # moved to HK
        "BDBP,Bộ Chỉ huy BĐBP tỉnh,HT,border_command\n"  # unchanged
    )
    response = upload(admin, "units", text)
    assert response.status_code == 200
    page = text_of(response)
    assert "To create: 1" in page and "To change: 2 (moved: 1)" in page and "Unchanged: 1" in page
    soup = BeautifulSoup(response.get_data(as_text=True), "html.parser")
    created = soup.select("table.import-created tbody tr")
    assert [td.get_text() for td in created[0].find_all("td")] == [
        "HS-02",
        "Ban CHQS xã Sơn Kim 2",
        "Commune military command",
        "HS",
    ]
    changed = {
        row.find("td").get_text(" ", strip=True): row.get_text(" ", strip=True)
        for row in soup.select("table.import-changed tbody tr")
    }
    assert "Ban CHQS huyện Hương Khê (mới)" in changed["HK"]
    assert "moved" in changed["HS-01 moved"] and "Parent unit HS" in changed["HS-01 moved"]
    assert "Parent unit HK" in changed["HS-01 moved"]
    # The dry run wrote nothing.
    assert (count(Unit), count(AuditEvent)) == (units_before, audit_before)

    form = confirm_form(response)
    done = admin.post("/imports/apply", data=form)
    assert done.status_code == 200, done.get_data(as_text=True)[:1000]
    assert "1 created, 2 updated, 1 unchanged." in text_of(done)
    assert count(Unit) == units_before + 1
    moved = db.session.scalar(select(Unit).where(Unit.code == "HS-01"))
    assert moved.parent_id == province["HK"].id
    entries = db.session.scalars(
        select(AuditEvent).where(AuditEvent.id > 0).order_by(AuditEvent.id)
    ).all()[audit_before:]
    assert sorted(e.action for e in entries) == ["unit.import", "unit.update", "unit.update"]
    assert {e.actor_name for e in entries} == {"quantri"}
    assert {e.actor_id for e in entries} == {admin_id()}


def admin_id() -> int:
    return db.session.scalar(select(User.id).where(User.username == "quantri"))


def test_a_file_that_changes_nothing_offers_no_confirmation(admin, province):
    response = upload(
        admin, "units", UNITS + "HS,Ban CHQS huyện Hương Sơn,BCHQS,district_command\n"
    )
    assert response.status_code == 200
    assert "The file changes nothing" in text_of(response)
    assert "/imports/apply" not in response.get_data(as_text=True)


# ---- the confirmation must be the dry run -------------------------------------------------


def test_a_different_file_under_the_dry_runs_token_is_refused(admin, province):
    response = upload(admin, "units", UNITS + "HS-02,Ban CHQS xã Sơn Kim 2,HS,\n")
    form = confirm_form(response)
    other = (UNITS + "HS-09,Đơn vị khác,HS,\n").encode()
    form["payload"] = imports.encode_file(other)
    units_before = count(Unit)
    refused = admin.post("/imports/apply", data=form)
    assert refused.status_code == 400
    assert "not the one checked in the dry run" in text_of(refused)
    assert count(Unit) == units_before
    form["payload"] = "not base64 at all!"
    assert admin.post("/imports/apply", data=form).status_code == 400
    form = confirm_form(response)
    form["token"] = form["token"][:-3] + "abc"
    assert admin.post("/imports/apply", data=form).status_code == 400
    assert count(Unit) == units_before


def test_another_admins_dry_run_cannot_be_confirmed(app, admin, province, make_user):
    response = upload(admin, "units", UNITS + "HS-02,Ban CHQS xã Sơn Kim 2,HS,\n")
    form = confirm_form(response)
    make_user("quantri2", ("admin",))
    other = app.test_client()
    login(other, "quantri2")
    form["csrf_token"] = csrf_token(other, "/imports/")
    refused = other.post("/imports/apply", data=form)
    assert refused.status_code == 400
    assert db.session.scalar(select(Unit).where(Unit.code == "HS-02")) is None


def test_a_database_changed_since_the_dry_run_sends_back_to_review(admin, province):
    response = upload(admin, "units", UNITS + "HK,Tên mới,BCHQS,district_command\n")
    form = confirm_form(response)
    province["HK"].name = "Đã đổi bởi người khác"
    db.session.commit()
    stale = admin.post("/imports/apply", data=form)
    assert stale.status_code == 409
    assert "Đã đổi bởi người khác" in text_of(stale)
    assert db.session.get(Unit, province["HK"].id).name == "Đã đổi bởi người khác"
    # The new dry run can be confirmed.
    done = admin.post("/imports/apply", data=confirm_form(stale))
    assert done.status_code == 200
    assert db.session.get(Unit, province["HK"].id).name == "Tên mới"


# ---- accounts and their passwords ---------------------------------------------------------


def test_accounts_dry_run_then_confirm_then_passwords_once(admin, people, province):
    text = ACCOUNTS + (
        "nguyenvanan,Nguyễn Văn An,HS-01,Thiếu úy,Trợ lý dân vận,,,\n"
        "hocvien,Nguyễn Văn An,DBP-CT,Trung úy,,,,\n"  # existing: transferred, new rank
    )
    users_before, audit_before = count(User), count(AuditEvent)
    response = upload(admin, "accounts", text)
    assert response.status_code == 200
    page = text_of(response)
    assert "To create: 1" in page and "transferred to another unit: 1" in page
    assert "New accounts that get a temporary password: 1" in page
    soup = BeautifulSoup(response.get_data(as_text=True), "html.parser")
    [changed] = soup.select("table.import-changed tbody tr")
    before, after = changed.find_all("td")[1:]
    assert "HS-01" in before.get_text() and "DBP-CT" in after.get_text()
    assert "Trung úy" in after.get_text()
    assert (count(User), count(AuditEvent)) == (users_before, audit_before)

    done = admin.post("/imports/apply", data=confirm_form(response))
    assert done.status_code == 200
    assert "1 created, 1 updated, 0 unchanged." in text_of(done)
    assert "can be downloaded once" in text_of(done)
    hocvien = accounts.get_by_username("hocvien")
    assert hocvien.unit_id == province["DBP-CT"].id and hocvien.rank == "Trung úy"
    actions = audit_actions()[audit_before:]
    assert sorted(actions) == ["user.create", "user.import", "user.update"]
    [stored] = db.session.scalars(select(PasswordHandout.ciphertext)).all()

    token = download_form(done)
    download = admin.post("/imports/passwords", data=token)
    assert download.status_code == 200
    assert download.headers["Cache-Control"] == "no-store"
    assert download.mimetype == "text/csv"
    assert "attachment" in download.headers["Content-Disposition"]
    body = download.get_data()
    assert body.startswith(b"\xef\xbb\xbf")
    lines = body.decode("utf-8-sig").splitlines()
    assert lines[0] == "username,full_name,unit_code,temporary_password"
    username, full_name, unit_code, password = lines[1].split(",")
    assert (username, full_name, unit_code) == ("nguyenvanan", "Nguyễn Văn An", "HS-01")
    new = accounts.get_by_username("nguyenvanan")
    assert verify_password(new.password_hash, password) and new.must_change_password
    # The database never held the password in plain text, and holds nothing now.
    assert password.encode() not in bytes(stored)
    assert count(PasswordHandout) == 0
    again = admin.post("/imports/passwords", data=token)
    assert again.status_code == 410
    assert "already been downloaded" in text_of(again)
    assert password not in again.get_data(as_text=True)


def test_expired_passwords_are_refused_and_purged(admin, people, province):
    response = upload(admin, "accounts", ACCOUNTS + "nguyenvanan,Nguyễn Văn An,HS-01,,,,,\n")
    done = admin.post("/imports/apply", data=confirm_form(response))
    db.session.execute(
        update(PasswordHandout).values(expires_at=utcnow() - dt.timedelta(seconds=1))
    )
    db.session.commit()
    refused = admin.post("/imports/passwords", data=download_form(done))
    assert refused.status_code == 410
    assert count(PasswordHandout) == 0


def test_another_admin_cannot_take_the_passwords(app, admin, people, province, make_user):
    response = upload(admin, "accounts", ACCOUNTS + "nguyenvanan,Nguyễn Văn An,HS-01,,,,,\n")
    done = admin.post("/imports/apply", data=confirm_form(response))
    token = download_form(done)
    make_user("quantri2", ("admin",))
    other = app.test_client()
    login(other, "quantri2")
    token["csrf_token"] = csrf_token(other, "/imports/")
    assert other.post("/imports/passwords", data=token).status_code == 410
    assert count(PasswordHandout) == 1  # still the first admin's to take
    wrong = download_form(done) | {"token": "A" * 43}
    assert admin.post("/imports/passwords", data=wrong).status_code == 410
    assert admin.post("/imports/passwords", data=download_form(done)).status_code == 200


def test_an_admin_cannot_remove_their_own_admin_role_by_import(admin, people, province):
    response = upload(admin, "accounts", ACCOUNTS + "quantri,Quản trị viên,HT,,,cadre,,\n")
    assert response.status_code == 400
    assert "line 2: You cannot remove your own administrator role." in text_of(response)


# ---- malformed files ------------------------------------------------------------------------


def _zip(files: dict[str, str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in files.items():
            archive.writestr(name, content)
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("code,name,parent_code\nA,Hà,\n".encode("cp1258"), "is not UTF-8 text"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)), "is not UTF-8 text"),
        (b"code,name,parent_code\nA\x00B,x,\n", "holds binary data"),
        (b"", "the file is empty"),
        (b"\xef\xbb\xbf\r\n", "the file is empty"),
        (_zip({"word/document.xml": "<x/>"}), "not a readable XLSX workbook"),
        (b"PK\x03\x04broken", "not a readable XLSX workbook"),
        (b"ma,ten\nA,B\n", "unknown column(s): ma, ten"),
        (b"code,name,parent_code\n", "a header but no rows"),
        (b'code,name,parent_code\n"A,B\n', "the CSV is malformed"),
    ],
    ids=[
        "not-utf8",
        "png",
        "nul",
        "zero-bytes",
        "empty",
        "zip-not-xlsx",
        "broken-zip",
        "wrong-header",
        "header-only",
        "bad-quote",
    ],
)
def test_malformed_files_get_a_clear_message_and_400(admin, province, content, message):
    units_before, audit_before = count(Unit), count(AuditEvent)
    response = upload(admin, "units", content, filename="units.csv")
    assert response.status_code == 400
    assert message in text_of(response)
    assert (count(Unit), count(AuditEvent)) == (units_before, audit_before)


def test_no_file_is_a_400(admin, province):
    response = admin.post(
        "/imports/preview",
        data={"csrf_token": csrf_token(admin, "/imports/"), "kind": "units"},
        content_type="multipart/form-data",
    )
    assert response.status_code == 400
    assert "This field is required." in text_of(response)


def test_a_huge_file_is_refused_before_it_is_read(admin, province, monkeypatch):
    # The real limit is 5 MB; a smaller one keeps the upload in memory in the test client.
    monkeypatch.setattr(imports, "MAX_BYTES", 20_000)
    response = upload(admin, "units", b"code,name,parent_code\n" + b"X" * 20_000)
    assert response.status_code == 400
    assert "Split it into smaller files" in text_of(response)
    assert count(Unit) == 7


def test_a_request_over_the_servers_limit_is_refused_with_a_message(admin, province, app):
    app.config["MAX_CONTENT_LENGTH"], limit = 10_000, app.config["MAX_CONTENT_LENGTH"]
    try:
        response = upload(admin, "units", b"x" * 20_000)
    finally:
        app.config["MAX_CONTENT_LENGTH"] = limit
    assert response.status_code == 413
    assert "The file is larger than the server accepts." in text_of(response)
    assert count(Unit) == 7


def test_an_xlsx_is_imported_like_a_csv(admin, province):
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["code", "name", "parent_code", "kind"])
    sheet.append(["HS-02", "Ban CHQS xã Sơn Kim 2", "HS", "commune_command"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    response = upload(admin, "units", buffer.getvalue(), filename="units.xlsx")
    assert response.status_code == 200 and "To create: 1" in text_of(response)
    assert admin.post("/imports/apply", data=confirm_form(response)).status_code == 200
    assert db.session.scalar(select(Unit.name).where(Unit.code == "HS-02")) == (
        "Ban CHQS xã Sơn Kim 2"
    )


def test_the_upload_page_preselects_the_kind_from_the_link(admin, people):
    page = admin.get("/imports/?kind=units").get_data(as_text=True)
    assert re.search(r'value="units"[^>]*checked|checked[^>]*value="units"', page)


def test_confirming_twice_imports_once(admin, people, province):
    response = upload(admin, "accounts", ACCOUNTS + "nguyenvanan,Nguyễn Văn An,HS-01,,,,,\n")
    form = confirm_form(response)
    assert admin.post("/imports/apply", data=form).status_code == 200
    users, handouts = count(User), count(PasswordHandout)
    again = admin.post("/imports/apply", data=form)
    assert again.status_code == 409  # the file would now change nothing: shown, not applied
    assert "The file changes nothing" in text_of(again)
    assert (count(User), count(PasswordHandout)) == (users, handouts)
    assert audit_actions().count("user.import") == 1
