"""A quiz's results for its trainers (numbers, page, CSV and XLSX) and its preview."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from bs4 import BeautifulSoup
from openpyxl import load_workbook
from sqlalchemy import func, select

from lms.courses.models import Course
from lms.extensions import db
from lms.quizzes import services as quiz_services
from lms.quizzes.models import Attempt
from lms.quizzes.results import quiz_results
from tests.plugins.quizzes import quiz_in_bank_order, take
from tests.support import login, post

# One question of each kind, with recognisable feedback so that a leak shows.
EVERY_KIND = """$CATEGORY: dan-van/co-ban

::S1:: Ai nêu phương châm "dân vận khéo"? {
  =Chủ tịch Hồ Chí Minh#PHAN-HOI-DUNG
  ~Một nhà báo#PHAN-HOI-SAI
  ####PHAN-HOI-CHUNG
}

::T1:: Cán bộ cần "nói đi đôi với làm". {T#PHAN-HOI-TRUE#PHAN-HOI-FALSE}

::SA1:: Vận động quần chúng còn gọi là công tác gì? {=DAPAN-SA#PHAN-HOI-SA}

::N1:: Số pi với hai chữ số thập phân? {#31415.9:0.5}

::MA1:: Ghép tỉnh với vùng: {=Hà Tĩnh -> Bắc Trung Bộ =Lai Châu -> Tây Bắc =Cà Mau -> Nam Bộ}

::E1:: Nêu cảm nghĩ của đồng chí về người có uy tín. {}

$CATEGORY: khac

::K1:: Câu hỏi của chủ đề khác. {T}
"""


def sign_in(client, username: str = "giangvien"):
    login(client, username)
    post(client, "/locale", {"locale": "en", "next": "/"}, token_from="/")


@pytest.fixture
def course(make_course, people):
    return make_course("soan-de", owner=people["trainer"], status="draft")


def results_url(course, suffix: str = "") -> str:
    return f"/authoring/{course.slug}/quizzes/kiem-tra/results{suffix}"


@pytest.fixture
def cadres(make_user, province):
    names = ["Nguyễn Văn An", "Trần Thị Bình", "Lê Văn Cường", "Phạm Thị Dung", "Hoàng Văn Em"]
    return [
        make_user(f"cadre{i}", ("cadre",), province["HS-01"], name)
        for i, name in enumerate(names, start=1)
    ]


@pytest.fixture
def taken(course, cadres, make_user, province):
    """Six submitted attempts by five cadres, and one still in progress:

    attempt  Q1 Q2 Q3   score
    An #1    T  T  F    66.67
    An #2    T  F  F    33.33
    Bình     T  T  F    66.67
    Cường    F  F  T    33.33
    Dung     F  F  T    33.33
    Em       T  T  -    66.67   (Q3 unanswered)
    """
    quiz = quiz_in_bank_order(course, pass_score=60)
    an, binh, cuong, dung, em = cadres
    take(quiz, an, (True, True, False))
    take(quiz, an, (True, False, False), minutes=10)
    take(quiz, binh, (True, True, False))
    take(quiz, cuong, (False, False, True))
    take(quiz, dung, (False, False, True))
    take(quiz, em, (True, True, None))
    late = make_user("cadre6", ("cadre",), province["HK"], "Đỗ Văn Giang")
    take(quiz, late, (True, True, True), submit=False)
    return quiz


def test_the_numbers_of_a_small_set_of_attempts(taken):
    results = quiz_results(taken)
    assert results.attempt_count == 6 and results.cadre_count == 5
    assert results.mean_score == 50.0
    # Highest attempt per cadre: An (66.67), Bình and Em pass; Cường and Dung do not.
    assert results.graded_cadre_count == 5 and results.pass_rate == 60.0
    assert [(row.full_name, row.number, row.score, row.passed) for row in results.attempts] == [
        ("Hoàng Văn Em", 1, 66.67, True),
        ("Lê Văn Cường", 1, 33.33, False),
        ("Nguyễn Văn An", 1, 66.67, True),
        ("Nguyễn Văn An", 2, 33.33, False),
        ("Phạm Thị Dung", 1, 33.33, False),
        ("Trần Thị Bình", 1, 66.67, True),
    ]
    assert {row.unit for row in results.attempts} == {"Ban CHQS xã Sơn Kim 1"}
    assert all(row.state == "graded" and row.submitted_at for row in results.attempts)

    q1, q2, q3 = results.questions
    assert q1.text == 'Cán bộ cần "nói đi đôi với làm".'
    assert [(q.shown, q.answered, q.mean_credit) for q in results.questions] == [
        (6, 6, 66.67),
        (6, 6, 50.0),
        (6, 5, 33.33),
    ]
    # Q2 is right exactly in the strong attempts; Q3 is right only in the weak ones.
    assert q2.discrimination == pytest.approx(1.0)
    assert q1.discrimination == pytest.approx(2**-0.5)
    assert q3.discrimination == pytest.approx(-(2**-0.5))

    # By the last attempt, An fails: two of five cadres pass.
    quiz_services.update_quiz(taken, db.session.get(Course, taken.course_id), grading="last")
    db.session.commit()
    assert quiz_results(taken).pass_rate == 40.0


def test_too_few_attempts_give_no_discrimination_index(course, cadres):
    quiz = quiz_in_bank_order(course)
    for cadre, answers in zip(cadres[:4], [(True,) * 3, (False,) * 3] * 2, strict=True):
        take(quiz, cadre, answers)
    results = quiz_results(quiz)
    assert results.attempt_count == 4
    assert [q.discrimination for q in results.questions] == [None, None, None]

    empty = quiz_services.create_quiz(course, slug="trong", title="Chưa ai làm", published=True)
    db.session.commit()
    results = quiz_results(empty)
    assert (results.attempt_count, results.mean_score, results.pass_rate) == (0, None, None)
    assert results.attempts == [] and results.questions == []


def test_the_results_page_shows_the_summary_and_both_tables(client, course, taken):
    sign_in(client)
    quiz_page = BeautifulSoup(
        client.get(results_url(course)[: -len("/results")]).data, "html.parser"
    )
    assert quiz_page.find("a", href=results_url(course))
    assert quiz_page.find("a", href=results_url(course).replace("/results", "/preview"))

    response = client.get(results_url(course))
    assert response.status_code == 200
    page = BeautifulSoup(response.data, "html.parser")
    facts = dict(
        zip(
            [dt_.get_text(strip=True) for dt_ in page.select("dl.facts dt")],
            [dd.get_text(" ", strip=True) for dd in page.select("dl.facts dd")],
            strict=True,
        )
    )
    assert facts["Submitted attempts"] == "6" and facts["Cadres"] == "5"
    assert facts["Mean score"] == "50%" and facts["Pass rate"].startswith("60%")
    questions, rows = page.select("table.list")
    assert len(questions.select("tbody tr")) == 3 and len(rows.select("tbody tr")) == 6
    assert all(td.has_attr("data-label") for td in page.select("table.list td"))
    assert "-0.707" in questions.get_text()
    assert "Nguyễn Văn An" in rows.get_text() and "Đỗ Văn Giang" not in rows.get_text()
    assert page.find("a", href=results_url(course, ".csv"))
    assert page.find("a", href=results_url(course, ".xlsx"))


def test_the_csv_download_reads_back_with_vietnamese_names(client, course, taken):
    sign_in(client)
    response = client.get(results_url(course, ".csv"))
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert response.headers["Content-Disposition"] == (
        'attachment; filename="soan-de-kiem-tra-results.csv"'
    )
    assert response.data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    header, *rest = rows
    assert header == [
        "Full name",
        "Username",
        "Unit",
        "Attempt",
        "Submitted at",
        "State",
        "Score (percent)",
        "Passed",
    ]
    attempt_rows, questions = rest[:6], rest[6:]
    assert attempt_rows[2][:4] == ["Nguyễn Văn An", "cadre1", "Ban CHQS xã Sơn Kim 1", "1"]
    # 08:01 UTC is 15:01 in Vietnam.
    assert attempt_rows[2][4:] == ["2026-12-01 15:01", "graded", "66.67", "yes"]
    assert questions[0] == []
    assert questions[1] == ["Questions"]
    assert questions[2][1:] == [
        "Question",
        "Shown",
        "Answered",
        "Correct (percent)",
        "Discrimination",
    ]
    assert [row[1:] for row in questions[3:]] == [
        ['Cán bộ cần "nói đi đôi với làm".', "6", "6", "66.67", "0.707"],
        ["Dân vận khéo thì việc gì cũng thành công.", "6", "6", "50.0", "1.0"],
        ["Câu hỏi mẹo của đồng chí Hùng.", "6", "5", "33.33", "-0.707"],
    ]


def test_the_xlsx_download_has_both_sheets(client, course, taken):
    sign_in(client)
    response = client.get(results_url(course, ".xlsx"))
    assert response.status_code == 200
    assert response.headers["Content-Type"] == (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    assert response.headers["Content-Disposition"] == (
        'attachment; filename="soan-de-kiem-tra-results.xlsx"'
    )
    workbook = load_workbook(io.BytesIO(response.data))
    assert workbook.sheetnames == ["Attempts", "Questions"]
    rows = list(workbook["Attempts"].iter_rows(values_only=True))
    assert rows[0][0] == "Full name" and len(rows) == 7
    assert rows[4] == (
        "Nguyễn Văn An",
        "cadre1",
        "Ban CHQS xã Sơn Kim 1",
        2,
        dt.datetime(2026, 12, 1, 15, 11),
        "graded",
        33.33,
        "no",
    )
    questions = list(workbook["Questions"].iter_rows(values_only=True))
    assert [row[2:] for row in questions[1:]] == [
        (6, 6, 66.67, 0.707),
        (6, 6, 50.0, 1.0),
        (6, 5, 33.33, -0.707),
    ]


def test_a_formula_in_a_name_stays_text(client, course, make_user, province):
    quiz = quiz_in_bank_order(course)
    take(quiz, make_user("tinh", ("cadre",), province["HK"], '=HYPERLINK("x")'), (True, True, True))
    sign_in(client)
    rows = list(
        csv.reader(io.StringIO(client.get(results_url(course, ".csv")).data.decode("utf-8-sig")))
    )
    assert rows[1][0] == '\'=HYPERLINK("x")'
    sheet = load_workbook(io.BytesIO(client.get(results_url(course, ".xlsx")).data))["Attempts"]
    assert sheet["A2"].data_type == "s" and sheet["A2"].value == '=HYPERLINK("x")'


def test_cadres_are_refused_and_other_trainers_do_not_see_the_results(
    client, course, make_user, province
):
    quiz_in_bank_order(course)
    urls = [results_url(course, suffix) for suffix in ("", ".csv", ".xlsx")]
    urls.append(results_url(course).replace("/results", "/preview"))
    sign_in(client, "hocvien")
    assert [client.get(url).status_code for url in urls] == [403] * len(urls)
    make_user("giangvien2", ("trainer",), province["BCHQS"])
    other = client.application.test_client()
    sign_in(other, "giangvien2")
    assert [other.get(url).status_code for url in urls] == [404] * len(urls)
    owner = client.application.test_client()
    sign_in(owner)
    missing = f"/authoring/{course.slug}/quizzes/khong-co/results"
    assert owner.get(missing).status_code == 404


def test_the_results_page_takes_as_many_queries_for_20_attempts_as_for_2(
    client, course, make_user, province, count_queries
):
    quiz = quiz_in_bank_order(course)
    people = [
        make_user(f"hv{i:02d}", ("cadre",), province["HK"], f"Học viên {i:02d}") for i in range(20)
    ]

    def queries() -> int:
        with count_queries() as counter:
            assert client.get(results_url(course)).status_code == 200
        return counter.count

    sign_in(client)
    for person in people[:2]:
        take(quiz, person, (True, False, True))
    few = queries()
    for person in people[2:]:
        take(quiz, person, (True, False, True))
    assert db.session.scalar(select(func.count()).select_from(Attempt)) == 20
    assert queries() == few


def test_the_preview_shows_the_questions_without_the_answers(client, course):
    quiz_in_bank_order(course, EVERY_KIND, categories=["dan-van"], question_count=3)
    sign_in(client)
    response = client.get(results_url(course).replace("/results", "/preview"))
    assert response.status_code == 200
    page = BeautifulSoup(response.data, "html.parser")
    text = page.get_text(" ", strip=True)
    for question in (
        'Ai nêu phương châm "dân vận khéo"?',
        'Cán bộ cần "nói đi đôi với làm".',
        "Vận động quần chúng còn gọi là công tác gì?",
        "Số pi với hai chữ số thập phân?",
        "Ghép tỉnh với vùng:",
        "Nêu cảm nghĩ của đồng chí về người có uy tín.",
    ):
        assert question in text
    assert "Câu hỏi của chủ đề khác." not in text  # not in the quiz's categories
    assert "Each attempt draws 3 of these 6 questions." in text
    assert len(page.select("fieldset.question")) == 6
    # The choices and matching sides are shown; no key, feedback or typed answer.
    assert "Chủ tịch Hồ Chí Minh" in text and "Bắc Trung Bộ" in text
    for secret in ("PHAN-HOI", "DAPAN-SA", "31415"):
        assert secret not in response.get_data(as_text=True)
    assert not page.select("input[checked], option[selected]")
    assert all(i.has_attr("disabled") for i in page.select("fieldset input, select, textarea"))
    assert not page.select("main form, form#attempt-form")
    assert not page.find("script", src=lambda src: src and "quiz.js" in src)
    # Matching: the right-hand sides are not in the pairs' order.
    matching = page.select("fieldset.question")[4]
    rights = [o.get_text() for o in matching.select("select")[0].select("option")][1:]
    assert rights != ["Bắc Trung Bộ", "Tây Bắc", "Nam Bộ"] and sorted(rights) == sorted(
        ["Bắc Trung Bộ", "Tây Bắc", "Nam Bộ"]
    )
    assert db.session.scalar(select(func.count()).select_from(Attempt)) == 0
