"""The demo's training: the shipped courses assigned across the province of 2026, progress,
attempts at their final quizzes, completions spread over the last months."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import func, select

from lms.certificates.services import rebuild_certified
from lms.courses.models import Assignment, Course, Enrollment, Module, ModuleProgress
from lms.demo.services import DEMO_PASSWORD
from lms.extensions import db
from lms.people import services as accounts
from lms.people.models import User
from lms.quizzes import best_scores
from lms.quizzes.models import Attempt, Question, Quiz
from lms.timeutil import utcnow
from lms.units import services as units
from lms.units.models import Unit
from tests.conftest import empty_database
from tests.support import login, post

SHIPPED = sorted(
    p.parent.name for p in (Path(__file__).resolve().parents[1] / "courses").glob("*/course.md")
)


# Loading the demo takes 5-12 s; these tests only read it, so it is loaded once for them all.
pytestmark = pytest.mark.shared_data


@pytest.fixture(scope="module")
def demo(app, cli):
    """``lms demo`` (which syncs the shipped courses, as ``lms init`` would have), its result."""
    with app.app_context():
        result = cli("demo")
        db.session.remove()
    assert result.exit_code == 0, result.output
    yield result
    with app.app_context():
        empty_database()
        db.session.remove()


def test_demo_cadres_have_the_shipped_course_with_progress_and_quiz_attempts(demo, client):
    assert_kept_figures_are_what_a_rebuild_gives()
    course = db.session.scalar(select(Course).where(Course.slug == "dan-van-kheo"))
    assert course is not None and course.status == "published"
    cadre = accounts.get_by_username("hocvien")
    enrolled = db.session.scalar(
        select(func.count()).select_from(Enrollment).where(Enrollment.course_id == course.id)
    )
    assert enrolled > 100
    read = db.session.scalar(
        select(func.count())
        .select_from(ModuleProgress)
        .join(Module, Module.id == ModuleProgress.module_id)
        .where(ModuleProgress.user_id == cadre.id, Module.course_id == course.id)
    )
    assert read == 2
    completed = db.session.scalar(
        select(func.count())
        .select_from(Enrollment)
        .where(Enrollment.course_id == course.id, Enrollment.completed_at.is_not(None))
    )
    assert 1 <= completed <= 20
    # The attempts are at the course's own required quiz, from its folder.
    [quiz] = db.session.scalars(select(Quiz).where(Quiz.course_id == course.id)).all()
    assert quiz.published and quiz.slug in course.required_quizzes
    questions = db.session.scalars(select(Question).where(Question.course_id == course.id)).all()
    assert len(questions) >= 15
    states = db.session.execute(
        select(Attempt.passed, func.count())
        .where(Attempt.quiz_id == quiz.id)
        .group_by(Attempt.passed)
    ).all()
    assert dict(states)[True] >= 3 and dict(states)[False] >= 1
    login(client, "hocvien", DEMO_PASSWORD)
    page = client.get("/my-training").get_data(as_text=True)
    assert course.title in page


def test_demo_is_the_two_tier_province_of_2026(demo):
    kinds = dict(
        db.session.execute(
            select(Unit.kind, func.count()).where(Unit.active).group_by(Unit.kind)
        ).all()
    )
    assert "district_command" not in kinds and "district_police" not in kinds
    assert kinds["regional_defence_command"] >= 3
    assert kinds["commune_command"] == kinds["commune_police"] >= 15
    region = db.session.scalar(select(Unit).where(Unit.code == "BCHQS-HS"))
    assert region.kind == "regional_defence_command" and "Hương Sơn" in region.name
    # chihuy.huongson commands the regional command that covers Hương Sơn.
    assert accounts.get_by_username("chihuy.huongson").unit_id == region.id
    party_board = db.session.scalar(select(Unit).where(Unit.kind == "party_board"))
    assert party_board.name == "Ban Tuyên giáo và Dân vận Tỉnh ủy"


def test_demo_assigns_every_shipped_course_with_varied_progress(demo):
    assert len(SHIPPED) >= 6
    now = utcnow()
    for slug in SHIPPED:
        course = db.session.scalar(select(Course).where(Course.slug == slug))
        assert course is not None and course.status == "published", slug
        enrolled, completed = db.session.execute(
            select(func.count(), func.count(Enrollment.completed_at)).where(
                Enrollment.course_id == course.id
            )
        ).one()
        assert enrolled > 10 and 1 <= completed < enrolled, slug
        passed = db.session.scalar(
            select(func.count())
            .select_from(Attempt)
            .join(Quiz, Quiz.id == Attempt.quiz_id)
            .where(Quiz.course_id == course.id, Attempt.passed.is_(True))
        )
        assert passed >= 1, slug
    # Some due dates already past (overdue cadres), others ahead.
    dues = db.session.scalars(select(Assignment.due_date)).all()
    assert min(dues) < now.date() < max(dues)
    # Completions spread over the last months, none in the future.
    times = db.session.scalars(
        select(Enrollment.completed_at).where(Enrollment.completed_at.is_not(None))
    ).all()
    assert max(times) <= now and min(times) < now - dt.timedelta(days=45)
    months = {(t.year, t.month) for t in times}
    assert len(months) >= 3


def assert_kept_figures_are_what_a_rebuild_gives() -> None:
    """The small demo writes through the services: the best score and certificate standing
    kept on each enrollment are already what a rebuild gives (no rebuild is run for it)."""
    query = select(Enrollment.id, Enrollment.best_score, Enrollment.certified)
    kept = sorted(db.session.execute(query).all())
    assert any(row.best_score is not None for row in kept)
    assert any(row.certified for row in kept)
    best_scores.rebuild()
    rebuild_certified()
    db.session.commit()
    assert sorted(db.session.execute(query.execution_options(populate_existing=True)).all()) == kept


def test_demo_small_loads_a_province_and_its_logins_work(demo, client):
    result = demo  # `lms demo` is `lms demo --size small`
    assert DEMO_PASSWORD in result.output and "quantri" in result.output
    count = {
        model: db.session.scalar(select(func.count()).select_from(model)) for model in (Unit, User)
    }
    assert count[Unit] > 30 and count[User] > 100
    root = units.get_by_code("HT")
    tree_codes = {u.code for u in db.session.scalars(select(Unit).where(Unit.depth == 1))}
    assert {"BCHQS", "CAT", "BDBP", "BDVTU"} <= tree_codes
    assert root.depth == 0
    assert units.get_by_code("BCHQS-HS").pilot
    for username in ["quantri", "giangvien", "chihuy.tinh", "hocvien"]:
        login(client, username, DEMO_PASSWORD)
        assert client.get("/").status_code == 200
        post(client, "/logout", token_from="/")
    cadre = accounts.get_by_username("hocvien")
    assert cadre.full_name == "Võ Văn Nam" and cadre.rank == "Thiếu úy"
