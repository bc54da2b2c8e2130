"""Creating notifications: what is due (``create_due``, run daily by ``lms notify``), what
happens in the app (certificates issued, quiz scores made final, by signals) and a commander's
reminders (``remind_overdue``); reading and choosing them.

Every insert is one ``INSERT … SELECT … ON CONFLICT DO NOTHING`` on the unique key (person,
kind, object, occasion): however often it runs, and even two runs at once, a thing is told
once, in a number of statements that does not grow with the number of people.
"""

from __future__ import annotations

import datetime as dt
import typing
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    JSON,
    Select,
    String,
    and_,
    case,
    cast,
    exists,
    func,
    literal,
    null,
    select,
    tuple_,
)
from sqlalchemy.dialects import postgresql, sqlite

from lms.attendance.models import TrainingSession
from lms.attendance.roster import roster_pairs
from lms.audit import services as audit
from lms.certificates.models import Certificate
from lms.certificates.signals import certificates_issued
from lms.courses.models import Course, Enrollment
from lms.errors import InvalidInput
from lms.extensions import db
from lms.notifications.models import KINDS, EmailChoice, Notification
from lms.notifications.permissions import can_remind_overdue
from lms.people.models import User
from lms.quizzes.models import Attempt
from lms.quizzes.signals import attempt_graded
from lms.timeutil import local_day_start_utc, utcnow
from lms.units.scope import subtree_filter
from lms.writes import rows_changed

DUE_SOON_DAYS = 7
MAX_REMINDER_PAIRS = 5000

# Labels of the kinds, for the e-mail choices (the order of the form).
KIND_LABELS = {
    "course_due_soon": _l("A course is due within 7 days"),
    "course_overdue": _l("A course is overdue"),
    "session_tomorrow": _l("A training session is tomorrow"),
    "certificate_issued": _l("A certificate was issued to me"),
    "quiz_graded": _l("A quiz of mine was graded"),
    "commander_reminder": _l("My commander reminds me of an overdue course"),
}
assert tuple(KIND_LABELS) == KINDS


def mail_configured() -> bool:
    return bool(current_app.config.get("SMTP_URL"))


def _zone() -> str:
    return typing.cast(str, current_app.config["TIMEZONE"])


def _local_day(now: dt.datetime) -> dt.date:
    return now.astimezone(ZoneInfo(_zone())).date()


# ---- creating ----------------------------------------------------------------------------------


def _email_state(kind: str, user_id: Any) -> Any:
    """'pending' when the site sends e-mail, the person has an address and has not turned this
    kind off; NULL otherwise (so that configuring e-mail later sends no backlog)."""
    if not mail_configured():
        return null()
    turned_off = exists().where(
        EmailChoice.user_id == user_id, EmailChoice.kind == kind, EmailChoice.wanted.is_(False)
    )
    return case(
        (and_(User.email.is_not(None), User.email != "", ~turned_off), literal("pending")),
        else_=null(),
    )


def _insert(kind: str, source: Select[int, int, str], now: dt.datetime, params: Any = None) -> int:
    """Insert a notification of ``kind`` for each row (user_id, object_id, occasion) of
    ``source`` whose person is active and has none for that key yet; returns how many."""
    rows = source.subquery()
    if params is None:
        params_value: Any = null()
    else:
        params_value = literal(params, JSON)
        if db.session.get_bind().dialect.name == "postgresql":
            params_value = cast(params_value, JSON)
    selected = (
        select(
            rows.c.user_id,
            literal(kind, String(32)),
            rows.c.object_id,
            rows.c.occasion,
            params_value,
            literal(now, Notification.__table__.c.created_at.type),
            _email_state(kind, rows.c.user_id),
        )
        .join(User, User.id == rows.c.user_id)
        .where(User.active.is_(True))
    )
    dialect = db.session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = (
        insert(Notification)
        .from_select(
            [
                "user_id",
                "kind",
                "object_id",
                "occasion",
                "params",
                "created_at",
                "email_state",
            ],
            selected,
        )
        .on_conflict_do_nothing(
            index_elements=["user_id", "kind", "object_id", "occasion"],
        )
    )
    # preserve_rowcount: psycopg reports the rows an INSERT … SELECT wrote only when asked.
    return rows_changed(statement.execution_options(preserve_rowcount=True))


def _open_enrollments() -> Any:
    return and_(
        Enrollment.completed_at.is_(None),
        Enrollment.due_date.is_not(None),
        Course.status == "published",
    )


def _due_date_text() -> Any:
    return cast(Enrollment.due_date, String(40))


@dataclass
class Created:
    due_soon: int = 0
    overdue: int = 0
    sessions: int = 0

    @property
    def total(self) -> int:
        return self.due_soon + self.overdue + self.sessions


