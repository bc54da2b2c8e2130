"""Every endpoint of the application, opened by every kind of visitor: the access matrix.

``test_access.py`` holds the first rows (units, people, imports, attendance and certificate
lists); this module adds every other endpoint, with the object-level cases: a trainer who does
not edit the course, another cadre's attempt, a commander outside the subtree. A last test
checks that the two matrices together reach every endpoint and method of ``app.url_map``, so a
new page cannot be added without saying who may open it.

Each row is one test with a fresh world; its visitors go in the order of ``VISITORS``, the
ones refused first, so a row whose request changes something (a delete, a cancel) is allowed
last. A refused POST must leave the world as it was: the tests of each feature check that.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from flask import Flask

from lms.extensions import db
from tests.plugins.access import CERTIFICATE_MATRIX, MATRIX
from tests.support import csrf_token, login

# anon: not signed in; other_trainer: a trainer who does not edit the course; border_cadre:
# a cadre outside the commander's subtree, whose attempt is not the cadre's.
VISITORS = ("anon", "cadre", "border_cadre", "other_trainer", "commander", "trainer", "admin")

GIFT = """::S1:: Ai nêu phương châm "dân vận khéo"? {
  =Chủ tịch Hồ Chí Minh
  ~Một nhà báo
}
"""
NOW = dt.datetime(2026, 12, 1, 3, 0, tzinfo=dt.UTC)


@pytest.fixture
def world(people, province, make_user, make_course, make_session) -> dict[str, Any]:
    """A course the trainer edits (a module, a question, a published quiz), assigned to the
    province; an attempt of the cadre's and one of the border cadre's; a training session the
    trainer runs for HS."""
    from lms.courses import enrollment
    from lms.quizzes import attempts, bank
    from lms.quizzes import services as quiz_services
    from lms.quizzes.models import Question

    other = make_user("giangvien2", ("trainer",), province["BCHQS"], "Hoàng Văn Bình")
    course = make_course("dan-van", modules=("Mở đầu",), owner=people["trainer"])
    bank.import_gift(course, GIFT, actor=None)
    quiz = quiz_services.create_quiz(course, slug="kiem-tra", title="Kiểm tra", published=True)
    assignment, _ = enrollment.assign(course, province["HT"], dt.date(2027, 6, 30), actor=None)
    db.session.commit()
    mine = attempts.start_attempt(quiz, people["cadre"], now=NOW)
    theirs = attempts.start_attempt(quiz, people["border_cadre"], now=NOW)
    db.session.commit()
    session = make_session(units=("HS",))
    question = db.session.scalars(db.select(Question)).one()
    return {
        "people": {**people, "other_trainer": other},
        "attempt": mine.id,
        "their_attempt": theirs.id,
        "question": question.id,
        "assignment": assignment.id,
        "session": session.id,
        "cadre_id": people["cadre"].id,
    }


# (method, url, the status each visitor gets, in the order of VISITORS); "{name}" is filled
# from the world. 302 for anon is the sign-in page; 404 where the object is someone else's
# (another's attempt, a course the trainer does not edit, a unit outside the commander's
# subtree); 400 for a form posted back empty.
# Columns: anon, cadre, border_cadre, other_trainer, commander, trainer, admin.
ROWS: list[tuple[str, str, str]] = [
    # Signing in and out, language, password
    ("POST", "/login", "400 302 302 302 302 302 302"),
    ("POST", "/logout", "302 302 302 302 302 302 302"),
    ("POST", "/locale", "302 302 302 302 302 302 302"),
    ("POST", "/account/password", "302 400 400 400 400 400 400"),
    # Courses, as cadres read them
    ("GET", "/courses/", "302 200 200 200 200 200 200"),
    ("GET", "/courses/dan-van", "302 200 200 200 200 200 200"),
    ("GET", "/courses/dan-van/modules/mo-dau", "302 200 200 200 200 200 200"),
    ("POST", "/courses/dan-van/modules/mo-dau/done", "302 302 302 403 403 403 403"),
    ("GET", "/my-training", "302 200 200 200 200 200 200"),
    ("GET", "/search?q=dan", "302 200 200 200 200 200 200"),
    ("GET", "/media/" + "0" * 64 + ".png", "302 404 404 404 404 404 404"),
    ("GET", "/courses/dan-van/assign", "302 403 403 403 200 403 200"),
    ("POST", "/courses/dan-van/assign", "302 403 403 403 400 403 400"),
    ("POST", "/courses/dan-van/assignments/{assignment}/close", "302 403 403 403 404 403 302"),
    # Authoring
    ("GET", "/authoring/", "302 403 403 200 403 200 200"),
    ("GET", "/authoring/new", "302 403 403 200 403 200 200"),
    ("POST", "/authoring/new", "302 403 403 400 403 400 400"),
    ("POST", "/authoring/preview", "302 403 403 200 403 200 200"),
    ("GET", "/authoring/dan-van", "302 403 403 404 403 200 200"),
    ("POST", "/authoring/dan-van", "302 403 403 404 403 302 302"),
    ("POST", "/authoring/dan-van/modules", "302 403 403 404 403 400 400"),
    ("GET", "/authoring/dan-van/modules/mo-dau/edit", "302 403 403 404 403 200 200"),
    ("POST", "/authoring/dan-van/modules/mo-dau/edit", "302 403 403 404 403 400 400"),
    ("GET", "/authoring/dan-van/modules/mo-dau/history", "302 403 403 404 403 200 200"),
    ("GET", "/authoring/dan-van/modules/mo-dau/diff", "302 403 403 404 403 400 400"),
    ("POST", "/authoring/dan-van/modules/mo-dau/move", "302 403 403 404 403 400 400"),
    ("POST", "/authoring/dan-van/modules/mo-dau/restore/1", "302 403 403 404 403 302 302"),
    ("POST", "/authoring/dan-van/modules/mo-dau/delete", "302 403 403 404 403 302 404"),
    ("POST", "/authoring/dan-van/owners", "302 403 403 403 403 403 302"),
    ("POST", "/authoring/dan-van/status", "302 403 403 404 403 400 400"),
    ("POST", "/authoring/dan-van/images", "302 403 403 404 403 400 400"),
    # Question bank and quizzes, as trainers keep them
    ("GET", "/authoring/dan-van/questions", "302 403 403 404 403 200 200"),
    ("GET", "/authoring/dan-van/questions.gift", "302 403 403 404 403 200 200"),
    ("POST", "/authoring/dan-van/questions/import", "302 403 403 404 403 400 400"),
    ("GET", "/authoring/dan-van/questions/new", "302 403 403 404 403 200 200"),
    ("POST", "/authoring/dan-van/questions/new", "302 403 403 404 403 404 404"),
    ("GET", "/authoring/dan-van/questions/{question}/edit", "302 403 403 404 403 200 200"),
    ("POST", "/authoring/dan-van/questions/{question}/edit", "302 403 403 404 403 400 400"),
    ("POST", "/authoring/dan-van/questions/{question}/delete", "302 403 403 404 403 302 404"),
    ("GET", "/authoring/dan-van/quizzes", "302 403 403 404 403 200 200"),
    ("POST", "/authoring/dan-van/quizzes", "302 403 403 404 403 400 400"),
    ("GET", "/authoring/dan-van/quizzes/kiem-tra", "302 403 403 404 403 200 200"),
    ("POST", "/authoring/dan-van/quizzes/kiem-tra", "302 403 403 404 403 400 400"),
    ("GET", "/authoring/dan-van/quizzes/kiem-tra/preview", "302 403 403 404 403 200 200"),
    ("GET", "/authoring/dan-van/quizzes/kiem-tra/results", "302 403 403 404 403 200 200"),
    ("GET", "/authoring/dan-van/quizzes/kiem-tra/results.csv", "302 403 403 404 403 200 200"),
    ("GET", "/authoring/dan-van/quizzes/kiem-tra/results.xlsx", "302 403 403 404 403 200 200"),
    ("GET", "/authoring/dan-van/quizzes/kiem-tra/grading", "302 403 403 404 403 200 200"),
    (
        "POST",
        "/authoring/dan-van/quizzes/kiem-tra/grading/{attempt}/1",
        "302 403 403 404 403 400 400",
    ),
    # Quizzes, as cadres sit them
    ("GET", "/courses/dan-van/quizzes/kiem-tra", "302 200 200 200 200 200 200"),
    ("POST", "/courses/dan-van/quizzes/kiem-tra/start", "302 302 302 302 302 302 302"),
    ("GET", "/attempts/{attempt}", "302 200 404 404 404 404 404"),
    ("GET", "/attempts/{their_attempt}", "302 404 200 404 404 404 404"),
    ("POST", "/attempts/{attempt}/save", "302 302 404 404 404 404 404"),
    ("POST", "/attempts/{their_attempt}/save", "302 404 302 404 404 404 404"),
    ("GET", "/attempts/{attempt}/submit", "302 200 404 404 404 404 404"),
    ("POST", "/attempts/{their_attempt}/submit", "302 404 302 404 404 404 404"),
    ("POST", "/attempts/{attempt}/submit", "302 302 404 404 404 404 404"),
    ("GET", "/attempts/{attempt}/review", "302 302 404 404 404 404 404"),
    # Training sessions and attendance
    ("GET", "/sessions/{session}", "302 403 403 404 200 200 200"),
    ("POST", "/sessions/new", "302 403 403 400 403 400 400"),
    ("GET", "/sessions/{session}/edit", "302 403 403 404 403 200 200"),
    ("POST", "/sessions/{session}/edit", "302 403 403 404 403 400 400"),
    ("GET", "/sessions/{session}/screen", "302 403 403 404 403 200 200"),
    ("GET", "/sessions/{session}/sheet", "302 403 403 404 403 200 200"),
    ("GET", "/sessions/{session}/attendance.csv", "302 403 403 404 200 200 200"),
    ("GET", "/sessions/{session}/attendance.xlsx", "302 403 403 404 200 200 200"),
    ("GET", "/sessions/{session}/bulk", "302 403 403 404 403 200 200"),
    ("POST", "/sessions/{session}/bulk", "302 403 403 404 403 303 303"),
    ("POST", "/sessions/{session}/mark", "302 403 403 404 403 400 400"),
    ("POST", "/sessions/{session}/mark-rest", "302 403 403 404 403 400 400"),
    ("POST", "/sessions/{session}/mark-rest/999999/undo", "302 403 403 404 403 303 303"),
    ("POST", "/sessions/{session}/cancel", "302 403 403 404 403 302 302"),
    ("POST", "/checkin", "302 400 400 400 400 400 400"),
    ("GET", "/checkin/{session}", "302 200 404 404 404 200 200"),
    ("POST", "/checkin/{session}", "302 400 404 404 404 400 400"),
    ("GET", "/attendance/units/", "302 403 403 403 302 403 200"),
    # The command dashboard: the commander's subtree (HS), and outside it (BDBP)
    ("GET", "/dashboard/", "302 403 403 403 200 403 200"),
    ("GET", "/dashboard/?unit=BDBP", "302 403 403 403 403 403 200"),
    ("GET", "/dashboard/reminders?unit=HS", "302 403 403 403 200 403 200"),
    ("POST", "/dashboard/reminders?unit=HS", "302 403 403 403 302 403 302"),
    ("GET", "/dashboard/commendations?unit=HS", "302 403 403 403 200 403 200"),
    ("GET", "/dashboard/pilots?unit=HS", "302 403 403 403 200 403 200"),
    ("GET", "/dashboard/report?unit=HS", "302 403 403 403 200 403 200"),
    ("GET", "/dashboard/report.csv?unit=HS", "302 403 403 403 200 403 200"),
    ("GET", "/dashboard/report.xlsx?unit=HS", "302 403 403 403 200 403 200"),
    ("GET", "/dashboard/report.xlsx?unit=BDBP", "302 403 403 403 403 403 200"),
    ("GET", "/dashboard/people/hocvien", "302 403 403 403 200 403 200"),
    ("GET", "/dashboard/people/hocvien.bp", "302 403 403 403 404 403 200"),
    ("GET", "/api/reports/completion?unit=HS&period=2026-H2", "302 403 403 403 200 403 200"),
    ("GET", "/api/reports/completion?unit=BDBP&period=2026-H2", "302 403 403 403 403 403 200"),
    # Administration: forms posted back empty
    ("POST", "/units/new", "302 403 403 403 403 403 400"),
    ("POST", "/units/HS/edit", "302 403 403 403 403 403 302"),
    ("POST", "/units/HS/move", "302 403 403 403 403 403 302"),
    ("POST", "/units/HK/activate", "302 403 403 403 403 403 302"),
    ("POST", "/people/new", "302 403 403 403 403 403 400"),
    ("POST", "/people/{cadre_id}/edit", "302 403 403 403 403 403 400"),
    ("POST", "/people/{cadre_id}/activate", "302 403 403 403 403 403 302"),
    ("POST", "/verify", "400 400 400 400 400 400 400"),
]


def _request(app: Flask, world: dict[str, Any], visitor: str, method: str, url: str) -> Any:
    client = app.test_client()
    if visitor != "anon":
        login(client, world["people"][visitor].username)
    if method == "GET":
        return client.get(url)
    token = csrf_token(client, "/login" if visitor == "anon" else "/")
    return client.post(url, data={"csrf_token": token})


def _fill(url: str, world: dict[str, Any]) -> str:
    return url.format(**{k: v for k, v in world.items() if not isinstance(v, dict)})


@pytest.mark.parametrize(("method", "url", "expected"), ROWS, ids=[f"{m} {u}" for m, u, _ in ROWS])
def test_who_may_open_each_endpoint(app, world, method, url, expected):
    filled = _fill(url, world)
    seen = " ".join(
        str(_request(app, world, visitor, method, filled).status_code) for visitor in VISITORS
    )
    assert seen == expected, f"{method} {url}: {dict(zip(VISITORS, seen.split(), strict=True))}"


def test_the_matrices_reach_every_endpoint(app):
    adapter = app.url_map.bind("localhost")
    stand_in = {"cadre": 1, "border_cadre": 2, "mine": 1, "theirs": 2, "year": 2026}
    stand_in |= {name: 1 for name in ("attempt", "their_attempt", "question", "assignment")}
    stand_in |= {"session": 1, "cadre_id": 1}
    reached = set()
    rows = [(m, u) for m, u, _ in MATRIX + CERTIFICATE_MATRIX] + [(m, u) for m, u, _ in ROWS]
    for method, url in rows:
        endpoint, _ = adapter.match(url.split("?")[0].format(**stand_in), method=method)
        reached.add((endpoint, method))
    every = {
        (rule.endpoint, method)
        for rule in app.url_map.iter_rules()
        if rule.endpoint != "static"
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }
    assert sorted(every - reached) == []
