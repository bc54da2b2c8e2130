"""Trainers' quiz pages: a course's quizzes and their settings, the question bank (GIFT in and
out), the queue of essays to grade, a quiz's results (page, CSV, XLSX) and its preview."""

from __future__ import annotations

import datetime as dt
from typing import Any, cast

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from lms import spreadsheets
from lms.auth.permissions import require
from lms.courses import services as courses
from lms.courses.models import Course
from lms.courses.permissions import can_author, can_edit_course
from lms.errors import ImportRefused, InvalidInput, Problem
from lms.extensions import db
from lms.formatting import number
from lms.quizzes import bank, essay_grading
from lms.quizzes import preview as quiz_preview
from lms.quizzes import queries as quiz_queries
from lms.quizzes import results as quiz_results
from lms.quizzes import services as quiz_services
from lms.quizzes.forms import EssayGradeForm, GiftUploadForm, QuizCreateForm, QuizSettingsForm
from lms.quizzes.models import Attempt, Quiz
from lms.quizzes.question_text import question_html
from lms.timeutil import from_local_naive, to_local_naive

bp = Blueprint("quiz_authoring", __name__, url_prefix="/authoring")

XLSX_TYPE = spreadsheets.XLSX_TYPE

# The settings the form edits, as update_quiz names them (the slug stays).
_FORM_SETTINGS = (
    "title",
    "description",
    "pass_score",
    "time_limit_minutes",
    "max_attempts",
    "question_count",
    "categories",
    "shuffle_questions",
    "shuffle_choices",
    "grading",
    "review",
    "opens_at",
    "closes_at",
    "published",
)


def _editable_course_or_404(slug: str) -> Course:
    course = courses.get_course(slug)
    if course is None or not can_edit_course(current_user, course):
        abort(404)
    return course


def _quiz_or_404(course: Course, quiz_slug: str) -> Quiz:
    quiz = quiz_services.get_quiz(course, quiz_slug)
    if quiz is None:
        abort(404)
    return quiz


def _to_local(moment: dt.datetime | None) -> dt.datetime | None:
    return to_local_naive(moment, current_app.config["TIMEZONE"])


def _to_utc(moment: dt.datetime | None) -> dt.datetime | None:
    return from_local_naive(moment, current_app.config["TIMEZONE"])


# ---- quizzes -----------------------------------------------------------------------------------


def _render_quizzes(course: Course, form: QuizCreateForm, status: int = 200) -> tuple[str, int]:
    return render_template(
        "quizzes/authoring/quizzes.html",
        course=course,
        quizzes=quiz_queries.quizzes_with_attempt_counts(course),
        form=form,
    ), status


@bp.get("/<slug>/quizzes")
@require(can_author)
def quizzes(slug: str) -> ResponseReturnValue:
    course = _editable_course_or_404(slug)
    return _render_quizzes(course, QuizCreateForm())


@bp.post("/<slug>/quizzes")
@require(can_author)
def create_quiz(slug: str) -> ResponseReturnValue:
    course = _editable_course_or_404(slug)
    form = QuizCreateForm()
    if form.validate_on_submit():
        try:
            quiz = quiz_services.create_quiz(
                course,
                slug=cast(str, form.slug.data).strip(),  # both required (DataRequired)
                title=cast(str, form.title.data),
                actor=current_user,
            )
        except InvalidInput as error:
            target = form.title if error.field == "title" else form.slug
            cast(list[str], target.errors).append(str(error.message))
        else:
            db.session.commit()
            flash(_("Quiz created as a draft. Set it up, then publish it."), "success")
            return redirect(url_for("quiz_authoring.quiz", slug=slug, quiz_slug=quiz.slug))
    return _render_quizzes(course, form, 400)


