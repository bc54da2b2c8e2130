"""Browsing the audit log (admins)."""

from __future__ import annotations

import datetime as dt

from flask import Blueprint, current_app, flash, render_template, request
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from lms.audit import presenting, services
from lms.audit.labels import ACTION_LABELS, TARGET_LABELS
from lms.audit.permissions import can_view_audit
from lms.auth import services as auth
from lms.auth.permissions import require
from lms.inputs import parse_date
from lms.paging import paginate
from lms.timeutil import local_day_start_utc, utcnow

bp = Blueprint("audit", __name__, url_prefix="/audit")


FILTERS = ("action", "actor", "target", "label", "since", "until")


def _day(value: str | None) -> dt.date | None:
    if not value:
        return None
    day = parse_date(value)
    if day is None:
        flash(_("%(value)s is not a date (YYYY-MM-DD).", value=value), "error")
        return None
    return day


@bp.get("/")
@require(can_view_audit)
def index() -> ResponseReturnValue:
    args = request.args
    zone = current_app.config["TIMEZONE"]
    since, until = _day(args.get("since")), _day(args.get("until"))
    query = services.events_query(
        action=args.get("action") or None,
        actor=(args.get("actor") or "").strip().lower() or None,
        target_type=args.get("target") or None,
        target_label=(args.get("label") or "").strip() or None,
        since=local_day_start_utc(since, zone) if since else None,
        until=local_day_start_utc(until + dt.timedelta(days=1), zone) if until else None,
    )
    page = paginate(query)
    entries = presenting.present(page.items)
    # Only the known filters go back into the pager's links.
    filters = {key: args[key] for key in FILTERS if args.get(key)}
    return render_template(
        "audit/index.html",
        page=page,
        actions=services.known_actions(),
        args=args,
        filters=filters,
        entries=entries,
        action_labels=ACTION_LABELS,
        locks=auth.limited_sign_ins(utcnow()),
        target_labels=TARGET_LABELS,
    )
