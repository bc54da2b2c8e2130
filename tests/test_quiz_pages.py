"""A cadre takes a quiz through the pages: no answer leaks, answers are kept, one submission."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa
from bs4 import BeautifulSoup

from lms.courses import enrollment
from lms.extensions import db
from lms.quizzes import attempts, bank
from lms.quizzes import display as quiz_display
from lms.quizzes import services as quiz_services
from lms.quizzes.models import Answer, Attempt
from tests.support import csrf_token, login, post

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
    quiz = quiz_services.create_quiz(
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
    assert saved.get_json() == {"saved": True, "seconds_left": None}
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
    assert resaved.get_json() == {"saved": True, "seconds_left": None}
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
    quiz_services.update_quiz(quiz, quiz_course(quiz), published=False)
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


def start(client) -> str:
    response = post(
        client,
        "/courses/dan-van/quizzes/kiem-tra/start",
        token_from="/courses/dan-van/quizzes/kiem-tra",
    )
    assert response.status_code == 302
    return response.location


def test_the_attempt_page_counts_down_to_the_servers_deadline(client, people, quiz):
    quiz_services.update_quiz(quiz, quiz_course(quiz), time_limit_minutes=20)
    db.session.commit()
    login(client, "hocvien")
    attempt_url = start(client)
    attempt = db.session.scalars(sa.select(Attempt)).one()
    soup = page(client.get(attempt_url))
    box = soup.select_one("#deadline")
    # The deadline the server enforces, and the seconds left by the server's clock: the
    # script counts from these, not from when the page happened to load.
    assert box["data-deadline"] == attempt.deadline.isoformat()
    assert 1190 <= int(box["data-seconds-left"]) <= 1200
    assert box.select_one("#countdown").has_attr("hidden")  # shown by the script only
    local = attempt.deadline.astimezone(dt.timezone(dt.timedelta(hours=7)))
    assert f"Hãy nộp bài trước {local:%H:%M}." in box.get_text(" ", strip=True)
    assert box["data-left-text"] == "Còn lại {time}"
    # Each autosave tells the script the time left again.
    saved = post(
        client,
        f"{attempt_url}/save",
        {"q2": "true"},
        token_from=attempt_url,
        headers={"Accept": "application/json"},
    )
    assert saved.get_json()["saved"] is True
    assert 1190 <= saved.get_json()["seconds_left"] <= 1200
    # The script submits when time is up; a page opened after the deadline has nothing left.
    attempt.deadline = attempt.started_at - dt.timedelta(seconds=5)
    db.session.commit()
    assert page(client.get(attempt_url)).select_one("#deadline")["data-seconds-left"] == "0"


def test_an_attempt_without_time_limit_shows_no_countdown(client, people, quiz):
    login(client, "hocvien")
    attempt_url = start(client)
    soup = page(client.get(attempt_url))
    assert soup.select_one("#deadline") is None
    saved = post(
        client,
        f"{attempt_url}/save",
        {"q2": "true"},
        token_from=attempt_url,
        headers={"Accept": "application/json"},
    )
    assert saved.get_json() == {"saved": True, "seconds_left": None}


def test_the_script_is_told_how_to_ask_before_submitting(client, people, quiz):
    login(client, "hocvien")
    form = page(client.get(start(client))).select_one("form#attempt-form")
    assert form["data-confirm-other"] == "Đồng chí còn {n} câu chưa trả lời. Nộp bài?"
    assert form["data-submit-url"].endswith("/submit")
    button = form.select_one("#submit-attempt")
    # Without the script, Submit saves the answers and goes to the confirmation step.
    assert (button["name"], button["value"], button.get("formaction")) == (
        "action",
        "submit",
        None,
    )


def test_submitting_without_script_confirms_and_lists_the_unanswered(client, people, quiz):
    login(client, "hocvien")
    attempt_url = start(client)
    soup = page(client.get(attempt_url))
    tf = next(f for f in soup.select("fieldset.question") if f.select("input[value=true]"))
    essay = next(f for f in soup.select("fieldset.question") if f.select("textarea"))
    answers = {tf["id"]: "true", essay["id"]: "Lắng nghe trước.", "action": "submit"}
    asked = post(client, f"{attempt_url}/save", answers, token_from=attempt_url)
    assert asked.status_code == 302 and asked.location.endswith(f"{attempt_url}/submit")
    db.session.expire_all()
    attempt = db.session.scalars(sa.select(Attempt)).one()
    assert attempt.state == "in_progress"  # asked, not submitted
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Answer)) == 2  # but saved

    confirm = client.get(asked.location)
    html = confirm.get_data(as_text=True)
    for secret in SECRETS:
        assert secret not in html, secret
    confirm_page = page(confirm)
    assert "Đồng chí còn 3 câu chưa trả lời:" in confirm_page.get_text()
    answered = {int(tf["id"][1:]), int(essay["id"][1:])}
    listed = [a["href"] for a in confirm_page.select("#unanswered a")]
    assert listed == [f"{attempt_url}#q{n}" for n in range(1, 6) if n not in answered]
    form = confirm_page.select_one(f"form[action='{attempt_url}/submit']")
    assert form.select_one("button[type=submit]").get_text(strip=True) == "Nộp bài"

    # A double click on the confirmation's button grades once.
    first = post(client, f"{attempt_url}/submit", token_from=asked.location)
    second = post(client, f"{attempt_url}/submit", token_from="/")
    assert first.location == second.location == f"{attempt_url}/review"
    db.session.expire_all()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Attempt)) == 1
    assert db.session.scalars(sa.select(Attempt)).one().state == "needs_grading"
    # Once submitted, the confirmation step leads to the result.
    assert client.get(asked.location).location == f"{attempt_url}/review"


def test_everything_answered_is_said_on_the_confirmation(client, people, quiz):
    login(client, "hocvien")
    attempt_url = start(client)
    attempt = db.session.scalars(sa.select(Attempt)).one()
    for item in quiz_display.attempt_view(attempt):
        response = {
            "single": {"choice": 0},
            "truefalse": {"value": False},
            "matching": {"pairs": {"0": 0}},
        }.get(item["kind"], {"text": "1"})
        attempts.save_answer(attempt, item["position"], response, now=attempt.started_at)
    db.session.commit()
    confirm = page(client.get(f"{attempt_url}/submit"))
    assert confirm.select_one("#unanswered") is None
    assert "Đồng chí đã trả lời tất cả các câu hỏi." in confirm.get_text()


def test_the_confirmation_is_only_the_owners(app, client, people, quiz):
    login(client, "hocvien")
    attempt_url = start(client)
    other = app.test_client()
    assert other.get(f"{attempt_url}/submit").status_code == 302  # sign in first
    login(other, "chihuy.hs")
    assert other.get(f"{attempt_url}/submit").status_code == 404


def test_the_quiz_page_says_what_starting_costs_and_stops_when_none_are_left(client, people, quiz):
    quiz_services.update_quiz(quiz, quiz_course(quiz), max_attempts=2)
    db.session.commit()
    login(client, "hocvien")
    quiz_url = "/courses/dan-van/quizzes/kiem-tra"
    first = page(client.get(quiz_url))
    assert first.select_one("#attempts-left").get_text(strip=True) == (
        "Bắt đầu sẽ dùng 1 trong 2 lượt làm bài; sau lượt này đồng chí còn 1 lượt."
    )
    assert first.select_one("a.button[href='/courses/dan-van']").get_text() == "Quay lại khóa học"

    attempt_url = start(client)
    # With an attempt open there is nothing to warn about: the button continues it.
    during = page(client.get(quiz_url))
    assert during.select_one("#attempts-left") is None
    assert during.select_one("form[action$='/start'] button").get_text(strip=True) == (
        "Tiếp tục làm bài"
    )
    tf = next(
        f
        for f in page(client.get(attempt_url)).select("fieldset.question")
        if f.select("input[value=true]")
    )
    post(client, f"{attempt_url}/save", {tf["id"]: "true"}, token_from=attempt_url)
    post(client, f"{attempt_url}/submit", token_from=attempt_url)
    assert "lượt làm bài cuối cùng" in page(client.get(quiz_url)).select_one("#attempts-left").text

    post(client, f"{start(client)}/submit", token_from=quiz_url)
    used_up = page(client.get(quiz_url))
    assert used_up.select_one(f"form[action='{quiz_url}/start']") is None
    assert used_up.select_one("#attempts-left") is None
    why = used_up.select_one("#cannot-start").get_text(" ", strip=True)
    assert "Đồng chí đã dùng hết 2 lượt làm bài kiểm tra này." in why
    assert "Điểm cao nhất của đồng chí: 20%." in why  # the true/false question: 1 of 5
    # The start endpoint refuses as before, whatever the page shows.
    refused = post(client, f"{quiz_url}/start", token_from=quiz_url)
    assert refused.location.endswith(quiz_url)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Attempt)) == 2


def test_a_closed_quiz_says_so_instead_of_offering_a_start(client, people, quiz):
    closed = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    quiz_services.update_quiz(
        quiz, quiz_course(quiz), opens_at=closed - dt.timedelta(days=1), closes_at=closed
    )
    db.session.commit()
    login(client, "hocvien")
    soup = page(client.get("/courses/dan-van/quizzes/kiem-tra"))
    assert soup.select_one("form[action$='/start']") is None
    assert "Bài kiểm tra đã đóng lúc" in soup.select_one("#cannot-start").get_text()


def test_saving_answers_costs_the_same_queries_for_one_and_twenty(
    client, make_course, people, province, count_queries
):
    """The autosave of 1 or 20 changed answers: the reader, then one lock, one load, one upsert
    (it was 4n+5), the same statements either way."""
    course = make_course()
    gift = "\n\n".join(
        f"::T{n}:: Câu {n}: phải tôn trọng phong tục của đồng bào. {{TRUE}}"
        if n % 2
        else f"::S{n}:: Câu {n}: năm ban hành Hiến pháp hiện hành? {{=2013}}"
        for n in range(1, 21)
    )
    bank.import_gift(course, gift, actor=None)
    quiz_services.create_quiz(course, slug="dai", title="Bài dài", published=True)
    enrollment.assign(course, province["HS"], dt.date(2027, 1, 31), actor=None)
    db.session.commit()
    login(client, "hocvien")
    attempt_url = post(
        client, "/courses/dan-van/quizzes/dai/start", token_from="/courses/dan-van/quizzes/dai"
    ).location
    kinds = {
        fieldset["id"]: bool(fieldset.select("input[value=true]"))
        for fieldset in page(client.get(attempt_url)).select("fieldset.question")
    }
    assert len(kinds) == 20
    token = csrf_token(client, attempt_url)

    def save(form: dict[str, str]) -> list[str]:
        with count_queries() as counter:
            response = client.post(
                f"{attempt_url}/save",
                data={"csrf_token": token, **form},
                headers={"Accept": "application/json"},
            )
        assert response.get_json()["saved"] is True
        return counter.statements

    name = next(iter(kinds))
    one = save({name: "true" if kinds[name] else "2013"})
    twenty = save({name: "false" if truefalse else "2014" for name, truefalse in kinds.items()})
    assert len(one) == len(twenty) <= 4
    # The same SQL whatever the number of answers: the upsert is compiled once per process.
    assert one == twenty
    stored = dict(db.session.execute(sa.select(Answer.position, Answer.response)).all())
    assert len(stored) == 20
    assert set(map(str, stored.values())) == {"{'value': False}", "{'text': '2014'}"}
