"""A trainer writes a one-answer question on a phone: an answer row added in place, the correct
answer marked with a radio button, the credits shown only when partial credit is asked for."""

from __future__ import annotations

import re

from playwright.sync_api import expect
from sqlalchemy import select

from lms.extensions import db
from lms.quizzes.models import Question
from tests.support import TEST_PASSWORD, sign_in


def test_a_trainer_adds_an_answer_in_place_and_marks_the_correct_one(
    live_server, new_page, make_course, people, artifacts
):
    make_course("soan-cau-hoi", owner=people["trainer"], status="draft")
    db.session.commit()
    phone = new_page(width=360, height=740)
    sign_in(phone, live_server, "giangvien", TEST_PASSWORD)
    url = f"{live_server}/authoring/soan-cau-hoi/questions/new?kind=single"
    phone.goto(url)
    rows = phone.locator("fieldset.question-row")
    expect(rows).to_have_count(4)
    credits = phone.locator(".credit-field input")
    expect(credits.first).to_be_hidden()
    phone.fill("#text", "Phương châm **dân vận khéo** do ai nêu?")
    for index, text in enumerate(["Một nhà báo", "Một nhà thơ", "Một học giả", "Một tướng"]):
        phone.fill(f"#choices-{index}-text", text)

    requests = []
    phone.on("request", lambda request: requests.append(request.url))
    phone.get_by_role("button", name="Thêm phương án").click()
    expect(rows).to_have_count(5)
    assert requests == []  # added in place, nothing posted
    expect(phone.locator("#choices-0-text")).to_have_value("Một nhà báo")
    expect(rows.nth(4).locator("legend")).to_have_text("Phương án 5")
    expect(phone.locator("#choices-4-text")).to_be_focused()
    phone.fill("#choices-4-text", "Chủ tịch Hồ Chí Minh")
    rows.nth(4).get_by_label("Đây là đáp án đúng").check()

    # Partial credit shows the credits, filled from the answer marked correct; off again hides
    # them, and the radio buttons decide.
    phone.get_by_label("Cho điểm từng phần").check()
    expect(credits.nth(4)).to_be_visible()
    expect(credits.nth(4)).to_have_value("100")
    expect(credits.nth(0)).to_have_value("0")
    phone.screenshot(path=str(artifacts / "question-form-partial-360px.png"), full_page=True)
    phone.get_by_label("Cho điểm từng phần").uncheck()
    expect(credits.nth(4)).to_be_hidden()
    phone.screenshot(path=str(artifacts / "question-form-360px.png"), full_page=True)

    phone.get_by_role("button", name="Lưu câu hỏi").click()
    expect(phone).to_have_url(re.compile(r"/authoring/soan-cau-hoi/questions$"))
    db.session.expire_all()
    question = db.session.scalars(select(Question)).one()
    assert question.kind == "single" and question.content["text_format"] == "markdown"
    assert [(c["text"], c["fraction"]) for c in question.content["choices"]] == [
        ("Một nhà báo", 0),
        ("Một nhà thơ", 0),
        ("Một học giả", 0),
        ("Một tướng", 0),
        ("Chủ tịch Hồ Chí Minh", 1),
    ]
