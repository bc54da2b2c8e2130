"""Temporary passwords of a web import, waiting to be downloaded once."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from lms.database import Base, UTCDateTime
from lms.timeutil import utcnow


class PasswordHandout(Base):
    """The passwords file of one import, encrypted under a key that only the admin's page holds
    (the database keeps its digest to find the row, never the key). Deleted when downloaded;
    refused, then purged, once expired."""

    __tablename__ = "password_handouts"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_digest: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), index=True)
    ciphertext: Mapped[bytes] = mapped_column(LargeBinary)
