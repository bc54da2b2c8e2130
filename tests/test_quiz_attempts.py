"""The attempt state machine: start, autosave, resume, deadline, sweep, submit, grading, review.

Every test passes its own clock (``now``) and, where order matters, a seeded random generator.
"""

from __future__ import annotations

import datetime as dt
import json
import random

import pytest
from sqlalchemy import func, select

from lms.errors import InvalidInput
from lms.extensions import db
from lms.quizzes import attempts, bank, essay_grading
from lms.quizzes import display as quiz_display
from lms.quizzes import services as quiz_services
from lms.quizzes.models import Answer, Attempt, Question
from tests.plugins.quizzes import (
    ALL_KINDS_GIFT,
    answer_all,
    by_kind,
    published_quiz,
    right_answers,
    shown_index,
)

T0 = dt.datetime(2026, 12, 1, 8, 0, tzinfo=dt.UTC)

KINDS = ["single", "multiple", "truefalse", "shortanswer", "numerical", "matching", "essay"]


@pytest.fixture
def course(make_course):
    course = make_course()
    bank.import_gift(course, ALL_KINDS_GIFT, actor=None)
    db.session.commit()
    return course


@pytest.fixture
def cadre(people):
    return people["cadre"]


# ---- settings ----------------------------------------------------------------------------------


def test_quiz_settings_are_validated(course):
    published_quiz(course)
    for settings in (
        {"slug": "kiem-tra"},  # taken in this course
        {"slug": "Không hợp lệ"},
        {"title": "  "},
        {"pass_score": 101},
        {"pass_score": True},
        {"time_limit_minutes": 0},
        {"max_attempts": 0},
        {"question_count": -1},
        {"grading": "average"},
        {"review": "everything"},
        {"categories": [""]},
        {"opens_at": T0, "closes_at": T0},
        {"opens_at": dt.datetime(2026, 12, 1, 8, 0)},  # naive
    ):
        values = {"slug": "khac", "title": "Khác", **settings}
        with pytest.raises(InvalidInput):
            quiz_services.create_quiz(course, **values)
        db.session.rollback()
    quiz = quiz_services.get_quiz(course, "kiem-tra")
    quiz_services.update_quiz(quiz, course, pass_score=80, max_attempts=2)
    db.session.commit()
    assert (quiz.pass_score, quiz.max_attempts) == (80, 2)
    with pytest.raises(InvalidInput):
        quiz_services.update_quiz(quiz, course, grading="median")
    db.session.rollback()


# ---- start, autosave, resume -------------------------------------------------------------------


def test_start_freezes_every_question_and_resume_returns_the_saved_answers(course, cadre):
    quiz = published_quiz(course)
    attempt = attempts.start_attempt(quiz, cadre, now=T0)
    db.session.commit()
    assert (attempt.number, attempt.state, attempt.deadline) == (1, "in_progress", None)
    assert sorted(by_kind(attempt)) == sorted(KINDS)

    single = by_kind(attempt)["single"]
    attempts.save_answer(attempt, single.position, {"choice": 1}, now=T0)
    attempts.save_answer(attempt, single.position, {"choice": 2}, now=T0 + dt.timedelta(1 / 24))
    db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(Answer)) == 1

    again = attempts.start_attempt(quiz, cadre, now=T0 + dt.timedelta(hours=2))
    assert again.id == attempt.id
    view = {item["position"]: item for item in quiz_display.attempt_view(again)}
    assert view[single.position]["response"] == {"choice": 2}
    assert db.session.scalar(select(func.count()).select_from(Attempt)) == 1


def test_a_save_sees_what_the_session_has_not_written_yet(course, cadre):
    """The save's Core statements flush the session first, as the ORM's queries would: an
    attempt moved out of progress in this transaction takes no more answers."""
    attempt = attempts.start_attempt(published_quiz(course), cadre, now=T0)
    db.session.commit()
    tf = by_kind(attempt)["truefalse"].position
    attempt.state = "needs_grading"  # pending, not flushed
    problems = attempts.save_answers(attempt, {tf: {"value": True}}, now=T0)
    assert [str(problem.message) for problem in problems] == [str(attempts.SUBMITTED)]
    assert attempts.answers_of(attempt) == {}


