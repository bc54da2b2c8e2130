"""Assigning courses to units, enrolling cadres, and recording their progress."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import exists, func, insert, literal, select, update
from sqlalchemy.exc import IntegrityError

from lms.audit import services as audit
from lms.courses.models import Assignment, Course, Enrollment, Module, ModuleProgress
from lms.courses.signals import announce_enrolled, announce_progress
from lms.errors import InvalidInput
from lms.extensions import db
from lms.people.models import User, UserRole
from lms.people.signals import accounts_placed
from lms.timeutil import utcnow
from lms.units.models import Unit, UnitClosure
from lms.units.scope import subtree_ids


def assign(
    course: Course,
    unit: Unit,
    due_date: dt.date,
    *,
    actor: audit.Actor,
    today: dt.date | None = None,
) -> tuple[Assignment, int]:
    """Give ``course`` to every cadre of ``unit`` and below, now and later; returns the
    assignment and how many enrollments were created. Assigning again changes the due date."""
    if course.status != "published":
        raise InvalidInput(_l("Only a published course can be assigned."))
    if not unit.active:
        raise InvalidInput(_l("Unit %(code)s is inactive.", code=unit.code))
    if today is not None and due_date < today:
        raise InvalidInput(_l("The due date is in the past."))
    assignment = db.session.scalar(
        select(Assignment).where(Assignment.course_id == course.id, Assignment.unit_id == unit.id)
    )
    before = None
    if assignment is None:
        assignment = Assignment(
            course_id=course.id,
            unit_id=unit.id,
            due_date=due_date,
            assigned_by=user.id if (user := audit.acting_user(actor)) else None,
        )
        db.session.add(assignment)
    else:
        before = {"due_date": assignment.due_date, "open": assignment.open}
        assignment.due_date, assignment.open = due_date, True
    db.session.flush()
    # Enrollments that came from this assignment and are not finished follow the new date.
    db.session.execute(
        update(Enrollment)
        .where(Enrollment.assignment_id == assignment.id, Enrollment.completed_at.is_(None))
        .values(due_date=due_date)
    )
    created = _enrol_missing([assignment])
    audit.record(
        "course.assign",
        course,
        actor=actor,
        before=before,
        after={"due_date": due_date, "enrolled": created},
        label=f"{course.slug} → {unit.code}",
    )
    return assignment, created


def close_assignment(assignment: Assignment, *, actor: User | None) -> None:
    assignment.open = False
    db.session.flush()
    audit.record(
        "course.assignment_closed",
        audit.Target("course", assignment.course_id, str(assignment.id)),
        actor=actor,
    )


def _enrol_missing(assignments: Iterable[Assignment], user_ids: list[int] | None = None) -> int:
    """Enrol, set-based, every active cadre under each assignment's unit not yet enrolled."""
    created = 0
    now = utcnow()
    for assignment in assignments:
        candidates = select(
            User.id,
            literal(assignment.course_id),
            literal(assignment.id),
            literal(assignment.due_date),
            literal(now),
        ).where(
            User.active.is_(True),
            User.unit_id.in_(subtree_ids(assignment.unit_id)),
            exists().where(UserRole.user_id == User.id, UserRole.role == "cadre"),
            ~exists().where(
                Enrollment.user_id == User.id, Enrollment.course_id == assignment.course_id
            ),
        )
        if user_ids is not None:
            candidates = candidates.where(User.id.in_(user_ids))
        # RETURNING counts the new rows the same way on SQLite and PostgreSQL (rowcount of an
        # INSERT ... SELECT is not reliable across drivers).
        new_ids = db.session.scalars(
            insert(Enrollment)
            .from_select(
                ["user_id", "course_id", "assignment_id", "due_date", "enrolled_at"], candidates
            )
            .returning(Enrollment.id)
        ).all()
        announce_enrolled(list(new_ids))
        created += len(new_ids)
    return created


