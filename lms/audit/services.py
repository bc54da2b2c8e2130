"""Recording administrative changes."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Select, insert, select

from lms.audit.models import AuditEvent
from lms.extensions import db
from lms.timeutil import utcnow

SYSTEM_ACTOR = "system"
MAX_TEXT = 300
LABEL_LENGTH = 255  # the column's length: a long session title must not break a save


def _jsonable(values: dict[str, Any] | None) -> dict[str, Any] | None:
    if values is None:
        return None
    out: dict[str, Any] = {}
    for key, value in values.items():
        if isinstance(value, dt.datetime | dt.date):
            value = value.isoformat()
        elif isinstance(value, set | frozenset | tuple):
            value = sorted(value)
        elif isinstance(value, str) and len(value) > MAX_TEXT:
            value = value[:MAX_TEXT] + "…"  # long texts (descriptions) have their own history
        out[key] = value
    return out


def record(
    action: str,
    *,
    actor: Any | None,
    target_type: str,
    target_id: int | None = None,
    target_label: str = "",
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    actor_name: str | None = None,
) -> AuditEvent:
    """Add one audit entry to the current transaction.

    ``actor`` is the acting user, or None for the command line (then ``actor_name`` says who).
    """
    event = AuditEvent(
        action=action,
        actor_id=actor.id if actor is not None else None,
        actor_name=actor.username if actor is not None else (actor_name or SYSTEM_ACTOR),
        target_type=target_type,
        target_id=target_id,
        target_label=target_label[:LABEL_LENGTH],
        before=_jsonable(before),
        after=_jsonable(after),
    )
    db.session.add(event)
    return event


def changed_fields(
    before: dict[str, Any], after: dict[str, Any]
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Only the keys whose values differ, so the log shows what actually changed."""
    keys = [key for key in after if before.get(key) != after[key]]
    return {k: before.get(k) for k in keys}, {k: after[k] for k in keys}


def events_query(
    *,
    action: str | None = None,
    actor: str | None = None,
    target_type: str | None = None,
    target_label: str | None = None,
    since: dt.datetime | None = None,
    until: dt.datetime | None = None,
) -> Select[tuple[AuditEvent]]:
    query = select(AuditEvent).order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
    if action:
        query = query.where(AuditEvent.action == action)
    if actor:
        query = query.where(AuditEvent.actor_name == actor)
    if target_type:
        query = query.where(AuditEvent.target_type == target_type)
    if target_label:
        # Unit codes are stored in capitals, usernames in lower case.
        query = query.where(
            AuditEvent.target_label.in_({target_label, target_label.lower(), target_label.upper()})
        )
    if since:
        query = query.where(AuditEvent.at >= since)
    if until:
        query = query.where(AuditEvent.at < until)
    return query


def known_actions() -> list[str]:
    return list(
        db.session.scalars(select(AuditEvent.action).distinct().order_by(AuditEvent.action))
    )


def record_many(
    entries: list[dict[str, Any]], *, actor: Any | None, actor_name: str | None = None
) -> None:
    """Bulk-insert entries (dicts of ``record``'s keyword arguments) for large imports."""
    if not entries:
        return
    now = utcnow()
    rows = [
        {
            "at": now,
            "actor_id": actor.id if actor is not None else None,
            "actor_name": actor.username if actor is not None else (actor_name or SYSTEM_ACTOR),
            "action": entry["action"],
            "target_type": entry["target_type"],
            "target_id": entry.get("target_id"),
            "target_label": entry.get("target_label", "")[:LABEL_LENGTH],
            "before": _jsonable(entry.get("before")),
            "after": _jsonable(entry.get("after")),
        }
        for entry in entries
    ]
    db.session.execute(insert(AuditEvent), rows)
