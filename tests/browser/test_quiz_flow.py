"""A cadre starts a quiz (told what it costs), watches the countdown, answers half, reloads, finds
the answers kept, submits twice quickly after being told what is unanswered, sees one result and
no start button any more. When time runs out, the page submits by itself."""

from __future__ import annotations

import datetime as dt
import re

from playwright.sync_api import expect
from sqlalchemy import func, select

from lms.courses import enrollment
from lms.extensions import db
from lms.quizzes import bank
from lms.quizzes import services as quiz_services
from lms.quizzes.attempts import GRACE
from lms.quizzes.models import Answer, Attempt
from lms.timeutil import utcnow
from tests.support import TEST_PASSWORD, sign_in

GIFT = """::A:: Người có uy tín là người được cộng đồng tin cậy. {TRUE}

::B:: Việc đầu tiên khi đến thăm một gia đình đồng bào?
{=Hỏi thăm, lắng nghe ~Phát biểu ngay ~Chụp ảnh}

::C:: Năm ban hành Hiến pháp hiện hành? {#2013}

::D:: Điền từ: "Dân vận {=khéo} thì việc gì cũng thành công."
"""


def countdown_seconds(page) -> int:
    """The seconds the countdown shows ("Còn lại 19:58" or "Còn lại 1:02:03")."""
    text = page.locator("#countdown").inner_text()
    parts = [int(part) for part in re.search(r"[\d:]+$", text).group(0).split(":")]
    seconds = 0
    for part in parts:
        seconds = seconds * 60 + part
    return seconds


def test_answers_survive_a_reload_and_a_double_submit_counts_once(
    live_server, new_page, make_course, people, province, artifacts
):
    course = make_course()
    bank.import_gift(course, GIFT, actor=None)
    quiz_services.create_quiz(
        course,
        slug="kiem-tra",
        title="Kiểm tra nhanh",
        published=True,
        shuffle_questions=False,
        shuffle_choices=False,
        review="answers",
        time_limit_minutes=20,
        max_attempts=1,
    )
    enrollment.assign(course, province["HS"], dt.date(2027, 1, 31), actor=None)
    db.session.commit()

    phone = new_page(width=360, height=740)
    sign_in(phone, live_server, "hocvien", TEST_PASSWORD)
    phone.goto(f"{live_server}/courses/dan-van/quizzes/kiem-tra")
    expect(phone.locator("#attempts-left")).to_have_text(
        "Bắt đầu sẽ dùng lượt làm bài cuối cùng của đồng chí."
    )
    phone.screenshot(path=str(artifacts / "quiz-start-360px.png"), full_page=True)
    phone.get_by_role("button", name="Bắt đầu làm bài").click()
    expect(phone).to_have_url(re.compile(r"/attempts/\d+$"))

    # The countdown shows the time left to the server's deadline, and it goes down.
    countdown = phone.locator("#countdown")
    expect(countdown).to_be_visible()
    expect(countdown).to_have_text(re.compile(r"^Còn lại (19:[0-5]\d|20:00)$"))
    first = countdown_seconds(phone)
    expect(countdown).not_to_have_text(countdown.inner_text())
    assert countdown_seconds(phone) < first

    # half the answers, saved by the page's script as they are given
    phone.locator("#q1 input[value=true]").check()
    phone.locator("#q2 label", has_text="Hỏi thăm, lắng nghe").locator("input").check()
    expect(phone.locator("#save-status")).to_contain_text("✓")
    phone.reload()
    expect(phone.locator("#q1 input[value=true]")).to_be_checked()
    expect(phone.locator("#q2 label", has_text="Hỏi thăm").locator("input")).to_be_checked()
    phone.locator("#q3 input").fill("2013")
    # The countdown stays in sight at the bottom of the questions.
    phone.locator("#submit-attempt").scroll_into_view_if_needed()
    expect(countdown).to_be_in_viewport()
    phone.screenshot(path=str(artifacts / "quiz-attempt-360px.png"))  # as the phone shows it

    # Submitting asks first, naming how many questions are left unanswered (#q4 is).
    asked = []

    def accept(dialog):
        asked.append(dialog.message)
        dialog.accept()

    phone.on("dialog", accept)
    phone.locator("#submit-attempt").dblclick()
    expect(phone).to_have_url(re.compile(r"/attempts/\d+/review$"))
    assert asked == ["Đồng chí còn 1 câu chưa trả lời. Nộp bài?"]
    expect(phone.locator(".lead")).to_contain_text("75%")
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(Attempt)) == 1
    assert db.session.scalar(select(Attempt.score)) == 75.0

    # With the only attempt used, the quiz page says so, with the score, and offers no start.
    phone.goto(f"{live_server}/courses/dan-van/quizzes/kiem-tra")
    expect(phone.locator("#cannot-start")).to_contain_text("Điểm cao nhất của đồng chí: 75%.")
    expect(phone.get_by_role("button", name="Bắt đầu làm bài")).to_have_count(0)
    phone.screenshot(path=str(artifacts / "quiz-used-up-360px.png"), full_page=True)


