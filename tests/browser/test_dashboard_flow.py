"""The provincial commander on a phone: from the province down to a commune, the people there,
then the reminders, and the review report downloaded as XLSX."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

from openpyxl import load_workbook
from playwright.sync_api import expect
from sqlalchemy import update

from lms.courses import enrollment
from lms.courses.models import Enrollment
from lms.extensions import db
from lms.timeutil import local_today
from lms.units.models import Unit
from tests.support import TEST_PASSWORD, beyond_column, page_width, sign_in


def no_sideways_scroll(page) -> None:
    assert page_width(page) <= 360


def test_a_commander_drills_down_on_a_phone_and_downloads_the_report(
    live_server, new_page, people, province, make_course, make_user, artifacts
):
    make_user("chihuy.tinh", ("commander",), province["HT"], "Hoàng Văn Tỉnh")
    course = make_course("dan-van", title="Dân vận khéo")
    # Due yesterday: the cadres who have not finished are overdue today.
    due = local_today("Asia/Ho_Chi_Minh") - dt.timedelta(days=1)
    period = f"{due.year}-H{1 if due.month <= 6 else 2}"
    enrollment.assign(course, province["HT"], due, actor=None)
    db.session.execute(
        update(Enrollment)
        .where(Enrollment.user_id == people["border_cadre"].id)
        .values(completed_at=dt.datetime.now(dt.UTC) - dt.timedelta(days=3), on_time=True)
    )
    db.session.execute(update(Unit).where(Unit.code == "HS").values(pilot=True))
    db.session.commit()

    phone = new_page(width=360, height=740)
    sign_in(phone, live_server, "chihuy.tinh", TEST_PASSWORD)
    expect(phone.locator("h1")).to_contain_text("Tỉnh Hà Tĩnh")  # the home page is the dashboard
    phone.goto(f"{live_server}/dashboard/?period={period}")
    expect(phone.locator(".kpi").first).to_contain_text("50%")  # 1 of the 2 cadres
    no_sideways_scroll(phone)
    for unit in ("Bộ Chỉ huy Quân sự tỉnh", "Ban CHQS huyện Hương Sơn", "Ban CHQS xã Sơn Kim 1"):
        phone.locator("table.figures").get_by_role("link", name=unit).click()
        expect(phone.locator("h1")).to_contain_text(unit)
        no_sideways_scroll(phone)
    crumbs = phone.locator("nav.crumbs")
    expect(crumbs).to_contain_text("Tỉnh Hà Tĩnh › Bộ Chỉ huy Quân sự tỉnh › Ban CHQS huyện")
    people_table = phone.locator("#people ~ table")
    expect(people_table).to_contain_text("Nguyễn Văn An")
    phone.screenshot(path=str(artifacts / "dashboard-commune-360.png"), full_page=True)

    phone.get_by_role("link", name="Nhắc nhở").click()
    expect(phone.locator("h1")).to_contain_text("Nhắc nhở: Ban CHQS xã Sơn Kim 1")
    expect(phone.locator("table.list").first).to_contain_text("Nguyễn Văn An")
    no_sideways_scroll(phone)
    with phone.expect_download() as download:
        phone.get_by_role("link", name="Tải tệp XLSX").click()
    name = download.value.suggested_filename
    assert name == f"bao-cao-HS-01-{period}.xlsx"
    book = load_workbook(io.BytesIO(Path(download.value.path()).read_bytes()))
    overdue = [cell.value for (cell,) in book.worksheets[2].iter_rows(max_col=1)]
    assert "Nguyễn Văn An" in overdue and "Lê Thị Hà" not in overdue  # she is in another unit

    # One action reminds the commune's overdue cadres; pressed again, nobody twice in a day.
    phone.get_by_role("button", name="Gửi nhắc nhở").click()
    expect(phone.locator(".flash-success")).to_contain_text("Đã gửi nhắc nhở cho 1 lượt")
    expect(phone.locator("table.list").first).to_contain_text("đã nhắc hôm nay")
    phone.get_by_role("button", name="Gửi nhắc nhở").click()
    expect(phone.locator(".flash-success")).to_contain_text("Không có lời nhắc mới")
    expect(phone.locator(".flash-success")).to_contain_text("1 lượt đã được nhắc trong hôm nay")
    no_sideways_scroll(phone)
    cadre = new_page(width=360, height=740)
    sign_in(cadre, live_server, people["cadre"].username, TEST_PASSWORD)
    cadre.goto(f"{live_server}/notifications/")
    expect(cadre.locator("main")).to_contain_text("Hoàng Văn Tỉnh nhắc đồng chí")
    expect(cadre.locator("main")).to_contain_text("Dân vận khéo")

    # The commander of the province may go back up; the district commander may not.
    phone.get_by_role("link", name="Tỉnh Hà Tĩnh").click()
    expect(phone.locator("h1")).to_contain_text("Nhắc nhở: Tỉnh Hà Tĩnh")
    expect(phone.locator("table.list").first).to_contain_text("Nguyễn Văn An")
    expect(phone.locator("table.list").first).not_to_contain_text("Lê Thị Hà")  # completed

    # The other tabs fit the phone too; pilot units against the rest, side by side.
    phone.get_by_role("link", name="Biểu dương").click()
    expect(phone.locator("h1")).to_contain_text("Biểu dương")
    no_sideways_scroll(phone)
    phone.get_by_role("link", name="Đơn vị làm điểm").click()
    expect(phone.locator("table.compare")).to_contain_text("Các đơn vị khác")
    no_sideways_scroll(phone)
    # Within the page's column, not only the screen: the two figures of a row shrink to fit.
    assert beyond_column(phone) == []
    # The unit pages with the period picker (its choice of half-years ran into the margin).
    for page in ("certificates/units/", "attendance/units/"):
        phone.goto(f"{live_server}/{page}")
        assert beyond_column(phone) == [], page
    phone.screenshot(path=str(artifacts / "dashboard-pilots-360.png"), full_page=True)
