"""A cadre completes a course end to end on a phone (modules, the quiz, a check-in with the
code on the trainer's screen), finds the certificate on My certificates, and the verification
page that its link (the QR code's URL) opens says it is valid, to anyone."""

from __future__ import annotations

import datetime as dt
import re

from playwright.sync_api import expect
from sqlalchemy import select

from lms.certificates.models import Certificate
from lms.courses import enrollment, services
from lms.extensions import db
from lms.quizzes import bank
from lms.quizzes import services as quiz_services
from tests.support import TEST_PASSWORD, page_width, sign_in

GIFT = "::A:: Người có uy tín là người được cộng đồng tin cậy. {TRUE}\n"


def test_a_cadre_completes_a_course_and_anyone_verifies_the_certificate(
    live_server, new_page, people, province, make_course, make_session, artifacts
):
    course = make_course("dan-van", owner=people["trainer"], title="Kỹ năng dân vận cơ sở")
    bank.import_gift(course, GIFT, actor=None)
    quiz_services.create_quiz(
        course, slug="kiem-tra", title="Kiểm tra cuối khóa", pass_score=80, published=True
    )
    settings = services.CourseSettings(**services.settings_snapshot(course))
    settings.required_quizzes, settings.min_attendance = ["kiem-tra"], 100
    services.update_course(course, settings, actor=None)
    enrollment.assign(course, province["HS"], dt.date(2099, 6, 30), actor=None)
    db.session.commit()
    session = make_session(
        course_id=course.id, starts_at=dt.datetime.now(dt.UTC) - dt.timedelta(minutes=2)
    )

    phone = new_page(width=360, height=740)
    sign_in(phone, live_server, "hocvien", TEST_PASSWORD)
    for title in ("Mở đầu", "Nội dung", "Kết luận"):
        phone.goto(f"{live_server}/")
        phone.locator(".course-card a.button").click()
        expect(phone.locator("h1")).to_have_text(title)
        phone.get_by_role("button", name="Hoàn thành bài học").click()
        expect(phone.locator(".flash-success")).to_contain_text(f"«{title}»")

    phone.goto(f"{live_server}/courses/dan-van/quizzes/kiem-tra")
    phone.get_by_role("button", name="Bắt đầu làm bài").click()
    expect(phone).to_have_url(re.compile(r"/attempts/\d+$"))
    phone.locator("#q1 input[value=true]").check()
    expect(phone.locator("#save-status")).to_contain_text("✓")
    phone.on("dialog", lambda dialog: dialog.accept())
    phone.locator("#submit-attempt").click()
    expect(phone).to_have_url(re.compile(r"/attempts/\d+/review$"))
    db.session.expire_all()
    assert db.session.scalar(select(Certificate.id)) is None  # the session is still missing

    trainer = new_page()
    sign_in(trainer, live_server, "giangvien", TEST_PASSWORD)
    trainer.goto(f"{live_server}/sessions/{session.id}")
    trainer.get_by_role("link", name="Hiện mã điểm danh").click()
    code = trainer.locator("[data-code]").get_attribute("data-code")
    phone.goto(f"{live_server}/checkin")
    phone.fill("input[name=code]", code)
    phone.get_by_role("button", name="Điểm danh").click()
    expect(phone.locator(".flash-success")).to_contain_text("Có mặt")

    phone.click(".menu-compact > summary")  # on a phone the links are in the folded menu
    phone.locator(".menu-compact").get_by_role("link", name="Giấy chứng nhận của tôi").click()
    row = phone.locator("table.list tbody tr").first
    expect(row).to_contain_text("Kỹ năng dân vận cơ sở")
    expect(row).to_contain_text(re.compile(r"DV-\d{4}-000001"))
    expect(row).to_contain_text("Còn hiệu lực")
    assert page_width(phone) <= 360
    phone.screenshot(path=str(artifacts / "certificates-mine-360px.png"), full_page=True)
    verify_url = row.get_by_role("link", name="Đường dẫn xác thực").get_attribute("href")
    db.session.expire_all()
    certificate = db.session.scalars(select(Certificate)).one()
    assert verify_url.endswith(f"/verify/{certificate.code}")

    with phone.expect_download() as download:
        row.get_by_role("link", name="Tải bản PDF").click()
    assert download.value.suggested_filename == f"{certificate.serial}.pdf"

    # Anyone, signed in or not, who scans the QR code.
    stranger = new_page(width=360, height=740)
    stranger.goto(verify_url.replace("http://localhost", live_server))
    verdict = stranger.locator(".verdict")
    expect(verdict).to_contain_text("Còn hiệu lực")
    expect(stranger.locator("dl.facts")).to_contain_text("Nguyễn Văn An")
    expect(stranger.locator("dl.facts")).to_contain_text(certificate.serial)
    assert page_width(stranger) <= 360
    stranger.screenshot(path=str(artifacts / "certificate-verify-360px.png"), full_page=True)
