"""Issue 11: odd numbers, dates and addresses from outside never make a 500; downloads are not
cached; absolute links come from the configured address, not the Host header."""

from __future__ import annotations

import datetime as dt
import re
from urllib.parse import quote

import pytest
from bs4 import BeautifulSoup
from sqlalchemy import func, select

from lms.certificates import services as certificates
from lms.courses.models import Assignment, Enrollment
from lms.extensions import db
from lms.quizzes.models import Quiz
from tests.plugins.quizzes import quiz_in_bank_order, take
from tests.support import TEST_PASSWORD, csrf_token, login, post

NOW = dt.datetime.now(dt.UTC)
NOW_IS_THE_WALL_CLOCK = True  # taken again for each test (conftest.wall_clock_now)

# Query strings of the walk: a superscript two (a digit to str.isdigit, not to int), Arabic-Indic
# digits (int() reads them), numbers past every column, and dates in year 1 and 9999.
ODD_QUERIES = [
    "page=²",
    "page=١٢",
    "page=99999999999999999999999&from=99999999999999&to=²&course=99999999999&version=²",
    "since=0001-01-01&until=9999-12-31&period=0001&due=0001-01-01&starts_at=0001-01-01T00:00",
    "since=²⁰²⁶-01-01&period=２０２６-H1&page=-1&unit=²&code=²&q=²",
]


@pytest.fixture
def world(people, make_course, make_session):
    """Something behind every kind of address: a course with a quiz taken, a session."""
    course = make_course("dan-van", owner=people["trainer"])
    quiz = quiz_in_bank_order(course)
    attempt = take(quiz, people["cadre"], (True, True, True))
    session = make_session(units=("HS",), starts_at=NOW - dt.timedelta(minutes=5))
    question_id = db.session.scalar(select(func.min(Quiz.id)))  # any id will do for the walk
    db.session.add(Enrollment(user_id=people["cadre"].id, course_id=course.id, completed_at=NOW))
    [certificate] = certificates.issue(course.id)
    db.session.commit()
    return {
        "code": "HS",
        "user_id": people["cadre"].id,
        "slug": course.slug,
        "module_slug": course.modules[0].slug,
        "quiz_slug": quiz.slug,
        "attempt_id": attempt.id,
        "question_id": question_id,
        "session_id": session.id,
        "username": "hocvien",
        "sha256": "0" * 64,
        "extension": "png",
        "certificate_id": certificate.id,
        "role": "trainer",
    }


def _get_urls(app, values):
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.endpoint == "static":
            continue
        path = rule.rule
        for argument in rule.arguments:
            path = re.sub(rf"<(?:[^:>]+:)?{argument}>", str(values[argument]), path)
        yield rule.endpoint, path


@pytest.mark.parametrize("username", ["quantri", "giangvien", "hocvien"])
def test_every_page_survives_odd_numbers_and_dates(app, client, world, username):
    login(client, username)
    seen = 0
    for endpoint, path in _get_urls(app, world):
        for query in ODD_QUERIES:
            response = client.get(f"{path}?{query}")
            assert response.status_code < 500, (endpoint, path, query)
            seen += 1
    assert seen > 200


@pytest.mark.parametrize("page", ["²", "١٢", "99999999999999999999", "-1", "0", "x"])
@pytest.mark.parametrize("url", ["/people/", "/audit/", "/sessions/"])
def test_odd_page_numbers_show_the_first_page(client, people, url, page):
    login(client, "quantri")
    response = client.get(f"{url}?page={page}")
    assert response.status_code == 200
    assert _main(response) == _main(client.get(url))


def _main(response) -> str:
    return str(BeautifulSoup(response.get_data(as_text=True), "html.parser").select_one("main"))


def test_a_quiz_opening_in_year_1_is_refused(client, world):
    login(client, "giangvien")
    url = f"/authoring/{world['slug']}/quizzes/{world['quiz_slug']}"
    form = BeautifulSoup(client.get(url).get_data(as_text=True), "html.parser")
    data = {
        field["name"]: field.get("value", "")
        for field in form.select("form input[name]")
        if field.get("type") not in ("checkbox", "submit")
    }
    data.update(grading="highest", review="score", opens_at="0001-01-01T00:00")
    response = client.post(url, data=data)
    assert response.status_code == 400
    assert "2000" in response.get_data(as_text=True) and "2100" in response.get_data(as_text=True)
    assert db.session.scalar(select(Quiz.opens_at)) is None
    data["opens_at"] = "２０２６-12-01T08:00"  # full-width digits: strptime would take them
    assert client.post(url, data=data).status_code == 400


