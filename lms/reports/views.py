"""The command dashboard (a commander's home), its reminders, commendations and pilots pages,
the review report (printable page, XLSX, CSV), a person's training record, and the JSON API.

Every page takes the same query arguments (``unit``, ``period``/``year``, ``course``), read by
``selection.select_review``: a link from one page to another keeps what the commander chose."""

from __future__ import annotations

from typing import Any

from flask import (
    Blueprint,
    Response,
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
from flask_babel import ngettext
from flask_login import current_user
from flask_wtf import FlaskForm

from lms.auth.permissions import require
from lms.certificates import queries as certificates
from lms.courses import standing
from lms.errors import InvalidInput
from lms.extensions import db
from lms.notifications import services as notifications
from lms.notifications.permissions import can_remind_overdue
from lms.paging import RowPage
from lms.people import services as people
from lms.reports import figures, lists, pages, review, workbook
from lms.reports.lists import PersonCourse
from lms.reports.permissions import can_view_dashboard, can_view_training_record
from lms.reports.selection import OutsideScope, Selection, UnknownUnit, select_review
from lms.spreadsheets import CSV_TYPE, XLSX_TYPE
from lms.timeutil import local_today, utcnow

bp = Blueprint("reports", __name__)

ROLES = ("commander", "admin")
# A list of people longer than this is cut on the printed report (the province's overdue list
# can run to thousands of names, hundreds of pages); the XLSX and CSV keep every row.
PRINTED_ROWS = 300


@bp.get("/dashboard/")
@require(can_view_dashboard)
def index() -> ResponseReturnValue:
    return pages.overview()


@bp.get("/dashboard/reminders")
@require(can_view_dashboard)
def reminders() -> ResponseReturnValue:
    selection = pages.read_selection()
    if selection.scope is None:
        return pages.render("reports/reminders.html", selection)
    page = RowPage(lists.overdue_query(selection.scope), total=lists.overdue_count(selection.scope))
    page.items = [PersonCourse(*row) for row in page.items]
    league = lists.unit_league(selection.scope)
    shown = [(item.user_id, item.course_id) for item in page.items]
    return pages.render(
        "reports/reminders.html",
        selection,
        page=page,
        lagging=lists.lagging_units(league, current_app.config["LAGGING_BELOW"]),
        today=selection.scope.today,
        reminded=notifications.reminded_today(shown, utcnow()),
        can_remind=can_remind_overdue(current_user),
        remind_limit=notifications.MAX_REMINDER_PAIRS,
        form=FlaskForm(),
    )


@bp.post("/dashboard/reminders")
@require(can_view_dashboard)
def send_reminders() -> ResponseReturnValue:
    """Remind every overdue cadre of the selection (unit, period, course) still in the
    commander's units: one notification per person and course, at most once a day."""
    selection = pages.read_selection()
    back = redirect(url_for("reports.reminders", **selection.args()))
    if not can_remind_overdue(current_user):
        abort(403)
    if selection.scope is None:  # a bad period or course: the page again, saying which
        return pages.render("reports/reminders.html", selection)
    if not FlaskForm().validate_on_submit():
        abort(400)
    pairs = lists.reminder_pairs(selection.scope, current_user)
    listed = lists.overdue_count(selection.scope)
    if not pairs and listed:  # everyone on the list has moved away since
        flash(reminders_sent(notifications.Reminded(0, 0, 0), moved_away=listed), "success")
        return back
    try:
        result = notifications.remind_overdue(current_user, pairs, utcnow())
    except InvalidInput as error:
        flash(str(error), "error")
        return back
    db.session.commit()
    flash(reminders_sent(result, moved_away=listed - len(pairs)), "success")
    return back


def reminders_sent(result: Any, *, moved_away: int) -> str:
    """What a commander reads after sending reminders: sent, and why the others were not."""
    if result.sent:
        parts = [
            ngettext(
                "Reminder sent for %(num)s overdue course.",
                "Reminders sent for %(num)s overdue courses.",
                result.sent,
            )
        ]
    else:
        parts = [_("No new reminder was sent.")]
    if result.already_today:
        parts.append(
            ngettext(
                "%(num)s was already reminded today.",
                "%(num)s were already reminded today.",
                result.already_today,
            )
        )
    if result.not_overdue:
        parts.append(
            ngettext(
                "%(num)s is no longer overdue.",
                "%(num)s are no longer overdue.",
                result.not_overdue,
            )
        )
    if moved_away > 0:
        parts.append(
            ngettext(
                "%(num)s has moved to another unit: their new commander reminds them.",
                "%(num)s have moved to other units: their new commanders remind them.",
                moved_away,
            )
        )
    return " ".join(parts)


@bp.get("/dashboard/commendations")
@require(can_view_dashboard)
def commendations() -> ResponseReturnValue:
    selection = pages.read_selection()
    if selection.scope is None:
        return pages.render("reports/commendations.html", selection)
    league = lists.unit_league(selection.scope)
    return pages.render(
        "reports/commendations.html",
        selection,
        best_units=lists.best_units(league),
        early=lists.early_high_scorers(selection.scope),
        early_days=lists.EARLY_DAYS,
        high_score=lists.HIGH_SCORE,
        min_enrolled=lists.MIN_ENROLLED_TO_RANK,
    )


@bp.get("/dashboard/pilots")
@require(can_view_dashboard)
def pilots() -> ResponseReturnValue:
    selection = pages.read_selection()
    if selection.scope is None:
        return pages.render("reports/pilots.html", selection)
    league = lists.unit_league(selection.scope)
    return pages.render(
        "reports/pilots.html",
        selection,
        comparison=lists.pilots_against_rest(selection.scope, league),
        pilot_count=lists.pilot_units_count(selection.scope),
    )


def _review(selection: Selection, overdue_limit: int | None = None) -> review.Review:
    assert selection.scope is not None
    return review.build(
        selection.scope,
        target=current_app.config["COMPLETION_TARGET"],
        threshold=current_app.config["LAGGING_BELOW"],
        overdue_limit=overdue_limit,
    )


@bp.get("/dashboard/report")
@require(can_view_dashboard)
def report() -> ResponseReturnValue:
    selection = pages.read_selection()
    if selection.scope is None:
        return pages.render("reports/report.html", selection)
    found = _review(selection, overdue_limit=PRINTED_ROWS)
    return pages.render(
        "reports/report.html",
        selection,
        review=found,
        heading=workbook.heading_lines(found),
        sheets=workbook.printed(workbook.sheets(found), PRINTED_ROWS),
        place=current_app.config["CERTIFICATE_PLACE"],
        issuer=current_app.config["ISSUER_NAME"],
        today=selection.scope.today,
    )


def _file_name(selection: Selection, extension: str) -> str:
    assert selection.scope is not None
    unit = selection.unit.code if selection.unit is not None else "tinh"
    course = f"-{selection.course.slug}" if selection.course is not None else ""
    return f"bao-cao-{unit}-{selection.scope.period.label}{course}.{extension}"


def _download(body: bytes, mimetype: str, name: str) -> Response:
    response = Response(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@bp.get("/dashboard/report.xlsx")
@require(can_view_dashboard)
def report_xlsx() -> ResponseReturnValue:
    selection = pages.read_selection()
    if selection.scope is None:
        abort(400, "; ".join(selection.errors))
    return _download(workbook.as_xlsx(_review(selection)), XLSX_TYPE, _file_name(selection, "xlsx"))


@bp.get("/dashboard/report.csv")
@require(can_view_dashboard)
def report_csv() -> ResponseReturnValue:
    selection = pages.read_selection()
    if selection.scope is None:
        abort(400, "; ".join(selection.errors))
    return _download(workbook.as_csv(_review(selection)), CSV_TYPE, _file_name(selection, "csv"))


@bp.get("/dashboard/people/<username>")
@require(can_view_dashboard)
def person(username: str) -> ResponseReturnValue:
    named = people.get_by_username(username[:64])
    found = people.load_user(named.id) if named is not None else None  # with the unit
    if found is None or not can_view_training_record(current_user, found):
        abort(404)
    now = utcnow()
    return render_template(
        "reports/person.html",
        person=found,
        training=standing.my_training(found, now),
        certificates=certificates.mine(found.id),
        today=local_today(current_app.config["TIMEZONE"]),
    )


@bp.get("/api/reports/completion")
@require(can_view_dashboard)
def api_completion() -> ResponseReturnValue:
    """The JSON of DESIGN.md: 403 outside the viewer's reach, 400 for a bad period, course or
    unknown unit."""
    try:
        selection = select_review(
            current_user, request.args, zone=current_app.config["TIMEZONE"], now=utcnow()
        )
    except UnknownUnit:
        return jsonify(error=_("There is no unit with this code.")), 400
    except OutsideScope:
        return jsonify(error=_("You may not see this unit.")), 403
    if selection.scope is None:
        return jsonify(error=" ".join(selection.errors)), 400
    overview = figures.unit_overview(selection.scope)
    return jsonify(review.as_json(overview, selection.scope))