def test_responses_of_the_wrong_shape_are_refused(course, cadre):
    attempt = attempts.start_attempt(published_quiz(course), cadre, now=T0)
    q = by_kind(attempt)
    bad = [
        ("single", {"choice": 3}),
        ("single", {"choice": True}),
        ("single", {"choice": 0, "extra": 1}),
        ("single", [0]),
        ("multiple", {"choices": [0, 0]}),
        ("multiple", {"choices": "0"}),
        ("truefalse", {"value": "true"}),
        ("shortanswer", {"text": 5}),
        ("essay", {"text": "x" * 10_001}),
        ("essay", {"text": "a\x00b"}),
        ("numerical", {"value": 3}),
        ("matching", {"pairs": {"5": 0}}),
        ("matching", {"pairs": {"0": 3}}),
        ("matching", {"pairs": [0, 1]}),
    ]
    for kind, response in bad:
        with pytest.raises(InvalidInput):
            attempts.save_answer(attempt, q[kind].position, response, now=T0)
    with pytest.raises(InvalidInput):
        attempts.save_answer(attempt, 99, {"choice": 0}, now=T0)
    attempts.save_answer(attempt, q["essay"].position, {"text": "x" * 10_000}, now=T0)
    db.session.commit()


def test_a_full_marks_attempt_and_a_partly_wrong_one(course, cadre):
    quiz = published_quiz(course, max_attempts=3, pass_score=80)
    attempt = attempts.start_attempt(quiz, cadre, now=T0, rng=random.Random(1))
    answer_all(attempt, T0, essay=None)
    graded = attempts.submit(attempt.id, now=T0 + dt.timedelta(minutes=5))
    db.session.commit()
    # Six auto-graded questions right, the unanswered essay worth nothing: 6/7.
    assert graded.state == "graded"
    assert graded.score == pytest.approx(600 / 7, abs=0.01)
    assert graded.passed is True

    second = attempts.start_attempt(quiz, cadre, now=T0 + dt.timedelta(hours=1))
    single = by_kind(second)["single"]
    attempts.save_answer(second, single.position, {"choice": shown_index(single, 1)}, now=T0)
    graded = attempts.submit(second.id, now=T0 + dt.timedelta(hours=1, minutes=1))
    db.session.commit()
    assert (graded.number, graded.score, graded.passed) == (2, 0.0, False)


# ---- deadlines and the sweep -------------------------------------------------------------------


def test_deadline_grace_and_late_saves(course, cadre):
    quiz = published_quiz(course, time_limit_minutes=30)
    attempt = attempts.start_attempt(quiz, cadre, now=T0)
    db.session.commit()
    assert attempt.deadline == T0 + dt.timedelta(minutes=30)
    tf = by_kind(attempt)["truefalse"].position
    within_grace = attempt.deadline + attempts.GRACE - dt.timedelta(seconds=1)
    attempts.save_answer(attempt, tf, {"value": True}, now=within_grace)
    db.session.commit()
    with pytest.raises(InvalidInput):
        attempts.save_answer(
            attempt, tf, {"value": False}, now=attempt.deadline + attempts.GRACE + dt.timedelta(1)
        )
    db.session.rollback()
    assert attempts.answers_of(attempt)[tf].response == {"value": True}


def test_deadline_never_after_the_quiz_closes(course, cadre):
    closes = T0 + dt.timedelta(minutes=10)
    quiz = published_quiz(course, time_limit_minutes=30, closes_at=closes)
    assert attempts.start_attempt(quiz, cadre, now=T0).deadline == closes
    untimed = published_quiz(course, slug="khong-gio", closes_at=closes)
    assert attempts.start_attempt(untimed, cadre, now=T0).deadline == closes


