"""The cadre-training LMS: ``create_app`` builds the Flask application."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from flask import Blueprint, Flask, abort, redirect, request, url_for
from flask_login import current_user
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.wrappers import Response

from lms import config as settings
from lms import security_headers
from lms.auth.permissions import access_rule, predicates_of
from lms.errors import register_error_handlers
from lms.extensions import babel, csrf, db, limiter, login_manager, migrate
from lms.i18n import (
    TRANSLATIONS_DIR,
    current_locale,
    install_template_translations,
    select_locale,
    select_timezone,
)
from lms.paths import MIGRATIONS_DIR, STATIC_DIR
from lms.reports import sums_hooks
from lms.routing import register_converters

if TYPE_CHECKING:
    from lms.people.models import User

# Endpoints a signed-in user with a temporary password may still reach.
_ALLOWED_BEFORE_PASSWORD_CHANGE = {
    "auth.change_password",
    "auth.logout",
    "home.set_locale",
    "home.healthz",
    "static",
}


def _blueprints() -> list[Blueprint]:
    from lms.attendance.views.records import bp as attendance_bp
    from lms.attendance.views.sessions import bp as sessions_bp
    from lms.audit.views import bp as audit_bp
    from lms.auth.views import bp as auth_bp
    from lms.certificates.views import bp as certificates_bp
    from lms.courses.views.authoring import bp as authoring_bp
    from lms.courses.views.reading import bp as courses_bp
    from lms.home.views import bp as home_bp
    from lms.imports.views import bp as imports_bp
    from lms.notifications.views import bp as notifications_bp
    from lms.offline.views import bp as offline_bp
    from lms.people.views import bp as people_bp
    from lms.quizzes.views.authoring import bp as quiz_authoring_bp
    from lms.quizzes.views.question_editor import bp as question_editor_bp
    from lms.quizzes.views.taking import bp as quizzes_bp
    from lms.reports.views import bp as reports_bp
    from lms.units.views import bp as units_bp

    return [
        home_bp,
        auth_bp,
        units_bp,
        people_bp,
        audit_bp,
        imports_bp,
        courses_bp,
        authoring_bp,
        quizzes_bp,
        quiz_authoring_bp,
        question_editor_bp,
        sessions_bp,
        attendance_bp,
        certificates_bp,
        reports_bp,
        notifications_bp,
        offline_bp,
    ]


def create_app(config: dict[str, Any] | None = None) -> Flask:
    if not STATIC_DIR.is_dir():
        # Installed without its checkout (pip install . copies the package only): the pages
        # would come without their stylesheet and scripts. Say so instead.
        raise RuntimeError(
            f"static files not found in {STATIC_DIR}: run the app from its checkout, "
            "installed with pip install -e (README)"
        )
    app = Flask(__name__, instance_relative_config=True, static_folder=STATIC_DIR)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    app.config.from_mapping(settings.load(app.instance_path, config))
    if app.config["PROXY_COUNT"]:
        # Client address and scheme from the proxy's headers: the login limits count per real
        # address, not per proxy.
        proxies = app.config["PROXY_COUNT"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies)  # type: ignore[method-assign]
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = TRANSLATIONS_DIR

    db.init_app(app)
    migrate.init_app(app, db, directory=str(MIGRATIONS_DIR), render_as_batch=True)
    login_manager.init_app(app)
    csrf.init_app(app)
    babel.init_app(app, locale_selector=select_locale, timezone_selector=select_timezone)
    install_template_translations(app)
    limiter.init_app(app)
    _configure_sqlite(app)
    _configure_login(app)
    sums_hooks.listen()  # the review's sums follow every write, in its transaction

    register_converters(app.url_map)  # before the rules that use them
    for blueprint in _blueprints():
        app.register_blueprint(blueprint)

    register_error_handlers(app)
    security_headers.register(app)
    _register_guards(app)
    _register_template_helpers(app)

    from lms.cli import register_commands

    register_commands(app)
    return app


def _configure_sqlite(app: Flask) -> None:
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        return
    from sqlalchemy import event

    with app.app_context():

        @event.listens_for(db.engine, "connect")
        def _pragmas(dbapi_connection: Any, _record: Any) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA busy_timeout=15000")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.close()


def _configure_login(app: Flask) -> None:
    from flask_babel import lazy_gettext as _l

    from lms.auth import sessions
    from lms.inputs import parse_int
    from lms.people.services import load_user

    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Please sign in to open this page.")
    login_manager.login_message_category = "info"
    # "basic": a phone that changes network keeps its session (the address is not pinned);
    # sessions end instead on sign-out, password change, deactivation or after
    # LMS_SESSION_HOURS (see lms.auth.sessions).
    login_manager.session_protection = "basic"

    @login_manager.user_loader  # type: ignore[untyped-decorator]  # Flask-Login ships no types
    def _load(token: str) -> User | None:
        if not sessions.within_lifetime():
            return None
        user_id = parse_int(token.partition(":")[0])
        user = load_user(user_id) if user_id is not None else None
        # A deactivated account, a sign-out or a password change since this session began
        # signs out (see lms.auth.sessions).
        if user is None or not user.active or user.session_token != token:
            return None
        return user


def _register_guards(app: Flask) -> None:
    @app.before_request
    def deny_undeclared_endpoints() -> None:
        # Fail closed: an endpoint that forgot its access rule is refused, not opened.
        if request.endpoint is None or request.endpoint == "static":
            return None
        view = app.view_functions.get(request.endpoint)
        if view is None or access_rule(view) is None:
            app.logger.error("endpoint %s declares no access rule", request.endpoint)
            abort(403)
        return None

    @app.before_request
    def refuse_nul_characters() -> None:
        # No text field may hold U+0000 (PostgreSQL refuses it): a clear 400, never a 500.
        values = [*request.args.values(), *request.form.values(), request.path]
        if any("\x00" in value for value in values):
            abort(400)
        return None

    @app.before_request
    def force_password_change() -> Response | None:
        if (
            current_user.is_authenticated
            and current_user.must_change_password
            and request.endpoint not in _ALLOWED_BEFORE_PASSWORD_CHANGE
        ):
            return redirect(url_for("auth.change_password"))
        return None

    @app.teardown_request
    def _rollback_unfinished(exc: BaseException | None) -> None:
        if exc is not None:
            db.session.rollback()


def _register_template_helpers(app: Flask) -> None:
    from lms import formatting
    from lms.attendance import permissions as attendance
    from lms.audit import permissions as audit
    from lms.certificates import permissions as certificates
    from lms.courses import permissions as courses
    from lms.home.menu import main_menu
    from lms.imports import permissions as imports
    from lms.notifications import permissions as notifications
    from lms.notifications.views import unread_notifications
    from lms.people import permissions as people
    from lms.reports import permissions as reports
    from lms.units import permissions as units

    # Templates ask the same predicates the views' @require is given: every feature's can_*.
    features = (attendance, audit, certificates, courses, imports, notifications, people, reports)
    for feature in (*features, units):
        app.jinja_env.globals.update(predicates_of(feature))
    app.jinja_env.globals["unread_notifications"] = unread_notifications
    app.jinja_env.globals["main_menu"] = main_menu
    app.jinja_env.globals["locales"] = settings.LOCALES
    app.jinja_env.globals["current_locale"] = current_locale
    app.jinja_env.filters["local_datetime"] = formatting.local_datetime
    app.jinja_env.filters["local_date"] = formatting.local_date
    app.jinja_env.filters["number"] = formatting.number
    app.jinja_env.filters["month"] = formatting.month
