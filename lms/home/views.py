"""The home page, the health check and the language switch."""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    current_app,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_login import current_user

from lms.attendance.forms import STATUS_LABELS
from lms.auth.permissions import public, require
from lms.config import LOCALES
from lms.courses import standing
from lms.extensions import db
from lms.home import health
from lms.i18n import LOCALE_COOKIE, select_locale
from lms.people import services as people
from lms.people.forms import ROLE_LABELS
from lms.people.models import ROLES
from lms.reports import pages as dashboard_pages
from lms.reports.permissions import can_view_dashboard
from lms.timeutil import local_today, utcnow
from lms.urls import safe_next

bp = Blueprint("home", __name__)


@bp.get("/")
@require()
def index() -> ResponseReturnValue:
    if current_user.roles == {"cadre"}:
        # A cadre's home is My training, shown here rather than redirected to (one round
        # trip less on a weak connection).
        return render_template(
            "courses/my_training.html",
            page=standing.my_training(current_user, utcnow()),
            today=local_today(current_app.config["TIMEZONE"]),
            status_labels=STATUS_LABELS,
        )
    if current_user.has_role("commander") and can_view_dashboard(current_user):
        # A commander's home is the command dashboard of their unit.
        return dashboard_pages.overview()
    return render_template("home/index.html", user=current_user)


# The help page a user lands on: that of their most specific role (an admin who is also a
# cadre mostly administers).
HELP_ORDER = ("admin", "commander", "trainer", "cadre")


@bp.get("/help/")
@require()
def help_index() -> ResponseReturnValue:
    role = next((r for r in HELP_ORDER if current_user.has_role(r)), "cadre")
    return redirect(url_for("home.help_page", role=role))


@bp.get("/help/<role>")
@require()
def help_page(role: str) -> ResponseReturnValue:
    # Long help text is one template per role and language (help/<role>.<locale>.html):
    # a catalogue entry per paragraph would be unwieldy to write and to review.
    if role not in ROLES:
        abort(404)
    return render_template(
        f"home/help/{role}.{select_locale()}.html",
        role=role,
        roles=ROLES,
        role_labels=ROLE_LABELS,
    )


@bp.get("/healthz")
@public
def healthz() -> ResponseReturnValue:
    if not health.database_answers():
        return jsonify(status="unavailable", database="down"), 503
    return jsonify(status="ok", database="up")


@bp.post("/locale")
@public
def set_locale() -> ResponseReturnValue:
    locale = request.form.get("locale", "")
    back = safe_next(request.form.get("next"), url_for("home.index"))
    response = redirect(back)
    if locale not in LOCALES:
        return response
    if current_user.is_authenticated:
        people.set_locale(current_user, locale)
        db.session.commit()
    response.set_cookie(
        LOCALE_COOKIE,
        locale,
        max_age=365 * 24 * 3600,
        samesite="Lax",
        httponly=True,
        secure=request.is_secure,
    )
    return response
