"""Correcting what was issued: revoking a certificate (with a reason, kept on it and shown by
verification) and re-issuing one with the person's details as they are now, the old one
superseded. Both keep the "certified" standing exact and are in the audit log."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from lms.audit import services as audit
from lms.certificates.models import REVOCATION_REASONS, Certificate
from lms.certificates.services import (
    allocate_numbers,
    keep_certified,
    local_date,
    new_code,
    serial_for,
)
from lms.certificates.signals import announce_issued
from lms.errors import InvalidInput
from lms.extensions import db
from lms.people.models import User
from lms.text import clean
from lms.timeutil import utcnow


def revoke(certificate: Certificate, reason: str, note: str, *, actor: User) -> None:
    if reason not in REVOCATION_REASONS:
        raise InvalidInput(_l("Choose a reason for the revocation."), field="reason")
    note = clean(note)
    if len(note) > 500:
        raise InvalidInput(_l("The note has more than 500 characters."), field="note")
    if certificate.revoked_at is not None:
        raise InvalidInput(_l("This certificate is already revoked."))
    if certificate.superseded_at is not None:
        raise InvalidInput(_l("This certificate was replaced; revoke the one that replaced it."))
    certificate.revoked_at = utcnow()
    certificate.revoked_reason = reason
    certificate.revoked_note = note
    certificate.revoked_by = actor.full_name
    db.session.flush()
    keep_certified(certificate.course_id, [certificate.user_id])
    audit.record(
        "certificate.revoke", certificate, actor=actor, after={"reason": reason, "note": note}
    )


def reissue(certificate: Certificate, *, actor: User) -> Certificate:
    """A new certificate with the person's name, rank and position as they are now (after a
    correction), everything else as issued; the old one is superseded by it."""
    if certificate.revoked_at is not None or certificate.superseded_at is not None:
        raise InvalidInput(_l("Only a current certificate can be re-issued."))
    person = db.session.get(User, certificate.user_id)
    if person is None:  # pragma: no cover - certificates go with their person
        raise InvalidInput(_l("The person no longer exists."))
    now = utcnow()
    # Step aside first: only one certificate of a person and course is current at a time.
    certificate.superseded_at = now
    db.session.flush()
    issued_on = local_date(now)
    (number,) = allocate_numbers(issued_on.year, 1)
    new = Certificate(
        serial=serial_for(issued_on.year, number),
        year=issued_on.year,
        number=number,
        code=new_code(),
        user_id=certificate.user_id,
        course_id=certificate.course_id,
        unit_id=certificate.unit_id,
        full_name=person.full_name,
        rank=person.rank or "",
        position=person.position or "",
        unit_name=certificate.unit_name,
        unit_code=certificate.unit_code,
        unit_chain=list(certificate.unit_chain),
        course_title=certificate.course_title,
        score=certificate.score,
        completed_at=certificate.completed_at,
        completed_on=certificate.completed_on,
        issued_at=now,
        issued_on=issued_on,
        expires_on=certificate.expires_on,
        issuer_name=certificate.issuer_name,
        signer_title=certificate.signer_title,
        place=certificate.place,
    )
    db.session.add(new)
    db.session.flush()
    certificate.superseded_by_id = new.id
    db.session.flush()
    keep_certified(new.course_id, [new.user_id])
    announce_issued([new.id])
    audit.record(
        "certificate.reissue",
        new,
        actor=actor,
        before={
            "serial": certificate.serial,
            "full_name": certificate.full_name,
            "rank": certificate.rank,
        },
        after={"serial": new.serial, "full_name": new.full_name, "rank": new.rank},
    )
    return new
