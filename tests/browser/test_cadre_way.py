"""A cadre on a phone reads every module of a course that also needs a quiz and attendance,
and My training (their home page) then says exactly what is missing."""

from __future__ import annotations

import datetime as dt
import re

from playwright.sync_api import expect

from lms.attendance import marking
from lms.courses import enrollment, services
from lms.extensions import db
from lms.quizzes import bank
from lms.quizzes import services as quiz_services
from tests.plugins.quizzes import FIVE_TRUE_OR_FALSE_GIFT, take_five
from tests.support import TEST_PASSWORD, page_width, sign_in


def test_a_cadre_reads_every_module_and_sees_what_is_missing(
    live_server, new_page, people, province, make_course, make_session, artifacts
):
    now = dt.datetime.now(dt.UTC)
    course = make_course("dan-van", owner=people["trainer"])
    bank.import_gift(course, FIVE_TRUE_OR_FALSE_GIFT, actor=None)
    quiz = quiz_services.create_quiz(
        course,
        slug="kiem-tra-cuoi-khoa",
        title="Kiểm tra cuối khóa",
        pass_score=80,
        max_attempts=3,
        published=True,
    )
    settings = services.CourseSettings(**services.settings_snapshot(course))
    settings.required_quizzes, settings.min_attendance = ["kiem-tra-cuoi-khoa"], 80
    services.update_course(course, settings, actor=None)
    enrollment.assign(course, province["HS"], dt.date(2027, 6, 30), actor=None)
    db.session.commit()
    held = make_session(course_id=course.id, starts_at=now - dt.timedelta(days=3), title="Buổi 1")
    marking.mark(
        held, [marking.Mark(people["cadre"].id, "present")], actor=people["trainer"], now=now
    )
    for days in (7, 14):
        make_session(course_id=course.id, starts_at=now + dt.timedelta(days=days))
    db.session.commit()
    take_five(quiz, people["cadre"], right=3)  # 60%: not passed

    phone = new_page(width=360, height=740)
    sign_in(phone, live_server, "hocvien", TEST_PASSWORD)
    # Signing in lands on My training: the cadre's home page.
    expect(phone.locator("h1")).to_have_text("Khóa học được giao")
    todo = phone.locator(".course-card .what-left li")
    expect(todo.first).to_have_text(re.compile(r"đã học 0/3 bài"))
    for title in ("Mở đầu", "Nội dung", "Kết luận"):
        phone.locator(".course-card a.button").click()
        expect(phone.locator("h1")).to_have_text(title)
        phone.get_by_role("button", name="Hoàn thành bài học").click()
        expect(phone.locator(".flash-success")).to_contain_text(f"Đã hoàn thành bài học «{title}»")
        if title != "Kết luận":
            phone.goto(f"{live_server}/")
    # The last one leads to the course page, which lists what is left.
    expect(phone).to_have_url(re.compile(r"/courses/dan-van$"))
    expect(phone.locator(".what-left.missing")).to_be_visible()

    phone.goto(f"{live_server}/")
    missing = phone.locator(".course-card .what-left.missing")
    expect(missing.locator("p")).to_have_text("Còn phải:")
    items = missing.locator("li")
    expect(items).to_have_count(2)
    expect(items.nth(0)).to_have_text(
        "đạt bài kiểm tra «Kiểm tra cuối khóa» (điểm đạt 80%, đồng chí đã làm 1/3 lượt, "
        "điểm cao nhất 60%)"
    )
    expect(items.nth(1)).to_have_text(
        re.compile(r"^tham dự ít nhất 80% buổi tập huấn: đã dự 1/3; buổi tới: .+")
    )
    width = page_width(phone)
    assert width <= 360, f"My training is {width}px wide"
    phone.screenshot(path=str(artifacts / "my-training-what-is-left-360px.png"), full_page=True)
    items.nth(0).get_by_role("link", name="Kiểm tra cuối khóa").click()
    expect(phone.locator("h1")).to_have_text("Kiểm tra cuối khóa")
