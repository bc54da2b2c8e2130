"""Issuing certificates (on completion, by reconciliation, by re-issue), revoking them, and
answering the public verification."""

from __future__ import annotations

import calendar
import datetime as dt
import secrets
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import and_, exists, func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased

from lms.certificates import completion
from lms.certificates.models import Certificate, CertificateCounter
from lms.certificates.signals import announce_issued
from lms.courses.models import Course, Enrollment
from lms.courses.signals import progress_changed
from lms.extensions import db
from lms.people.models import UnitMembership, User
from lms.people.services import membership_covers
from lms.timeutil import utcnow
from lms.units.models import Unit, UnitClosure

SERIAL_PREFIX = "DV"


def serial_for(year: int, number: int) -> str:
    return f"{SERIAL_PREFIX}-{year}-{number:06d}"


def new_code() -> str:
    """256 random bits, URL-safe: what the QR code and the verification URL carry."""
    return secrets.token_urlsafe(32)


def _zone() -> ZoneInfo:
    return ZoneInfo(current_app.config["TIMEZONE"])


def local_date(moment: dt.datetime) -> dt.date:
    return moment.astimezone(_zone()).date()


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day ``months`` later (the month's last day when it has fewer days)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return day.replace(
        year=year, month=month, day=min(day.day, calendar.monthrange(year, month)[1])
    )


def allocate_numbers(year: int, count: int) -> range:
    """``count`` consecutive serial numbers of ``year``, taken from the year's counter row in
    the caller's transaction. The UPDATE locks the row until the transaction ends (PostgreSQL;
    SQLite locks the database), so concurrent issues queue here and each gets its own numbers;
    a transaction that fails gives its numbers back by rolling the counter back."""
    for _ in range(3):
        last = db.session.scalar(
            update(CertificateCounter)
            .where(CertificateCounter.year == year)
            .values(last=CertificateCounter.last + count)
            .returning(CertificateCounter.last)
        )
        if last is not None:
            return range(last - count + 1, last + 1)
        nested = db.session.begin_nested()
        try:
            db.session.execute(insert(CertificateCounter).values(year=year, last=count))
            nested.commit()
            return range(1, count + 1)
        except IntegrityError:  # another transaction created the year's row first: use it
            nested.rollback()
    raise RuntimeError("certificate counter unavailable")  # pragma: no cover


def _issuable(course_id: int, user_ids: list[int] | None) -> Any:
    """Completed enrollments of the course without a current certificate."""
    query = and_(
        Enrollment.course_id == course_id,
        Enrollment.completed_at.is_not(None),
        ~exists().where(
            Certificate.user_id == Enrollment.user_id,
            Certificate.course_id == course_id,
            Certificate.superseded_at.is_(None),
        ),
    )
    if user_ids is not None:
        query = and_(query, Enrollment.user_id.in_(user_ids))
    return query


def unit_chains(unit_ids: set[int]) -> dict[int, tuple[str, str, list[str]]]:
    """unit id -> (code, name, names from the unit up to the top): one query."""
    if not unit_ids:
        return {}
    rows = db.session.execute(
        select(UnitClosure.descendant_id, UnitClosure.depth, Unit.code, Unit.name)
        .join(Unit, Unit.id == UnitClosure.ancestor_id)
        .where(UnitClosure.descendant_id.in_(unit_ids))
        .order_by(UnitClosure.descendant_id, UnitClosure.depth)
    )
    out: dict[int, tuple[str, str, list[str]]] = {}
    for unit_id, depth, code, name in rows:
        if depth == 0:
            out[unit_id] = (code, name, [name])
        else:
            out.setdefault(unit_id, ("", "", []))[2].append(name)
    return out