def test_the_sweep_submits_overdue_attempts_only(course, people, make_user):
    quiz = published_quiz(course, time_limit_minutes=30)
    late = attempts.start_attempt(quiz, people["cadre"], now=T0)
    other = make_user("hocvien2", ("cadre",), people["cadre"].unit)
    fresh = attempts.start_attempt(quiz, other, now=T0 + dt.timedelta(minutes=20))
    tf = by_kind(late)["truefalse"].position
    attempts.save_answer(late, tf, {"value": True}, now=T0 + dt.timedelta(minutes=29))
    db.session.commit()

    # Within the grace, nothing is closed yet.
    assert attempts.close_overdue(now=late.deadline + attempts.GRACE) == 0
    now = T0 + dt.timedelta(minutes=45)
    assert attempts.close_overdue(now=now) == 1
    db.session.commit()
    db.session.refresh(late)
    db.session.refresh(fresh)
    assert late.state == "graded"
    assert late.submitted_at == late.deadline  # closed at its deadline, not when swept
    assert late.score == pytest.approx(100 / 7, abs=0.01)
    assert fresh.state == "in_progress"
    assert attempts.close_overdue(now=now) == 0


def test_the_close_overdue_command(cli, course, cadre):
    from lms.timeutil import utcnow

    quiz = published_quiz(course, time_limit_minutes=1)
    attempt = attempts.start_attempt(quiz, cadre, now=utcnow() - dt.timedelta(hours=1))
    db.session.commit()
    result = cli("quizzes", "close-overdue")
    assert result.exit_code == 0, result.output
    db.session.refresh(attempt)
    assert attempt.state == "graded"


def test_starting_after_the_deadline_submits_the_old_attempt(course, cadre):
    quiz = published_quiz(course, time_limit_minutes=30, max_attempts=2)
    first = attempts.start_attempt(quiz, cadre, now=T0)
    db.session.commit()
    second = attempts.start_attempt(quiz, cadre, now=T0 + dt.timedelta(hours=1))
    db.session.commit()
    db.session.refresh(first)
    assert first.state == "graded" and first.submitted_at == first.deadline
    assert (second.number, second.state) == (2, "in_progress")


def test_starting_after_the_deadline_of_the_last_attempt_is_refused(course, cadre):
    quiz = published_quiz(course, time_limit_minutes=30, max_attempts=1)
    first = attempts.start_attempt(quiz, cadre, now=T0)
    db.session.commit()
    with pytest.raises(InvalidInput):
        attempts.start_attempt(quiz, cadre, now=T0 + dt.timedelta(hours=1))
    db.session.commit()  # the overdue attempt was submitted all the same
    db.session.refresh(first)
    assert first.state == "graded"


def test_opening_closing_publishing_and_a_small_bank(course, cadre):
    quiz = published_quiz(course, opens_at=T0, closes_at=T0 + dt.timedelta(days=1))
    with pytest.raises(InvalidInput):
        attempts.start_attempt(quiz, cadre, now=T0 - dt.timedelta(minutes=1))
    with pytest.raises(InvalidInput):
        attempts.start_attempt(quiz, cadre, now=T0 + dt.timedelta(days=1))
    with pytest.raises(InvalidInput):
        attempts.start_attempt(published_quiz(course, slug="nhap", published=False), cadre, now=T0)
    with pytest.raises(InvalidInput):
        attempts.start_attempt(
            published_quiz(course, slug="nhieu", question_count=8), cadre, now=T0
        )
    with pytest.raises(InvalidInput):
        attempts.start_attempt(
            published_quiz(course, slug="trong", categories=["khong-co"]), cadre, now=T0
        )
    assert db.session.scalar(select(func.count()).select_from(Attempt)) == 0


# ---- submit ------------------------------------------------------------------------------------


def test_submitting_twice_grades_once(course, cadre, monkeypatch):
    quiz = published_quiz(course)
    attempt = attempts.start_attempt(quiz, cadre, now=T0)
    answer_all(attempt, T0, essay=None)
    calls = []
    original = attempts.grading.credit
    monkeypatch.setattr(
        attempts.grading, "credit", lambda *args: calls.append(1) or original(*args)
    )
    first = attempts.submit(attempt.id, now=T0 + dt.timedelta(minutes=1))
    db.session.commit()
    second = attempts.submit(attempt.id, now=T0 + dt.timedelta(minutes=2))
    db.session.commit()
    assert len(calls) == 6  # one grading: each answered question once
    assert first.id == second.id
    assert second.submitted_at == T0 + dt.timedelta(minutes=1)
    with pytest.raises(InvalidInput):
        attempts.save_answer(attempt, 1, {"choice": 0}, now=T0 + dt.timedelta(minutes=3))
    db.session.rollback()


