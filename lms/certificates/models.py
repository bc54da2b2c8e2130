"""Certificates, as they were issued, and the per-year counter behind their serials."""

from __future__ import annotations

import datetime as dt
from typing import ClassVar

from sqlalchemy import JSON, Date, Float, ForeignKey, Index, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from lms.database import Base, NFCString, UTCDateTime
from lms.timeutil import utcnow

# Why an admin revoked a certificate: the category the verification page names.
REVOCATION_REASONS = ("error", "fraud", "withdrawn", "other")
STATUSES = ("valid", "expired", "revoked", "superseded")


class CertificateCounter(Base):
    """The last serial number given in a year. Updated in the transaction that inserts the
    certificate: a transaction that fails rolls its number back, so the numbers of a year run
    1, 2, 3… with no gap and no repeat."""

    __tablename__ = "certificate_counters"

    year: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    last: Mapped[int] = mapped_column(default=0)


class Certificate(Base):
    """What was true when the certificate was issued; nothing here follows later edits of the
    person, their unit or the course."""

    __tablename__ = "certificates"
    audit_type: ClassVar[str] = "certificate"  # how the audit log names it, with its serial

    id: Mapped[int] = mapped_column(primary_key=True)
    serial: Mapped[str] = mapped_column(String(20), unique=True)  # DV-2026-000123
    year: Mapped[int]
    number: Mapped[int]
    # The secret in the QR code and the verification URL (256 random bits, URL-safe).
    code: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"))
    # The unit at completion (for commanders' lists); its names are copied below.
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), index=True)
    full_name: Mapped[str] = mapped_column(NFCString(200))
    rank: Mapped[str] = mapped_column(NFCString(64), default="")
    position: Mapped[str] = mapped_column(NFCString(120), default="")
    unit_name: Mapped[str] = mapped_column(NFCString(255), default="")
    unit_code: Mapped[str] = mapped_column(String(64), default="")
    # Unit names from the unit itself up to the top.
    unit_chain: Mapped[list[str]] = mapped_column(JSON, default=list)
    course_title: Mapped[str] = mapped_column(NFCString(255))
    score: Mapped[float | None] = mapped_column(Float)  # percent; None: no required quiz
    completed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    completed_on: Mapped[dt.date] = mapped_column(Date)  # local date
    issued_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    issued_on: Mapped[dt.date] = mapped_column(Date, index=True)  # local date
    expires_on: Mapped[dt.date | None] = mapped_column(Date)
    issuer_name: Mapped[str] = mapped_column(NFCString(255))
    signer_title: Mapped[str] = mapped_column(NFCString(120))
    place: Mapped[str] = mapped_column(NFCString(120))
    # Replaced by a re-issue (after a correction of name or rank).
    superseded_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    # Indexed: deleting a certificate looks up those that point at it.
    superseded_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("certificates.id", ondelete="SET NULL"), index=True
    )
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    revoked_reason: Mapped[str | None] = mapped_column(String(16))
    revoked_note: Mapped[str] = mapped_column(NFCString(500), default="")
    revoked_by: Mapped[str] = mapped_column(NFCString(200), default="")

    __table_args__ = (
        UniqueConstraint("year", "number"),
        # One current certificate per person and course, whatever races: a second issue fails.
        Index(
            "uq_certificates_current",
            "user_id",
            "course_id",
            unique=True,
            sqlite_where=text("superseded_at IS NULL"),
            postgresql_where=text("superseded_at IS NULL"),
        ),
    )

    def status(self, today: dt.date) -> str:
        if self.revoked_at is not None:
            return "revoked"
        if self.superseded_at is not None:
            return "superseded"
        if self.expires_on is not None and today > self.expires_on:
            return "expired"
        return "valid"

    @property
    def audit_label(self) -> str:
        return self.serial
