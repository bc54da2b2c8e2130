"""Trainers' pages: create courses, edit settings and modules, history, publish."""

from __future__ import annotations

from typing import Any, TypeGuard, cast

from flask import Blueprint, abort, flash, jsonify, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup

from lms.auth.permissions import require
from lms.courses import media, module_editing, services
from lms.courses.forms import (
    CourseCreateForm,
    CourseOwnersForm,
    CourseSettingsForm,
    ImageUploadForm,
    ModuleAddForm,
    ModuleEditForm,
)
from lms.courses.markdown import render
from lms.courses.models import COURSE_STATUSES, Course, Module
from lms.courses.permissions import can_author, can_choose_editors, can_edit_course
from lms.courses.queries import editable_courses
from lms.errors import InvalidInput, render_error
from lms.extensions import db
from lms.inputs import parse_int
from lms.urls import safe_next

bp = Blueprint("authoring", __name__, url_prefix="/authoring")


def _editable_course_or_404(slug: str) -> Course:
    course = services.get_course(slug, with_modules=True)
    if course is None or not can_edit_course(current_user, course):
        abort(404)
    return course


def _module_or_404(course: Course, module_slug: str) -> Module:
    module = next((m for m in course.modules if m.slug == module_slug), None)
    if module is None:
        abort(404)
    return module


@bp.get("/")
@require(can_author)
def index() -> ResponseReturnValue:
    return render_template("courses/authoring/index.html", courses=editable_courses(current_user))


@bp.route("/new", methods=["GET", "POST"])
@require(can_author)
def create() -> ResponseReturnValue:
    form = CourseCreateForm()
    if form.validate_on_submit():
        try:
            course = services.create_course(
                slug=cast(str, form.slug.data),  # both required (DataRequired)
                title=cast(str, form.title.data),
                summary=form.summary.data or "",
                topic=form.topic.data or "",
                owner=current_user,
                actor=current_user,
            )
        except InvalidInput as error:
            cast(list[str], form.slug.errors).append(str(error.message))
        else:
            db.session.commit()
            flash(_("Course created as a draft. Add its modules, then publish it."), "success")
            return redirect(url_for("authoring.course", slug=course.slug))
    return render_template("courses/authoring/new.html", form=form), 400 if form.errors else 200


@bp.route("/<slug>", methods=["GET", "POST"])
@require(can_author)
def course(slug: str) -> ResponseReturnValue:
    course = _editable_course_or_404(slug)
    quizzes = services.quiz_options(course.id)
    form = _settings_form(course, quizzes, from_request=True)
    if form.validate_on_submit():
        settings = services.CourseSettings(
            title=cast(str, form.title.data),  # required (DataRequired)
            summary=form.summary.data or "",
            topic=form.topic.data or "",
            description_md=form.description_md.data or "",
            pass_score=form.pass_score.data,
            min_attendance=form.min_attendance.data,
            required_quizzes=list(form.required_quizzes.data or []),
            certificate_valid_months=form.certificate_valid_months.data,
            certificate_issuer=form.certificate_issuer.data or "",
            certificate_signer_title=form.certificate_signer_title.data or "",
        )
        try:
            changed = services.update_course(course, settings, actor=current_user)
        except InvalidInput as error:  # raised before anything is changed
            field = form._fields.get(error.field or "", form.title)
            field.errors = [*field.errors, str(error.message)]
        else:
            db.session.commit()
            flash(_("Settings saved.") if changed else _("Nothing changed."), "success")
            return redirect(url_for("authoring.course", slug=slug))
    return _render_course(course, form, 400 if form.errors else 200, quizzes=quizzes)


def _settings_form(
    course: Course, quizzes: list[services.QuizOption], *, from_request: bool = False
) -> CourseSettingsForm:
    """The settings form filled from the course's stored settings (``data=``, never ``obj=``:
    WTForms prefers an object's attributes to keyword values, which once showed the required
    quizzes as a Python list and stored that text back on the next save)."""
    data = services.settings_snapshot(course)
    form = CourseSettingsForm(data=data) if from_request else CourseSettingsForm(None, data=data)
    form.required_quizzes.choices = [
        (
            quiz.slug,
            f"{quiz.title} ({quiz.slug})"
            if quiz.published
            else _("%(title)s (%(slug)s), not published yet", title=quiz.title, slug=quiz.slug),
        )
        for quiz in quizzes
    ]
    return form


