"""A course's question bank."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from lms.database import Base, NFCString, UTCDateTime
from lms.timeutil import utcnow


class Question(Base):
    """A question of a course's bank. ``content`` holds the fields of lms.quizzes.gift.Question
    (text, choices, numeric answers, pairs, feedback), so that GIFT files, forms and grading
    all read one shape; attempts will keep their own copy, so editing never rewrites them."""

    __tablename__ = "questions"

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"))
    category: Mapped[str] = mapped_column(NFCString(255), default="")
    kind: Mapped[str] = mapped_column(String(16))
    title: Mapped[str] = mapped_column(NFCString(255), default="")
    content: Mapped[dict[str, Any]] = mapped_column(JSON)
    # Short answers: whether "dan van" may match "dân vận" (not expressible in GIFT).
    ignore_diacritics: Mapped[bool] = mapped_column(default=False)
    position: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)

    __table_args__ = (Index("ix_questions_course_category", "course_id", "category", "position"),)