def test_the_page_submits_when_time_is_up(live_server, new_page, make_course, people, province):
    course = make_course()
    bank.import_gift(course, GIFT, actor=None)
    quiz_services.create_quiz(
        course, slug="kiem-tra", title="Kiểm tra nhanh", published=True, time_limit_minutes=5
    )
    enrollment.assign(course, province["HS"], dt.date(2027, 1, 31), actor=None)
    db.session.commit()

    phone = new_page(width=360, height=740)
    sign_in(phone, live_server, "hocvien", TEST_PASSWORD)
    phone.goto(f"{live_server}/courses/dan-van/quizzes/kiem-tra")
    phone.get_by_role("button", name="Bắt đầu làm bài").click()
    expect(phone).to_have_url(re.compile(r"/attempts/\d+$"))
    # Five minutes are long for a test: the server moves the deadline to four seconds away.
    attempt = db.session.scalars(select(Attempt)).one()
    attempt.deadline = utcnow() + dt.timedelta(seconds=4)
    db.session.commit()
    phone.reload()
    phone.locator("fieldset.question input[value=true]").check()  # questions are shuffled
    expect(phone).to_have_url(re.compile(r"/attempts/\d+/review$"))
    db.session.expire_all()
    attempt = db.session.scalars(select(Attempt)).one()
    assert attempt.state == "graded" and attempt.submitted_at <= attempt.deadline + GRACE
    # The answer given before time ran out went in with the submission.
    assert {"value": True} in db.session.scalars(select(Answer.response)).all()


def test_an_answer_given_before_the_page_script_arrived_is_saved(
    live_server, new_page, make_course, people, province
):
    """On a slow link the cadre can answer before quiz.js runs; the autosave still sends it."""
    course = make_course()
    bank.import_gift(course, GIFT, actor=None)
    quiz_services.create_quiz(
        course, slug="kiem-tra", title="Kiểm tra", published=True, shuffle_questions=False
    )
    enrollment.assign(course, province["HS"], dt.date(2027, 1, 31), actor=None)
    db.session.commit()

    # page.route does not see what a service worker fetches
    phone = new_page(width=360, height=740, service_workers="block")
    sign_in(phone, live_server, "hocvien", TEST_PASSWORD)
    phone.goto(f"{live_server}/courses/dan-van/quizzes/kiem-tra")
    held = []
    phone.route("**/static/quiz.js*", lambda route: held.append(route))
    phone.get_by_role("button", name="Bắt đầu làm bài").click()
    expect(phone).to_have_url(re.compile(r"/attempts/\d+$"))
    phone.locator("#q1 input[value=true]").check()
    for _ in range(200):  # the route handler runs while Playwright waits
        if held:
            break
        phone.wait_for_timeout(50)
    assert db.session.scalar(select(func.count()).select_from(Answer)) == 0
    for route in held:
        route.continue_()
    expect(phone.locator("#save-status")).to_contain_text("✓")
    db.session.expire_all()
    first = db.session.scalar(select(Answer).where(Answer.position == 1))
    assert first is not None and first.response == {"value": True}
