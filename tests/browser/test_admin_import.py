"""An admin imports accounts on a phone: a bad row, fixed, dry run, confirm, passwords once."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from lms.auth.passwords import verify_password
from lms.people import services as accounts
from tests.support import TEST_PASSWORD, beyond_column, page_width

HEADER = "username,full_name,unit_code,rank,position,roles,email,password\n"
BAD = HEADER + (
    "nguyenvanan,Nguyễn Văn An,HS-01,Thiếu úy,Trợ lý dân vận,,,\n"
    "lethiha,Lê Thị Hà,KHONG-CO,Trung úy,,,,\n"  # line 3: no such unit
)
GOOD = BAD.replace("KHONG-CO", "DBP-CT")


def test_admin_imports_accounts_on_a_phone(
    live_server, new_page, people, province, artifacts, tmp_path
):
    bad, good = tmp_path / "quan-so.csv", tmp_path / "quan-so-da-sua.csv"
    bad.write_text(BAD, encoding="utf-8")
    good.write_text(GOOD, encoding="utf-8")
    phone = new_page(width=360, height=740)
    phone.goto(f"{live_server}/login")
    phone.fill("#username", "quantri")
    phone.fill("#password", TEST_PASSWORD)
    phone.click("button.primary")

    # The compact menu leads to People, whose page offers the import.
    phone.click("details.menu-compact > summary")
    phone.locator("details.menu-compact").get_by_role("link", name="Nhân sự").click()
    phone.get_by_role("link", name="Nhập từ tệp").click()
    expect(phone.locator("h1")).to_have_text("Nhập đơn vị và tài khoản")
    expect(phone.locator('input[name=kind][value="accounts"]')).to_be_checked()
    # The columns each file needs wrap within the page (they ran 300 px past a phone's edge).
    assert beyond_column(phone) == []

    phone.set_input_files("input[type=file]", str(bad))
    phone.get_by_role("button", name="Kiểm tra tệp (chạy thử)").click()
    problems = phone.locator(".import-problems")
    expect(problems).to_contain_text("dòng 3")
    expect(problems).to_contain_text("KHONG-CO")
    phone.screenshot(path=str(artifacts / "import-360-error.png"), full_page=True)
    assert accounts.get_by_username("nguyenvanan") is None

    phone.set_input_files("input[type=file]", str(good))
    phone.get_by_role("button", name="Kiểm tra tệp (chạy thử)").click()
    expect(phone.locator("h1")).to_have_text("Chạy thử: chưa ghi gì vào hệ thống")
    expect(phone.locator(".import-summary")).to_contain_text("Sẽ tạo mới: 2")
    expect(phone.locator("table.import-created")).to_contain_text("Lê Thị Hà")
    phone.screenshot(path=str(artifacts / "import-360-dry-run.png"), full_page=True)
    assert accounts.get_by_username("nguyenvanan") is None  # a dry run writes nothing
    width = page_width(phone)
    assert width <= 360, f"the dry run is {width}px wide on a 360px screen"

    phone.get_by_role("button", name="Xác nhận nhập dữ liệu").click()
    expect(phone.locator("h1")).to_have_text("Đã nhập xong")
    expect(phone.locator("[role=status]")).to_contain_text("Đã tạo 2")
    phone.screenshot(path=str(artifacts / "import-360-done.png"), full_page=True)

    with phone.expect_download() as info:
        phone.get_by_role("button", name="Tải mật khẩu tạm thời (CSV)").click()
    content = tmp_path / "passwords.csv"
    info.value.save_as(content)
    lines = content.read_bytes().decode("utf-8-sig").splitlines()
    assert lines[0] == "username,full_name,unit_code,temporary_password"
    passwords = {line.split(",")[0]: line.split(",")[3] for line in lines[1:]}
    assert set(passwords) == {"nguyenvanan", "lethiha"}
    hoa = accounts.get_by_username("lethiha")
    assert verify_password(hoa.password_hash, passwords["lethiha"])

    # Once only: a second click finds the file gone.
    phone.get_by_role("button", name="Tải mật khẩu tạm thời (CSV)").click()
    expect(phone.locator("h1")).to_have_text("Tệp mật khẩu không còn nữa")
    expect(phone).to_have_url(re.compile(r"/imports/passwords$"))
    assert passwords["lethiha"] not in phone.content()
