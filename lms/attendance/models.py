"""Training sessions, who is invited to them and who came."""

from __future__ import annotations

import datetime as dt
from typing import ClassVar

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.database import Base, NFCString, UTCDateTime
from lms.timeutil import utcnow

SESSION_KINDS = ("in_person", "online")
STATUSES = ("present", "late", "excused", "absent")
# Statuses that count as having attended; "excused" leaves the count altogether.
ATTENDED = ("present", "late")
# How a record was last set: by the cadre's own check-in, a trainer's tap, or the paper sheet.
SOURCES = ("checkin", "trainer", "sheet")


class TrainingSession(Base):
    """A training session (buổi tập huấn): in a hall or online, at a set time."""

    __tablename__ = "training_sessions"
    audit_type: ClassVar[str] = "session"  # how the audit log names it, with its title

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(NFCString(255))
    course_id: Mapped[int | None] = mapped_column(
        ForeignKey("courses.id", ondelete="SET NULL"), index=True
    )
    kind: Mapped[str] = mapped_column(String(16), default="in_person")
    place: Mapped[str] = mapped_column(NFCString(255), default="")
    meeting_url: Mapped[str] = mapped_column(String(500), default="")
    description: Mapped[str] = mapped_column(Text, default="")
    starts_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), index=True)
    ends_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    # Self check-in is open from this long before the start until this long after the end;
    # arriving more than late_after_minutes after the start is "late".
    checkin_opens_minutes: Mapped[int] = mapped_column(default=30)
    checkin_closes_minutes: Mapped[int] = mapped_column(default=30)
    late_after_minutes: Mapped[int] = mapped_column(default=15)
    allow_walk_ins: Mapped[bool] = mapped_column(default=False)
    # The key of the rotating check-in codes (hex): every app server derives the same code
    # from it and the clock, with nothing shared but the database.
    secret: Mapped[str] = mapped_column(String(64))
    cancelled_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    cancel_reason: Mapped[str] = mapped_column(NFCString(500), default="")
    # Edits based on an older version are refused (two trainers editing at once).
    version: Mapped[int] = mapped_column(default=1)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)

    trainer_rows: Mapped[list[SessionTrainer]] = relationship(
        lazy="raise", cascade="all, delete-orphan"
    )
    unit_rows: Mapped[list[SessionUnit]] = relationship(lazy="raise", cascade="all, delete-orphan")
    invitee_rows: Mapped[list[SessionInvitee]] = relationship(
        lazy="raise", cascade="all, delete-orphan"
    )

    @property
    def trainer_ids(self) -> frozenset[int]:
        return frozenset(row.user_id for row in self.trainer_rows)

    @property
    def cancelled(self) -> bool:
        return self.cancelled_at is not None

    def checkin_opens_at(self) -> dt.datetime:
        return self.starts_at - dt.timedelta(minutes=self.checkin_opens_minutes)

    def checkin_closes_at(self) -> dt.datetime:
        return self.ends_at + dt.timedelta(minutes=self.checkin_closes_minutes)

    def checkin_open(self, now: dt.datetime) -> bool:
        """Whether self check-in is accepted at ``now``."""
        return (
            self.cancelled_at is None and self.checkin_opens_at() <= now <= self.checkin_closes_at()
        )

    def late_from(self) -> dt.datetime:
        return self.starts_at + dt.timedelta(minutes=self.late_after_minutes)

    @property
    def audit_label(self) -> str:
        return self.title


class SessionTrainer(Base):
    __tablename__ = "session_trainers"

    session_id: Mapped[int] = mapped_column(
        ForeignKey("training_sessions.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True
    )


class SessionUnit(Base):
    """A unit invited to a session, with every unit below it."""

    __tablename__ = "session_units"

    session_id: Mapped[int] = mapped_column(
        ForeignKey("training_sessions.id", ondelete="CASCADE"), primary_key=True
    )
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), primary_key=True, index=True)


class SessionInvitee(Base):
    """A person invited to a session by name."""

    __tablename__ = "session_invitees"

    session_id: Mapped[int] = mapped_column(
        ForeignKey("training_sessions.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True
    )


class AttendanceRecord(Base):
    """One person's attendance at one session (điểm danh). No row: not marked yet."""

    __tablename__ = "attendance_records"

    session_id: Mapped[int] = mapped_column(
        ForeignKey("training_sessions.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    status: Mapped[str] = mapped_column(String(16))
    note: Mapped[str] = mapped_column(NFCString(500), default="")
    source: Mapped[str] = mapped_column(String(16))
    # Not on the roster: came without an invitation, where the session allows it.
    walk_in: Mapped[bool] = mapped_column(default=False)
    checked_in_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    marked_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    marked_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # Raised by every change: a trainer's change based on an older version is refused.
    version: Mapped[int] = mapped_column(default=1)
    # The audit entry of the "all present" that created this record: undoing that action
    # removes exactly its records still at version 1 (not changed since).
    batch_id: Mapped[int | None] = mapped_column(default=None)

    __table_args__ = (Index("ix_attendance_records_user", "user_id", "session_id"),)