def issue(
    course_id: int, user_ids: list[int] | None = None, scores: dict[int, float | None] | None = None
) -> list[Certificate]:
    """Issue the certificates due for the course's completed enrollments (of ``user_ids``, or
    all) that have none yet: a fixed number of queries however many. What the certificate
    says is copied now: the person's name, rank and position, the unit they were in when they
    completed (``unit_at`` their completion), the course's title and issuer. ``scores``: the
    scores the completion rule just computed (computed again when missing)."""
    course = db.session.execute(
        select(
            Course.title,
            Course.required_quizzes,
            Course.certificate_valid_months,
            Course.certificate_issuer,
            Course.certificate_signer_title,
        ).where(Course.id == course_id)
    ).first()
    if course is None:
        return []
    title, required, valid_months, issuer, signer = course
    membership = aliased(UnitMembership)
    unit_then = (
        select(membership.unit_id)
        .where(
            membership.user_id == User.id,
            membership_covers(membership, Enrollment.completed_at),
        )
        .order_by(membership.started_at.desc())
        .limit(1)
        .correlate(User, Enrollment)
        .scalar_subquery()
    )
    people = db.session.execute(
        select(
            User.id,
            User.full_name,
            User.rank,
            User.position,
            func.coalesce(unit_then, User.unit_id),
            Enrollment.completed_at,
        )
        .join(Enrollment, Enrollment.user_id == User.id)
        .where(_issuable(course_id, user_ids))
        .order_by(Enrollment.completed_at, User.id)
    ).all()
    if not people:
        return []
    missing = [row[0] for row in people if scores is None or row[0] not in scores]
    scores = dict(scores or {})
    if missing:
        results = (
            completion.quiz_results(
                course_id, list(required or []), select(User.id).where(User.id.in_(missing))
            )
            if required
            else {}
        )
        for user_id in missing:
            scores[user_id] = completion.certificate_score(
                results.get(user_id, {}), list(required or [])
            )
    chains = unit_chains({row[4] for row in people if row[4] is not None})
    config = current_app.config
    now = utcnow()
    issued_on = local_date(now)
    numbers = allocate_numbers(issued_on.year, len(people))
    rows = []
    for (user_id, full_name, rank, position, unit_id, completed_at), number in zip(
        people, numbers, strict=True
    ):
        code, unit_name, chain = chains.get(unit_id, ("", "", [])) if unit_id else ("", "", [])
        rows.append(
            {
                "serial": serial_for(issued_on.year, number),
                "year": issued_on.year,
                "number": number,
                "code": new_code(),
                "user_id": user_id,
                "course_id": course_id,
                "unit_id": unit_id,
                "full_name": full_name,
                "rank": rank or "",
                "position": position or "",
                "unit_name": unit_name,
                "unit_code": code,
                "unit_chain": chain,
                "course_title": title,
                "score": scores.get(user_id),
                "completed_at": completed_at,
                "completed_on": local_date(completed_at),
                "issued_at": now,
                "issued_on": issued_on,
                "expires_on": add_months(issued_on, valid_months) if valid_months else None,
                "issuer_name": issuer or config["ISSUER_NAME"],
                "signer_title": signer or config["SIGNER_TITLE"],
                "place": config["CERTIFICATE_PLACE"],
            }
        )
    issued = list(db.session.scalars(insert(Certificate).returning(Certificate), rows))
    keep_certified(course_id, [row["user_id"] for row in rows])
    announce_issued([certificate.id for certificate in issued])
    return issued


def _standing(user_id: Any, course_id: Any) -> Any:
    return exists().where(
        Certificate.user_id == user_id,
        Certificate.course_id == course_id,
        Certificate.superseded_at.is_(None),
        Certificate.revoked_at.is_(None),
    )


def keep_certified(course_id: int, user_ids: list[int]) -> None:
    """``Enrollment.certified`` of these people's enrollment in the course, as it now stands:
    one statement, after every issue, revocation and re-issue."""
    db.session.execute(
        update(Enrollment)
        .where(Enrollment.course_id == course_id, Enrollment.user_id.in_(user_ids))
        .values(certified=_standing(Enrollment.user_id, Enrollment.course_id))
        .execution_options(synchronize_session=False)
    )


def rebuild_certified() -> None:
    """Every enrollment's ``certified`` from the certificates (data written around the
    services, e.g. the large demo; and the test that the kept values are right)."""
    db.session.execute(
        update(Enrollment)
        .values(certified=_standing(Enrollment.user_id, Enrollment.course_id))
        .execution_options(synchronize_session=False)
    )


def complete_and_issue(course_id: int, user_ids: list[int] | None = None) -> list[Certificate]:
    """Complete whom the rule now completes and issue their certificates (in the caller's
    transaction: a failure undoes both)."""
    completed = completion.complete(course_id, user_ids)
    if not completed:
        return []
    return issue(course_id, list(completed), completed)


@progress_changed.connect
def _on_progress_changed(
    _sender: Any, course_id: int, user_ids: list[int] | None, **_: Any
) -> None:
    complete_and_issue(course_id, user_ids)


@dataclass
class Reconciled:
    completed: int = 0
    issued: int = 0


def reconcile(course: Course | None = None) -> Reconciled:
    """Re-evaluate every open enrollment (of ``course``, or of every course), complete whom the
    rule completes, and issue each completed enrollment's missing certificate. Running it
    again changes nothing."""
    course_ids = (
        [course.id]
        if course is not None
        else list(db.session.scalars(select(Course.id).order_by(Course.id)))
    )
    result = Reconciled()
    for course_id in course_ids:
        result.completed += len(completion.complete(course_id))
        result.issued += len(issue(course_id))
    return result


# ---- verification ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Verdict:
    """What the verification page says: ``status`` is valid, expired, revoked, superseded or
    unknown; ``certificate`` only when it is known; ``successor``: the serial that replaced a
    superseded certificate."""

    status: str
    certificate: Certificate | None = None
    successor: str | None = None


UNKNOWN = Verdict("unknown")


def verify(code: str, serial: str | None = None) -> Verdict:
    """Look a certificate up by its verification code (and, from the form, its serial too: both
    must match). A serial alone finds nothing. At most two queries."""
    code = (code or "").strip()
    if not code or len(code) > 64:
        return UNKNOWN
    query = select(Certificate).where(Certificate.code == code)
    if serial is not None:
        query = query.where(Certificate.serial == serial.strip().upper())
    certificate = db.session.scalar(query)
    if certificate is None:
        return UNKNOWN
    status = certificate.status(local_date(utcnow()))
    successor = None
    if status == "superseded" and certificate.superseded_by_id is not None:
        successor = db.session.scalar(
            select(Certificate.serial).where(Certificate.id == certificate.superseded_by_id)
        )
    return Verdict(status, certificate, successor)
