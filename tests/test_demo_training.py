"""The demo's training: the shipped course assigned, progress, attempts at its final quiz."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from lms.courses.models import Course, Enrollment, ModuleProgress
from lms.demo.services import DEMO_PASSWORD
from lms.extensions import db
from lms.people import services as accounts
from lms.quizzes.models import Attempt, Question, Quiz
from tests.support import login


@pytest.fixture
def cli(app):
    runner = app.test_cli_runner()

    def run(*args: str, **kwargs):
        result = runner.invoke(args=list(args), **kwargs)
        db.session.expire_all()
        return result

    return run


def test_demo_cadres_have_the_shipped_course_with_progress_and_quiz_attempts(cli, client):
    result = cli("demo")  # syncs the shipped course, as lms init would have
    assert result.exit_code == 0, result.output
    course = db.session.scalar(select(Course).where(Course.slug == "dan-van-kheo"))
    assert course is not None and course.status == "published"
    cadre = accounts.get_by_username("hocvien")
    enrolled = db.session.scalar(
        select(func.count()).select_from(Enrollment).where(Enrollment.course_id == course.id)
    )
    assert enrolled > 100
    read = db.session.scalar(
        select(func.count()).select_from(ModuleProgress).where(ModuleProgress.user_id == cadre.id)
    )
    assert read == 2
    completed = db.session.scalar(
        select(func.count())
        .select_from(Enrollment)
        .where(Enrollment.course_id == course.id, Enrollment.completed_at.is_not(None))
    )
    assert 1 <= completed <= 10
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
    assert dict(states)[True] >= 3 and dict(states)[False] >= 3
    login(client, "hocvien", DEMO_PASSWORD)
    page = client.get("/my-training").get_data(as_text=True)
    assert course.title in page


def test_demo_without_the_course_says_so(cli, app, tmp_path):
    configured, app.config["COURSES_DIR"] = app.config.get("COURSES_DIR"), str(tmp_path)
    try:
        result = cli("demo")  # no course folder there, none in the database
    finally:
        app.config["COURSES_DIR"] = configured
    assert result.exit_code == 0, result.output
    assert "dan-van-kheo" in result.output and "lms init" in result.output
    assert db.session.scalar(select(func.count()).select_from(Enrollment)) == 0
