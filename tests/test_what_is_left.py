"""A cadre's way through a course: My training (their home page) and the course page say
what is left — modules, the required quiz with attempts and best score, attendance with the
next session — and, once every module is read, exactly what is missing."""

from __future__ import annotations

import datetime as dt

import pytest

from lms.attendance import marking
from lms.attendance import services as sessions
from lms.attendance.reports import course_attendance, course_attendance_for
from lms.courses import enrollment, services
from lms.extensions import db
from lms.quizzes import bank
from lms.quizzes import services as quiz_services
from lms.quizzes.queries import standings
from lms.quizzes.services import passed_quiz_slugs
from tests.plugins.quizzes import FIVE_TRUE_OR_FALSE_GIFT, take_five
from tests.support import login, post, soup

NOW = dt.datetime.now(dt.UTC)
NOW_IS_THE_WALL_CLOCK = True  # taken again for each test (conftest.wall_clock_now)


def text(element) -> str:
    return " ".join(element.get_text().split())


def add_quiz(course, slug="kiem-tra-cuoi-khoa", title="Kiểm tra cuối khóa", **settings):
    settings = {"pass_score": 80, "max_attempts": 3, "published": True, **settings}
    quiz = quiz_services.create_quiz(course, slug=slug, title=title, **settings)
    db.session.commit()
    return quiz


@pytest.fixture
def setup(make_course, make_session, people, province):
    """A course of three modules that needs its quiz (80%, three attempts) and 80% attendance
    of its three sessions: one held and attended, one next week, one the week after."""
    course = make_course("dan-van", owner=people["trainer"])
    bank.import_gift(course, FIVE_TRUE_OR_FALSE_GIFT, actor=None)
    quiz = add_quiz(course)
    settings = services.CourseSettings(**services.settings_snapshot(course))
    settings.required_quizzes, settings.min_attendance = ["kiem-tra-cuoi-khoa"], 80
    services.update_course(course, settings, actor=None)
    enrollment.assign(course, province["HS"], dt.date(2027, 6, 30), actor=None)
    db.session.commit()
    held = make_session(course_id=course.id, starts_at=NOW - dt.timedelta(days=3), title="Buổi 1")
    marking.mark(
        held, [marking.Mark(people["cadre"].id, "present")], actor=people["trainer"], now=NOW
    )
    later = [
        make_session(course_id=course.id, starts_at=NOW + dt.timedelta(days=d), title=f"Buổi {n}")
        for n, d in ((2, 7), (3, 14))
    ]
    db.session.commit()
    return {
        "course": services.get_course("dan-van", with_modules=True),
        "quiz": quiz,
        "later": later,
    }


def card(client, url: str = "/my-training"):
    page = soup(client.get(url))
    return page.select_one(".course-card") if url != "/courses/dan-van" else page


def test_my_training_says_what_is_left_then_exactly_what_is_missing(client, people, setup):
    login(client, "hocvien")
    before = card(client)
    items = [text(li) for li in before.select(".what-left li")]
    next_date = setup["later"][0].starts_at
    assert items[0] == "học hết các bài: đã học 0/3 bài"
    assert items[1] == ("đạt bài kiểm tra «Kiểm tra cuối khóa» (điểm đạt 80%, chưa làm bài)")
    assert items[2].startswith("tham dự ít nhất 80% buổi tập huấn: đã dự 1/3; buổi tới: ")
    assert next_date.astimezone(dt.timezone(dt.timedelta(hours=7))).strftime("%H:%M") in items[2]
    link = before.select_one(".what-left a")
    assert link["href"] == "/courses/dan-van/quizzes/kiem-tra-cuoi-khoa"

    cadre = people["cadre"]
    for module in services.get_course("dan-van", with_modules=True).modules:
        enrollment.mark_module_done(cadre, module)
    db.session.commit()
    take_five(setup["quiz"], cadre, right=3)  # 60%
    for url in ("/my-training", "/courses/dan-van"):
        missing = card(client, url).select_one(".what-left.missing")
        assert text(missing.select_one("p")) == "Còn phải:", url
        assert [text(li) for li in missing.select("li")] == [
            "đạt bài kiểm tra «Kiểm tra cuối khóa» (điểm đạt 80%, đồng chí đã làm 1/3 lượt, "
            "điểm cao nhất 60%)",
            text(missing.select("li")[1]),
        ], url
        assert text(missing.select("li")[1]).startswith(
            "tham dự ít nhất 80% buổi tập huấn: đã dự 1/3; buổi tới:"
        )

    take_five(setup["quiz"], cadre, right=5)  # passed: only the attendance is left
    missing = card(client).select_one(".what-left.missing")
    assert [text(li).split(":")[0] for li in missing.select("li")] == [
        "tham dự ít nhất 80% buổi tập huấn"
    ]
    # The two sessions to come are cancelled: the one attended is all there is, 1/1.
    for session in setup["later"]:
        sessions.cancel_session(session, "Hoãn", actor=people["trainer"])
    db.session.commit()
    done = card(client)
    assert "Đã hoàn thành" in text(done.select_one(".meta"))
    assert not done.select(".what-left")