def _render_course(
    course: Course,
    form: CourseSettingsForm | None = None,
    status: int = 200,
    owners_form: CourseOwnersForm | None = None,
    quizzes: list[services.QuizOption] | None = None,
) -> tuple[str, int]:
    if quizzes is None:
        quizzes = services.quiz_options(course.id)
    form = form or _settings_form(course, quizzes)
    known = {quiz.slug for quiz in quizzes}
    owners_form = owners_form or CourseOwnersForm(
        owners=", ".join(services.owner_usernames(course))
    )
    return render_template(
        "courses/authoring/course.html",
        course=course,
        form=form,
        add_form=ModuleAddForm(),
        owners_form=owners_form,
        quizzes=quizzes,
        # Stored names that are no quiz of the course (from before they were checked): the
        # page says that saving drops them.
        stale_quizzes=[name for name in course.required_quizzes if name not in known],
    ), status


@bp.post("/<slug>/owners")
@require(can_choose_editors)
def set_owners(slug: str) -> ResponseReturnValue:
    course = _editable_course_or_404(slug)
    form = CourseOwnersForm()
    if form.validate_on_submit():
        try:
            services.set_owners(course, (form.owners.data or "").split(","), actor=current_user)
        except InvalidInput as error:
            cast(list[str], form.owners.errors).append(str(error.message))
        else:
            db.session.commit()
            flash(_("Editors saved."), "success")
            return redirect(url_for("authoring.course", slug=slug))
    return _render_course(course, None, 400, owners_form=form)


@bp.post("/<slug>/status")
@require(can_author)
def set_status(slug: str) -> ResponseReturnValue:
    course = _editable_course_or_404(slug)
    status = request.form.get("status", "")
    if status not in COURSE_STATUSES:
        abort(400)
    try:
        services.set_status(course, status, actor=current_user)
    except InvalidInput as error:
        flash(str(error.message), "error")
        return _render_course(course, None, 409)
    db.session.commit()
    flash(
        {
            "published": _("Published: cadres can now read it."),
            "draft": _("Unpublished: back to draft."),
            "archived": _("Archived."),
        }[status],
        "success",
    )
    return redirect(url_for("authoring.course", slug=slug))


@bp.post("/<slug>/modules")
@require(can_author)
def add_module(slug: str) -> ResponseReturnValue:
    course = _editable_course_or_404(slug)
    form = ModuleAddForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        module = module_editing.add_module(
            course,
            title=cast(str, form.title.data),  # required (DataRequired)
            author=current_user,
        )
    except InvalidInput as error:
        flash(str(error.message), "error")
        return redirect(url_for("authoring.course", slug=slug))
    db.session.commit()
    return redirect(url_for("authoring.edit_module", slug=slug, module_slug=module.slug))


@bp.post("/<slug>/modules/<module_slug>/move")
@require(can_author)
def move_module(slug: str, module_slug: str) -> ResponseReturnValue:
    course = _editable_course_or_404(slug)
    module = _module_or_404(course, module_slug)
    offset = {"up": -1, "down": 1}.get(request.form.get("direction", ""))
    if offset is None:
        abort(400)
    module_editing.move_module(module, offset)
    db.session.commit()
    return redirect(url_for("authoring.course", slug=slug) + "#modules")


@bp.post("/<slug>/modules/<module_slug>/delete")
@require(can_author)
def delete_module(slug: str, module_slug: str) -> ResponseReturnValue:
    course = _editable_course_or_404(slug)
    module = _module_or_404(course, module_slug)
    module_editing.delete_module(module, actor=current_user)
    db.session.commit()
    flash(_("Module “%(title)s” deleted.", title=module.title), "success")
    return redirect(url_for("authoring.course", slug=slug) + "#modules")


@bp.route("/<slug>/modules/<module_slug>/edit", methods=["GET", "POST"])
@require(can_author)
def edit_module(slug: str, module_slug: str) -> ResponseReturnValue:
    course = _editable_course_or_404(slug)
    module = _module_or_404(course, module_slug)
    form = ModuleEditForm(obj=module, base_revision=module.revision)
    preview = conflict = None
    status = 200
    if form.validate_on_submit():
        if request.form.get("action") == "preview":
            try:
                preview = Markup(render(form.body_md.data or "").html)  # noqa: S704 - sanitized
            except InvalidInput as error:
                cast(list[str], form.body_md.errors).append(str(error.message))
        else:
            try:
                changed = module_editing.save_module(
                    module,
                    # Required (InputRequired, DataRequired): a valid form has them all.
                    base_revision=cast(int, form.base_revision.data),
                    title=cast(str, form.title.data),
                    minutes=cast(int, form.minutes.data),
                    body_md=form.body_md.data or "",
                    message=form.message.data or "",
                    author=current_user,
                )
            except module_editing.EditConflict as error:
                conflict = _conflict(error, form.body_md.data or "")
                status = 409
            except InvalidInput as error:
                cast(list[str], form.body_md.errors).append(str(error.message))
            else:
                db.session.commit()
                flash(
                    _("Saved as revision %(n)s.", n=module.revision)
                    if changed
                    else _("Nothing changed."),
                    "success",
                )
                return redirect(
                    url_for("authoring.edit_module", slug=slug, module_slug=module.slug)
                )
    if form.errors:
        status = 400
    return render_template(
        "courses/authoring/edit_module.html",
        course=course,
        module=module,
        form=form,
        preview=preview,
        conflict=conflict,
        upload_form=ImageUploadForm(),
    ), status


