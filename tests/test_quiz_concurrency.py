"""Many requests at once on the same database: one grading per attempt, no answer lost.

Each thread works in its own app context (its own session and connection), as a request of a
threaded server would, and all start together at a barrier.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from sqlalchemy import select

from lms.errors import InvalidInput
from lms.extensions import db
from lms.quizzes import attempts, bank
from lms.quizzes import services as quiz_services
from lms.quizzes.models import Answer, Attempt
from tests.support import run_together

T0 = dt.datetime(2026, 12, 1, 8, 0, tzinfo=dt.UTC)

TEN_QUESTIONS = "\n\n".join(
    f"::Q{n}:: Câu hỏi số {n} về công tác dân vận? {{=Đúng {n} ~Sai {n} ~Không rõ {n}}}"
    for n in range(1, 11)
)


def make_quiz(make_course, **settings):
    course = make_course()
    bank.import_gift(course, TEN_QUESTIONS, actor=None)
    quiz = quiz_services.create_quiz(
        course, slug="kiem-tra", title="Kiểm tra", published=True, **settings
    )
    db.session.commit()
    return quiz


def test_fifty_simultaneous_submits_grade_once(app, make_course, people, monkeypatch):
    quiz = make_quiz(make_course)
    attempt = attempts.start_attempt(quiz, people["cadre"], now=T0)
    for position in range(1, 6):
        question = attempts.questions_of(attempt)[position - 1]
        attempts.save_answer(attempt, position, {"choice": question.choice_order.index(0)}, now=T0)
    db.session.commit()

    gradings = []
    original = attempts._grade
    monkeypatch.setattr(
        attempts, "_grade", lambda a, **kw: gradings.append(a.id) or original(a, **kw)
    )

    def submit_at(second: int) -> tuple[str, dt.datetime | None, float | None]:
        done = attempts.submit(attempt.id, now=T0 + dt.timedelta(minutes=5, seconds=second))
        return done.state, done.submitted_at, done.score

    results, errors = run_together(app, [lambda s=s: submit_at(s) for s in range(50)])
    assert errors == []
    assert gradings == [attempt.id]
    # Every caller got the one graded submission.
    assert len(set(results)) == 1
    state, submitted_at, score = results[0]
    assert (state, score) == ("graded", 50.0)
    db.session.expire_all()
    stored = db.session.get(Attempt, attempt.id)
    assert (stored.state, stored.submitted_at, stored.score) == ("graded", submitted_at, 50.0)


def test_two_hundred_simultaneous_saves_lose_nothing(app, make_course, people, make_user):
    quiz = make_quiz(make_course)
    unit = people["cadre"].unit
    cadres = [make_user(f"hocvien{n:02d}", ("cadre",), unit) for n in range(20)]
    started = [attempts.start_attempt(quiz, cadre, now=T0) for cadre in cadres]
    db.session.commit()
    ids = [attempt.id for attempt in started]

    def save(attempt_id: int, position: int) -> tuple[int, int, dict]:
        attempt = db.session.get(Attempt, attempt_id)
        response = {"choice": (attempt_id + position) % 3}
        attempts.save_answer(attempt, position, response, now=T0 + dt.timedelta(minutes=1))
        return attempt_id, position, response

    jobs = [lambda a=a, p=p: save(a, p) for a in ids for p in range(1, 11)]
    results, errors = run_together(app, jobs)
    assert errors == []
    assert len(results) == 200

    db.session.expire_all()
    stored = {
        (answer.attempt_id, answer.position): answer.response
        for answer in db.session.scalars(select(Answer))
    }
    # Each response is stored as the snapshot index of the choice shown at that place.
    for attempt_id, position, response in results:
        question = next(
            q
            for q in attempts.questions_of(db.session.get(Attempt, attempt_id))
            if q.position == position
        )
        assert stored[(attempt_id, position)] == {
            "choice": question.choice_order[response["choice"]]
        }
    assert len(stored) == 200


def test_simultaneous_saves_of_one_answer_never_fail(app, make_course, people):
    quiz = make_quiz(make_course)
    attempt = attempts.start_attempt(quiz, people["cadre"], now=T0)
    db.session.commit()

    def save(choice: int) -> int:
        attempts.save_answer(db.session.get(Attempt, attempt.id), 1, {"choice": choice}, now=T0)
        return choice

    results, errors = run_together(app, [lambda c=c: save(c % 3) for c in range(20)])
    assert errors == [] and len(results) == 20
    db.session.expire_all()
    assert len(attempts.answers_of(attempt)) == 1


def test_saves_racing_a_submit_are_graded_or_refused(app, make_course, people):
    quiz = make_quiz(make_course)
    attempt = attempts.start_attempt(quiz, people["cadre"], now=T0)
    db.session.commit()
    right = {q.position: q.choice_order.index(0) for q in attempts.questions_of(attempt)}

    def save(position: int) -> int:
        attempts.save_answer(
            db.session.get(Attempt, attempt.id), position, {"choice": right[position]}, now=T0
        )
        return position

    def submit() -> str:
        return attempts.submit(attempt.id, now=T0 + dt.timedelta(minutes=1)).state

    jobs: list[Callable[[], Any]] = [lambda p=p: save(p) for p in range(1, 11)]
    jobs.append(submit)
    results, errors = run_together(app, jobs)
    assert all(isinstance(error, InvalidInput) for error in errors), errors
    saved = [r for r in results if isinstance(r, int)]
    db.session.expire_all()
    stored = db.session.get(Attempt, attempt.id)
    # Every save that returned was graded: none is stored without its credit.
    assert stored.score == 10.0 * len(saved)
    assert all(a.credit == 1.0 for a in attempts.answers_of(stored).values())
    assert len(attempts.answers_of(stored)) == len(saved)