def test_what_is_left_follows_the_completion_rule(people, setup):
    """The summary says nothing is missing exactly when the enrollment is complete."""
    from lms.courses import queries, standing

    cadre = people["cadre"]
    for module in services.get_course("dan-van", with_modules=True).modules:
        enrollment.mark_module_done(cadre, module)
    take_five(setup["quiz"], cadre, right=5)
    for session in setup["later"]:
        sessions.cancel_session(session, "Hoãn", actor=people["trainer"])
    db.session.commit()
    [mine] = standing.standings_of(cadre, queries.my_training(cadre), NOW)
    assert mine.completed and not mine.quizzes_missing and mine.attendance_met
    assert mine.attendance.tally.attended == mine.attendance.tally.counted == 1


def test_quiz_standings_agree_with_the_completion_rule(make_course, people):
    course = make_course("dan-van")
    bank.import_gift(course, FIVE_TRUE_OR_FALSE_GIFT, actor=None)
    highest = add_quiz(course, "cao-nhat", "Cao nhất", max_attempts=None)
    last = add_quiz(course, "lan-cuoi", "Lần cuối", grading="last")
    add_quiz(course, "chua-lam", "Chưa làm")
    cadre = people["cadre"]
    for quiz, results in ((highest, (5, 2)), (last, (5, 2))):
        for right in results:
            take_five(quiz, cadre, right)
    found = standings(cadre.id, [course.id])[course.id]
    assert (
        {slug for slug, s in found.items() if s.passed}
        == passed_quiz_slugs(cadre.id, course.id)
        == {"cao-nhat"}
    )
    assert (found["lan-cuoi"].attempts_used, found["lan-cuoi"].best_score) == (2, 100.0)
    assert found["lan-cuoi"].attempts_left == 1
    assert found["cao-nhat"].attempts_left is None
    assert (found["chua-lam"].attempts_used, found["chua-lam"].best_score) == (0, None)
    assert standings(cadre.id, []) == {}


def test_course_attendance_for_many_courses_matches_the_rule(people, setup, make_course):
    other = make_course("khac")
    db.session.commit()
    cadre = people["cadre"]
    found = course_attendance_for(cadre.id, [setup["course"].id, other.id], NOW)
    assert set(found) == {setup["course"].id}  # no session of the other course
    mine = found[setup["course"].id]
    assert mine.tally == course_attendance(cadre.id, setup["course"].id, NOW)
    assert (mine.sessions, mine.next_session.id) == (3, setup["later"][0].id)
    assert not mine.next_under_way


