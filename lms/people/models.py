"""Accounts, their roles and their history of units."""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import ClassVar

from flask_login import UserMixin
from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.database import Base, NFCString, UTCDateTime
from lms.timeutil import utcnow
from lms.units.models import Unit

ROLES = ("cadre", "trainer", "commander", "admin")


class User(UserMixin, Base):
    __tablename__ = "users"
    audit_type: ClassVar[str] = "user"  # how the audit log names it, with its username

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    full_name: Mapped[str] = mapped_column(NFCString(200))
    # full name and username folded (lower case, no diacritics), for search.
    search_key: Mapped[str] = mapped_column(String(300), index=True)
    rank: Mapped[str] = mapped_column(NFCString(64), default="")
    position: Mapped[str] = mapped_column(NFCString(120), default="")
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), index=True)
    email: Mapped[str | None] = mapped_column(String(254))
    password_hash: Mapped[str] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(default=True)
    locale: Mapped[str | None] = mapped_column(String(8))
    must_change_password: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
    last_login_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    # Part of every session token: raised on sign-out, so that a copied cookie dies with it.
    session_generation: Mapped[int] = mapped_column(default=0, server_default="0")

    unit: Mapped[Unit | None] = relationship(lazy="raise")
    role_rows: Mapped[list[UserRole]] = relationship(
        lazy="raise", cascade="all, delete-orphan", order_by="UserRole.role"
    )

    @property
    def roles(self) -> frozenset[str]:
        return frozenset(row.role for row in self.role_rows)

    def has_role(self, *roles: str) -> bool:
        return not self.roles.isdisjoint(roles)

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive accounts
        return self.active

    @property
    def session_token(self) -> str:
        """What the session cookie holds: the id, the session generation and a digest of the
        password hash, so that signing out, or a password change or reset, signs the account
        out everywhere else (a session whose token no longer matches is refused)."""
        digest = hashlib.sha256(self.password_hash.encode()).hexdigest()[:16]
        return f"{self.id}:{self.session_generation}:{digest}"

    def get_id(self) -> str:
        return self.session_token

    def __repr__(self) -> str:
        return f"<User {self.username}>"

    @property
    def audit_label(self) -> str:
        return self.username


class UserRole(Base):
    __tablename__ = "user_roles"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    role: Mapped[str] = mapped_column(String(16), primary_key=True)

    __table_args__ = (Index("ix_user_roles_role", "role", "user_id"),)


class UnitMembership(Base):
    """Who was in which unit when: certificates and reports use the unit at the time."""

    __tablename__ = "unit_memberships"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    started_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    ended_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())

    unit: Mapped[Unit] = relationship(lazy="raise")
