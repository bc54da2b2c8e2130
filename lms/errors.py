"""Errors that services raise for bad input, and the error pages every feature shares."""

from __future__ import annotations

from dataclasses import dataclass

from flask import Flask, Response, jsonify, render_template, request
from flask.globals import request_ctx
from flask.typing import ResponseReturnValue
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from lms.extensions import db


class InvalidInput(Exception):
    """A request or command the user can fix; ``message`` is translated and shown as it is."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(str(message))
        self.message = message
        self.field = field  # the form field or setting at fault, when there is one


@dataclass(frozen=True)
class Problem:
    """One bad line of an imported file; ``message`` may be a lazy translation."""

    line: int
    message: str

    def __post_init__(self) -> None:
        object.__setattr__(self, "message", str(self.message))

    def __str__(self) -> str:
        return str(_l("line %(line)s: %(message)s", line=self.line, message=self.message))


class ImportRefused(Exception):
    """An import file had problems; nothing was written."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__(f"{len(problems)} problem(s)")
        self.problems = sorted(problems, key=lambda p: p.line)


_TITLES = {
    400: _l("Bad request"),
    403: _l("Access denied"),
    404: _l("Page not found"),
    405: _l("Method not allowed"),
    413: _l("File too large"),
    429: _l("Too many attempts"),
    500: _l("Something went wrong"),
    503: _l("Service unavailable"),
}

_EXPLANATIONS = {
    400: _l("The request could not be understood. Go back and try again."),
    403: _l("Your account is not allowed to open this page."),
    404: _l("The page you asked for does not exist or has been moved."),
    405: _l("This page cannot be used that way."),
    413: _l("The file is larger than the server accepts."),
    429: _l("Too many attempts in a short time. Wait a few minutes and try again."),
    500: _l("The server met an error. It has been recorded; please try again later."),
    503: _l("The service is temporarily unavailable. Please try again later."),
}


def _wants_json() -> bool:
    return request.path.startswith("/api/") or request.accept_mimetypes.best == "application/json"


def render_error(code: int, detail: str | None = None) -> ResponseReturnValue:
    title = _TITLES.get(code, _TITLES[500])
    explanation = detail or _EXPLANATIONS.get(code, _EXPLANATIONS[500])
    if _wants_json():
        return jsonify(error=str(title), detail=str(explanation)), code
    if request_ctx.url_adapter is None:
        # The request was refused before routing (a Host not in LMS_TRUSTED_HOSTS): no links can
        # be built for the layout, so a plain answer.
        return Response(f"{title}\n\n{explanation}\n", code, mimetype="text/plain")
    return render_template("error.html", code=code, title=title, explanation=explanation), code


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError) -> ResponseReturnValue:
        return render_error(
            400,
            str(
                _l(
                    "The form has expired or was not sent from this site. Reload the page "
                    "and try again."
                )
            ),
        )

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException) -> ResponseReturnValue:
        code = error.code or 500
        if code not in _TITLES:
            return error
        return render_error(code)

    @app.errorhandler(Exception)
    def unexpected_error(error: Exception) -> ResponseReturnValue:
        app.logger.exception("Unhandled error on %s %s", request.method, request.path)
        db.session.rollback()
        return render_error(500)
