"""The unit tree: units and the closure table that makes any subtree one indexed query."""

from __future__ import annotations

import datetime as dt
from typing import ClassVar

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.database import Base, NFCString, UTCDateTime
from lms.timeutil import utcnow

# Kinds of unit, in the order they are offered in forms. Since 1 July 2025 local government has
# two tiers (province, commune): the district kinds are kept for units recorded before then.
UNIT_KINDS = (
    "province",
    "military_command",
    "regional_defence_command",
    "district_command",
    "commune_command",
    "police",
    "district_police",
    "commune_police",
    "border_command",
    "border_post",
    "party_board",
    "mass_organisation",
    "other",
)


class Unit(Base):
    __tablename__ = "units"
    audit_type: ClassVar[str] = "unit"  # how the audit log names it, with its code

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(NFCString(255))
    kind: Mapped[str] = mapped_column(String(32))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), index=True)
    depth: Mapped[int] = mapped_column(default=0)
    active: Mapped[bool] = mapped_column(default=True)
    pilot: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    parent: Mapped[Unit | None] = relationship(remote_side=[id], lazy="raise")

    def __repr__(self) -> str:
        return f"<Unit {self.code}>"

    @property
    def audit_label(self) -> str:
        return self.code


class UnitClosure(Base):
    """One row per (ancestor, descendant) pair, the unit itself included at depth 0."""

    __tablename__ = "unit_closure"

    ancestor_id: Mapped[int] = mapped_column(
        ForeignKey("units.id", ondelete="CASCADE"), primary_key=True
    )
    descendant_id: Mapped[int] = mapped_column(
        ForeignKey("units.id", ondelete="CASCADE"), primary_key=True
    )
    depth: Mapped[int]

    __table_args__ = (Index("ix_unit_closure_descendant", "descendant_id", "ancestor_id"),)
