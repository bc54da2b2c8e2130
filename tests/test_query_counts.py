"""Lists load in a fixed number of queries, whatever the number of rows."""

from __future__ import annotations

import pytest
from sqlalchemy import insert, select

from lms.extensions import db
from lms.people.models import UnitMembership, User, UserRole
from lms.units import services as units
from lms.units.models import Unit
from tests.support import login


def add_units(parent: Unit, count: int) -> list[Unit]:
    db.session.execute(
        insert(Unit),
        [
            {
                "code": f"{parent.code}-U{i}",
                "name": f"Đơn vị {i}",
                "kind": "other",
                "parent_id": parent.id,
            }
            for i in range(count)
        ],
    )
    units.rebuild_closure()
    db.session.commit()
    return list(db.session.scalars(select(Unit).where(Unit.parent_id == parent.id)))


def add_people(unit_list: list[Unit], count: int, prefix: str) -> None:
    db.session.execute(
        insert(User),
        [
            {
                "username": f"{prefix}{i}",
                "full_name": f"Cán bộ Số {i}",
                "search_key": f"can bo so {i} {prefix}{i}",
                "unit_id": unit_list[i % len(unit_list)].id,
                "password_hash": "x",
                "rank": "Hạ sĩ",
                "position": "Chiến sĩ",
            }
            for i in range(count)
        ],
    )
    ids = db.session.scalars(select(User.id).where(User.username.like(f"{prefix}%"))).all()
    db.session.execute(insert(UserRole), [{"user_id": i, "role": "cadre"} for i in ids])
    db.session.execute(
        insert(UnitMembership),
        [
            {"user_id": user_id, "unit_id": unit_list[n % len(unit_list)].id}
            for n, user_id in enumerate(ids)
        ],
    )
    db.session.commit()


def queries_for(client, count_queries, url: str) -> int:
    with count_queries() as counter:
        response = client.get(url)
    assert response.status_code == 200
    return counter.count


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
    from lms.extensions import db
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
