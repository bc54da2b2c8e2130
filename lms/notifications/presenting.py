"""A notification as a person reads it: its sentence in the reader's language (chosen when it
is shown, from its kind and the things it is about, looked up then) and the link to the thing
itself. A page of notifications costs at most one query per kind of thing (courses, sessions,
certificates, attempts), whatever their number."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from flask import current_app, url_for
from flask_babel import format_date, format_datetime
from flask_babel import gettext as _
from sqlalchemy import select

from lms.attendance.models import TrainingSession
from lms.certificates.models import Certificate
from lms.courses.models import Course
from lms.extensions import db
from lms.formatting import number
from lms.notifications.models import Notification
from lms.quizzes.models import Attempt, Quiz

COURSE_KINDS = {"course_due_soon", "course_overdue", "commander_reminder"}


@dataclass(frozen=True)
class Shown:
    id: int
    kind: str
    text: str
    subject: str  # a short line: the e-mail's subject
    endpoint: str | None  # where the link goes (None: the thing is gone)
    values: dict[str, Any]
    created_at: dt.datetime
    unread: bool

    def url(self, *, absolute: bool = False) -> str | None:
        if self.endpoint is None:
            return None
        values = dict(self.values)
        anchor = values.pop("_anchor", None)
        path = url_for(self.endpoint, **values) + (f"#{anchor}" if anchor else "")
        if not absolute:
            return path
        base = current_app.config["BASE_URL"]
        return base.rstrip("/") + path if base else None


def _date(iso: str) -> str:
    try:
        return str(format_date(dt.date.fromisoformat(iso[:10]), "short"))
    except ValueError:
        return iso


def _lookups(items: list[Notification]) -> dict[str, dict[int, Any]]:
    ids: dict[str, set[int]] = {"course": set(), "session": set(), "certificate": set()}
    ids["attempt"] = set()
    for item in items:
        if item.kind in COURSE_KINDS:
            ids["course"].add(item.object_id)
        elif item.kind == "session_tomorrow":
            ids["session"].add(item.object_id)
        elif item.kind == "certificate_issued":
            ids["certificate"].add(item.object_id)
        elif item.kind == "quiz_graded":
            ids["attempt"].add(item.object_id)
    found: dict[str, dict[int, Any]] = {key: {} for key in ids}
    if ids["course"]:
        found["course"] = {
            row.id: row
            for row in db.session.execute(
                select(Course.id, Course.title, Course.slug).where(Course.id.in_(ids["course"]))
            )
        }
    if ids["session"]:
        found["session"] = {
            row.id: row
            for row in db.session.execute(
                select(
                    TrainingSession.id,
                    TrainingSession.title,
                    TrainingSession.kind,
                    TrainingSession.place,
                    TrainingSession.meeting_url,
                    TrainingSession.starts_at,
                    TrainingSession.cancelled_at,
                ).where(TrainingSession.id.in_(ids["session"]))
            )
        }
    if ids["certificate"]:
        found["certificate"] = {
            row.id: row
            for row in db.session.execute(
                select(Certificate.id, Certificate.serial, Certificate.course_title).where(
                    Certificate.id.in_(ids["certificate"])
                )
            )
        }
    if ids["attempt"]:
        found["attempt"] = {
            row.id: row
            for row in db.session.execute(
                select(
                    Attempt.id,
                    Attempt.score,
                    Attempt.passed,
                    Quiz.title.label("quiz_title"),
                    Course.title.label("course_title"),
                )
                .join(Quiz, Quiz.id == Attempt.quiz_id)
                .join(Course, Course.id == Quiz.course_id)
                .where(Attempt.id.in_(ids["attempt"]))
            )
        }
    return found


def _gone(item: Notification) -> tuple[str, str, str | None, dict[str, Any]]:
    text = _("This notification is about something that no longer exists.")
    return text, text, None, {}


def _course_text(item: Notification, course: Any) -> tuple[str, str, str | None, dict[str, Any]]:
    link = ("courses.course", {"slug": course.slug})
    if item.kind == "course_due_soon":
        subject = _("Course due on %(date)s", date=_date(item.occasion))
        text = _(
            "The course “%(course)s” is due on %(date)s and is not complete yet.",
            course=course.title,
            date=_date(item.occasion),
        )
    elif item.kind == "course_overdue":
        subject = _("Course overdue")
        text = _(
            "The course “%(course)s” was due on %(date)s and is not complete yet.",
            course=course.title,
            date=_date(item.occasion),
        )
    else:
        sender = (item.params or {}).get("from", "")
        subject = _("Reminder from your commander")
        text = _(
            "Reminder from your commander %(name)s: please complete the overdue course "
            "“%(course)s”.",
            name=sender,
            course=course.title,
        )
    return text, subject, link[0], link[1]


def _session_text(session: Any) -> tuple[str, str, str | None, dict[str, Any]]:
    when = format_datetime(session.starts_at, "short")
    if session.kind == "online":
        text = _(
            "Training session “%(title)s” tomorrow, %(when)s, online: %(link)s",
            title=session.title,
            when=when,
            link=session.meeting_url,
        )
    elif session.place:
        text = _(
            "Training session “%(title)s” tomorrow, %(when)s, at %(place)s.",
            title=session.title,
            when=when,
            place=session.place,
        )
    else:
        text = _("Training session “%(title)s” tomorrow, %(when)s.", title=session.title, when=when)
    if session.cancelled_at is not None:
        text += " " + _("It has since been cancelled.")
    subject = _("Training session tomorrow: %(title)s", title=session.title)
    return text, subject, "attendance.mine", {"_anchor": f"session-{session.id}"}


def _certificate_text(certificate: Any) -> tuple[str, str, str | None, dict[str, Any]]:
    text = _(
        "Your certificate %(serial)s for “%(course)s” has been issued.",
        serial=certificate.serial,
        course=certificate.course_title,
    )
    subject = _("Certificate issued: %(course)s", course=certificate.course_title)
    return text, subject, "certificates.detail", {"certificate_id": certificate.id}


def _attempt_text(attempt: Any) -> tuple[str, str, str | None, dict[str, Any]]:
    values = {
        "quiz": attempt.quiz_title,
        "course": attempt.course_title,
        "score": number(attempt.score),
    }
    if attempt.passed:
        text = _(
            "Your attempt at “%(quiz)s” (%(course)s) has been graded: %(score)s%%, passed.",
            **values,
        )
    else:
        text = _(
            "Your attempt at “%(quiz)s” (%(course)s) has been graded: %(score)s%%, not passed.",
            **values,
        )
    subject = _("Quiz graded: %(quiz)s", quiz=attempt.quiz_title)
    return text, subject, "quizzes.review", {"attempt_id": attempt.id}


def present(items: Iterable[Notification]) -> list[Shown]:
    items = list(items)
    found = _lookups(items)
    shown = []
    for item in items:
        parts: tuple[str, str, str | None, dict[str, Any]]
        if item.kind in COURSE_KINDS and item.object_id in found["course"]:
            parts = _course_text(item, found["course"][item.object_id])
        elif item.kind == "session_tomorrow" and item.object_id in found["session"]:
            parts = _session_text(found["session"][item.object_id])
        elif item.kind == "certificate_issued" and item.object_id in found["certificate"]:
            parts = _certificate_text(found["certificate"][item.object_id])
        elif item.kind == "quiz_graded" and item.object_id in found["attempt"]:
            parts = _attempt_text(found["attempt"][item.object_id])
        else:
            parts = _gone(item)
        text, subject, endpoint, values = parts
        shown.append(
            Shown(
                id=item.id,
                kind=item.kind,
                text=text,
                subject=subject,
                endpoint=endpoint,
                values=values,
                created_at=item.created_at,
                unread=item.read_at is None,
            )
        )
    return shown
