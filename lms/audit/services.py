"""Recording administrative changes: ``record(action, target, actor=…, before=…, after=…)``,
where the target is a model that names itself (``audit_type``, ``audit_label``) or a
``Target``, and the actor a user or the name of what acted."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar, Protocol, Union

from sqlalchemy import Select, insert, select

from lms.audit.models import AuditEvent
from lms.extensions import db
from lms.timeutil import utcnow

if TYPE_CHECKING:
    from lms.people.models import User

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


Actor = Union["User", str, None]
"""Who acts: a signed-in user, or the name of what acts without an account (``cli:alice`` for
a command, ``demo``, ``course-folders``); None is the system itself."""


@dataclass(frozen=True)
class Target:
    """What an entry is about when it is not one model's row (a lock on an address, a batch)."""

    type: str
    id: int | None = None
    label: str = ""


class Auditable(Protocol):
    """A model that names itself in the log: its type (a class attribute) and its label."""

    audit_type: ClassVar[str]

    @property
    def id(self) -> int: ...

    @property
    def audit_label(self) -> str: ...


def acting_user(actor: Actor) -> User | None:
    """The account behind an actor, None for a command, the demo or the system."""
    return None if actor is None or isinstance(actor, str) else actor


def actor_fields(actor: Actor) -> tuple[int | None, str]:
    """The entry's actor id and name: a user's id and username, or a name without an id."""
    if actor is None:
        return None, SYSTEM_ACTOR
    if isinstance(actor, str):
        return None, actor
    return actor.id, actor.username


def target_fields(target: Auditable | Target) -> tuple[str, int | None, str]:
    if isinstance(target, Target):
        return target.type, target.id, target.label
    return target.audit_type, target.id, target.audit_label


def record(
    action: str,
    target: Auditable | Target,
    *,
    actor: Actor,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    label: str | None = None,
) -> AuditEvent:
    """Add one audit entry to the current transaction. ``label`` replaces the target's own
    where the entry needs more (a check-in names the session and the person)."""
    actor_id, actor_name = actor_fields(actor)
    target_type, target_id, target_label = target_fields(target)
    event = AuditEvent(
        action=action,
        actor_id=actor_id,
        actor_name=actor_name,
        target_type=target_type,
        target_id=target_id,
        target_label=(target_label if label is None else label)[:LABEL_LENGTH],
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
) -> Select[Any]:
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


def record_many(entries: list[dict[str, Any]], *, actor: Actor) -> None:
    """Bulk-insert entries (dicts of ``record``'s arguments: action, target, before, after)
    for large imports and markings."""
    if not entries:
        return
    now = utcnow()
    actor_id, actor_name = actor_fields(actor)
    rows = []
    for entry in entries:
        target_type, target_id, target_label = target_fields(entry["target"])
        rows.append(
            {
                "at": now,
                "actor_id": actor_id,
                "actor_name": actor_name,
                "action": entry["action"],
                "target_type": target_type,
                "target_id": target_id,
                "target_label": target_label[:LABEL_LENGTH],
                "before": _jsonable(entry.get("before")),
                "after": _jsonable(entry.get("after")),
            }
        )
    db.session.execute(insert(AuditEvent), rows)
