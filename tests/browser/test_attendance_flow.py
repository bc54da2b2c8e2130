"""A trainer opens the check-in screen; a cadre on a 360-px phone, in another browser context,
enters the code and is marked present; the trainer marks another person excused with one tap
(the page's script saves it without a reload)."""

from __future__ import annotations

import datetime as dt

from playwright.sync_api import expect

from lms.attendance.models import AttendanceRecord
from lms.extensions import db
from tests.support import TEST_PASSWORD, page_width, sign_in


def test_self_check_in_and_marking(
    live_server, new_page, make_session, people, make_user, province, artifacts
):
    other = make_user("hocvien.hs", ("cadre",), province["HS-01"], "Vi Văn Sáng")
    session = make_session(
        units=("HS",), starts_at=dt.datetime.now(dt.UTC) - dt.timedelta(minutes=2)
    )
    cadre_id, other_id, session_id = people["cadre"].id, other.id, session.id

    trainer = new_page()
    sign_in(trainer, live_server, "giangvien", TEST_PASSWORD)
    trainer.goto(f"{live_server}/sessions/{session_id}")
    trainer.get_by_role("link", name="Hiện mã điểm danh").click()
    code = trainer.locator("[data-code]").get_attribute("data-code")
    expect(trainer.locator(".qr svg")).to_be_visible()
    trainer.screenshot(path=str(artifacts / "attendance-screen.png"))

    phone = new_page(width=360, height=740)
    sign_in(phone, live_server, "hocvien", TEST_PASSWORD)
    phone.goto(f"{live_server}/my-training")
    phone.get_by_role("link", name="Điểm danh").last.click()
    phone.fill("input[name=code]", code)
    phone.get_by_role("button", name="Điểm danh").click()
    expect(phone.locator(".flash-success")).to_contain_text("Có mặt")
    assert page_width(phone) <= 360
    phone.screenshot(path=str(artifacts / "attendance-phone.png"), full_page=True)

    trainer.get_by_role("link", name="Quay lại danh sách").click()
    row = trainer.locator(f"#u{other_id}")
    row.get_by_role("button", name="Vắng có lý do").click()
    expect(row.get_by_role("button", name="Vắng có lý do")).to_have_attribute(
        "aria-pressed", "true"
    )
    expect(trainer.locator(f"#u{cadre_id}")).to_contain_text("tự điểm danh")
    expect(trainer.locator("#tally")).to_contain_text("Vắng có lý do 1")
    trainer.screenshot(path=str(artifacts / "attendance-roster.png"), full_page=True)

    db.session.expire_all()
    statuses = dict(
        db.session.execute(db.select(AttendanceRecord.user_id, AttendanceRecord.status)).all()
    )
    assert statuses == {cadre_id: "present", other_id: "excused"}


def test_typing_in_the_roster_filter_hides_the_other_rows(
    live_server, new_page, make_session, people, make_user, province, artifacts
):
    """The roster's search-as-you-type: rows that do not match disappear at once (a CSS rule
    that displays rows as flex once overrode the hidden attribute)."""
    sang = make_user("hocvien.hs", ("cadre",), province["HS-01"], "Vi Văn Sáng")
    session = make_session(units=("HS",), starts_at=dt.datetime.now(dt.UTC))
    cadre_id, sang_id = people["cadre"].id, sang.id

    page = new_page(width=360, height=740)
    sign_in(page, live_server, "giangvien", TEST_PASSWORD)
    page.goto(f"{live_server}/sessions/{session.id}")
    expect(page.locator(f"#u{cadre_id}")).to_be_visible()
    expect(page.locator(f"#u{sang_id}")).to_be_visible()
    page.locator("[data-roster-filter]").press_sequentially("sang")
    expect(page.locator(f"#u{cadre_id}")).to_be_hidden()
    expect(page.locator(f"#u{sang_id}")).to_be_visible()
    page.screenshot(path=str(artifacts / "attendance-roster-filter.png"), full_page=True)
    page.locator("[data-roster-filter]").fill("")
    page.locator("[data-roster-filter]").dispatch_event("input")
    expect(page.locator(f"#u{cadre_id}")).to_be_visible()


def test_all_present_asks_in_a_dialog_and_can_be_undone(
    live_server, new_page, make_session, people, artifacts
):
    session = make_session(
        units=("HS",), starts_at=dt.datetime.now(dt.UTC) - dt.timedelta(minutes=5)
    )
    session_id, cadre_id = session.id, people["cadre"].id

    def records() -> dict[int, str]:
        db.session.expire_all()
        return dict(
            db.session.execute(
                db.select(AttendanceRecord.user_id, AttendanceRecord.status).where(
                    AttendanceRecord.session_id == session_id
                )
            ).all()
        )

    page = new_page(width=360, height=740)
    sign_in(page, live_server, "giangvien", TEST_PASSWORD)
    page.goto(f"{live_server}/sessions/{session_id}")
    asked = []
    page.once("dialog", lambda dialog: (asked.append(dialog.message), dialog.dismiss()))
    page.get_by_role("button", name="Điểm danh có mặt cho tất cả người chưa được điểm danh").click()
    assert asked == ["Ghi “Có mặt” cho 1 người chưa được điểm danh?"]
    assert records() == {}  # dismissed: nothing written
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Điểm danh có mặt cho tất cả người chưa được điểm danh").click()
    expect(page.locator(".flash-success")).to_contain_text("Đã điểm danh 1 người")
    assert records() == {cadre_id: "present"}
    expect(page.locator("form.undo-rest")).to_contain_text("Có mặt")
    page.screenshot(path=str(artifacts / "attendance-all-present-undo.png"), full_page=True)
    page.locator("form.undo-rest").get_by_role("button", name="Hoàn tác").click()
    expect(page.locator(".flash-success")).to_contain_text("Đã hoàn tác")
    assert records() == {}
