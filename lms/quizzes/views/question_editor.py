"""Trainers' question editor: create and edit a bank question of any kind with a form.

A form is accepted exactly when GIFT accepts the question it describes: the question is
written as GIFT and read back, and whatever the reader refuses becomes the form's errors.
Attempts keep their own copy of each question, so editing or deleting one only changes the
bank.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user
from wtforms import FieldList

from lms.audit import services as audit
from lms.auth.permissions import require
from lms.courses import services as courses
from lms.courses.models import Course
from lms.courses.permissions import can_author, can_edit_course
from lms.extensions import db
from lms.forms import Form
from lms.quizzes import bank
from lms.quizzes import question_conversion as conversion
from lms.quizzes.forms import (
    FORMS,
    KIND_LABELS,
    MAX_ROWS,
    ROWS,
    ChoiceQuestionForm,
    DeleteForm,
    QuestionForm,
)
from lms.quizzes.models import Question

bp = Blueprint("question_editor", __name__, url_prefix="/authoring")


def _editable_course_or_404(slug: str) -> Course:
    course = courses.get_course(slug)
    if course is None or not can_edit_course(current_user, course):
        abort(404)
    return course


def _question_or_404(course: Course, question_id: int) -> Question:
    question = db.session.get(Question, question_id)
    if question is None or question.course_id != course.id:
        abort(404)
    return question


def _editable_kind(question: Question) -> str:
    """The form kind of a stored question; 404 for a kind no form edits (text only)."""
    if question.kind not in FORMS:
        abort(404)
    return question.kind


def _render(
    course: Course,
    kind: str,
    form: QuestionForm,
    *,
    question: Question | None = None,
    problems: list[str] | None = None,
    status: int = 200,
) -> tuple[str, int]:
    return render_template(
        "quizzes/question_editor/edit.html",
        course=course,
        kind=kind,
        kind_label=KIND_LABELS[kind],
        form=form,
        question=question,
        missing_word=bool(question is not None and question.content.get("text_after")),
        delete_form=DeleteForm() if question is not None else None,
        problems=problems or [],
        rows=ROWS.get(kind),
        max_rows=MAX_ROWS,
        invalid=status == 400,
    ), status


def _has_errors(form: Form) -> bool:
    for field in form:
        if isinstance(field, FieldList):
            if any(_has_errors(entry.form) for entry in field):
                return True
        elif field.errors:
            return True
    return False


def _validate(kind: str, form: QuestionForm) -> bool:
    valid: bool = form.validate_on_submit()
    by_radio = isinstance(form, ChoiceQuestionForm) and not form.partial_credit.data
    if not valid and kind == "single" and by_radio:
        # The credits are hidden and unused while a radio button marks the right answer.
        for row in form.choices:
            row.form.credit.errors = []
        valid = not _has_errors(form)
    return valid


def _save(
    course: Course, kind: str, form: QuestionForm, question: Question | None
) -> ResponseReturnValue:
    """Store the posted form: a redirect to the bank, or the page again with the errors. The
    "Add a row" button only shows the form again with one more row, everything typed kept."""
    rows = ROWS.get(kind)
    if rows is not None and "add_row" in request.form:
        field = getattr(form, rows)
        if len(field) < MAX_ROWS:
            field.append_entry()
        return _render(course, kind, form, question=question)
    if not _validate(kind, form):
        return _render(course, kind, form, question=question, status=400)
    try:
        built = conversion.build(kind, form)
    except conversion.RowError:
        return _render(course, kind, form, question=question, status=400)
    checked, problems = conversion.checked(kind, built)
    if checked is None:
        return _render(course, kind, form, question=question, problems=problems, status=400)
    ignore_diacritics = bool(kind == "shortanswer" and form.ignore_diacritics.data)
    bank.save_question(course, question, checked, ignore_diacritics, actor=current_user)
    db.session.commit()
    flash(_("Question saved."), "success")
    return redirect(url_for("quiz_authoring.questions", slug=course.slug))


@bp.route("/<slug>/questions/new", methods=["GET", "POST"])
@require(can_author)
def new(slug: str) -> ResponseReturnValue:
    course = _editable_course_or_404(slug)
    kind = request.args.get("kind", "")
    if kind not in FORMS:
        if request.method == "POST":
            abort(404)
        return render_template(
            "quizzes/question_editor/kinds.html", course=course, kinds=KIND_LABELS
        )
    if request.method == "POST":
        return _save(course, kind, FORMS[kind](), None)
    return _render(course, kind, FORMS[kind](data=conversion.new_form_data(kind)))


@bp.route("/<slug>/questions/<id:question_id>/edit", methods=["GET", "POST"])
@require(can_author)
def edit(slug: str, question_id: int) -> ResponseReturnValue:
    course = _editable_course_or_404(slug)
    question = _question_or_404(course, question_id)
    kind = _editable_kind(question)
    if request.method == "POST":
        return _save(course, kind, FORMS[kind](), question)
    return _render(
        course, kind, FORMS[kind](data=conversion.form_data(question)), question=question
    )


@bp.post("/<slug>/questions/<id:question_id>/delete")
@require(can_author)
def delete(slug: str, question_id: int) -> ResponseReturnValue:
    course = _editable_course_or_404(slug)
    question = _question_or_404(course, question_id)
    if not DeleteForm().validate_on_submit():
        abort(400)
    audit.record(
        "questions.delete",
        audit.Target("question", question.id, question.title or course.slug),
        actor=current_user,
        before=question.content,
    )
    db.session.delete(question)
    db.session.commit()
    flash(_("Question deleted."), "success")
    return redirect(url_for("quiz_authoring.questions", slug=course.slug))