def _conflict(error: module_editing.EditConflict, mine: str) -> dict[str, Any]:
    """What the trainer needs to merge by hand: who saved, and how it differs from theirs."""
    latest = module_editing.get_revision(error.module, error.module.revision)
    return {
        "latest": latest,
        "their_changes": module_editing.diff(mine, error.module.body_md),
        "base_revision": error.module.revision,
    }


@bp.get("/<slug>/modules/<module_slug>/history")
@require(can_author)
def history(slug: str, module_slug: str) -> ResponseReturnValue:
    course = _editable_course_or_404(slug)
    module = _module_or_404(course, module_slug)
    return render_template(
        "courses/authoring/history.html",
        course=course,
        module=module,
        revisions=module_editing.revisions(module),
    )


@bp.get("/<slug>/modules/<module_slug>/diff")
@require(can_author)
def diff(slug: str, module_slug: str) -> ResponseReturnValue:
    course = _editable_course_or_404(slug)
    module = _module_or_404(course, module_slug)
    first, last = (parse_int(request.args.get(key), high=9_999_999) for key in ("from", "to"))
    if first is None or last is None:
        abort(400)
    old = module_editing.get_revision(module, first)
    new = module_editing.get_revision(module, last)
    if old is None or new is None:
        abort(404)
    lines = module_editing.diff(old.body_md, new.body_md)
    return render_template(
        "courses/authoring/diff.html", course=course, module=module, old=old, new=new, lines=lines
    )


@bp.post("/<slug>/modules/<module_slug>/restore/<int(max=9999999):number>")
@require(can_author)
def restore(slug: str, module_slug: str, number: int) -> ResponseReturnValue:
    course = _editable_course_or_404(slug)
    module = _module_or_404(course, module_slug)
    try:
        module_editing.restore_revision(module, number, author=current_user)
    except InvalidInput as error:
        flash(str(error.message), "error")
        return redirect(url_for("authoring.history", slug=slug, module_slug=module_slug))
    db.session.commit()
    flash(
        _("Revision %(n)s restored as revision %(new)s.", n=number, new=module.revision), "success"
    )
    return redirect(url_for("authoring.edit_module", slug=slug, module_slug=module_slug))


@bp.post("/preview")
@require(can_author)
def preview() -> ResponseReturnValue:
    """Live preview for the editor's script: the same rendering and sanitizing as a save."""
    text = request.form.get("body_md", "")
    if len(text) > module_editing.MAX_BODY_CHARS:
        abort(413)
    try:
        return jsonify(html=render(text).html)
    except InvalidInput as error:
        return jsonify(error=str(error.message)), 400


@bp.post("/<slug>/images")
@require(can_author)
def upload_image(slug: str) -> ResponseReturnValue:
    course = _editable_course_or_404(slug)
    form = ImageUploadForm()
    wants_json = request.accept_mimetypes.best == "application/json"
    if not form.validate_on_submit():
        message = _("Choose an image file.")
        return (jsonify(error=message), 400) if wants_json else render_error(400, message)
    data = form.image.data.read(media.MAX_IMAGE_BYTES + 1)
    try:
        stored = media.store_image(data, course_id=course.id, uploaded_by=current_user)
    except InvalidInput as error:
        message = str(error.message)
        return (jsonify(error=message), 400) if wants_json else render_error(400, message)
    db.session.commit()
    alt = " ".join((form.alt.data or "").replace("]", " ").replace("[", " ").split())
    snippet = f"![{alt}]({media.url_path(stored)})"
    if wants_json:
        return jsonify(markdown=snippet, url=media.url_path(stored))
    flash(
        _(
            "Image uploaded. Copy this line into the text where it should appear: %(snippet)s",
            snippet=snippet,
        ),
        "success",
    )
    back = request.form.get("back")
    return redirect(back if _same_site(back) else url_for("authoring.course", slug=slug))


def _same_site(target: str | None) -> TypeGuard[str]:
    return safe_next(target, "").startswith("/authoring/")
