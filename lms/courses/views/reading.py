"""Learners' pages: my training, the catalogue, a course, a module, search; and assignment."""

from __future__ import annotations

import datetime as dt
from typing import cast

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
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from lms.attendance.forms import STATUS_LABELS
from lms.attendance.queries import upcoming_for
from lms.auth.permissions import require
from lms.courses import enrollment, media, queries, services, standing
from lms.courses.forms import AssignForm
from lms.courses.models import Assignment, Course, Enrollment
from lms.courses.permissions import can_assign, can_edit_course, can_view_course
from lms.courses.search import search as search_courses
from lms.errors import InvalidInput, render_error
from lms.extensions import db
from lms.inputs import parse_int
from lms.offline import services as offline
from lms.quizzes.services import published_quizzes
from lms.timeutil import local_today, utcnow
from lms.units import services as units
from lms.units.forms import unit_choices
from lms.units.models import Unit
from lms.units.scope import can_see_unit, subtree_filter

bp = Blueprint("courses", __name__)

MAX_DONE_AT = 9_999_999_999  # seconds since 1970: year 2286; the moment is clamped anyway


def _course_or_404(slug: str) -> tuple[Course, Enrollment | None]:
    """The course if the user may see it, and their enrollment in it if any."""
    course, enrolled = queries.course_for_reader(current_user, slug)
    if course is None or not can_view_course(current_user, course, enrolled=enrolled is not None):
        abort(404)  # drafts do not exist for those who may not see them
    return course, enrolled


@bp.get("/my-training")
@require()
def my_training() -> ResponseReturnValue:
    return render_template(
        "courses/my_training.html",
        page=standing.my_training(current_user, utcnow()),
        today=local_today(current_app.config["TIMEZONE"]),
        status_labels=STATUS_LABELS,
    )


@bp.get("/courses/")
@require()
def catalogue() -> ResponseReturnValue:
    return render_template("courses/catalogue.html", courses=queries.catalogue(current_user))


@bp.get("/courses/<slug>")
@require()
def course(slug: str) -> ResponseReturnValue:
    course, enrolled = _course_or_404(slug)
    progress = queries.course_progress(current_user, course, enrolled)
    now = utcnow()
    kept_without_asking = (
        course.status == "published" and enrolled is not None and enrolled.completed_at is None
    )
    return render_template(
        "courses/course.html",
        course=course,
        progress=progress,
        standing=standing.course_standing(current_user, progress, now),
        enrolled=enrolled is not None,
        can_edit=can_edit_course(current_user, course),
        can_assign=can_assign(current_user) and course.status == "published",
        today=local_today(current_app.config["TIMEZONE"]),
        quizzes=published_quizzes(course),
        sessions=upcoming_for(current_user, now, course_id=course.id),
        status_labels=STATUS_LABELS,
        # Published courses may be kept on the phone for reading offline: assigned ones are
        # kept without asking, others on request, their size shown first.
        offline_auto=kept_without_asking,
        offline_size=offline.size_label(offline.estimated_sizes([course.id])[course.id])
        if course.status == "published" and not kept_without_asking
        else None,
    )


@bp.get("/courses/<slug>/modules/<module_slug>")
@require()
def module(slug: str, module_slug: str) -> ResponseReturnValue:
    course, enrolled = _course_or_404(slug)
    page = queries.module_page(current_user, course, module_slug, enrolled)
    if page is None:
        abort(404)
    return render_template(
        "courses/module.html", course=course, page=page, enrolled=enrolled is not None
    )