def test_a_cadres_home_page_is_my_training(client, people, make_user, province, setup):
    login(client, "hocvien")
    page = soup(client.get("/"))
    assert text(page.select_one("h1")) == "Khóa học được giao"
    assert page.select_one(".course-card .what-left")
    make_user("gv2", ("trainer",), province["HS"])
    trainer = client.application.test_client()
    login(trainer, "gv2")
    home = soup(trainer.get("/"))
    assert home.select(".tiles .tile") and not home.select(".course-card")
    # A commander who is also a cadre lands on the command dashboard of their unit.
    make_user("cb.chihuy", ("commander", "cadre"), province["HS"])
    commander = client.application.test_client()
    login(commander, "cb.chihuy")
    home = soup(commander.get("/"))
    assert text(home.select_one("h1")).startswith("Kết quả bồi dưỡng")
    assert not home.select(".course-card")


def test_marking_a_module_done_says_so_and_what_comes_next(client, people, setup):
    login(client, "hocvien")
    base = "/courses/dan-van/modules"
    response = post(client, f"{base}/mo-dau/done", token_from=f"{base}/mo-dau")
    assert response.location.endswith(f"{base}/noi-dung")
    flash = text(soup(client.get(response.location)).select_one(".flash-success"))
    assert flash == "Đã hoàn thành bài học «Mở đầu». Bài tiếp theo: «Nội dung»."
    # The last one read out of order: the next is the one still left, before it.
    response = post(client, f"{base}/ket-luan/done", token_from=f"{base}/ket-luan")
    assert response.location.endswith(f"{base}/noi-dung")
    response = post(client, f"{base}/noi-dung/done", token_from=f"{base}/noi-dung")
    assert response.location.endswith("/courses/dan-van")
    page = soup(client.get(response.location))
    assert text(page.select_one(".flash-success")).startswith(
        "Đã hoàn thành bài học «Nội dung»: đồng chí đã học hết các bài của khóa học."
    )
    assert page.select_one(".what-left.missing")


def test_the_last_module_of_a_course_with_nothing_else_completes_it(
    client, people, make_course, province
):
    course = make_course("mot-bai", modules=("Duy nhất",))
    enrollment.assign(course, province["HS"], dt.date(2027, 6, 30), actor=None)
    db.session.commit()
    login(client, "hocvien")
    url = "/courses/mot-bai/modules/duy-nhat"
    response = post(client, f"{url}/done", token_from=url)
    flash = text(soup(client.get(response.location)).select_one(".flash-success"))
    assert flash == (
        "Đã hoàn thành bài học «Duy nhất» và cùng với đó là khóa học «Khóa học mot-bai»."
    )


def test_sessions_under_way_or_checked_in_are_not_upcoming(
    client, people, make_course, make_session
):
    course = make_course("dan-van")
    under_way = make_session(
        course_id=course.id, starts_at=NOW - dt.timedelta(minutes=30), title="Đang học"
    )
    attended = make_session(
        course_id=course.id,
        starts_at=NOW - dt.timedelta(minutes=10),
        title="Đã điểm danh",
        hours=1,
    )
    make_session(course_id=course.id, starts_at=NOW + dt.timedelta(days=3), title="Tuần sau")
    marking.mark(
        attended, [marking.Mark(people["cadre"].id, "present")], actor=people["trainer"], now=NOW
    )
    db.session.commit()
    login(client, "hocvien")
    for url in ("/my-training", "/courses/dan-van", "/attendance/mine"):
        page = soup(client.get(url))
        now_titles = [text(li.strong) for li in page.select(".sessions-current li")]
        upcoming_titles = [text(li.strong) for li in page.select(".sessions-upcoming li")]
        assert sorted(now_titles) == ["Đang học", "Đã điểm danh"], url
        assert upcoming_titles == ["Tuần sau"], url
        current = {text(li.strong): li for li in page.select(".sessions-current li")}
        assert "đang diễn ra" in text(current["Đang học"])
        assert current["Đang học"].select_one(f"a.button[href='/checkin/{under_way.id}']")
        assert "done" in current["Đã điểm danh"]["class"]
        assert "Đã điểm danh: Có mặt" in text(current["Đã điểm danh"])
        assert not current["Đã điểm danh"].select("a.button")
