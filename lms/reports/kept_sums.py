"""The review's sums (``CompletionSum``): what each enrollment contributes (its unit at the
end of the due date, course, due date, completion month), the sums read, compared with a
recount (``drift``) and rebuilt. ``sums_hooks`` keeps them exact as every write happens;
``rebuilt()`` computes them from scratch, and tests compare the kept ones with it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from functools import lru_cache
from typing import Any

from flask import current_app, has_app_context
from sqlalchemy import ColumnElement, case, delete, func, or_, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import aliased

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
CHUNK = 2000  # ids per IN list: well below SQLite's and psycopg's parameter limits


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


def contributions(clauses: list[ColumnElement[bool]], *, lock: bool) -> dict[int, Row]:
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


def summed(rows: Iterable[Row]) -> Sums:
    out: Sums = {}
    for row in rows:
        if row is not None:
            key, figures = row
            total = out.setdefault(key, [0.0] * len(FIGURES))
            for index, value in enumerate(figures):
                total[index] += value
    return out


def selecting(
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


def apply_difference(before: Sums, after: Sums) -> None:
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
    db.session.execute(_upsert(dialect()), changes)


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


def dialect() -> str:
    return db.session.get_bind().dialect.name
