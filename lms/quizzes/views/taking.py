"""Cadres' quiz pages: the quiz, an attempt with autosave, submission, review."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import format_time
from flask_babel import gettext as _
from flask_login import current_user

from lms.auth.permissions import require
from lms.courses import queries as course_queries
from lms.courses.permissions import can_view_course
from lms.errors import InvalidInput
from lms.extensions import db
from lms.formatting import local_datetime
from lms.inputs import parse_int
from lms.quizzes import attempts
from lms.quizzes import display as quiz_display
from lms.quizzes import queries as quiz_queries
from lms.quizzes import services as quiz_services
from lms.quizzes.models import Attempt, Quiz
from lms.quizzes.question_text import question_html
from lms.timeutil import to_local_naive, utcnow

bp = Blueprint("quizzes", __name__)


def _quiz_or_404(slug: str, quiz_slug: str) -> tuple[Any, Quiz]:
    course, enrolled = course_queries.course_for_reader(current_user, slug)
    if course is None or not can_view_course(current_user, course, enrolled=enrolled is not None):
        abort(404)
    quiz = quiz_services.get_quiz(course, quiz_slug)
    if quiz is None or not quiz.published:
        abort(404)
    return course, quiz


def _own_attempt_or_404(attempt_id: int) -> tuple[Attempt, Quiz]:
    found = quiz_queries.attempt_with_quiz(attempt_id)
    if found is None or found[0].user_id != current_user.id:
        abort(404)  # nobody else's attempt exists for this user
    return found


def _start_state(quiz: Quiz, mine: list[Attempt], now: dt.datetime) -> dict[str, Any]:
    """What the quiz page offers: continue an attempt, start one (and what it costs), or why
    not. The same rules as attempts.start_attempt, which has the last word."""
    if any(attempt.state == "in_progress" for attempt in mine):
        return {"action": "continue"}
    if quiz.max_attempts is not None and len(mine) >= quiz.max_attempts:
        return {"action": None, "why": "used_up"}
    if quiz.opens_at is not None and now < quiz.opens_at:
        return {"action": None, "why": "not_open"}
    if quiz.closes_at is not None and now >= quiz.closes_at:
        return {"action": None, "why": "closed"}
    left = None if quiz.max_attempts is None else quiz.max_attempts - len(mine) - 1
    return {"action": "start", "left_after": left}


@bp.get("/courses/<slug>/quizzes/<quiz_slug>")
@require()
def quiz(slug: str, quiz_slug: str) -> ResponseReturnValue:
    course, quiz = _quiz_or_404(slug, quiz_slug)
    mine = quiz_queries.attempts_of(quiz, current_user)
    scores = [attempt.score for attempt in mine if attempt.score is not None]
    return render_template(
        "quizzes/quiz.html",
        course=course,
        quiz=quiz,
        attempts=mine,
        result=quiz_services.quiz_result(quiz, current_user),
        best_score=max(scores) if scores else None,
        start=_start_state(quiz, mine, utcnow()),
    )


@bp.post("/courses/<slug>/quizzes/<quiz_slug>/start")
@require()
def start(slug: str, quiz_slug: str) -> ResponseReturnValue:
    _course, quiz = _quiz_or_404(slug, quiz_slug)
    try:
        attempt = attempts.start_attempt(quiz, current_user, now=utcnow())
    except InvalidInput as error:
        flash(str(error.message), "error")
        return redirect(url_for("quizzes.quiz", slug=slug, quiz_slug=quiz_slug))
    db.session.commit()
    return redirect(url_for("quizzes.attempt", attempt_id=attempt.id))


def _seconds_left(deadline: dt.datetime | None, now: dt.datetime) -> int | None:
    """Whole seconds to an attempt's deadline (never below 0); None without a time limit."""
    if deadline is None:
        return None
    return max(0, int((deadline - now).total_seconds()))


def _deadline_text(attempt: Attempt, now: dt.datetime) -> str:
    """The deadline as the page prints it: the time alone when it is today, else date and time."""
    zone = current_app.config["TIMEZONE"]
    deadline, today = to_local_naive(attempt.deadline, zone), to_local_naive(now, zone)
    assert deadline is not None and today is not None
    if deadline.date() == today.date():
        return str(format_time(attempt.deadline, "short"))
    return local_datetime(attempt.deadline)


def _is_answered(item: dict[str, Any]) -> bool:
    """Whether the person gave anything for the question (the page's script counts alike)."""
    response = item.get("response") or {}
    if item["kind"] == "single":
        return response.get("choice") is not None
    if item["kind"] == "multiple":
        return bool(response.get("choices"))
    if item["kind"] == "truefalse":
        return response.get("value") is not None
    if item["kind"] == "matching":
        return bool(response.get("pairs"))
    return bool(str(response.get("text", "")).strip())


@bp.get("/attempts/<id:attempt_id>")
@require()
def attempt(attempt_id: int) -> ResponseReturnValue:
    attempt, quiz = _own_attempt_or_404(attempt_id)
    if attempt.state != "in_progress":
        return redirect(url_for("quizzes.review", attempt_id=attempt.id))
    now = utcnow()
    return render_template(
        "quizzes/attempt.html",
        attempt=attempt,
        quiz=quiz,
        items=quiz_display.attempt_view(attempt),
        question_html=question_html,
        seconds_left=_seconds_left(attempt.deadline, now),
        deadline_text=_deadline_text(attempt, now) if attempt.deadline else "",
    )