@bp.route("/<slug>/quizzes/<quiz_slug>", methods=["GET", "POST"])
@require(can_author)
def quiz(slug: str, quiz_slug: str) -> ResponseReturnValue:
    course = _editable_course_or_404(slug)
    quiz = _quiz_or_404(course, quiz_slug)
    form = QuizSettingsForm(
        data={
            **{name: getattr(quiz, name) for name in _FORM_SETTINGS},
            "categories": ", ".join(quiz.categories),
            "opens_at": _to_local(quiz.opens_at),
            "closes_at": _to_local(quiz.closes_at),
        }
    )
    if form.validate_on_submit():
        changes: dict[str, Any] = {name: form[name].data for name in _FORM_SETTINGS}
        changes["description"] = changes["description"] or ""
        changes["categories"] = [
            c.strip() for c in (form.categories.data or "").split(",") if c.strip()
        ]
        changes["opens_at"] = _to_utc(form.opens_at.data)
        changes["closes_at"] = _to_utc(form.closes_at.data)
        try:
            quiz_services.update_quiz(quiz, course, actor=current_user, **changes)
        except InvalidInput as error:
            db.session.rollback()
            field = form._fields.get(error.field or "", form.title)
            field.errors = [*field.errors, str(error.message)]
        else:
            db.session.commit()
            flash(_("Settings saved."), "success")
            return redirect(url_for("quiz_authoring.quiz", slug=slug, quiz_slug=quiz_slug))
    return render_template(
        "quizzes/authoring/quiz.html",
        course=course,
        quiz=quiz,
        form=form,
        zone=current_app.config["TIMEZONE"],
    ), 400 if form.errors else 200


# ---- the question bank ------------------------------------------------------------------------


def _render_bank(
    course: Course,
    form: GiftUploadForm,
    problems: list[Problem] | None = None,
    status: int = 200,
) -> tuple[str, int]:
    return render_template(
        "quizzes/authoring/questions.html",
        course=course,
        questions=bank.bank(course),
        form=form,
        problems=problems or [],
    ), status


@bp.get("/<slug>/questions")
@require(can_author)
def questions(slug: str) -> ResponseReturnValue:
    course = _editable_course_or_404(slug)
    return _render_bank(course, GiftUploadForm())


@bp.post("/<slug>/questions/import")
@require(can_author)
def import_questions(slug: str) -> ResponseReturnValue:
    course = _editable_course_or_404(slug)
    form = GiftUploadForm()
    if not form.validate_on_submit():
        return _render_bank(course, form, status=400)
    try:
        text = bank.decode_gift(form.file.data.read(bank.MAX_GIFT_BYTES + 1))
        added = bank.import_gift(course, text, actor=current_user)
    except ImportRefused as refused:
        db.session.rollback()
        return _render_bank(course, form, refused.problems, 400)
    except InvalidInput as error:
        db.session.rollback()
        form.file.errors = [*form.file.errors, str(error.message)]
        return _render_bank(course, form, status=400)
    db.session.commit()
    flash(
        ngettext(
            "%(num)s question added to the bank.", "%(num)s questions added to the bank.", added
        ),
        "success",
    )
    return redirect(url_for("quiz_authoring.questions", slug=slug))


@bp.get("/<slug>/questions.gift")
@require(can_author)
def export_questions(slug: str) -> ResponseReturnValue:
    course = _editable_course_or_404(slug)
    return Response(
        bank.export_gift(course),
        content_type="text/plain; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{course.slug}.gift"'},
    )


# ---- grading essays ----------------------------------------------------------------------------


def _grade_form(attempt_id: int, position: int, **kwargs: Any) -> EssayGradeForm:
    return EssayGradeForm(prefix=f"a{attempt_id}-q{position}", **kwargs)


def _render_grading(
    course: Course, quiz: Quiz, posted: tuple[int, int, EssayGradeForm] | None = None
) -> tuple[str, int]:
    items = quiz_queries.essays_to_grade(quiz)
    for item in items:
        key = (item["attempt"].id, item["position"])
        if posted is not None and key == posted[:2]:
            item["form"] = posted[2]
        else:
            item["form"] = _grade_form(*key, formdata=None)
    return render_template(
        "quizzes/authoring/grading.html", course=course, quiz=quiz, items=items
    ), 400 if posted is not None else 200


