"""Notifications as kinds with the ids they are about, rendered in the reader's language when
shown; the e-mail choices of each person."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from lms.database import Base, UTCDateTime
from lms.timeutil import utcnow

# What a notification can be about; object_id is the id of the thing named after the colon.
KINDS = (
    "course_due_soon",  # course: an open enrollment due within 7 days
    "course_overdue",  # course: an open enrollment past its due date
    "session_tomorrow",  # training session: starts tomorrow (local date)
    "certificate_issued",  # certificate
    "quiz_graded",  # attempt: its score became final while the person was not looking
    "commander_reminder",  # course: a commander's reminder to finish an overdue course
)

# E-mail states: None (no e-mail for it), pending (to send), sending (claimed by a run,
# outcome not yet recorded), sent, failed (gave up after MAX_EMAIL_ATTEMPTS), interrupted (a
# run stopped between claiming and recording: it may or may not have gone out; never resent).
EMAIL_STATES = ("pending", "sending", "sent", "failed", "interrupted")


class Notification(Base):
    """One thing one person is told, once: (user, kind, object, occasion) is unique, so a
    command that runs twice, or two at once, cannot tell it twice. The occasion is what makes
    a new telling of the same thing worth it: the due date (a changed date is a new event),
    the session's start, the local day of a commander's reminder; empty for one-off events."""

    __tablename__ = "notifications"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(32))
    object_id: Mapped[int]
    occasion: Mapped[str] = mapped_column(String(40), default="")
    # What the text needs that the object does not keep (who sent a reminder).
    params: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    read_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    email_state: Mapped[str | None] = mapped_column(String(16))
    email_attempts: Mapped[int] = mapped_column(default=0, server_default="0")
    email_to: Mapped[str | None] = mapped_column(String(254))
    email_error: Mapped[str] = mapped_column(String(500), default="", server_default="")
    email_tried_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())  # last claim
    email_sent_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())

    __table_args__ = (
        UniqueConstraint("user_id", "kind", "object_id", "occasion"),
        # The bell: a person's unread ones.
        Index("ix_notifications_user_read", "user_id", "read_at"),
        # The e-mail run: what is pending or left claimed.
        Index("ix_notifications_email_state", "email_state"),
    )


class EmailChoice(Base):
    """Whether a person wants e-mail for one kind of notification. No row: the default (yes);
    saving the form writes a row for every kind."""

    __tablename__ = "notification_email_choices"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    kind: Mapped[str] = mapped_column(String(32), primary_key=True)
    wanted: Mapped[bool]
