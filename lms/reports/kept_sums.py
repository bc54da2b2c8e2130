"""The review's sums (``CompletionSum``) kept exact, in the same transaction as every write to
what they count: enrollments, accounts (active, unit) and unit memberships.

Whoever writes, the write goes through the session, and two hooks follow it:

- ``do_orm_execute`` wraps UPDATE, DELETE and INSERT statements on those tables (the services'
  set-based writes: completion, best scores, certificates, assignments);
- ``before_flush`` / ``after_flush`` follow objects changed through the unit of work (a
  transfer, a deactivation, an enrollment added in a test).

Each takes the write locks of what will change first (PostgreSQL: the rows, FOR UPDATE;
SQLite: the database's write lock), reads what the affected enrollments contribute, lets the
write happen, reads again and adds the difference. Reading under the lock is what keeps two
transactions that change the same enrollment from counting it twice.

Bulk loaders that write around the session (the demo) run under ``suspended()`` and call
``rebuild()`` at the end. ``rebuilt()`` computes the sums from scratch: tests compare the
kept ones with it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from functools import lru_cache
from typing import Any

from flask import current_app, has_app_context
from sqlalchemy import ColumnElement, case, delete, event, func, or_, select, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import ORMExecuteState, Session, aliased, attributes

from lms.courses.models import Enrollment
from lms.extensions import db
from lms.people.models import UnitMembership, User
from lms.reports.cohort import current_at_due_end
from lms.reports.localtime import local_month
from lms.reports.models import CompletionSum
from lms.timeutil import local_today

KEY = ("unit_id", "course_id", "due_date", "completed_in")
FIGURES = ("enrolled", "on_time", "score_sum", "scored", "certified")
Key = tuple[int, int, dt.date, int]
Sums = dict[Key, list[float]]

# What an enrollment's contribution depends on, besides its person's unit and account.
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
CHUNK = 2000  # ids per IN list: well below SQLite's and psycopg's parameter limits
_SUSPENDED = "kept_sums.suspended"
_PENDING = "kept_sums.pending"


class UnfollowableWrite(RuntimeError):
    """A write whose effect on the sums cannot be known (e.g. INSERT … SELECT into enrollments
    without RETURNING the new ids): a programming error, raised before anything is written."""


def batched(items: Iterable[Any], size: int) -> Iterator[list[Any]]:
    """``items`` in lists of at most ``size`` (itertools.batched is Python 3.12)."""
    chunk: list[Any] = []
    for item in items:
        chunk.append(item)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


# ---- computing ---------------------------------------------------------------------------------


def _zone() -> str:
    return current_app.config["TIMEZONE"] if has_app_context() else "Asia/Ho_Chi_Minh"


def _per_row(selection: ColumnElement[bool] | None) -> Any:
    """SELECT, per enrollment matching ``selection`` (None: every one), its id, whether it
    counts at all (its account active, a due date, a unit) and its key and figures, placed in
    its person's unit at the end of its due date."""
    zone = _zone()
    statement = _per_row_of_every(zone, local_today(zone))
    return statement if selection is None else statement.where(selection)


@lru_cache(maxsize=8)
def _per_row_of_every(zone: str, today: dt.date) -> Any:
    # Built once a day: building it takes longer than running it for one enrollment, and it
    # runs three times for every write followed.
    membership = aliased(UnitMembership)
    return (
        select(
            Enrollment.id.label("enrollment_id"),
            User.active.label("active"),
            func.coalesce(membership.unit_id, User.unit_id).label("unit_id"),
            Enrollment.course_id.label("course_id"),
            Enrollment.due_date.label("due_date"),
            case(
                (Enrollment.completed_at.is_(None), 0),
                else_=local_month(Enrollment.completed_at, zone, today),
            ).label("completed_in"),
            case((Enrollment.on_time.is_(True), 1), else_=0).label("on_time"),
            Enrollment.best_score.label("best"),
            case((Enrollment.certified.is_(True), 1), else_=0).label("certified"),
        )
        .join(User, User.id == Enrollment.user_id)
        .outerjoin(membership, current_at_due_end(membership, zone, today))
    )