def _index(value: str | None) -> int | None:
    """A choice number from the form: ASCII digits only ("²".isdigit() is true), bounded."""
    return parse_int(value, high=9999)


def _responses_from_form(items: list[dict[str, Any]]) -> dict[int, dict[str, Any]]:
    """The answers the plain form carries, in the shape save_answers takes, given the
    attempt's questions as shown (which save_answers loads)."""
    form = request.form
    out: dict[int, dict[str, Any]] = {}
    for item in items:
        name, kind = f"q{item['position']}", item["kind"]
        if kind == "single" and _index(form.get(name)) is not None:
            out[item["position"]] = {"choice": _index(form.get(name))}
        elif kind == "multiple" and f"{name}-shown" in form:
            picked = (_index(v) for v in form.getlist(name))
            out[item["position"]] = {"choices": sorted({i for i in picked if i is not None})}
        elif kind == "truefalse" and form.get(name) in ("true", "false"):
            out[item["position"]] = {"value": form[name] == "true"}
        elif kind in ("shortanswer", "numerical", "essay") and name in form:
            out[item["position"]] = {"text": form[name]}
        elif kind == "matching":
            pairs = {
                str(left["index"]): _index(form.get(f"{name}-{left['index']}"))
                for left in item["lefts"]
            }
            pairs = {left: right for left, right in pairs.items() if right is not None}
            if pairs:
                out[item["position"]] = {"pairs": pairs}
    return out


def _save_form(attempt: Attempt) -> list[str]:
    problems = attempts.save_answers(attempt, _responses_from_form, now=utcnow())
    return [str(problem.message) for problem in problems]


@bp.post("/attempts/<id:attempt_id>/save")
@require()
def save(attempt_id: int) -> ResponseReturnValue:
    """Autosave (JSON, from the page's script) and the plain form's Save and Submit buttons:
    Submit saves, then asks for confirmation on its own page."""
    # Every cadre of an exam autosaves here: one service call that reads the attempt once,
    # locked, and answers 404 for anybody else's (nobody else's attempt exists for them).
    saved = attempts.save_responses(
        attempt_id, _responses_from_form, now=utcnow(), owner_id=current_user.id
    )
    if saved is None:
        abort(404)
    db.session.commit()
    problems = [str(problem.message) for problem in saved.problems]
    if request.accept_mimetypes.best == "application/json":
        # The time left, so that the page's countdown follows the server's clock.
        left = _seconds_left(saved.deadline, utcnow())
        if problems:
            return jsonify(saved=False, error=problems[0], seconds_left=left), 409
        return jsonify(saved=True, seconds_left=left)
    for problem in dict.fromkeys(problems):
        flash(problem, "error")
    if request.form.get("action") == "submit":
        return redirect(url_for("quizzes.confirm_submit", attempt_id=attempt_id))
    if not problems:
        flash(_("Your answers are saved."), "success")
    return redirect(url_for("quizzes.attempt", attempt_id=attempt_id))


@bp.get("/attempts/<id:attempt_id>/submit")
@require()
def confirm_submit(attempt_id: int) -> ResponseReturnValue:
    """The confirmation step before submitting (without the page's script): which questions
    are still unanswered, and one button that submits."""
    attempt, quiz = _own_attempt_or_404(attempt_id)
    if attempt.state != "in_progress":
        return redirect(url_for("quizzes.review", attempt_id=attempt.id))
    now = utcnow()
    items = quiz_display.attempt_view(attempt)
    unanswered = [number for number, item in enumerate(items, 1) if not _is_answered(item)]
    return render_template(
        "quizzes/confirm_submit.html",
        attempt=attempt,
        quiz=quiz,
        unanswered=unanswered,
        deadline_text=_deadline_text(attempt, now) if attempt.deadline else "",
    )


@bp.post("/attempts/<id:attempt_id>/submit")
@require()
def submit(attempt_id: int) -> ResponseReturnValue:
    """Submit (the confirmation page's button, the page's script after it asked, or the
    script when time is up). Submitting twice grades once: see attempts.submit."""
    attempt, _quiz = _own_attempt_or_404(attempt_id)
    if attempt.state == "in_progress":
        _save_form(attempt)  # the last answers typed go in with the submission
        db.session.commit()
    attempts.submit(attempt.id, now=utcnow())
    db.session.commit()
    return redirect(url_for("quizzes.review", attempt_id=attempt.id))


@bp.get("/attempts/<id:attempt_id>/review")
@require()
def review(attempt_id: int) -> ResponseReturnValue:
    attempt, quiz = _own_attempt_or_404(attempt_id)
    if attempt.state == "in_progress":
        return redirect(url_for("quizzes.attempt", attempt_id=attempt.id))
    reveal = quiz_display.review_allowed(quiz, current_user, attempt)
    items = quiz_display.attempt_view(attempt, reveal=reveal) if reveal != "score" else []
    return render_template(
        "quizzes/review.html",
        attempt=attempt,
        quiz=quiz,
        course_slug=course_queries.course_slug(quiz.course_id),
        items=items,
        reveal=reveal,
        question_html=question_html,
    )
