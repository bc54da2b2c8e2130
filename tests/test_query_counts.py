"""Lists load in a fixed number of queries, whatever the number of rows."""

from __future__ import annotations

import pytest

from lms.extensions import db
from tests.plugins.units_people import add_people, add_units
from tests.support import login, queries_for


@pytest.mark.parametrize(
    "url",
    [
        "/people/",
        "/people/?q=can+bo&role=cadre",
        "/people/?unit=HS",
        "/units/",
        "/units/HS",
        "/audit/",
    ],
)
def test_pages_use_the_same_number_of_queries_for_10_and_1000_rows(
    client, people, province, count_queries, url
):
    login(client, "quantri")
    add_people(add_units(province["HS"], 10), 10, "few")
    small = queries_for(client, count_queries, url)
    add_people(add_units(province["HS-01"], 990), 990, "many")
    large = queries_for(client, count_queries, url)
    assert small == large, f"{url}: {small} queries for 10 rows, {large} for 1,000"
    assert large <= 10, f"{url} uses {large} queries"


@pytest.mark.parametrize("url", ["/my-training", "/", "/courses/khoa-0"])
def test_a_cadres_pages_use_the_same_number_of_queries_for_1_and_12_courses(
    client, people, province, make_course, make_session, count_queries, url
):
    """Each course needs a quiz (attempted) and attendance (sessions held and to come): what is
    left of every course is read with a fixed number of queries."""
    import datetime as dt

    from lms.attendance import marking
    from lms.courses import enrollment, services
    from lms.quizzes import attempts, bank
    from lms.quizzes import services as quiz_services

    now = dt.datetime.now(dt.UTC)
    cadre = people["cadre"]

    def add_courses(numbers: range) -> None:
        for n in numbers:
            course = make_course(f"khoa-{n}", modules=("Một", "Hai", "Ba"))
            bank.import_gift(course, "::Q:: Đúng hay sai? {T}\n", actor=None)
            quiz = quiz_services.create_quiz(
                course, slug="kiem-tra", title="Kiểm tra", published=True, max_attempts=3
            )
            settings = services.CourseSettings(**services.settings_snapshot(course))
            settings.required_quizzes, settings.min_attendance = ["kiem-tra"], 80
            services.update_course(course, settings, actor=None)
            enrollment.assign(course, province["HS"], dt.date(2027, 6, 30), actor=None)
            enrollment.mark_module_done(cadre, course.modules[0])
            attempt = attempts.start_attempt(quiz, cadre, now=now)
            attempts.save_answer(attempt, 1, {"value": False}, now=now)
            attempts.submit(attempt.id, now=now)
            db.session.commit()
            held = make_session(course_id=course.id, starts_at=now - dt.timedelta(days=2))
            marking.mark(
                held, [marking.Mark(cadre.id, "present")], actor=people["trainer"], now=now
            )
            make_session(course_id=course.id, starts_at=now + dt.timedelta(days=n + 1))
            db.session.commit()

    add_courses(range(1))
    login(client, "hocvien")
    few = queries_for(client, count_queries, url)
    add_courses(range(1, 12))
    many = queries_for(client, count_queries, url)
    assert few == many, f"{url}: {few} queries for 1 course, {many} for 12"
    assert many <= 8, f"{url} uses {many} queries"  # 7, and the bell's unread count