def test_maximum_attempts(course, cadre):
    quiz = published_quiz(course, max_attempts=2)
    for minute in (0, 10):
        attempt = attempts.start_attempt(quiz, cadre, now=T0 + dt.timedelta(minutes=minute))
        attempts.submit(attempt.id, now=T0 + dt.timedelta(minutes=minute + 5))
        db.session.commit()
    with pytest.raises(InvalidInput):
        attempts.start_attempt(quiz, cadre, now=T0 + dt.timedelta(minutes=30))
    quiz_services.update_quiz(quiz, course, max_attempts=None)
    assert attempts.start_attempt(quiz, cadre, now=T0 + dt.timedelta(minutes=31)).number == 3


# ---- grading methods, essays, review -----------------------------------------------------------


def _attempt_with_score(quiz, user, now, *, right: bool):
    attempt = attempts.start_attempt(quiz, user, now=now)
    if right:
        answer_all(attempt, now, essay=None)
    attempts.submit(attempt.id, now=now + dt.timedelta(minutes=1))
    db.session.commit()
    return attempt


def test_grading_methods_highest_and_last(course, cadre):
    quiz = published_quiz(course, slug="cao-nhat", grading="highest")
    assert quiz_services.quiz_result(quiz, cadre) is None
    _attempt_with_score(quiz, cadre, T0, right=True)
    _attempt_with_score(quiz, cadre, T0 + dt.timedelta(hours=1), right=False)
    assert quiz_services.quiz_result(quiz, cadre) == (pytest.approx(600 / 7, abs=0.01), True)

    last = published_quiz(course, slug="lan-cuoi", grading="last")
    _attempt_with_score(last, cadre, T0, right=True)
    _attempt_with_score(last, cadre, T0 + dt.timedelta(hours=1), right=False)
    assert quiz_services.quiz_result(last, cadre) == (0.0, False)


def test_essays_wait_for_a_trainer_and_the_score_is_then_final(course, people):
    cadre, trainer = people["cadre"], people["trainer"]
    quiz = published_quiz(course, pass_score=90)
    attempt = attempts.start_attempt(quiz, cadre, now=T0)
    answer_all(attempt, T0)
    submitted = attempts.submit(attempt.id, now=T0 + dt.timedelta(minutes=1))
    db.session.commit()
    assert (submitted.state, submitted.score, submitted.passed) == ("needs_grading", None, None)
    assert [a.id for a in essay_grading.grading_queue(quiz)] == [attempt.id]
    assert quiz_services.quiz_result(quiz, cadre) is None

    essay = by_kind(attempt)["essay"].position
    with pytest.raises(InvalidInput):
        essay_grading.grade_essay(attempt, 1 if essay != 1 else 2, 1.0, grader=trainer)
    with pytest.raises(InvalidInput):
        essay_grading.grade_essay(attempt, essay, 1.5, grader=trainer)
    graded = essay_grading.grade_essay(attempt, essay, 0.5, grader=trainer, comment="Khá")
    db.session.commit()
    assert graded.state == "graded"
    assert graded.score == pytest.approx(650 / 7, abs=0.01)
    assert graded.passed is True
    assert essay_grading.grading_queue(quiz) == []
    answer = attempts.answers_of(attempt)[essay]
    assert (answer.credit, answer.graded_by, answer.comment) == (0.5, trainer.id, "Khá")
    with pytest.raises(InvalidInput):
        essay_grading.grade_essay(attempt, essay, 1.0, grader=trainer)
    db.session.rollback()
    assert attempts.answers_of(attempt)[essay].credit == 0.5


