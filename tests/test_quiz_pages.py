"""A cadre takes a quiz through the pages: no answer leaks, answers are kept, one submission."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa
from bs4 import BeautifulSoup

from lms.courses import enrollment
from lms.extensions import db
from lms.quizzes import attempts, bank
from lms.quizzes.models import Answer, Attempt
from tests.support import login, post

GIFT = """::Q1:: Câu một: người có uy tín trong cộng đồng là ai? {
=Người được cộng đồng tin cậy#Chính xác, đó là điều quyết định
~Người giàu nhất#Chưa đúng
~Người nhiều tuổi nhất#Chưa đúng
####Uy tín đến từ sự tin cậy của cộng đồng.
}

::Q2:: Câu hai: cần tôn trọng phong tục của đồng bào. {TRUE#Sai rồi#Đúng vậy}

::Q3:: Câu ba: ghép đôi {=Lắng nghe -> trước =Trả lời -> sau =Hứa -> làm được}

::Q4:: Câu bốn: năm ban hành Hiến pháp hiện hành? {#2013}

::Q5:: Câu năm: nêu một việc nên làm khi đến thăm đồng bào {}
"""
SECRETS = [
    "Chính xác",
    "Chưa đúng",
    "Uy tín đến từ",
    "Sai rồi",
    "Đúng vậy",
    "fraction",
    "2013",
    "feedback",
    "correct",
]


@pytest.fixture
def quiz(make_course, people, province):
    course = make_course()
    bank.import_gift(course, GIFT, actor=None)
    quiz = attempts.create_quiz(
        course,
        slug="kiem-tra",
        title="Kiểm tra cuối khóa",
        published=True,
        review="correct_after_pass",
        pass_score=50,
    )
    enrollment.assign(course, province["HS"], dt.date(2027, 1, 31), actor=None)
    db.session.commit()
    return quiz


def page(response) -> BeautifulSoup:
    return BeautifulSoup(response.get_data(as_text=True), "html.parser")


def test_the_attempt_page_reveals_no_answer(client, people, quiz):
    login(client, "hocvien")
    response = post(
        client,
        "/courses/dan-van/quizzes/kiem-tra/start",
        token_from="/courses/dan-van/quizzes/kiem-tra",
    )
    assert response.status_code == 302
    attempt_page = client.get(response.location)
    html = attempt_page.get_data(as_text=True)
    for secret in SECRETS:
        assert secret not in html, secret
    soup = page(attempt_page)
    assert len(soup.select("fieldset.question")) == 5
    # choices are numbered as shown: nothing says which was written first
    single = next(f for f in soup.select("fieldset.question") if "Câu một" in f.get_text())
    assert [i["value"] for i in single.select("input[type=radio]")] == ["0", "1", "2"]


def test_answers_are_kept_and_a_double_submit_grades_once(app, client, people, quiz):
    login(client, "hocvien")
    start = post(
        client,
        "/courses/dan-van/quizzes/kiem-tra/start",
        token_from="/courses/dan-van/quizzes/kiem-tra",
    )
    attempt_url = start.location
    soup = page(client.get(attempt_url))
    form = {}
    for fieldset in soup.select("fieldset.question"):
        name = fieldset["id"]
        if fieldset.select("input[value=true]"):
            form[name] = "true"
        elif fieldset.select("input[type=radio]"):
            right = next(
                label
                for label in fieldset.select("label")
                if "cộng đồng tin cậy" in label.get_text()
            )
            form[name] = right.input["value"]
        elif fieldset.select("select"):
            for select in fieldset.select("select"):
                form[select["name"]] = select.select("option")[1]["value"]
        elif fieldset.select("textarea"):
            form[name] = "Hỏi trước phong tục của gia đình."
        else:
            form[name] = "2013"
    saved = post(
        client,
        f"{attempt_url}/save",
        form,
        token_from=attempt_url,
        headers={"Accept": "application/json"},
    )
    assert saved.get_json() == {"saved": True}
    # The autosave sends every answer each time: unchanged ones are not written again.
    saved_at = dict(db.session.execute(sa.select(Answer.position, Answer.saved_at)).all())
    assert len(saved_at) == len({name.split("-")[0] for name in form})
    changed = next(name for name, value in form.items() if value == "2013" or value == "true")
    again_form = {**form, changed: "2014" if form[changed] == "2013" else "false"}
    resaved = post(
        client,
        f"{attempt_url}/save",
        again_form,
        token_from=attempt_url,
        headers={"Accept": "application/json"},
    )
    assert resaved.get_json() == {"saved": True}
    db.session.expire_all()
    after = dict(db.session.execute(sa.select(Answer.position, Answer.saved_at)).all())
    rewritten = {position for position in after if after[position] != saved_at[position]}
    assert rewritten == {int(changed.removeprefix("q"))}
    post(client, f"{attempt_url}/save", form, token_from=attempt_url)  # put it back
    # a reload (or another device) shows every saved answer
    again = page(client.get(attempt_url))
    assert again.select_one("textarea").get_text() == "Hỏi trước phong tục của gia đình."
    assert again.select_one("input[value=true]").has_attr("checked")
    first = post(client, f"{attempt_url}/submit", token_from=attempt_url)
    second = post(client, f"{attempt_url}/submit", token_from="/")
    assert first.status_code == second.status_code == 302
    attempts_made = db.session.query(Attempt).all()
    assert len(attempts_made) == 1 and attempts_made[0].state == "needs_grading"
    review = page(client.get(first.location))
    assert "Chính xác" not in review.get_text()  # not passed yet: no key shown
    assert client.get(attempt_url).status_code == 302  # a submitted attempt cannot be edited


def test_someone_elses_attempt_does_not_exist(app, client, people, quiz):
    login(client, "hocvien")
    start = post(
        client,
        "/courses/dan-van/quizzes/kiem-tra/start",
        token_from="/courses/dan-van/quizzes/kiem-tra",
    )
    other = app.test_client()
    login(other, "chihuy.hs")
    assert other.get(start.location).status_code == 404
    assert post(other, f"{start.location}/submit", token_from="/").status_code == 404


def test_unpublished_quizzes_are_not_found(client, people, quiz):
    attempts.update_quiz(quiz, quiz_course(quiz), published=False)
    db.session.commit()
    login(client, "hocvien")
    assert client.get("/courses/dan-van/quizzes/kiem-tra").status_code == 404


def quiz_course(quiz):
    from lms.courses.models import Course

    return db.session.get(Course, quiz.course_id)


def test_odd_digits_in_the_attempt_form_are_ignored_not_a_500(client, people, quiz):
    login(client, "hocvien")
    start = post(
        client,
        "/courses/dan-van/quizzes/kiem-tra/start",
        token_from="/courses/dan-van/quizzes/kiem-tra",
    )
    for field in ("q1", "q3-0", "q1"):
        response = post(client, f"{start.location}/save", {field: "²"}, token_from=start.location)
        assert response.status_code == 302
    response = post(
        client, f"{start.location}/save", {"q1": "99999999999999999999"}, token_from=start.location
    )
    assert response.status_code == 302
