"""Nobody is present at two sessions held at the same time: the rule, as SQL, for every path
that records presence (self check-in, a trainer's mark, "all present", the paper sheet).

A person cannot be recorded present or late at a session while they are recorded present or
late at another session, not cancelled, whose time overlaps it. The rule is one condition,
``free_for(session, user_id)``, that the writing statements carry in their WHERE clause (an
``INSERT … SELECT … WHERE``, an ``UPDATE … WHERE version = … AND``), so a row is written only
if the rule holds when it is written, for one person or a whole roster at once.

Race safety. On SQLite a writing statement runs under the database's single write lock and
sees every committed row, so the condition in the statement is enough. On PostgreSQL two
transactions could each check "not present elsewhere" before the other commits; so before
writing, ``lock_people`` locks the people's account rows (``FOR NO KEY UPDATE``, in id order:
no deadlock between two batches), and a second writer for the same person waits for the first
to commit, then sees its record. The lock does not block reading accounts, nor rows that
only refer to them.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, Select, exists, func, insert, literal, select
from sqlalchemy.orm import aliased

from lms.attendance.models import ATTENDED, AttendanceRecord, TrainingSession
from lms.extensions import db
from lms.people.models import User


def present_elsewhere(session: TrainingSession) -> Select[int, int, str]:
    """(user_id, session_id, title) of the records present or late at other sessions, not
    cancelled, held (even in part) at the same time as ``session``."""
    record = aliased(AttendanceRecord)
    other = aliased(TrainingSession)
    return (
        select(record.user_id, other.id, other.title)
        .join(other, other.id == record.session_id)
        .where(
            record.status.in_(ATTENDED),
            other.id != session.id,
            other.cancelled_at.is_(None),
            other.starts_at < session.ends_at,
            other.ends_at > session.starts_at,
        )
    )


def free_for(session: TrainingSession, user_id: Any) -> ColumnElement[bool]:
    """The rule as a WHERE condition: the person (a column or a value) is not present at
    another session held at the same time."""
    elsewhere = present_elsewhere(session).subquery()
    return ~exists().where(elsewhere.c.user_id == user_id)


def where_else(session: TrainingSession, user_ids: list[int]) -> dict[int, str]:
    """For those of ``user_ids`` present elsewhere at the time: the other session's title
    (one of them, should there be several). One query."""
    if not user_ids:
        return {}
    elsewhere = present_elsewhere(session).subquery()
    rows = db.session.execute(
        select(elsewhere.c.user_id, func.min(elsewhere.c.title))
        .where(elsewhere.c.user_id.in_(user_ids))
        .group_by(elsewhere.c.user_id)
    ).all()
    return {user_id: title for user_id, title in rows}


def lock_people(user_ids: Any) -> None:
    """Serialize presence writes per person (see the module's note): ``user_ids`` is a list or
    a SELECT of ids. Nothing to do on SQLite, whose writes are serialized already."""
    if db.session.get_bind().dialect.name == "sqlite":
        return
    if isinstance(user_ids, list) and not user_ids:
        return
    db.session.execute(
        select(User.id)
        .where(User.id.in_(user_ids))
        .order_by(User.id)
        .with_for_update(key_share=True)
    ).all()


def insert_if_free(session: TrainingSession, values: dict[str, Any]) -> bool:
    """Insert one record (all its columns in ``values``) in one statement, ``INSERT … SELECT
    … WHERE free_for(…)`` when its status is present or late. False: the person is present
    elsewhere at the time, nothing written. A duplicate raises IntegrityError, as an insert
    would."""
    columns = AttendanceRecord.__table__.c
    row = select(*(literal(value, columns[name].type) for name, value in values.items()))
    if values["status"] in ATTENDED:
        row = row.where(free_for(session, values["user_id"]))
    # RETURNING, not rowcount: an INSERT … SELECT's rowcount differs between drivers.
    inserted = db.session.scalars(
        insert(AttendanceRecord).from_select(list(values), row).returning(AttendanceRecord.user_id)
    ).all()
    return len(inserted) == 1