def _grouped(selection: ColumnElement[bool] | None) -> Any:
    """SELECT the sums (KEY, then FIGURES) of the enrollments matching ``selection``."""
    found = _per_row(selection).subquery("placed")
    return (
        select(
            found.c.unit_id,
            found.c.course_id,
            found.c.due_date,
            found.c.completed_in,
            func.count(),
            func.sum(found.c.on_time),
            func.coalesce(func.sum(found.c.best), 0.0),
            func.count(found.c.best),
            func.sum(found.c.certified),
        )
        .where(
            found.c.active.is_(True),
            found.c.due_date.is_not(None),
            found.c.unit_id.is_not(None),
        )
        .group_by(found.c.unit_id, found.c.course_id, found.c.due_date, found.c.completed_in)
    )


Row = tuple[Key, list[float]] | None  # an enrollment's key and figures; None: counts nowhere


def _rows(clauses: list[ColumnElement[bool]], *, lock: bool) -> dict[int, Row]:
    """Each enrollment matching any of ``clauses``, with what it adds to the sums; ``lock``:
    its row locked FOR UPDATE (PostgreSQL) until the transaction ends. One query a clause."""
    out: dict[int, Row] = {}
    for clause in clauses:
        statement = _per_row(clause).order_by(Enrollment.id)
        if lock:
            statement = statement.with_for_update(of=Enrollment)
        for row in db.session.execute(statement):
            counts = row.active and row.due_date is not None and row.unit_id is not None
            out[row.enrollment_id] = (
                (
                    (row.unit_id, row.course_id, row.due_date, int(row.completed_in)),
                    [
                        1.0,
                        float(row.on_time),
                        float(row.best or 0),
                        float(row.best is not None),
                        float(row.certified),
                    ],
                )
                if counts
                else None
            )
    return out


def _summed(rows: Iterable[Row]) -> Sums:
    out: Sums = {}
    for row in rows:
        if row is not None:
            key, figures = row
            total = out.setdefault(key, [0.0] * len(FIGURES))
            for index, value in enumerate(figures):
                total[index] += value
    return out


def _clauses(
    ids: Iterable[int], user_ids: Iterable[int], where: ColumnElement[bool] | None = None
) -> list[ColumnElement[bool]]:
    """WHERE clauses that together select ``where``, the enrollments ``ids`` and those of the
    people ``user_ids``: one clause when the lists are short, IN lists of CHUNK ids otherwise."""
    clauses = [] if where is None else [where]
    ids, people = sorted(set(ids)), sorted(set(user_ids))
    if len(ids) + len(people) <= CHUNK:
        parts = [Enrollment.id.in_(ids)] if ids else []
        parts += [Enrollment.user_id.in_(people)] if people else []
        if parts:
            clauses.append(or_(*parts))
        return clauses
    clauses += [Enrollment.id.in_(chunk) for chunk in batched(ids, CHUNK)]
    clauses += [Enrollment.user_id.in_(chunk) for chunk in batched(people, CHUNK)]
    return clauses


def _read(statement: Any) -> Sums:
    return {
        (row[0], row[1], row[2], int(row[3])): [float(value or 0) for value in row[4:]]
        for row in db.session.execute(statement)
    }


def rebuilt() -> Sums:
    """The sums computed from scratch."""
    return _read(_grouped(None))


def kept() -> Sums:
    """The sums as kept, without rows that have come down to nothing."""
    out: Sums = {}
    for row in db.session.execute(select(CompletionSum)).scalars():
        figures = [float(getattr(row, name)) for name in FIGURES]
        if any(abs(value) > 1e-9 for value in figures):
            out[(row.unit_id, row.course_id, row.due_date, row.completed_in)] = figures
    return out


def drift() -> list[str]:
    """Where the kept sums differ from a rebuild from scratch, a line each (nothing: exact)."""
    have_all = kept()
    want_all = {key: figures for key, figures in rebuilt().items() if any(figures)}
    out = []
    for key in sorted(have_all.keys() | want_all.keys(), key=repr):
        have, want = have_all.get(key), want_all.get(key)
        if (
            have is None
            or want is None
            or any(abs(a - b) > 1e-6 for a, b in zip(have, want, strict=True))
        ):
            out.append(f"{key}: kept {have}, counted {want}")
    return out


def rebuild() -> None:
    """Compute every sum from scratch (after a bulk load that wrote around the session)."""
    db.session.execute(delete(CompletionSum))
    db.session.execute(
        CompletionSum.__table__.insert().from_select([*KEY, *FIGURES], _grouped(None))
    )


