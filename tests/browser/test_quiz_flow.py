"""A cadre starts a quiz, answers half, reloads, finds the answers kept, finishes, submits twice
quickly and sees one result."""

from __future__ import annotations

import datetime as dt
import re

from playwright.sync_api import expect
from sqlalchemy import func, select

from lms.courses import enrollment
from lms.extensions import db
from lms.quizzes import attempts, bank
from lms.quizzes.models import Attempt
from tests.browser.test_first_login import sign_in
from tests.support import TEST_PASSWORD

GIFT = """::A:: Người có uy tín là người được cộng đồng tin cậy. {TRUE}

::B:: Việc đầu tiên khi đến thăm một gia đình đồng bào?
{=Hỏi thăm, lắng nghe ~Phát biểu ngay ~Chụp ảnh}

::C:: Năm ban hành Hiến pháp hiện hành? {#2013}

::D:: Điền từ: "Dân vận {=khéo} thì việc gì cũng thành công."
"""


def test_answers_survive_a_reload_and_a_double_submit_counts_once(
    live_server, new_page, make_course, people, province, artifacts
):
    course = make_course()
    bank.import_gift(course, GIFT, actor=None)
    attempts.create_quiz(
        course,
        slug="kiem-tra",
        title="Kiểm tra nhanh",
        published=True,
        shuffle_questions=False,
        shuffle_choices=False,
        review="answers",
    )
    enrollment.assign(course, province["HS"], dt.date(2027, 1, 31), actor=None)
    db.session.commit()

    phone = new_page(width=360, height=740)
    sign_in(phone, live_server, "hocvien", TEST_PASSWORD)
    phone.goto(f"{live_server}/courses/dan-van/quizzes/kiem-tra")
    phone.get_by_role("button", name="Bắt đầu làm bài").click()
    expect(phone).to_have_url(re.compile(r"/attempts/\d+$"))
    # half the answers, saved by the page's script as they are given
    phone.locator("#q1 input[value=true]").check()
    phone.locator("#q2 label", has_text="Hỏi thăm, lắng nghe").locator("input").check()
    expect(phone.locator("#save-status")).to_contain_text("✓")
    phone.reload()
    expect(phone.locator("#q1 input[value=true]")).to_be_checked()
    expect(phone.locator("#q2 label", has_text="Hỏi thăm").locator("input")).to_be_checked()
    phone.locator("#q3 input").fill("2013")
    phone.locator("#q4 input").fill("khéo")
    phone.screenshot(path=str(artifacts / "quiz-attempt-360px.png"), full_page=True)
    submit = phone.get_by_role("button", name="Nộp bài")
    submit.dblclick()
    expect(phone).to_have_url(re.compile(r"/attempts/\d+/review$"))
    expect(phone.locator(".lead")).to_contain_text("100%")
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(Attempt)) == 1
    assert db.session.scalar(select(Attempt.score)) == 100.0
