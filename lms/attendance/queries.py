"""Training sessions as pages read them: one session with its people, a trainer's sessions,
what is coming up for a cadre, the sessions open for check-in, the courses a session may be
for."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, and_, select
from sqlalchemy.orm import selectinload

from lms.attendance.models import (
    ATTENDED,
    AttendanceRecord,
    SessionTrainer,
    TrainingSession,
)
from lms.attendance.roster import roster_pairs
from lms.attendance.services import MAX_MARGIN_MINUTES
from lms.courses.models import Course, CourseOwner
from lms.extensions import db
from lms.people.models import User
from lms.units.models import Unit
from lms.units.scope import subtree_filter


def get_session(session_id: int) -> TrainingSession | None:
    return db.session.scalar(
        select(TrainingSession)
        .where(TrainingSession.id == session_id)
        .options(
            selectinload(TrainingSession.trainer_rows),
            selectinload(TrainingSession.unit_rows),
            selectinload(TrainingSession.invitee_rows),
        )
    )


@dataclass
class SessionPeople:
    """Names for a session's page and form: trainers, invited units and people."""

    trainers: list[User]
    units: list[Unit]
    invitees: list[User]
    course: Course | None


def session_people(session: TrainingSession) -> SessionPeople:
    user_ids = session.trainer_ids | {row.user_id for row in session.invitee_rows}
    users = (
        {u.id: u for u in db.session.scalars(select(User).where(User.id.in_(user_ids)))}
        if user_ids
        else {}
    )
    unit_ids = [row.unit_id for row in session.unit_rows]
    units = (
        list(db.session.scalars(select(Unit).where(Unit.id.in_(unit_ids)).order_by(Unit.code)))
        if unit_ids
        else []
    )
    course = db.session.get(Course, session.course_id) if session.course_id else None

    def by_name(ids: Any) -> list[User]:
        return sorted((users[i] for i in ids if i in users), key=lambda u: u.search_key)

    return SessionPeople(
        trainers=by_name(session.trainer_ids),
        units=units,
        invitees=by_name(row.user_id for row in session.invitee_rows),
        course=course,
    )


def scoped_people(people: SessionPeople, user: User) -> SessionPeople:
    """Only the invited units and people within ``user``'s subtree (a commander's view)."""
    unit_ids = {u.id for u in people.units} | {u.unit_id for u in people.invitees if u.unit_id}
    visible = (
        set(
            db.session.scalars(
                select(Unit.id).where(Unit.id.in_(unit_ids), subtree_filter(user, Unit.id))
            )
        )
        if unit_ids
        else set()
    )
    return SessionPeople(
        trainers=people.trainers,
        units=[u for u in people.units if u.id in visible],
        invitees=[u for u in people.invitees if u.unit_id in visible],
        course=people.course,
    )


def course_title(course_id: int) -> str:
    return db.session.scalar(select(Course.title).where(Course.id == course_id)) or ""


def trainer_sessions(user: User, *, past: bool, now: dt.datetime) -> Select[TrainingSession]:
    """The sessions a trainer runs (an admin: every session), upcoming first or past last."""
    query = select(TrainingSession)
    if not user.has_role("admin"):
        query = query.where(
            TrainingSession.id.in_(
                select(SessionTrainer.session_id).where(SessionTrainer.user_id == user.id)
            )
        )
    if past:
        return query.where(TrainingSession.ends_at < now).order_by(
            TrainingSession.starts_at.desc(), TrainingSession.id.desc()
        )
    return query.where(TrainingSession.ends_at >= now).order_by(
        TrainingSession.starts_at, TrainingSession.id
    )


@dataclass
class UpcomingSession:
    session: TrainingSession
    course_title: str | None
    course_slug: str | None
    checkin_open: bool
    status: str | None  # the person's record, if any
    under_way: bool = False  # started and not over yet

    @property
    def checked_in(self) -> bool:
        return self.status in ATTENDED

    @property
    def current(self) -> bool:
        """Under way, open for check-in or already attended: not "upcoming" any more."""
        return self.session.cancelled_at is None and (
            self.under_way or self.checkin_open or self.checked_in
        )


def upcoming_for(
    user: User, now: dt.datetime, *, course_id: int | None = None, limit: int = 10
) -> list[UpcomingSession]:
    """Sessions not over yet whose roster holds ``user``: one query."""
    session_filter = TrainingSession.ends_at >= now
    if course_id is not None:
        session_filter = and_(session_filter, TrainingSession.course_id == course_id)
    pairs = roster_pairs(session_filter, now, user_id=user.id).subquery()
    rows = db.session.execute(
        select(TrainingSession, Course.title, Course.slug, AttendanceRecord.status)
        .join(pairs, pairs.c.session_id == TrainingSession.id)
        .outerjoin(Course, Course.id == TrainingSession.course_id)
        .outerjoin(
            AttendanceRecord,
            and_(
                AttendanceRecord.session_id == TrainingSession.id,
                AttendanceRecord.user_id == user.id,
            ),
        )
        .order_by(TrainingSession.starts_at, TrainingSession.id)
        .limit(limit)
    ).all()
    return [
        UpcomingSession(
            session=session,
            course_title=title,
            course_slug=slug,
            checkin_open=session.checkin_open(now),
            status=status,
            under_way=session.starts_at <= now <= session.ends_at,
        )
        for session, title, slug, status in rows
    ]


def open_sessions(now: dt.datetime) -> list[TrainingSession]:
    """Sessions whose check-in is open at ``now`` (margins are per session, bounded)."""
    margin = dt.timedelta(minutes=MAX_MARGIN_MINUTES)
    candidates = db.session.scalars(
        select(TrainingSession).where(
            TrainingSession.cancelled_at.is_(None),
            TrainingSession.starts_at <= now + margin,
            TrainingSession.ends_at >= now - margin,
        )
    )
    return [s for s in candidates if s.checkin_open(now)]


def course_choices(user: User) -> list[tuple[int, str]]:
    """Courses a session may count towards: those the user may edit (admins: every course),
    not archived. Another trainer's course is not theirs to add sessions to."""
    query = select(Course.id, Course.title).where(Course.status != "archived")
    if not user.has_role("admin"):
        query = query.where(
            Course.id.in_(select(CourseOwner.course_id).where(CourseOwner.user_id == user.id))
        )
    return [
        (course_id, title) for course_id, title in db.session.execute(query.order_by(Course.title))
    ]
