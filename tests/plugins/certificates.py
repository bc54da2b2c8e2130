"""Certificates: a course completed and its certificate, and a stand-in for the PDF drawing."""

from __future__ import annotations

import dataclasses
import datetime as dt
import types

from sqlalchemy import select

from lms.certificates import printing
from lms.certificates.models import Certificate
from lms.courses import enrollment
from lms.extensions import db

DUE = dt.date(2099, 12, 31)  # a due date that never passes


def read_all(user, course) -> None:
    """Every module of ``course`` marked done by ``user``; committed."""
    for module in course.modules:
        enrollment.mark_module_done(user, module)
    db.session.commit()


def certificates_of(user) -> list[Certificate]:
    """``user``'s certificates, oldest first."""
    return list(
        db.session.scalars(
            select(Certificate).where(Certificate.user_id == user.id).order_by(Certificate.id)
        )
    )


def earn(user, course) -> Certificate:
    """``course`` completed by ``user`` (every module read), and the one certificate issued."""
    read_all(user, course)
    [certificate] = certificates_of(user)
    return certificate


def stand_in_pdf(monkeypatch):
    """A stand-in for lms/certificates/pdf.py (drawn by its own module): one line per face."""

    @dataclasses.dataclass(frozen=True)
    class CertificateFace:
        serial: str
        verification_url: str
        full_name: str
        rank: str
        position: str
        unit_chain: list
        course_title: str
        score: float | None
        completed_on: dt.date
        issued_on: dt.date
        expires_on: dt.date | None
        issuer_name: str
        signer_title: str
        place: str
        status_note: str | None

    def render_certificate(face):
        return f"%PDF {face.serial} {face.full_name}\n".encode()

    def write_certificates(faces, out, progress=None):
        pages = 0
        for face in faces:
            out.write(render_certificate(face))
            pages += 1
            if progress:
                progress(pages)
        return pages

    module = types.SimpleNamespace(
        CertificateFace=CertificateFace,
        render_certificate=render_certificate,
        write_certificates=write_certificates,
    )
    monkeypatch.setattr(printing, "pdf", module)
    return module