@bp.get("/<slug>/quizzes/<quiz_slug>/grading")
@require(can_author)
def grading(slug: str, quiz_slug: str) -> ResponseReturnValue:
    course = _editable_course_or_404(slug)
    quiz = _quiz_or_404(course, quiz_slug)
    return _render_grading(course, quiz)


@bp.post("/<slug>/quizzes/<quiz_slug>/grading/<id:attempt_id>/<int(max=999):position>")
@require(can_author)
def grade(slug: str, quiz_slug: str, attempt_id: int, position: int) -> ResponseReturnValue:
    course = _editable_course_or_404(slug)
    quiz = _quiz_or_404(course, quiz_slug)
    attempt = db.session.get(Attempt, attempt_id)
    if attempt is None or attempt.quiz_id != quiz.id:
        abort(404)
    form = _grade_form(attempt_id, position)
    if form.validate_on_submit():
        try:
            graded = essay_grading.grade_essay(
                attempt,
                position,
                cast(float, form.credit.data),  # required (InputRequired), a number
                grader=current_user,
                comment=form.comment.data or "",
            )
        except InvalidInput as error:
            db.session.rollback()
            flash(str(error.message), "error")
            return _render_grading(course, quiz, (attempt_id, position, form))
        db.session.commit()
        if graded.state == "graded":
            flash(
                _("Grade saved. The attempt is graded: %(score)s%%.", score=number(graded.score)),
                "success",
            )
        else:
            flash(_("Grade saved."), "success")
        return redirect(url_for("quiz_authoring.grading", slug=slug, quiz_slug=quiz_slug))
    return _render_grading(course, quiz, (attempt_id, position, form))


# ---- results and preview -----------------------------------------------------------------------


@bp.get("/<slug>/quizzes/<quiz_slug>/results")
@require(can_author)
def results(slug: str, quiz_slug: str) -> ResponseReturnValue:
    course = _editable_course_or_404(slug)
    quiz = _quiz_or_404(course, quiz_slug)
    return render_template(
        "quizzes/authoring/results.html",
        course=course,
        quiz=quiz,
        results=quiz_results.quiz_results(quiz),
    )


def _download(
    course: Course, quiz: Quiz, data: bytes, extension: str, content_type: str
) -> Response:
    return Response(
        data,
        content_type=content_type,
        headers={
            "Content-Disposition": (
                f'attachment; filename="{course.slug}-{quiz.slug}-results.{extension}"'
            )
        },
    )


@bp.get("/<slug>/quizzes/<quiz_slug>/results.csv")
@require(can_author)
def results_csv(slug: str, quiz_slug: str) -> ResponseReturnValue:
    course = _editable_course_or_404(slug)
    quiz = _quiz_or_404(course, quiz_slug)
    data = quiz_results.to_csv(quiz_results.quiz_results(quiz))
    return _download(course, quiz, data, "csv", "text/csv; charset=utf-8")


@bp.get("/<slug>/quizzes/<quiz_slug>/results.xlsx")
@require(can_author)
def results_xlsx(slug: str, quiz_slug: str) -> ResponseReturnValue:
    course = _editable_course_or_404(slug)
    quiz = _quiz_or_404(course, quiz_slug)
    data = quiz_results.to_xlsx(quiz_results.quiz_results(quiz))
    return _download(course, quiz, data, "xlsx", XLSX_TYPE)


@bp.get("/<slug>/quizzes/<quiz_slug>/preview")
@require(can_author)
def preview(slug: str, quiz_slug: str) -> ResponseReturnValue:
    course = _editable_course_or_404(slug)
    quiz = _quiz_or_404(course, quiz_slug)
    return render_template(
        "quizzes/authoring/preview.html",
        course=course,
        quiz=quiz,
        items=quiz_preview.preview_items(quiz),
        question_html=question_html,
    )