def test_review_policies(course, people):
    cadre = people["cadre"]

    def allowed(quiz, attempt):
        return quiz_display.review_allowed(quiz, cadre, attempt)

    score = published_quiz(course, slug="diem", review="score")
    assert allowed(score, _attempt_with_score(score, cadre, T0, right=True)) == "score"

    answers = published_quiz(course, slug="bai-lam", review="answers")
    attempt = _attempt_with_score(answers, cadre, T0, right=True)
    assert allowed(answers, attempt) == "answers"
    # Someone else's attempt shows them nothing.
    assert quiz_display.review_allowed(answers, people["border_cadre"], attempt) == "score"

    after_pass = published_quiz(course, slug="sau-khi-dat", review="correct_after_pass")
    failed = _attempt_with_score(after_pass, cadre, T0, right=False)
    assert allowed(after_pass, failed) == "answers"
    _attempt_with_score(after_pass, cadre, T0 + dt.timedelta(hours=1), right=True)
    assert allowed(after_pass, failed) == "correct"

    after_last = published_quiz(
        course, slug="lan-cuoi", review="correct_after_last", max_attempts=2
    )
    first = _attempt_with_score(after_last, cadre, T0, right=True)
    assert allowed(after_last, first) == "answers"
    in_progress = attempts.start_attempt(after_last, cadre, now=T0 + dt.timedelta(hours=1))
    db.session.commit()
    assert allowed(after_last, in_progress) == "score"
    attempts.submit(in_progress.id, now=T0 + dt.timedelta(hours=1, minutes=1))
    db.session.commit()
    assert allowed(after_last, first) == "correct"

    view = quiz_display.attempt_view(first, reveal="correct")
    single = next(item for item in view if item["kind"] == "single")
    assert single["credit"] == 1.0
    correct = next(c for c in single["key"]["choices"] if c["fraction"] == 1.0)
    assert correct["text"] == "Chủ tịch Hồ Chí Minh"
    assert single["choices"][correct["index"]]["text"] == correct["text"]
    answers_only = quiz_display.attempt_view(first, reveal="answers")
    assert "key" not in json.dumps(answers_only)


# ---- what pages may see ------------------------------------------------------------------------


LEAKS = [
    "fraction",
    "feedback",
    "correct",
    "tolerance",
    "credit",
    '"numeric"',
    '"key"',
    '"pairs"',
    '"right"',
    '"left"',
    "PHAN-HOI",
    "DAPAN",
    "31415",
]


def test_an_attempt_in_progress_reveals_nothing(course, cadre):
    quiz = published_quiz(course, shuffle_choices=True)
    attempt = attempts.start_attempt(quiz, cadre, now=T0, rng=random.Random(7))
    db.session.commit()
    for reveal in ("score", "answers", "correct"):  # no reveal before submission, whatever asked
        view = quiz_display.attempt_view(attempt, reveal=reveal)
        assert sorted(item["kind"] for item in view) == sorted(KINDS)
        text = json.dumps(view, ensure_ascii=False)
        for leak in LEAKS:
            assert leak.lower() not in text.lower(), leak
        matching = next(item for item in view if item["kind"] == "matching")
        assert set(matching["lefts"][0]) == {"index", "text"}
        assert set(matching["rights"][0]) == {"index", "text"}
        # Right-hand sides are numbered as shown, not by the pair they belong to.
        order = by_kind(attempt)["matching"].choice_order
        assert [r["index"] for r in matching["rights"]] == list(range(len(order)))
        single = next(item for item in view if item["kind"] == "single")
        assert [c["index"] for c in single["choices"]] == [0, 1, 2]

    # Saved answers come back numbered as shown, and still say nothing about credit.
    answer_all(attempt, T0)
    view = quiz_display.attempt_view(attempt, reveal="correct")
    text = json.dumps(view, ensure_ascii=False)
    for leak in ("fraction", "feedback", "correct", "credit", "PHAN-HOI", "key"):
        assert leak.lower() not in text.lower(), leak
    expected = right_answers(attempt)
    for item in view:
        if item["position"] in expected:
            assert item["response"] == expected[item["position"]]


