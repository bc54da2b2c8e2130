"""Who counts in a review: the enrollments whose due date falls in the period, each placed in
the unit its person was in on the due date, with what each one achieved. Every figure of the
dashboard and the report is a sum over this one set.

- An enrollment counts in the period its due date falls in (local dates).
- A person counts for the unit they were in at the end of the due date, so a transfer does not
  move history; without a recorded membership then, their current unit.
- Completed on time: completed by the end of the due date (``Enrollment.on_time``).
- Overdue: not completed and the due date is past.
- Accounts deactivated since (people who left the forces) are left out: they cannot complete.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Subquery, and_, case, func, or_, select, union
from sqlalchemy.orm import aliased

from lms.attendance.reports import Tally
from lms.courses.models import Course, Enrollment
from lms.people.models import UnitMembership, User, UserRole
from lms.reports.localtime import day_end
from lms.timeutil import Period, to_local_naive
from lms.units.models import Unit, UnitClosure


@dataclass(frozen=True)
class Scope:
    """What a review covers: a unit's subtree (None: the whole province), a period, optionally
    one course; ``today`` (local) and ``now`` decide what is overdue."""

    unit: Unit | None
    period: Period
    course: Course | None
    zone: str
    today: dt.date
    now: dt.datetime

    @property
    def first_day(self) -> dt.date:
        return _local_date(self.period.since, self.zone)

    @property
    def end_day(self) -> dt.date:
        """The day after the period's last day."""
        return _local_date(self.period.until, self.zone)

    @property
    def over(self) -> bool:
        return self.today >= self.end_day


def _local_date(moment: dt.datetime, zone: str) -> dt.date:
    local = to_local_naive(moment, zone)
    assert local is not None
    return local.date()


@dataclass
class Figures:
    """One row of the review: a unit (with everything below it), a person, or a group."""

    cadres: int = 0
    enrolled: int = 0
    completed: int = 0
    on_time: int = 0
    overdue: int = 0
    score_sum: float = 0.0
    scored: int = 0
    certificates: int = 0
    attendance: Tally = field(default_factory=Tally)

    @property
    def rate(self) -> float | None:
        """Completion rate in percent, None when nothing was due."""
        return round(100 * self.completed / self.enrolled, 1) if self.enrolled else None

    @property
    def on_time_rate(self) -> float | None:
        return round(100 * self.on_time / self.enrolled, 1) if self.enrolled else None

    @property
    def average_score(self) -> float | None:
        """The average of each enrollment's best quiz score, over those who sat a quiz."""
        return round(self.score_sum / self.scored, 1) if self.scored else None

    @property
    def attendance_rate(self) -> float | None:
        return self.attendance.rate

    def add(self, other: Figures) -> None:
        for name in (
            "cadres",
            "enrolled",
            "completed",
            "on_time",
            "overdue",
            "score_sum",
            "scored",
            "certificates",
        ):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        for name in ("present", "late", "excused", "absent", "unmarked"):
            setattr(
                self.attendance,
                name,
                getattr(self.attendance, name) + getattr(other.attendance, name),
            )


def cohort(scope: Scope) -> Subquery:
    """One row per counted enrollment: who, which course, where they counted, due date,
    completion, their best quiz score and whether a certificate stands.

    One pass over the period's enrollments (by their due-date index), joined to the membership
    current at the end of the due date (a person's memberships never overlap: a transfer ends
    one as it starts the next). The best score and whether a certificate stands are kept on
    the enrollment (``lms.quizzes.best_scores``, ``lms.certificates.services``): looking them up
    per row costs more than the rest of the query."""
    membership = aliased(UnitMembership)
    query = (
        select(
            Enrollment.id.label("enrollment_id"),
            Enrollment.user_id.label("user_id"),
            User.full_name.label("full_name"),  # what the lists of people sort by
            Enrollment.course_id.label("course_id"),
            Enrollment.due_date.label("due_date"),
            Enrollment.completed_at.label("completed_at"),
            # Without a membership recorded for that day, the person's current unit.
            func.coalesce(membership.unit_id, User.unit_id).label("unit_id"),
            case((Enrollment.completed_at.is_not(None), 1), else_=0).label("completed"),
            case((Enrollment.on_time.is_(True), 1), else_=0).label("on_time"),
            case(
                (and_(Enrollment.completed_at.is_(None), Enrollment.due_date < scope.today), 1),
                else_=0,
            ).label("overdue"),
            Enrollment.best_score.label("best"),
            case((Enrollment.certified.is_(True), 1), else_=0).label("certified"),
        )
        .join(User, User.id == Enrollment.user_id)
        .outerjoin(membership, current_at_due_end(membership, scope.zone, scope.first_day))
        .where(
            User.active.is_(True),
            Enrollment.due_date >= scope.first_day,
            Enrollment.due_date < scope.end_day,
        )
    )
    if scope.course is not None:
        query = query.where(Enrollment.course_id == scope.course.id)
    if scope.unit is not None and scope.unit.depth > 0:
        # Below the top of the tree, only people who were ever in the subtree (a membership
        # there) or are in it now can be placed in it: found by index, so a commune's page
        # reads its own people's enrollments, not the province's. ``within`` still decides.
        query = query.where(Enrollment.user_id.in_(_ever_in_subtree(scope.unit.id)))
    return query.subquery("cohort")