def test_dates_typed_out_of_range_are_refused_by_the_forms(client, world):
    login(client, "quantri")
    url = f"/courses/{world['slug']}/assign"
    page = BeautifulSoup(client.get(url).get_data(as_text=True), "html.parser")
    unit_id = page.select("select[name=unit_id] option")[-1]["value"]
    token = page.select_one("input[name=csrf_token]")["value"]
    for due in ["0001-01-01", "9999-12-31", "２０２７-01-01"]:
        data = {"csrf_token": token, "unit_id": unit_id, "due_date": due}
        assert client.post(url, data=data).status_code == 400
    data = {"csrf_token": token, "unit_id": "²", "due_date": "2027-01-01"}
    assert client.post(url, data=data).status_code == 400
    assert db.session.scalar(select(func.count()).select_from(Assignment)) == 0
    data["unit_id"] = unit_id
    assert client.post(url, data=data).status_code == 302
    assert db.session.scalar(select(func.count()).select_from(Assignment)) == 1


@pytest.mark.parametrize(
    "target",
    ["/\r\nSet-Cookie: x=1", "/people/\nX: y", "/\t/evil.example", "/\\evil.example", "/\x7f"],
)
def test_control_characters_in_next_are_ignored(client, people, target):
    response = post(client, "/locale", {"locale": "en", "next": target})
    assert response.status_code == 302 and response.location == "/"
    response = client.post(
        "/login?next=" + quote(target),
        data={"csrf_token": csrf_token(client), "username": "hocvien", "password": TEST_PASSWORD},
    )
    assert response.status_code == 302 and response.location == "/"
    assert "x=1" not in str(response.headers)


# ---- caching -----------------------------------------------------------------------------------


def test_every_download_is_private_and_not_stored(app, client, world):
    login(client, "giangvien")
    course, quiz, session = world["slug"], world["quiz_slug"], world["session_id"]
    downloads = [
        f"/sessions/{session}/attendance.csv",
        f"/sessions/{session}/attendance.xlsx",
        f"/authoring/{course}/quizzes/{quiz}/results.csv",
        f"/authoring/{course}/quizzes/{quiz}/results.xlsx",
        f"/authoring/{course}/questions.gift",
    ]
    for url in downloads:
        response = client.get(url)
        assert response.status_code == 200, url
        assert "attachment" in response.headers["Content-Disposition"]
        assert response.headers["Cache-Control"] == "private, no-store", url
    # Every other response but the static files too, errors and redirects included.
    for endpoint, path in _get_urls(app, world):
        response = client.get(path)
        assert "no-store" in response.headers.get("Cache-Control", ""), (endpoint, path)
    assert client.get("/nowhere").headers["Cache-Control"] == "private, no-store"
    assert "no-store" not in client.get("/static/style.css").headers.get("Cache-Control", "")


# ---- the site's address ------------------------------------------------------------------------


def test_a_foreign_host_header_is_refused(make_app, people):
    app = make_app(BASE_URL="https://lms.example.vn", TRUSTED_HOSTS=["lms.example.vn"])
    client = app.test_client()
    assert client.get("/login", headers={"Host": "lms.example.vn"}).status_code == 200
    response = client.get("/login", headers={"Host": "evil.example"})
    assert response.status_code == 400
    assert "evil.example" not in response.get_data(as_text=True)
    assert client.get("/login", headers={"Host": "lms.example.vn.evil.example"}).status_code == 400


def test_absolute_links_use_the_configured_address(make_app, people, make_session):
    from lms.attendance.views.sessions import qr_svg

    session = make_session(units=("HS",), starts_at=NOW - dt.timedelta(minutes=5))
    app = make_app(BASE_URL="https://lms.example.vn", TRUSTED_HOSTS=["lms.example.vn", "localhost"])
    client = app.test_client()
    login(client, "giangvien")  # at http://localhost
    page = BeautifulSoup(client.get(f"/sessions/{session.id}/screen").data, "html.parser")
    link = page.select_one("a.checkin-link")["href"]
    assert link.startswith(f"https://lms.example.vn/checkin/{session.id}?code=")
    page = BeautifulSoup(client.get(f"/sessions/{session.id}/sheet").data, "html.parser")
    expected = qr_svg(f"https://lms.example.vn/checkin/{session.id}", 3)
    assert str(BeautifulSoup(expected, "html.parser").svg) in str(page)
