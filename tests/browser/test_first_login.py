"""An admin creates a unit and an account; the new cadre signs in on a phone."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from lms.units import services as units
from tests.support import TEST_PASSWORD, page_width, sign_in


def test_admin_creates_unit_and_account_then_user_changes_password(
    live_server, new_page, people, province, artifacts
):
    admin = new_page()
    sign_in(admin, live_server, "quantri", TEST_PASSWORD)
    expect(admin.locator("h1")).to_contain_text("Quản trị viên")

    admin.goto(f"{live_server}/units/new")
    admin.fill("#code", "hs-03")
    admin.fill("#name", "Ban CHQS xã Sơn Tây")
    admin.select_option("#kind", "commune_command")
    admin.select_option("#parent_id", str(province["HS"].id))
    admin.click("button.primary")
    expect(admin).to_have_url(re.compile(r"/units/HS-03$"))
    expect(admin.locator("h1")).to_have_text("Ban CHQS xã Sơn Tây")

    admin.goto(f"{live_server}/people/new")
    admin.fill("#username", "phamthihoa")
    admin.fill("#full_name", "Phạm Thị Hoa")
    admin.fill("#rank", "Trung úy")
    admin.fill("#position", "Trợ lý dân vận")
    admin.select_option("#unit_id", str(units.get_by_code("HS-03").id))
    admin.click("button.primary")
    temporary = admin.locator("#temporary-password").inner_text().strip()
    assert len(temporary) == 14

    phone = new_page(width=360, height=740)
    sign_in(phone, live_server, "phamthihoa", temporary)
    expect(phone).to_have_url(re.compile(r"/account/password$"))
    expect(phone.locator("html")).to_have_attribute("lang", "vi")
    expect(phone.locator("h1")).to_have_text("Đổi mật khẩu")
    new_password = "Suoi-trong-nui-xanh-8"
    phone.fill("#current", temporary)
    phone.fill("#new", new_password)
    phone.fill("#confirm", new_password)
    phone.click("button.primary")
    expect(phone).to_have_url(re.compile(r"/$"))
    # A cadre's home page is My training; on a phone their name is in the folded menu.
    expect(phone.locator("h1")).to_have_text("Khóa học được giao")
    expect(phone.locator(".menu-account .who")).to_be_hidden()
    phone.click(".menu-compact > summary")
    expect(phone.locator(".menu-account .who")).to_have_text("Phạm Thị Hoa")
    expect(phone.locator(".account-user .who")).to_be_hidden()
    phone.click(".menu-compact > summary")
    # nothing wider than the phone's screen
    overflow = page_width(phone)
    assert overflow <= 360, f"page is {overflow}px wide on a 360px screen"
    phone.screenshot(path=str(artifacts / "home-vi-360px.png"), full_page=True)

    phone.get_by_role("button", name="English").click()
    expect(phone.locator("html")).to_have_attribute("lang", "en")
    expect(phone.locator("h1")).to_have_text("My training")
    phone.screenshot(path=str(artifacts / "home-en-360px.png"), full_page=True)

    # the choice stays with the account (on a phone, signing out is in the menu)
    phone.click(".menu-compact > summary")
    phone.get_by_role("button", name="Sign out").click()
    sign_in(phone, live_server, "phamthihoa", new_password)
    expect(phone.locator("html")).to_have_attribute("lang", "en")


def test_admin_pages_fit_a_phone(live_server, new_page, people, artifacts):
    phone = new_page(width=360, height=740)
    sign_in(phone, live_server, "quantri", TEST_PASSWORD)
    for path, name in [("/units/", "units"), ("/people/", "people"), ("/audit/", "audit")]:
        phone.goto(live_server + path)
        width = page_width(phone)
        assert width <= 360, f"{path} is {width}px wide on a 360px screen"
        phone.screenshot(path=str(artifacts / f"{name}-360px.png"), full_page=True)
    # the tree folds without JavaScript: <details> elements
    phone.goto(live_server + "/units/")
    district = phone.get_by_role("link", name="Ban CHQS huyện Hương Sơn")
    expect(district).to_be_hidden()
    phone.locator("summary", has_text="Bộ Chỉ huy Quân sự tỉnh").first.click()
    expect(district).to_be_visible()
