"""Which language a page is shown in: the account's choice, else a cookie, else Vietnamese."""

from __future__ import annotations

from pathlib import Path
from typing import Any, cast

from flask import Flask, current_app, g, has_request_context, request
from flask_babel import get_locale, get_translations
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


def install_template_translations(app: Flask) -> None:
    """Templates translate through Flask-Babel's get_translations, which finds the domain and
    spells out the locale's name on every call: a page's 30 to 60 strings paid it each time.
    These callables look the translations up once per request and locale (a locale forced
    for a letter in another language is another locale object, so it is looked up again)."""

    def translations() -> Any:
        locale = get_locale()
        kept = g.get("_lms_translations")
        if kept is None or kept[0] is not locale:
            kept = g._lms_translations = (locale, get_translations())
        return kept[1]

    app.jinja_env.install_gettext_callables(  # type: ignore[attr-defined]  # jinja2.ext.i18n
        gettext=lambda s: translations().ugettext(s),
        ngettext=lambda s, p, n: translations().ungettext(s, p, n),
        newstyle=True,
        pgettext=lambda c, s: translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: translations().unpgettext(c, s, p, n),
    )


def current_locale() -> str:
    """The language of the page being made (templates ask several times a page): the one
    Flask-Babel chose for the request, once."""
    locale = get_locale()
    return str(locale) if locale is not None else select_locale()