def test_a_seeded_rng_gives_a_stable_draw_and_order(course, people, make_user):
    quiz = published_quiz(course, question_count=4, shuffle_questions=True, shuffle_choices=True)
    other = make_user("hocvien2", ("cadre",), people["cadre"].unit)

    def drawn(user):
        attempt = attempts.start_attempt(quiz, user, now=T0, rng=random.Random(2026))
        db.session.commit()
        return [(q.question_id, q.choice_order) for q in attempts.questions_of(attempt)]

    first = drawn(people["cadre"])
    assert len(first) == 4
    assert drawn(other) == first
    # The snapshots stay as they were when read again later.
    again = attempts.start_attempt(quiz, people["cadre"], now=T0 + dt.timedelta(minutes=5))
    assert [(q.question_id, q.choice_order) for q in attempts.questions_of(again)] == first


def test_categories_restrict_the_draw_with_their_subcategories(course, cadre):
    quiz = published_quiz(course, categories=["dan-van/nang-cao"])
    attempt = attempts.start_attempt(quiz, cadre, now=T0)
    kinds = sorted(q.snapshot["kind"] for q in attempts.questions_of(attempt))
    assert kinds == ["essay", "matching", "numerical", "shortanswer"]
    whole = published_quiz(course, slug="ca-nhanh", categories=["dan-van"])
    assert len(attempts.questions_of(attempts.start_attempt(whole, cadre, now=T0))) == 7


def test_editing_or_deleting_a_bank_question_leaves_started_attempts_alone(course, cadre):
    quiz = published_quiz(course)
    attempt = attempts.start_attempt(quiz, cadre, now=T0)
    db.session.commit()
    single = by_kind(attempt)["single"]
    before = dict(single.snapshot)
    question = db.session.get(Question, single.question_id)
    content = dict(question.content)
    content["text"] = "Câu hỏi đã sửa"
    content["choices"] = [{"text": "Khác", "fraction": 1.0, "feedback": ""}]
    question.content = content
    db.session.commit()
    db.session.refresh(single)
    assert single.snapshot == before

    attempts.save_answer(attempt, single.position, {"choice": shown_index(single, 0)}, now=T0)
    db.session.delete(db.session.get(Question, single.question_id))
    db.session.commit()
    graded = attempts.submit(attempt.id, now=T0 + dt.timedelta(minutes=1))
    db.session.commit()
    db.session.refresh(single)
    assert single.question_id is None and single.snapshot == before
    assert graded.score == pytest.approx(100 / 7, abs=0.01)


def test_a_passed_required_quiz_completes_the_course(make_course, people, province):
    import datetime as dt

    from lms.courses import enrollment, services
    from lms.extensions import db
    from lms.quizzes import attempts, bank

    course = make_course("bat-buoc")
    bank.import_gift(course, "::A:: Đúng hay sai? {T}\n", actor=None)
    quiz = quiz_services.create_quiz(
        course, slug="cuoi-khoa", title="Cuối khóa", published=True, pass_score=100
    )
    settings = services.CourseSettings(**services.settings_snapshot(course))
    settings.required_quizzes = ["cuoi-khoa"]
    services.update_course(course, settings, actor=None)
    enrollment.assign(course, province["HS"], dt.date(2027, 1, 31), actor=None)
    cadre = people["cadre"]
    for module in course.modules:
        enrollment.mark_module_done(cadre, module)
    db.session.commit()
    assert enrollment.enrollment_for(cadre, course).completed_at is None  # quiz still due
    now = dt.datetime(2026, 12, 1, 8, tzinfo=dt.UTC)
    first = attempts.start_attempt(quiz, cadre, now=now)
    attempts.save_answer(first, 1, {"value": False}, now=now)
    attempts.submit(first.id, now=now)
    db.session.commit()
    assert enrollment.enrollment_for(cadre, course).completed_at is None  # failed
    second = attempts.start_attempt(quiz, cadre, now=now)
    attempts.save_answer(second, 1, {"value": True}, now=now)
    attempts.submit(second.id, now=now)
    db.session.commit()
    assert enrollment.enrollment_for(cadre, course).completed_at is not None