def current_at_due_end(membership: Any, zone: str, on: dt.date) -> Any:
    """Join condition: ``membership`` (an alias) is the enrollment's person's membership current
    at the end of the due date, local time (the zone's offset on ``on``)."""
    moment = day_end(Enrollment.due_date, zone, on)
    return and_(
        membership.user_id == Enrollment.user_id,
        membership.started_at < moment,
        or_(membership.ended_at.is_(None), membership.ended_at >= moment),
    )


def _ever_in_subtree(unit_id: int) -> Any:
    below = select(UnitClosure.descendant_id).where(UnitClosure.ancestor_id == unit_id)
    return union(
        select(UnitMembership.user_id).where(UnitMembership.unit_id.in_(below)),
        select(User.id).where(User.unit_id.in_(below)),
    )


def within(scope: Scope, rows: Subquery, query: Any) -> Any:
    """``query`` (selecting from the cohort ``rows``) limited to the scope's subtree."""
    if scope.unit is None:
        return query
    return query.join(
        UnitClosure,
        and_(UnitClosure.descendant_id == rows.c.unit_id, UnitClosure.ancestor_id == scope.unit.id),
    )


def sums(rows: Subquery) -> list[Any]:
    """The aggregate columns of a group of cohort rows, in ``figures_from``'s order."""
    return [
        func.count(),
        func.sum(rows.c.completed),
        func.sum(rows.c.on_time),
        func.sum(rows.c.overdue),
        func.sum(rows.c.best),
        func.count(rows.c.best),
        func.sum(rows.c.certified),
    ]


def figures_from(values: Any) -> Figures:
    enrolled, completed, on_time, overdue, score_sum, scored, certified = values
    return Figures(
        enrolled=enrolled or 0,
        completed=int(completed or 0),
        on_time=int(on_time or 0),
        overdue=int(overdue or 0),
        score_sum=float(score_sum or 0),
        scored=scored or 0,
        certificates=int(certified or 0),
    )


def cadres_moment(scope: Scope) -> dt.datetime:
    """When headcounts are taken: the period's end, or now while it runs."""
    return min(scope.period.until, scope.now)


def placed_cadres(scope: Scope) -> Subquery:
    """Active cadre accounts that existed at ``cadres_moment``, with the unit they were in."""
    moment = cadres_moment(scope)
    if moment >= scope.now:
        # While the period runs the headcount is today's: each account's open membership is
        # its current unit, kept on the account, so no history needs reading.
        return (
            select(User.id.label("user_id"), User.unit_id.label("unit_id"))
            .join(UserRole, and_(UserRole.user_id == User.id, UserRole.role == "cadre"))
            .where(User.active.is_(True))
            .subquery("cadres")
        )
    membership = aliased(UnitMembership)
    at_moment = (
        select(membership.unit_id)
        .where(
            membership.user_id == User.id,
            membership.started_at <= moment,
            or_(membership.ended_at.is_(None), membership.ended_at > moment),
        )
        .order_by(membership.started_at.desc())
        .limit(1)
        .correlate(User)
        .scalar_subquery()
    )
    return (
        select(User.id.label("user_id"), func.coalesce(at_moment, User.unit_id).label("unit_id"))
        .join(UserRole, and_(UserRole.user_id == User.id, UserRole.role == "cadre"))
        .where(User.active.is_(True), User.created_at <= moment)
        .subquery("cadres")
    )
