"""Reading offline: the service worker's script, what it keeps, the page shown for what needs
the server, and a fresh CSRF token for the marks the phone queued while offline."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify, render_template, request
from flask.typing import ResponseReturnValue
from flask_login import current_user
from flask_wtf.csrf import generate_csrf

from lms.auth.permissions import public, require
from lms.offline import services
from lms.paths import STATIC_DIR

bp = Blueprint("offline", __name__)

WORKER = STATIC_DIR / "sw.js"


@bp.get("/sw.js")
@public
def worker() -> ResponseReturnValue:
    # Served from the root, not /static/, so that its scope covers every page it keeps. It is
    # public (nothing in it is personal) so that a phone whose sign-in ended still gets its
    # updates; "no-store" (the default header) makes the browser check it at every visit.
    return current_app.response_class(WORKER.read_bytes(), mimetype="text/javascript")


@bp.get("/offline")
@public
def unavailable() -> ResponseReturnValue:
    """What the phone shows, from its copy, for a page it does not keep."""
    return render_template("offline/unavailable.html")


@bp.get("/offline/manifest")
@require()
def manifest() -> ResponseReturnValue:
    requested = [slug[:80] for slug in request.args.getlist("course")]
    courses = services.kept_courses(current_user, requested)
    return jsonify(
        user=current_user.id,
        limit_bytes=current_app.config["OFFLINE_CACHE_MB"] * 1_000_000,
        shell=services.shell_urls(current_user),
        courses=[
            {
                "slug": course.slug,
                "title": course.title,
                "auto": course.auto,
                "revision": course.revision,
                "size": course.size,
                "urls": course.urls,
            }
            for course in courses
        ],
    )


@bp.get("/offline/token")
@require()
def token() -> ResponseReturnValue:
    """The session's CSRF token, for sending the marks queued on the phone: the token in a page
    kept offline may belong to a session that has since ended. With the account's id, so that
    the phone sends a person's marks only under that person's session."""
    return jsonify(user=current_user.id, csrf_token=generate_csrf())
