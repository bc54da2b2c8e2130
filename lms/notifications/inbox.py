"""A person's own notifications: how many are unread (the bell), the page of them, marking
them read, and which kinds they want by e-mail. What creates them is in ``services``."""

from __future__ import annotations

import datetime as dt

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, bindparam, func, select, update

from lms.errors import InvalidInput
from lms.extensions import db
from lms.notifications.models import KINDS, EmailChoice, Notification
from lms.writes import rows_changed

# Built once (every page asks it): a statement remembers its cache key.
_UNREAD = select(func.count()).select_from(
    select(Notification.id)
    .where(Notification.user_id == bindparam("user_id"), Notification.read_at.is_(None))
    .limit(bindparam("most"))
    .subquery()
)


def unread_count(user_id: int, cap: int = 99) -> int:
    """How many unread notifications ``user_id`` has, counted up to ``cap`` (the bell shows
    "99+" beyond): one small indexed query."""
    return db.session.scalar(_UNREAD, {"user_id": user_id, "most": cap + 1}) or 0


def page_query(user_id: int) -> Select[Notification]:
    return (
        select(Notification)
        .where(Notification.user_id == user_id)
        .order_by(Notification.created_at.desc(), Notification.id.desc())
    )


def mark_read(user_id: int, ids: list[int], now: dt.datetime) -> int:
    if not ids:
        return 0
    return rows_changed(
        update(Notification)
        .where(
            Notification.user_id == user_id,
            Notification.id.in_(ids),
            Notification.read_at.is_(None),
        )
        .values(read_at=now)
        .execution_options(synchronize_session=False)
    )


def email_choices(user_id: int) -> dict[str, bool]:
    """kind -> whether the person wants it by e-mail (yes unless they said no)."""
    saved = dict(
        db.session.execute(
            select(EmailChoice.kind, EmailChoice.wanted).where(EmailChoice.user_id == user_id)
        ).all()
    )
    return {kind: saved.get(kind, True) for kind in KINDS}


def save_email_choices(user_id: int, wanted: set[str]) -> bool:
    """Record the person's choice for every kind; returns whether anything changed."""
    unknown = wanted - set(KINDS)
    if unknown:
        raise InvalidInput(_l("Unknown kind of notification."))
    before = email_choices(user_id)
    rows = {
        row.kind: row
        for row in db.session.scalars(select(EmailChoice).where(EmailChoice.user_id == user_id))
    }
    changed = False
    for kind in KINDS:
        value = kind in wanted
        changed |= before[kind] != value
        if kind in rows:
            rows[kind].wanted = value
        else:
            db.session.add(EmailChoice(user_id=user_id, kind=kind, wanted=value))
    db.session.flush()
    return changed
