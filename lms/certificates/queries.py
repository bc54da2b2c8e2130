"""The certificate lists: a person's own, a unit's (with filters), a certificate's history."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, or_, select

from lms.certificates.models import Certificate
from lms.courses.models import Course
from lms.extensions import db
from lms.timeutil import Period
from lms.units.scope import subtree_ids


def status_filter(status: str, today: dt.date) -> ColumnElement[bool]:
    current = and_(Certificate.revoked_at.is_(None), Certificate.superseded_at.is_(None))
    if status == "valid":
        return and_(current, or_(Certificate.expires_on.is_(None), Certificate.expires_on >= today))
    if status == "expired":
        return and_(current, Certificate.expires_on < today)
    if status == "revoked":
        return Certificate.revoked_at.is_not(None)
    if status == "superseded":
        return and_(Certificate.superseded_at.is_not(None), Certificate.revoked_at.is_(None))
    raise ValueError(status)


def mine(user_id: int) -> list[Certificate]:
    return list(
        db.session.scalars(
            select(Certificate)
            .where(Certificate.user_id == user_id)
            .order_by(Certificate.issued_at.desc(), Certificate.id.desc())
        )
    )


@dataclass(frozen=True)
class Filters:
    unit_id: int | None  # None: everywhere (an admin)
    scope: ColumnElement[bool]  # the viewer's reach, on Certificate.unit_id
    period: Period | None  # by date of issue
    course_id: int | None
    status: str | None  # None: any


def unit_certificates(filters: Filters, today: dt.date) -> Select[Any]:
    """Certificates of people who were in the unit's subtree when they completed, newest
    first."""
    query = select(Certificate).where(filters.scope)
    if filters.unit_id is not None:
        query = query.where(Certificate.unit_id.in_(subtree_ids(filters.unit_id)))
    if filters.period is not None:
        query = query.where(
            Certificate.issued_at >= filters.period.since,
            Certificate.issued_at < filters.period.until,
        )
    if filters.course_id is not None:
        query = query.where(Certificate.course_id == filters.course_id)
    if filters.status:
        query = query.where(status_filter(filters.status, today))
    return query.order_by(Certificate.issued_at.desc(), Certificate.id.desc())


def for_printing(filters: Filters, today: dt.date) -> Select[Any]:
    """The same certificates in serial order, for the combined PDF."""
    return (
        unit_certificates(filters, today)
        .order_by(None)
        .order_by(Certificate.year, Certificate.number)
    )


def course_choices() -> list[tuple[int, str]]:
    return [
        (course_id, title)
        for course_id, title in db.session.execute(
            select(Course.id, Course.title).order_by(Course.title)
        )
    ]


def history(certificate: Certificate) -> list[Certificate]:
    """Every certificate of the same person and course, oldest first: the issue, each
    re-issue that superseded the one before, any revocation."""
    return list(
        db.session.scalars(
            select(Certificate)
            .where(
                Certificate.user_id == certificate.user_id,
                Certificate.course_id == certificate.course_id,
            )
            .order_by(Certificate.issued_at, Certificate.id)
        )
    )
