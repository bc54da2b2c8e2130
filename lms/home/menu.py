"""The main menu. Everybody who may open the same pages sees the same links, so the menu is
made once per language and set of links and kept: a page is spared its 15 ``url_for`` and 15
translations (about a tenth of a module page's CPU time)."""

from __future__ import annotations

from flask import render_template, request
from flask_login import current_user
from markupsafe import Markup

from lms.attendance.permissions import can_follow_units, can_run_sessions
from lms.audit.permissions import can_view_audit
from lms.certificates.permissions import can_list_certificates
from lms.courses.permissions import can_author, can_take_training
from lms.i18n import current_locale
from lms.people.permissions import can_view_people
from lms.reports.permissions import can_view_dashboard
from lms.units.permissions import can_view_units

# Each link the menu may show, and who is shown it (the rule its page's @require keeps).
LINKS = (
    ("training", can_take_training),
    ("authoring", can_author),
    ("sessions", can_run_sessions),
    ("dashboard", can_view_dashboard),
    ("unit_attendance", can_follow_units),
    ("unit_certificates", can_list_certificates),
    ("units", can_view_units),
    ("people", can_view_people),
    ("audit", can_view_audit),
)
_KEPT: dict[tuple[str, str, frozenset[str]], Markup] = {}
_MOST_KEPT = 64  # languages x sets of roles: a handful in practice


def main_menu() -> Markup:
    """The links of the signed-in person's menu, as HTML."""
    shown = frozenset(name for name, may in LINKS if may(current_user))
    key = (current_locale(), request.script_root, shown)
    menu = _KEPT.get(key)
    if menu is None:
        # An autoescaped template of our own links: its output is HTML already.
        menu = Markup(render_template("home/main_menu.html", shown=shown))  # noqa: S704
        if len(_KEPT) < _MOST_KEPT:
            _KEPT[key] = menu
    return menu
