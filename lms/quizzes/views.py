"""Cadres' quiz pages: the quiz, an attempt with autosave, submission, review."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from lms.auth.permissions import require
from lms.courses import queries as course_queries
from lms.courses.permissions import can_view_course
from lms.errors import InvalidInput
from lms.extensions import db
from lms.quizzes import attempts
from lms.quizzes import queries as quiz_queries
from lms.quizzes.models import Attempt, Quiz
from lms.quizzes.question_text import question_html
from lms.timeutil import utcnow

bp = Blueprint("quizzes", __name__)


def _quiz_or_404(slug: str, quiz_slug: str) -> tuple[Any, Quiz]:
    course, enrolled = course_queries.course_for_reader(current_user, slug)
    if course is None or not can_view_course(current_user, course, enrolled=enrolled is not None):
        abort(404)
    quiz = attempts.get_quiz(course, quiz_slug)
    if quiz is None or not quiz.published:
        abort(404)
    return course, quiz


def _own_attempt_or_404(attempt_id: int) -> tuple[Attempt, Quiz]:
    found = quiz_queries.attempt_with_quiz(attempt_id)
    if found is None or found[0].user_id != current_user.id:
        abort(404)  # nobody else's attempt exists for this user
    return found


@bp.get("/courses/<slug>/quizzes/<quiz_slug>")
@require()
def quiz(slug: str, quiz_slug: str):
    course, quiz = _quiz_or_404(slug, quiz_slug)
    mine = quiz_queries.attempts_of(quiz, current_user)
    return render_template(
        "quizzes/quiz.html",
        course=course,
        quiz=quiz,
        attempts=mine,
        result=attempts.quiz_result(quiz, current_user),
    )


@bp.post("/courses/<slug>/quizzes/<quiz_slug>/start")
@require()
def start(slug: str, quiz_slug: str):
    _course, quiz = _quiz_or_404(slug, quiz_slug)
    try:
        attempt = attempts.start_attempt(quiz, current_user, now=utcnow())
    except InvalidInput as error:
        flash(str(error.message), "error")
        return redirect(url_for("quizzes.quiz", slug=slug, quiz_slug=quiz_slug))
    db.session.commit()
    return redirect(url_for("quizzes.attempt", attempt_id=attempt.id))


@bp.get("/attempts/<int(max=2147483647):attempt_id>")
@require()
def attempt(attempt_id: int):
    attempt, quiz = _own_attempt_or_404(attempt_id)
    if attempt.state != "in_progress":
        return redirect(url_for("quizzes.review", attempt_id=attempt.id))
    return render_template(
        "quizzes/attempt.html",
        attempt=attempt,
        quiz=quiz,
        items=attempts.attempt_view(attempt),
        question_html=question_html,
    )


def _index(value: str | None) -> int | None:
    """A choice number from the form: ASCII digits only ("²".isdigit() is true), bounded."""
    if value and value.isascii() and value.isdigit() and len(value) <= 4:
        return int(value)
    return None


def _responses_from_form(items: list[dict[str, Any]]) -> dict[int, dict[str, Any]]:
    """The answers the plain form carries, in the shape save_answer takes."""
    form, out = request.form, {}
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
    problems = []
    view = attempts.attempt_view(attempt)
    stored = {item["position"]: item.get("response") for item in view}
    for position, response in _responses_from_form(view).items():
        if attempt.state == "in_progress" and stored.get(position) == response:
            continue  # the autosave sends every answer each time: write only what changed
        try:
            attempts.save_answer(attempt, position, response, now=utcnow())
        except InvalidInput as error:
            problems.append(str(error.message))
    return problems


@bp.post("/attempts/<int(max=2147483647):attempt_id>/save")
@require()
def save(attempt_id: int):
    """Autosave (JSON, from the page's script) and the plain form's Save button."""
    attempt, _quiz = _own_attempt_or_404(attempt_id)
    problems = _save_form(attempt)
    db.session.commit()
    if request.accept_mimetypes.best == "application/json":
        if problems:
            return jsonify(saved=False, error=problems[0]), 409
        return jsonify(saved=True)
    for problem in dict.fromkeys(problems):
        flash(problem, "error")
    if not problems:
        flash(_("Your answers are saved."), "success")
    return redirect(url_for("quizzes.attempt", attempt_id=attempt.id))


@bp.post("/attempts/<int(max=2147483647):attempt_id>/submit")
@require()
def submit(attempt_id: int):
    attempt, _quiz = _own_attempt_or_404(attempt_id)
    if attempt.state == "in_progress":
        _save_form(attempt)  # the last answers typed go in with the submission
        db.session.commit()
    attempts.submit(attempt.id, now=utcnow())
    db.session.commit()
    return redirect(url_for("quizzes.review", attempt_id=attempt.id))


@bp.get("/attempts/<int(max=2147483647):attempt_id>/review")
@require()
def review(attempt_id: int):
    attempt, quiz = _own_attempt_or_404(attempt_id)
    if attempt.state == "in_progress":
        return redirect(url_for("quizzes.attempt", attempt_id=attempt.id))
    reveal = attempts.review_allowed(quiz, current_user, attempt)
    items = attempts.attempt_view(attempt, reveal=reveal) if reveal != "score" else []
    return render_template(
        "quizzes/review.html",
        attempt=attempt,
        quiz=quiz,
        items=items,
        reveal=reveal,
        question_html=question_html,
    )
