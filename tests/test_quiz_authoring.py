"""Trainers' quiz pages: quizzes and their settings, the question bank in GIFT, essay grading."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from bs4 import BeautifulSoup
from sqlalchemy import func, select

from lms.extensions import db
from lms.quizzes import attempts, bank, gift
from lms.quizzes import services as quiz_services
from lms.quizzes.models import Answer, Attempt, Question, Quiz
from tests.support import login, post

T0 = dt.datetime(2026, 12, 1, 8, 0, tzinfo=dt.UTC)

GIFT = """$CATEGORY: dan-van/co-ban

::S1:: Ai nêu phương châm "dân vận khéo"? {
  =Chủ tịch Hồ Chí Minh#Đúng
  ~Một nhà báo
}

::T1:: Cán bộ cần "nói đi đôi với làm". {T}

$CATEGORY: dan-van/nang-cao

::E1:: Nêu cảm nghĩ của đồng chí về người có uy tín. {}
"""

BAD_GIFT = """::S1:: Câu hỏi tốt {=Đúng ~Sai}

::S2:: Câu hỏi chưa đóng {=Đúng ~Sai

::S3:: Câu hỏi tốt nữa {T}
"""


def sign_in(client, username: str = "giangvien"):
    """Sign in and read the pages in English, the source language of the messages checked."""
    login(client, username)
    post(client, "/locale", {"locale": "en", "next": "/"}, token_from="/")


@pytest.fixture
def course(make_course, people):
    return make_course("soan-de", owner=people["trainer"], status="draft")


def quizzes_url(course) -> str:
    return f"/authoring/{course.slug}/quizzes"


def quiz_url(course, quiz_slug: str = "cuoi-khoa") -> str:
    return f"/authoring/{course.slug}/quizzes/{quiz_slug}"


def settings(**changes: str) -> dict[str, str]:
    """A complete settings form as the browser sends it (unchecked boxes are left out)."""
    form = {
        "title": "Kiểm tra cuối khóa",
        "description": "Bài kiểm tra sau khóa học.",
        "pass_score": "80",
        "time_limit_minutes": "45",
        "max_attempts": "2",
        "question_count": "2",
        "categories": "dan-van/co-ban, dan-van/nang-cao",
        "shuffle_questions": "y",
        "grading": "last",
        "review": "correct_after_pass",
        "opens_at": "2026-12-01T08:00",
        "closes_at": "2026-12-15T17:30",
        "published": "y",
    }
    form.update(changes)
    return {name: value for name, value in form.items() if value is not None}


def quiz_count() -> int:
    return db.session.scalar(select(func.count()).select_from(Quiz))


def test_a_trainer_creates_a_quiz_and_edits_its_settings(client, course, people):
    sign_in(client)
    page = client.get(quizzes_url(course))
    assert page.status_code == 200
    assert "This course has no quiz yet." in page.get_data(as_text=True)

    created = post(
        client,
        quizzes_url(course),
        {"title": "Kiểm tra cuối khóa", "slug": "cuoi-khoa"},
        token_from=quizzes_url(course),
    )
    assert created.status_code == 302
    assert created.headers["Location"].endswith(quiz_url(course))
    quiz = quiz_services.get_quiz(course, "cuoi-khoa")
    assert quiz is not None and quiz.title == "Kiểm tra cuối khóa" and not quiz.published
    # A new quiz shuffles its questions and choices until the trainer says otherwise.
    assert quiz.shuffle_questions and quiz.shuffle_choices
    new_form = BeautifulSoup(client.get(quiz_url(course)).data, "html.parser")
    for name in ("shuffle_questions", "shuffle_choices"):
        assert new_form.find("input", {"name": name}).has_attr("checked"), name

    listing = BeautifulSoup(client.get(quizzes_url(course)).data, "html.parser")
    cells = [td.get_text(" ", strip=True) for td in listing.select("table.list td")]
    assert any("Kiểm tra cuối khóa" in cell for cell in cells) and "draft" in cells

    saved = post(client, quiz_url(course), settings(), token_from=quiz_url(course))
    assert saved.status_code == 302, saved.get_data(as_text=True)
    db.session.expire_all()
    quiz = quiz_services.get_quiz(course, "cuoi-khoa")
    assert quiz.description == "Bài kiểm tra sau khóa học."
    assert (quiz.pass_score, quiz.time_limit_minutes, quiz.max_attempts) == (80, 45, 2)
    assert quiz.question_count == 2
    assert quiz.categories == ["dan-van/co-ban", "dan-van/nang-cao"]
    assert quiz.shuffle_questions and not quiz.shuffle_choices
    assert (quiz.grading, quiz.review, quiz.published) == ("last", "correct_after_pass", True)
    # Entered in Vietnam's time (UTC+7), stored in UTC.
    assert quiz.opens_at == dt.datetime(2026, 12, 1, 1, 0, tzinfo=dt.UTC)
    assert quiz.closes_at == dt.datetime(2026, 12, 15, 10, 30, tzinfo=dt.UTC)

    # The form shows the local times back, and the optional settings can be emptied.
    form = BeautifulSoup(client.get(quiz_url(course)).data, "html.parser")
    assert form.find("input", {"name": "opens_at"})["value"] == "2026-12-01T08:00"
    assert form.find("input", {"name": "shuffle_questions"}).has_attr("checked")
    assert form.find("input", {"name": "categories"})["value"] == "dan-van/co-ban, dan-van/nang-cao"
    emptied = post(
        client,
        quiz_url(course),
        settings(
            time_limit_minutes="",
            max_attempts="",
            question_count="",
            categories="",
            opens_at="",
            closes_at="",
            published=None,
        ),
        token_from=quiz_url(course),
    )
    assert emptied.status_code == 302
    db.session.expire_all()
    quiz = quiz_services.get_quiz(course, "cuoi-khoa")
    assert quiz.time_limit_minutes is None and quiz.max_attempts is None
    assert quiz.question_count is None and quiz.categories == []
    assert quiz.opens_at is None and quiz.closes_at is None and not quiz.published


def test_existing_quizzes_keep_their_shuffle_settings(course):
    """The new default applies to new quizzes only: a quiz saved without shuffling, changed
    later in another setting, still asks its questions in order."""
    quiz = quiz_services.create_quiz(
        course,
        slug="theo-thu-tu",
        title="Theo thứ tự",
        shuffle_questions=False,
        shuffle_choices=False,
    )
    db.session.commit()
    quiz_services.update_quiz(quiz, course, pass_score=90)
    db.session.commit()
    db.session.expire_all()
    quiz = quiz_services.get_quiz(course, "theo-thu-tu")
    assert (quiz.shuffle_questions, quiz.shuffle_choices, quiz.pass_score) == (False, False, 90)
    fresh = quiz_services.create_quiz(course, slug="moi", title="Mới")
    assert (fresh.shuffle_questions, fresh.shuffle_choices) == (True, True)


def test_a_taken_or_bad_short_name_is_refused(client, course):
    quiz_services.create_quiz(course, slug="cuoi-khoa", title="Đã có")
    db.session.commit()
    sign_in(client)
    for slug in ("cuoi-khoa", "Không hợp lệ"):
        response = post(
            client,
            quizzes_url(course),
            {"title": "Mới", "slug": slug},
            token_from=quizzes_url(course),
        )
        assert response.status_code == 400
        assert 'class="error"' in response.get_data(as_text=True)
    assert quiz_count() == 1


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"pass_score": "101"}, "The pass score is a percentage from 0 to 100."),
        ({"pass_score": "tám mươi"}, "Enter a whole number."),
        ({"time_limit_minutes": "0"}, "The time limit is from 1 to 1440 minutes, or none."),
        ({"max_attempts": "101"}, "The number of attempts is from 1 to 100, or unlimited."),
        ({"question_count": "501"}, "The number of questions is from 1 to 500, or all."),
        ({"grading": "average"}, "Not a valid choice."),
        ({"opens_at": "mai"}, "Enter a date and time, e.g. 2026-12-01 08:00."),
        ({"closes_at": "2026-11-30T08:00"}, "The quiz must open before it closes."),
        ({"title": " "}, "This field is required."),
    ],
)
def test_bad_settings_are_refused_and_nothing_changes(client, course, changes, message):
    quiz_services.create_quiz(course, slug="cuoi-khoa", title="Kiểm tra", pass_score=70)
    db.session.commit()
    sign_in(client)
    response = post(client, quiz_url(course), settings(**changes), token_from=quiz_url(course))
    assert response.status_code == 400
    page = BeautifulSoup(response.data, "html.parser")
    assert message in [e.get_text(strip=True) for e in page.select(".error")]
    db.session.expire_all()
    quiz = quiz_services.get_quiz(course, "cuoi-khoa")
    assert (quiz.title, quiz.pass_score, quiz.time_limit_minutes) == ("Kiểm tra", 70, None)
    assert quiz.opens_at is None and not quiz.published


def test_cadres_are_refused_and_other_trainers_do_not_see_the_course(
    client, course, make_user, province
):
    quiz_services.create_quiz(course, slug="cuoi-khoa", title="Kiểm tra")
    db.session.commit()
    urls = [
        quizzes_url(course),
        quiz_url(course),
        f"/authoring/{course.slug}/questions",
        f"/authoring/{course.slug}/questions.gift",
        quiz_url(course) + "/grading",
    ]
    sign_in(client, "hocvien")
    assert [client.get(url).status_code for url in urls] == [403] * len(urls)
    assert (
        post(client, quizzes_url(course), {"title": "X", "slug": "x"}, token_from="/").status_code
        == 403
    )

    make_user("giangvien2", ("trainer",), province["BCHQS"])
    other = client.application.test_client()
    sign_in(other, "giangvien2")
    assert [other.get(url).status_code for url in urls] == [404] * len(urls)
    assert (
        post(other, quizzes_url(course), {"title": "X", "slug": "x"}, token_from="/").status_code
        == 404
    )
    assert quiz_count() == 1


def upload(client, course, text: str | bytes, name: str = "cau-hoi.gift"):
    data = text.encode() if isinstance(text, str) else text
    url = f"/authoring/{course.slug}/questions"
    return post(
        client,
        url + "/import",
        {"file": (io.BytesIO(data), name)},
        token_from=url,
        content_type="multipart/form-data",
    )


def test_a_gift_upload_fills_the_bank_and_the_download_reads_back_the_same(client, course):
    sign_in(client)
    response = upload(client, course, GIFT)
    assert response.status_code == 302
    questions = bank.bank(course)
    assert [(q.category, q.title, q.kind) for q in questions] == [
        ("dan-van/co-ban", "S1", "single"),
        ("dan-van/co-ban", "T1", "truefalse"),
        ("dan-van/nang-cao", "E1", "essay"),
    ]
    page = BeautifulSoup(client.get(f"/authoring/{course.slug}/questions").data, "html.parser")
    assert [h.get_text(strip=True) for h in page.select("h2")][-2:] == [
        "dan-van/co-ban",
        "dan-van/nang-cao",
    ]
    assert "3 questions." in page.get_text()
    assert page.find("a", href=f"/authoring/{course.slug}/questions.gift")

    download = client.get(f"/authoring/{course.slug}/questions.gift")
    assert download.status_code == 200
    assert download.headers["Content-Type"] == "text/plain; charset=utf-8"
    assert download.headers["Content-Disposition"] == 'attachment; filename="soan-de.gift"'

    def without_lines(questions):
        return [bank.to_content(q) for q in questions]

    assert without_lines(gift.parse(download.get_data(as_text=True))) == without_lines(
        gift.parse(GIFT)
    )


def test_a_bad_gift_upload_lists_its_problems_and_imports_nothing(client, course):
    sign_in(client)
    response = upload(client, course, BAD_GIFT)
    assert response.status_code == 400
    page = BeautifulSoup(response.data, "html.parser")
    problems = [li.get_text(strip=True) for li in page.select("ul.problems li")]
    assert problems and all(p.startswith("line ") for p in problems)
    assert any(p.startswith("line 3:") for p in problems), problems
    assert db.session.scalar(select(func.count()).select_from(Question)) == 0

    not_utf8 = upload(client, course, "::S1:: Câu hỏi {T}\n".encode("cp1258", "replace") + b"\xff")
    assert not_utf8.status_code == 400
    assert "line 1: the file is not UTF-8 text" in not_utf8.get_data(as_text=True)

    url = f"/authoring/{course.slug}/questions"
    no_file = post(client, url + "/import", {}, token_from=url)
    assert no_file.status_code == 400
    assert db.session.scalar(select(func.count()).select_from(Question)) == 0


def test_the_grading_queue_grades_an_essay(client, course, people):
    bank.import_gift(course, GIFT, actor=None)
    quiz = quiz_services.create_quiz(course, slug="cuoi-khoa", title="Kiểm tra", published=True)
    db.session.commit()
    attempt = attempts.start_attempt(quiz, people["cadre"], now=T0)
    db.session.commit()
    kinds = {q.snapshot["kind"]: q.position for q in attempts.questions_of(attempt)}
    attempts.save_answer(attempt, kinds["truefalse"], {"value": True}, now=T0)
    essay_text = "Người có uy tín là cầu nối\ngiữa Đảng và dân."
    attempts.save_answer(attempt, kinds["essay"], {"text": essay_text}, now=T0)
    attempts.submit(attempt.id, now=T0 + dt.timedelta(minutes=5))
    db.session.commit()
    assert attempt.state == "needs_grading"

    sign_in(client)
    url = quiz_url(course) + "/grading"
    page = BeautifulSoup(client.get(url).data, "html.parser")
    row = page.select_one("table.list tbody tr").get_text(" ", strip=True)
    assert "Nguyễn Văn An" in row
    assert "Nêu cảm nghĩ của đồng chí về người có uy tín." in row
    assert "Người có uy tín là cầu nối" in row and "giữa Đảng và dân." in row
    action = f"{url}/{attempt.id}/{kinds['essay']}"
    assert page.find("form", action=action)
    prefix = f"a{attempt.id}-q{kinds['essay']}-"

    refused = post(client, action, {prefix + "credit": "1,5"}, token_from=url)
    assert refused.status_code == 400
    assert "The credit is a number from 0 to 1." in refused.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Attempt, attempt.id).state == "needs_grading"

    graded = post(
        client, action, {prefix + "credit": "0,5", prefix + "comment": "Khá tốt."}, token_from=url
    )
    assert graded.status_code == 302 and graded.headers["Location"].endswith(url)
    db.session.expire_all()
    answer = db.session.get(Answer, (attempt.id, kinds["essay"]))
    assert (answer.credit, answer.comment, answer.graded_by) == (
        0.5,
        "Khá tốt.",
        people["trainer"].id,
    )
    done = db.session.get(Attempt, attempt.id)
    # single unanswered (0) + true/false (1) + essay (0.5) of 3 questions
    assert done.state == "graded" and done.score == 50.0
    assert "No essay is waiting for a grade." in client.get(url).get_data(as_text=True)

    # Another course's attempt cannot be graded through this quiz.
    assert (
        post(client, quiz_url(course, "khac") + "/grading/1/1", {}, token_from=url).status_code
        == 404
    )
