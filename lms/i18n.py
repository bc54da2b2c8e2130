"""Which language a page is shown in: the account's choice, else a cookie, else Vietnamese."""

from __future__ import annotations

from pathlib import Path
from typing import cast

from flask import current_app, has_request_context, request
from flask_login import current_user

from lms.config import LOCALES

LOCALE_COOKIE = "lms_locale"
TRANSLATIONS_DIR = str(Path(__file__).parent / "translations")


def select_locale() -> str:
    if not has_request_context():  # command line: the configured default
        return cast(str, current_app.config["DEFAULT_LOCALE"])
    if current_user and current_user.is_authenticated and current_user.locale in LOCALES:
        return cast(str, current_user.locale)
    cookie = request.cookies.get(LOCALE_COOKIE)
    if cookie in LOCALES:
        return cookie
    return cast(str, current_app.config["DEFAULT_LOCALE"])


def select_timezone() -> str:
    return cast(str, current_app.config["TIMEZONE"])