def enrol_in_open_assignments(user_ids: list[int]) -> int:
    """For people who joined a unit (or became cadres) while assignments there are open: one
    statement, however many assignments and people."""
    if not user_ids:
        return 0
    now = utcnow()
    covering = (
        select(
            User.id.label("user_id"),
            Assignment.course_id,
            func.max(Assignment.id).label("assignment_id"),
            func.min(Assignment.due_date).label("due_date"),
        )
        .join(UnitClosure, UnitClosure.descendant_id == User.unit_id)
        .join(Assignment, Assignment.unit_id == UnitClosure.ancestor_id)
        .join(Course, Course.id == Assignment.course_id)
        .where(
            User.id.in_(user_ids),
            User.active.is_(True),
            Assignment.open.is_(True),
            Course.status == "published",
            exists().where(UserRole.user_id == User.id, UserRole.role == "cadre"),
            ~exists().where(
                Enrollment.user_id == User.id, Enrollment.course_id == Assignment.course_id
            ),
        )
        # A person under two open assignments of a course (a unit and its parent) is enrolled
        # once, with the earlier deadline.
        .group_by(User.id, Assignment.course_id)
        .subquery()
    )
    new_ids = db.session.scalars(
        insert(Enrollment)
        .from_select(
            ["user_id", "course_id", "assignment_id", "due_date", "enrolled_at"],
            select(
                covering.c.user_id,
                covering.c.course_id,
                covering.c.assignment_id,
                covering.c.due_date,
                literal(now),
            ),
        )
        .returning(Enrollment.id)
    ).all()
    announce_enrolled(list(new_ids))
    return len(new_ids)


@accounts_placed.connect
def _on_accounts_placed(_sender: Any, user_ids: list[int], **_extra: Any) -> None:
    enrol_in_open_assignments(user_ids)


def enrollment_for(user: User, course: Course) -> Enrollment | None:
    return db.session.scalar(
        select(Enrollment).where(Enrollment.user_id == user.id, Enrollment.course_id == course.id)
    )


def moment_pressed(claimed: dt.datetime, enrolled: Enrollment, now: dt.datetime) -> dt.datetime:
    """When a module was marked done on the phone, as the phone says (a mark queued offline is
    sent later), kept within what can be true: not after ``now`` (a phone clock ahead), not
    before the enrollment (a phone clock far behind)."""
    return max(enrolled.enrolled_at, min(claimed, now))


def mark_module_done(user: User, module: Module, *, at: dt.datetime | None = None) -> bool:
    """Record that ``user`` finished ``module`` (idempotent: a mark sent again, or sent once
    from the phone's queue and once from the form, is recorded once, with the first moment) and
    announce it (the course may now be complete). ``at``: when it was done, if not now (see
    ``moment_pressed``). Returns whether this call recorded something new."""
    already = db.session.scalar(
        select(ModuleProgress.module_id).where(
            ModuleProgress.user_id == user.id, ModuleProgress.module_id == module.id
        )
    )
    if already is not None:
        return False
    nested = db.session.begin_nested()
    try:
        db.session.add(
            ModuleProgress(user_id=user.id, module_id=module.id, completed_at=at or utcnow())
        )
        db.session.flush()
        nested.commit()
    except IntegrityError:  # a double submit that raced this one already recorded it
        nested.rollback()
        return False
    announce_progress(module.course_id, [user.id])
    return True


def completed_among(course_id: int, user_ids: list[int]) -> list[str]:
    """Full names of those of ``user_ids`` who completed the course (completion is never taken
    back: an undone attendance mark names those it may have completed). One query."""
    if not user_ids:
        return []
    return list(
        db.session.scalars(
            select(User.full_name)
            .join(Enrollment, Enrollment.user_id == User.id)
            .where(
                Enrollment.course_id == course_id,
                Enrollment.user_id.in_(user_ids),
                Enrollment.completed_at.is_not(None),
            )
            .order_by(User.full_name)
        )
    )


def assignments_in_scope(course: Course, scope: Any) -> list[tuple[Assignment, str]]:
    """The course's assignments to units matching ``scope``, with the unit names: one query."""
    return [
        (assignment, unit_name)
        for assignment, unit_name in db.session.execute(
            select(Assignment, Unit.name)
            .join(Unit, Unit.id == Assignment.unit_id)
            .where(Assignment.course_id == course.id, scope)
            .order_by(Assignment.due_date, Unit.name)
        ).all()
    ]