def create_due(now: dt.datetime) -> Created:
    """The daily notifications: courses due within 7 days, courses overdue, sessions tomorrow
    (local dates). Four statements whatever the number of people; running it again the same
    day (or any day) tells nothing twice: the occasion is the due date or the session's start,
    so only a changed date is told again."""
    today = _local_day(now)
    result = Created()
    due = (
        select(
            Enrollment.user_id.label("user_id"),
            Enrollment.course_id.label("object_id"),
            _due_date_text().label("occasion"),
        )
        .join(Course, Course.id == Enrollment.course_id)
        .where(_open_enrollments())
    )
    result.due_soon = _insert(
        "course_due_soon",
        due.where(
            Enrollment.due_date > today,
            Enrollment.due_date <= today + dt.timedelta(days=DUE_SOON_DAYS),
        ),
        now,
    )
    result.overdue = _insert("course_overdue", due.where(Enrollment.due_date < today), now)
    tomorrow = local_day_start_utc(today + dt.timedelta(days=1), _zone())
    after = local_day_start_utc(today + dt.timedelta(days=2), _zone())
    starts = dict(
        db.session.execute(
            select(TrainingSession.id, TrainingSession.starts_at).where(
                TrainingSession.cancelled_at.is_(None),
                TrainingSession.starts_at >= tomorrow,
                TrainingSession.starts_at < after,
            )
        ).all()
    )
    if starts:
        pairs = roster_pairs(TrainingSession.id.in_(list(starts)), now).subquery()
        # The start (UTC, to the minute) is the occasion: a session moved is told again.
        occasion = case(
            {session_id: at.strftime("%Y-%m-%dT%H:%M") for session_id, at in starts.items()},
            value=pairs.c.session_id,
        )
        result.sessions = _insert(
            "session_tomorrow",
            select(
                pairs.c.user_id.label("user_id"),
                pairs.c.session_id.label("object_id"),
                occasion.label("occasion"),
            ).where(pairs.c.user_id.is_not(None)),
            now,
        )
    return result


@certificates_issued.connect
def _on_certificates_issued(_sender: Any, certificate_ids: list[int], **_: Any) -> None:
    _insert(
        "certificate_issued",
        select(
            Certificate.user_id.label("user_id"),
            Certificate.id.label("object_id"),
            literal("", String(40)).label("occasion"),
        ).where(Certificate.id.in_(certificate_ids)),
        utcnow(),
    )


@attempt_graded.connect
def _on_attempt_graded(_sender: Any, attempt_id: int, **_: Any) -> None:
    _insert(
        "quiz_graded",
        select(
            Attempt.user_id.label("user_id"),
            Attempt.id.label("object_id"),
            literal("", String(40)).label("occasion"),
        ).where(Attempt.id == attempt_id),
        utcnow(),
    )


# ---- a commander's reminders -------------------------------------------------------------------


@dataclass(frozen=True)
class Reminded:
    sent: int  # notifications created now
    already_today: int  # reminded of that course today already: skipped
    not_overdue: int  # completed meanwhile, not overdue, not enrolled or deactivated: skipped


def remind_overdue(actor: User, pairs: list[tuple[int, int]], now: dt.datetime) -> Reminded:
    """Remind each (user_id, course_id) of ``pairs`` — cadres overdue with a course, chosen by
    a commander — with a "reminder from your commander" notification (and an e-mail by their
    choice), at most once a local day per person and course. Every person must be in the
    actor's units (an admin: anywhere), or nothing is written. One audit entry with the counts.
    """
    if not can_remind_overdue(actor):
        raise InvalidInput(_l("Only commanders and admins send reminders."))
    try:
        wanted = sorted({(int(user_id), int(course_id)) for user_id, course_id in pairs})
    except (TypeError, ValueError):
        raise InvalidInput(_l("Choose at least one person to remind.")) from None
    if not wanted:
        raise InvalidInput(_l("Choose at least one person to remind."))
    if len(wanted) > MAX_REMINDER_PAIRS:
        raise InvalidInput(_l("At most %(n)s reminders can be sent at once.", n=MAX_REMINDER_PAIRS))
    user_ids = sorted({user_id for user_id, _ in wanted})
    in_scope = set(
        db.session.scalars(
            select(User.id).where(User.id.in_(user_ids), subtree_filter(actor, User.unit_id))
        )
    )
    if len(in_scope) != len(user_ids):
        raise InvalidInput(_l("Some of these people are not in your units."))
    today = _local_day(now)
    overdue = (
        select(
            Enrollment.user_id.label("user_id"),
            Enrollment.course_id.label("object_id"),
            literal(today.isoformat(), String(40)).label("occasion"),
        )
        .join(Course, Course.id == Enrollment.course_id)
        .join(User, User.id == Enrollment.user_id)
        .where(
            _open_enrollments(),
            Enrollment.due_date < today,
            User.active.is_(True),  # a deactivated account is no longer to be reminded
            tuple_(Enrollment.user_id, Enrollment.course_id).in_(wanted),
        )
    )
    eligible = db.session.scalar(select(func.count()).select_from(overdue.subquery())) or 0
    sent = _insert("commander_reminder", overdue, now, params={"from": actor.full_name})
    result = Reminded(sent=sent, already_today=eligible - sent, not_overdue=len(wanted) - eligible)
    audit.record(
        "notification.remind_overdue",
        audit.Target("notification", None, str(sent)),
        actor=actor,
        after={
            "count": result.sent,
            "already_today": result.already_today,
            "not_overdue": result.not_overdue,
        },
    )
    return result


def reminded_today(pairs: list[tuple[int, int]], now: dt.datetime) -> set[tuple[int, int]]:
    """Which (user_id, course_id) of ``pairs`` a commander has already reminded today (local
    day): one query, for the reminders list to say so beside each name."""
    if not pairs:
        return set()
    rows = db.session.execute(
        select(Notification.user_id, Notification.object_id).where(
            Notification.kind == "commander_reminder",
            Notification.occasion == _local_day(now).isoformat(),
            tuple_(Notification.user_id, Notification.object_id).in_(sorted(set(pairs))),
        )
    )
    return {(user_id, course_id) for user_id, course_id in rows}