def _apply(before: Sums, after: Sums) -> None:
    """Add ``after - before`` to the kept sums: one upsert per thousand changed rows."""
    changes = []
    for key in before.keys() | after.keys():
        old = before.get(key, [0.0] * len(FIGURES))
        new = after.get(key, [0.0] * len(FIGURES))
        difference = [n - o for n, o in zip(new, old, strict=True)]
        if any(abs(value) > 1e-9 for value in difference):
            row: dict[str, Any] = dict(zip(KEY, key, strict=True))
            for name, value in zip(FIGURES, difference, strict=True):
                row[name] = value if name == "score_sum" else round(value)
            changes.append(row)
    if not changes:
        return
    changes.sort(key=lambda row: tuple(row[name] for name in KEY))  # locks in one order
    db.session.execute(_upsert(_dialect()), changes)


@lru_cache(maxsize=2)
def _upsert(dialect: str) -> Any:
    """INSERT a row of differences, or add them to the row already there."""
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    table = CompletionSum.__table__
    statement = insert(table)
    return statement.on_conflict_do_update(
        index_elements=list(KEY),
        set_={name: table.c[name] + statement.excluded[name] for name in FIGURES},
    )


def _dialect() -> str:
    return db.session.get_bind().dialect.name


# ---- locking and following a write ------------------------------------------------------------


def _hold_write_lock(user_ids: Iterable[int]) -> None:
    """Make sure no other transaction can change what a write is about to change between our
    read and the write. SQLite: take the database's write lock (a write that changes nothing,
    unless this transaction has written already and so holds it). PostgreSQL: lock the people's
    rows (their enrollments' rows are locked as they are read); an enrollment being inserted
    for one of them waits, as its foreign key needs the row."""
    if _dialect() == "sqlite":
        if not db.session.connection().connection.dbapi_connection.in_transaction:
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
        _apply({}, _summed(_rows(_clauses(new_ids, ()), lock=False).values()))
        return result()
    if state.is_update and not _writes(state, ENROLLMENT_COLUMNS):
        return None
    if state.is_executemany:
        ids = [params["id"] for params in state.parameters]  # type: ignore[union-attr]
        return _around(state, Enrollment.id.in_(ids), [])
    where = statement.whereclause  # type: ignore[union-attr]
    return _around(state, where if where is not None else Enrollment.id.is_not(None), [])


def _follow_people(state: ORMExecuteState, user_column: Any) -> Any:
    people = _people_of(state, user_column)
    if people is None:
        raise UnfollowableWrite(f"Cannot tell whose placement this changes: {state.statement}")
    return _around(state, None, people)


def _around(state: ORMExecuteState, where: Any, user_ids: list[int]) -> Any:
    """Run the write between two reads of what it may change, and keep the difference."""
    _hold_write_lock(user_ids)
    before = _rows(_clauses((), user_ids, where), lock=True)
    result = _run(state)
    if not before and not (state.is_insert and state.bind_mapper.class_ is Enrollment):
        return result()  # nothing counted was there to change, and nothing was created
    # The same enrollments again, and any the write created for these people.
    after = _rows(_clauses(before, user_ids), lock=False)
    _apply(_summed(before.values()), _summed(after.values()))
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
        rows = state.parameters
        assert isinstance(rows, list)
        if any("id" not in row for row in rows):
            return None
        primary = user_column.class_.id
        found: set[int] = set()
        for chunk in batched([row["id"] for row in rows], CHUNK):
            found.update(db.session.scalars(select(user_column).where(primary.in_(chunk))))
        return sorted(found)
    where = state.statement.whereclause  # type: ignore[union-attr]
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
        return [dict(state.parameters)]
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
    people.discard(None)  # type: ignore[arg-type]
    if not (enrollment_ids or people or new_enrollments):
        return
    _hold_write_lock(people)
    before = _rows(_clauses(enrollment_ids, people), lock=True)
    session.info[_PENDING] = (before, people, new_enrollments)


def _after_flush(session: Session, _context: Any) -> None:
    pending = session.info.pop(_PENDING, None)
    if pending is None:
        return
    before, people, new_enrollments = pending
    if not before and not new_enrollments:
        return  # people without enrollments moved or changed: nothing counted changes
    ids = [*before, *(enrollment.id for enrollment in new_enrollments)]
    after = _rows(_clauses(ids, people), lock=False)
    _apply(_summed(before.values()), _summed(after.values()))


def listen() -> None:
    """Follow every session's writes (once per process, however many apps are made)."""
    if not event.contains(Session, "do_orm_execute", _follow_statement):
        event.listen(Session, "do_orm_execute", _follow_statement)
        event.listen(Session, "before_flush", _before_flush)
        event.listen(Session, "after_flush", _after_flush)
