"""The session hooks that keep the review's sums (``kept_sums``) exact: every write to
enrollments, to an account's ``active`` or ``unit_id``, and to unit memberships is followed in
its own transaction.

- ``do_orm_execute`` wraps UPDATE, DELETE and INSERT statements on those tables (the services'
  set-based writes: completion, best scores, certificates, assignments);
- ``before_flush`` / ``after_flush`` follow objects changed through the unit of work (a
  transfer, a deactivation, an enrollment added in a test).

Each takes the write locks of what will change first (PostgreSQL: the rows, FOR UPDATE;
SQLite: the database's write lock), reads what the affected enrollments contribute, lets the
write happen, reads again and adds the difference. Reading under the lock is what keeps two
transactions that change the same enrollment from counting it twice. Bulk loaders that write
around the session (the demo) run under ``suspended()`` and call ``kept_sums.rebuild()``."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any, cast

from sqlalchemy import Delete, Update, event, select, text
from sqlalchemy.orm import Mapper, ORMExecuteState, Session, attributes

from lms.courses.models import Enrollment
from lms.extensions import db
from lms.people.models import UnitMembership, User
from lms.reports.kept_sums import (
    CHUNK,
    apply_difference,
    batched,
    contributions,
    dialect,
    selecting,
    summed,
)

ENROLLMENT_COLUMNS = {
    "user_id",
    "course_id",
    "due_date",
    "completed_at",
    "on_time",
    "best_score",
    "certified",
}
USER_COLUMNS = {"active", "unit_id"}
_SUSPENDED = "kept_sums.suspended"
_PENDING = "kept_sums.pending"


class UnfollowableWrite(RuntimeError):
    """A write whose effect on the sums cannot be known (e.g. INSERT … SELECT into enrollments
    without RETURNING the new ids): a programming error, raised before anything is written."""


def _hold_write_lock(user_ids: Iterable[int]) -> None:
    """Make sure no other transaction can change what a write is about to change between our
    read and the write. SQLite: take the database's write lock (a write that changes nothing,
    unless this transaction has written already and so holds it). PostgreSQL: lock the people's
    rows (their enrollments' rows are locked as they are read); an enrollment being inserted
    for one of them waits, as its foreign key needs the row."""
    if dialect() == "sqlite":
        connection = cast(sqlite3.Connection, db.session.connection().connection.dbapi_connection)
        if not connection.in_transaction:
            db.session.execute(text("UPDATE completion_sums SET enrolled = enrolled WHERE 0"))
        return
    for chunk in batched(sorted(set(user_ids)), CHUNK):
        db.session.execute(
            select(User.id).where(User.id.in_(chunk)).order_by(User.id).with_for_update()
        ).all()


@contextmanager
def suspended() -> Iterator[None]:
    """Leave the sums alone while a bulk load writes; call ``rebuild()`` after it."""
    info = db.session.info
    previous = info.get(_SUSPENDED, False)
    info[_SUSPENDED] = True
    try:
        yield
    finally:
        info[_SUSPENDED] = previous


def _follow_statement(state: ORMExecuteState) -> Any:
    if not (state.is_update or state.is_delete or state.is_insert) or state.session.info.get(
        _SUSPENDED
    ):
        return None
    mapper = state.bind_mapper
    entity = mapper.class_ if mapper is not None else None
    if entity is Enrollment:
        return _follow_enrollments(state)
    if entity is User and (state.is_delete or (state.is_update and _writes(state, USER_COLUMNS))):
        # (a new account has no enrollments yet)
        return _follow_people(state, User.id)
    if entity is UnitMembership:
        return _follow_people(state, UnitMembership.user_id)
    return None


def _follow_enrollments(state: ORMExecuteState) -> Any:
    statement = state.statement
    if state.is_insert:
        returning = [column.key for column in getattr(statement, "_returning", ())]
        if "id" not in returning:
            people = _people_of(state, Enrollment.user_id)
            if people is None:
                raise UnfollowableWrite(
                    "An INSERT into enrollments must RETURN their ids for the review's sums."
                )
            return _around(state, None, people)
        position = returning.index("id")
        result = _run(state)
        new_ids = [row[position] for row in result().all()]
        apply_difference({}, summed(contributions(selecting(new_ids, ()), lock=False).values()))
        return result()
    if state.is_update and not _writes(state, ENROLLMENT_COLUMNS):
        return None
    if state.is_executemany:
        parameter_sets = cast(Sequence[Mapping[str, Any]], state.parameters)
        ids = [params["id"] for params in parameter_sets]
        return _around(state, Enrollment.id.in_(ids), [])
    where = cast(Update | Delete, statement).whereclause
    return _around(state, where if where is not None else Enrollment.id.is_not(None), [])


def _follow_people(state: ORMExecuteState, user_column: Any) -> Any:
    people = _people_of(state, user_column)
    if people is None:
        raise UnfollowableWrite(f"Cannot tell whose placement this changes: {state.statement}")
    return _around(state, None, people)


def _around(state: ORMExecuteState, where: Any, user_ids: list[int]) -> Any:
    """Run the write between two reads of what it may change, and keep the difference."""
    _hold_write_lock(user_ids)
    before = contributions(selecting((), user_ids, where), lock=True)
    result = _run(state)
    mapper = cast(Mapper[Any], state.bind_mapper)  # the write's entity was found from it
    if not before and not (state.is_insert and mapper.class_ is Enrollment):
        return result()  # nothing counted was there to change, and nothing was created
    # The same enrollments again, and any the write created for these people.
    after = contributions(selecting(before, user_ids), lock=False)
    apply_difference(summed(before.values()), summed(after.values()))
    return result()


def _run(state: ORMExecuteState) -> Any:
    """Run the write; a callable giving its result to the caller after our own reads (rows it
    returns are kept aside first, so that reading does not disturb them)."""
    result = state.invoke_statement()
    if not getattr(result, "returns_rows", True):
        return lambda: result
    try:
        return result.freeze()
    except NotImplementedError:  # a bulk write's result, which has no rows to keep
        return lambda: result


def _people_of(state: ORMExecuteState, user_column: Any) -> list[int] | None:
    """The people a write to accounts or memberships (or a values-INSERT into enrollments)
    concerns, read before it from its parameters or its WHERE clause; None if it cannot tell."""
    if state.is_insert:
        rows = _inserted_rows(state)
        if rows is None or any("user_id" not in row for row in rows):
            return None
        return sorted({row["user_id"] for row in rows})
    if state.is_executemany:
        parameter_sets = state.parameters
        assert isinstance(parameter_sets, list)
        if any("id" not in row for row in parameter_sets):
            return None
        primary = user_column.class_.id
        found: set[int] = set()
        for chunk in batched([row["id"] for row in parameter_sets], CHUNK):
            found.update(db.session.scalars(select(user_column).where(primary.in_(chunk))))
        return sorted(found)
    where = cast(Update | Delete, state.statement).whereclause
    query = select(user_column)
    if where is not None:
        query = query.where(where)
    return sorted(set(db.session.scalars(query)))


def _inserted_rows(state: ORMExecuteState) -> list[dict[str, Any]] | None:
    """The rows an INSERT writes, from its parameters or its VALUES; None for INSERT … SELECT."""
    if isinstance(state.parameters, list):
        return [dict(row) for row in state.parameters]
    statement = state.statement
    if getattr(statement, "select", None) is not None:
        return None

    def plain(values: dict[Any, Any]) -> dict[str, Any]:
        return {
            getattr(column, "key", column): getattr(value, "value", value)
            for column, value in values.items()
        }

    multi = getattr(statement, "_multi_values", ())
    if multi:
        return [plain(row) for group in multi for row in group]
    values = getattr(statement, "_values", None)
    if values:
        return [plain(values)]
    if state.parameters:
        return [dict(cast(Mapping[str, Any], state.parameters))]
    return None


def _writes(state: ORMExecuteState, columns: set[str]) -> bool:
    """Whether an UPDATE sets any of ``columns`` (by its VALUES or, for a bulk update by
    primary key, its parameters)."""
    written: set[str] = set()
    values = getattr(state.statement, "_values", None) or {}
    written.update(getattr(column, "key", str(column)) for column in values)
    rows = state.parameters if isinstance(state.parameters, list) else []
    for row in rows:
        written.update(row)
    return bool(written & columns)


def _changed(instance: Any, names: Iterable[str]) -> bool:
    state = attributes.instance_state(instance)
    return any(name in state.attrs and state.attrs[name].history.has_changes() for name in names)


def _before_flush(session: Session, _context: Any, _instances: Any) -> None:
    if session.info.get(_SUSPENDED):
        return
    enrollment_ids: set[int] = set()
    people: set[int] = set()
    new_enrollments = []
    for instance in session.new:
        if isinstance(instance, Enrollment):
            new_enrollments.append(instance)
        elif isinstance(instance, UnitMembership):
            people.add(instance.user_id)
    for instance in session.dirty:
        if isinstance(instance, Enrollment) and _changed(instance, ENROLLMENT_COLUMNS):
            enrollment_ids.add(instance.id)
        elif isinstance(instance, User) and _changed(instance, {*USER_COLUMNS, "unit"}):
            people.add(instance.id)
        elif isinstance(instance, UnitMembership) and _changed(
            instance, ("user_id", "unit_id", "started_at", "ended_at")
        ):
            people.add(instance.user_id)
            people.update(attributes.instance_state(instance).attrs.user_id.history.deleted)
    for instance in session.deleted:
        if isinstance(instance, Enrollment):
            enrollment_ids.add(instance.id)
        elif isinstance(instance, (User, UnitMembership)):
            people.add(instance.id if isinstance(instance, User) else instance.user_id)
    people.discard(None)
    if not (enrollment_ids or people or new_enrollments):
        return
    _hold_write_lock(people)
    before = contributions(selecting(enrollment_ids, people), lock=True)
    session.info[_PENDING] = (before, people, new_enrollments)


def _after_flush(session: Session, _context: Any) -> None:
    pending = session.info.pop(_PENDING, None)
    if pending is None:
        return
    before, people, new_enrollments = pending
    if not before and not new_enrollments:
        return  # people without enrollments moved or changed: nothing counted changes
    ids = [*before, *(enrollment.id for enrollment in new_enrollments)]
    after = contributions(selecting(ids, people), lock=False)
    apply_difference(summed(before.values()), summed(after.values()))


def listen() -> None:
    """Follow every session's writes (once per process, however many apps are made)."""
    if not event.contains(Session, "do_orm_execute", _follow_statement):
        event.listen(Session, "do_orm_execute", _follow_statement)
        event.listen(Session, "before_flush", _before_flush)
        event.listen(Session, "after_flush", _after_flush)