@bp.post("/courses/<slug>/modules/<module_slug>/done")
@require()
def mark_done(slug: str, module_slug: str) -> ResponseReturnValue:
    course, enrolled = _course_or_404(slug)
    module = services.get_module(course, module_slug)
    if module is None:
        abort(404)
    if not enrolled:
        abort(403)
    now = utcnow()
    # A mark pressed offline comes later from the phone's queue (static/sw.js) with the
    # moment it was pressed, in seconds since 1970; the plain form sends none: now.
    sent = request.form.get("done_at")
    claimed = parse_int(sent, high=MAX_DONE_AT) if sent else None
    if sent and claimed is None:
        return render_error(400, _("The moment the module was marked done is not valid."))
    at = (
        enrollment.moment_pressed(dt.datetime.fromtimestamp(claimed, dt.UTC), enrolled, now)
        if claimed is not None
        else now
    )
    recorded = enrollment.mark_module_done(current_user, module, at=at)
    db.session.commit()
    if request.accept_mimetypes.best == "application/json":
        # The phone's queue: no page and no message, only whether it is recorded (sending the
        # same mark again records nothing more).
        db.session.refresh(enrolled)
        return jsonify(recorded=recorded, course_completed=enrolled.completed_at is not None)
    progress = queries.course_progress(current_user, course, enrolled)
    db.session.refresh(enrolled)  # completed just now, perhaps
    following = _module_after(progress, module.id)
    if following is not None:
        flash(
            _(
                "Module “%(done)s” is done. Next: “%(next)s”.",
                done=module.title,
                next=following.title,
            ),
            "success",
        )
        return redirect(url_for("courses.module", slug=slug, module_slug=following.slug))
    if enrolled.completed_at is not None:
        flash(
            _(
                "Module “%(done)s” is done, and with it the course “%(course)s”.",
                done=module.title,
                course=course.title,
            ),
            "success",
        )
    else:
        flash(
            _(
                "Module “%(done)s” is done: you have read every module of this course. "
                "What is left to complete it is listed below.",
                done=module.title,
            ),
            "success",
        )
    return redirect(url_for("courses.course", slug=slug))


def _module_after(progress: queries.CourseProgress, module_id: int) -> queries.ModuleStatus | None:
    """The next module not read yet: after this one in order, else the first left."""
    modules = progress.modules
    index = next(i for i, m in enumerate(modules) if m.id == module_id)
    later = [m for m in modules[index + 1 :] if not m.done]
    return later[0] if later else progress.next_module


@bp.get("/search")
@require()
def search() -> ResponseReturnValue:
    query = request.args.get("q", "")[:200]
    hits = search_courses(current_user, query) if query.strip() else []
    return render_template("courses/search.html", query=query, hits=hits)


@bp.get("/media/<sha256>.<extension>")
@require()
def media_file(sha256: str, extension: str) -> ResponseReturnValue:
    found = media.find(sha256) if len(sha256) == 64 else None
    if found is None or media.EXTENSIONS[found.mime_type] != extension:
        abort(404)
    response = current_app.response_class(found.data, mimetype=found.mime_type)
    # The address is the content's hash: it never changes, so browsers may keep it for good.
    response.headers["Cache-Control"] = "private, max-age=31536000, immutable"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


@bp.post("/courses/<slug>/assignments/<id:assignment_id>/close")
@require(can_assign)
def close_assignment(slug: str, assignment_id: int) -> ResponseReturnValue:
    course, _enrolled = _course_or_404(slug)
    assignment = db.session.get(Assignment, assignment_id)
    if (
        assignment is None
        or assignment.course_id != course.id
        or not can_see_unit(current_user, assignment.unit_id)
    ):
        abort(404)
    enrollment.close_assignment(assignment, actor=current_user)
    db.session.commit()
    flash(
        _("The assignment is closed: people who join the unit from now on are not enrolled."),
        "success",
    )
    return redirect(url_for("courses.assign", slug=slug))


@bp.route("/courses/<slug>/assign", methods=["GET", "POST"])
@require(can_assign)
def assign(slug: str) -> ResponseReturnValue:
    course, _enrolled = _course_or_404(slug)
    form = AssignForm()
    scope = subtree_filter(current_user, Unit.id)
    form.unit_id.choices = unit_choices(units.options(scope), str(_l("— choose a unit —")))
    status = 200
    if form.validate_on_submit():
        unit = db.session.get(Unit, form.unit_id.data) if form.unit_id.data else None
        if unit is None or not can_see_unit(current_user, unit.id):
            cast(list[str], form.unit_id.errors).append(_("Choose one of your units."))
        else:
            try:
                _assignment, created = enrollment.assign(
                    course,
                    unit,
                    cast(dt.date, form.due_date.data),  # required (DataRequired)
                    actor=current_user,
                    today=local_today(current_app.config["TIMEZONE"]),
                )
            except InvalidInput as error:
                cast(list[str], form.due_date.errors).append(str(error.message))
            else:
                db.session.commit()
                flash(
                    _(
                        "Assigned to %(unit)s and every unit below it: %(n)s new enrollments.",
                        unit=unit.name,
                        n=created,
                    ),
                    "success",
                )
                return redirect(url_for("courses.assign", slug=slug))
    if form.errors:
        status = 400
    return render_template(
        "courses/assign.html",
        course=course,
        form=form,
        assignments=enrollment.assignments_in_scope(course, scope),
    ), status
