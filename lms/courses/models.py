"""Courses, their Markdown modules with revisions, images, assignments, enrollments, progress."""

from __future__ import annotations

import datetime as dt
from typing import ClassVar

from sqlalchemy import (
    JSON,
    Date,
    Float,
    ForeignKey,
    Index,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship
from sqlalchemy.sql.expression import false

from lms.database import Base, NFCString, UTCDateTime
from lms.timeutil import utcnow
from lms.units.models import Unit

COURSE_STATUSES = ("draft", "published", "archived")


class Course(Base):
    __tablename__ = "courses"
    audit_type: ClassVar[str] = "course"  # how the audit log names it, with its slug

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    title: Mapped[str] = mapped_column(NFCString(255))
    summary: Mapped[str] = mapped_column(NFCString(500), default="")
    topic: Mapped[str] = mapped_column(NFCString(120), default="")
    description_md: Mapped[str] = mapped_column(Text, default="")
    description_html: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(16), default="draft", index=True)
    # Completion: every module read, plus (when set) a pass score on the required quizzes and
    # a minimum attendance rate, which the quiz and attendance features check.
    pass_score: Mapped[int | None]
    min_attendance: Mapped[int | None]
    required_quizzes: Mapped[list[str]] = mapped_column(JSON, default=list)
    # Certificates: valid for this many months, or for ever when empty.
    certificate_valid_months: Mapped[int | None]
    # "" = the site's issuer and signer (LMS_ISSUER_NAME, LMS_SIGNER_TITLE).
    certificate_issuer: Mapped[str] = mapped_column(NFCString(255), default="", server_default="")
    certificate_signer_title: Mapped[str] = mapped_column(
        NFCString(120), default="", server_default=""
    )
    search_text: Mapped[str] = mapped_column(Text, default="")
    # Digest of the settings the course folder and the database last agreed on (None: never
    # synced): lets a sync tell a web edit from a folder edit.
    synced_hash: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)

    modules: Mapped[list[Module]] = relationship(
        lazy="raise",
        order_by="Module.position",
        back_populates="course",
        cascade="all, delete-orphan",
    )
    owner_rows: Mapped[list[CourseOwner]] = relationship(lazy="raise", cascade="all, delete-orphan")

    @property
    def owner_ids(self) -> frozenset[int]:
        return frozenset(row.user_id for row in self.owner_rows)

    @property
    def audit_label(self) -> str:
        return self.slug


class CourseOwner(Base):
    """Trainers who may edit a course (admins may edit every course)."""

    __tablename__ = "course_owners"

    course_id: Mapped[int] = mapped_column(
        ForeignKey("courses.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True
    )


class Module(Base):
    __tablename__ = "modules"

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"))
    position: Mapped[int]
    slug: Mapped[str] = mapped_column(String(80))
    title: Mapped[str] = mapped_column(NFCString(255))
    minutes: Mapped[int] = mapped_column(default=10)
    body_md: Mapped[str] = mapped_column(Text, default="")
    # Rendered and sanitized once, when saved.
    body_html: Mapped[str] = mapped_column(Text, default="")
    toc_html: Mapped[str] = mapped_column(Text, default="")
    search_text: Mapped[str] = mapped_column(Text, default="")
    # The number of the latest revision: saves based on an older one are refused.
    revision: Mapped[int] = mapped_column(default=1)
    # As Course.synced_hash, for the module's file (None: written on the web).
    synced_hash: Mapped[str | None] = mapped_column(String(64))
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)

    course: Mapped[Course] = relationship(lazy="raise", back_populates="modules")

    __table_args__ = (
        UniqueConstraint("course_id", "slug"),
        Index("ix_modules_course_position", "course_id", "position"),
    )


class ModuleRevision(Base):
    __tablename__ = "module_revisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    module_id: Mapped[int] = mapped_column(ForeignKey("modules.id", ondelete="CASCADE"))
    number: Mapped[int]
    title: Mapped[str] = mapped_column(NFCString(255))
    minutes: Mapped[int]
    body_md: Mapped[str] = mapped_column(Text)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    author_name: Mapped[str] = mapped_column(NFCString(200))
    message: Mapped[str] = mapped_column(NFCString(500), default="")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)

    __table_args__ = (UniqueConstraint("module_id", "number"),)


class MediaFile(Base):
    """An uploaded image, kept in the database so that app servers stay stateless."""

    __tablename__ = "media_files"

    id: Mapped[int] = mapped_column(primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64), unique=True)
    mime_type: Mapped[str] = mapped_column(String(32))
    size: Mapped[int]
    data: Mapped[bytes] = mapped_column(LargeBinary)
    course_id: Mapped[int | None] = mapped_column(
        ForeignKey("courses.id", ondelete="SET NULL"), index=True
    )
    uploaded_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Assignment(Base):
    """A course given to a unit and everything below it, with a deadline."""

    __tablename__ = "assignments"

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"))
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    due_date: Mapped[dt.date] = mapped_column(Date)
    # Open assignments also enrol those who join the unit later; closing stops that.
    open: Mapped[bool] = mapped_column(default=True)
    assigned_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)

    course: Mapped[Course] = relationship(lazy="raise")
    unit: Mapped[Unit] = relationship(lazy="raise")

    __table_args__ = (UniqueConstraint("course_id", "unit_id"),)


class Enrollment(Base):
    __tablename__ = "enrollments"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"), index=True)
    assignment_id: Mapped[int | None] = mapped_column(
        ForeignKey("assignments.id", ondelete="SET NULL"), index=True
    )
    due_date: Mapped[dt.date | None] = mapped_column(Date)
    enrolled_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    completed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    # Completed by the end of the due date (local time); None while open or without a due date.
    on_time: Mapped[bool | None]
    # The best graded score at the course's quizzes (percent), kept by lms.quizzes.best_scores
    # whenever an attempt is graded or the enrollment created: the review reports read it for
    # every enrollment of a period, where computing it from the attempts each time is too slow.
    best_score: Mapped[float | None] = mapped_column(Float)
    # A certificate of this course stands for the person (neither revoked nor replaced), kept by
    # lms.certificates.services as it issues, revokes and re-issues, for the same reports.
    certified: Mapped[bool] = mapped_column(default=False, server_default=false())

    course: Mapped[Course] = relationship(lazy="raise")

    __table_args__ = (
        UniqueConstraint("user_id", "course_id"),
        Index("ix_enrollments_due_date", "due_date"),  # a period's enrollments
    )


class ModuleProgress(Base):
    __tablename__ = "module_progress"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    module_id: Mapped[int] = mapped_column(
        ForeignKey("modules.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    completed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
