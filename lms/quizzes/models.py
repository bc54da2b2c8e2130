"""A course's question bank."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, Float, ForeignKey, Index, String, Text, UniqueConstraint
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
    # The course folder's .gift file the question came from (None: written on the web), and
    # the digest of the content the file and the database last agreed on (see folders.py).
    source: Mapped[str | None] = mapped_column(String(120))
    synced_hash: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)

    __table_args__ = (Index("ix_questions_course_category", "course_id", "category", "position"),)


GRADING_METHODS = ("highest", "last")
REVIEW_POLICIES = ("score", "answers", "correct_after_pass", "correct_after_last")
ATTEMPT_STATES = ("in_progress", "needs_grading", "graded")


class Quiz(Base):
    """A quiz of a course: questions drawn from the course's bank when an attempt starts."""

    __tablename__ = "quizzes"

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"))
    slug: Mapped[str] = mapped_column(String(80))
    title: Mapped[str] = mapped_column(NFCString(255))
    description: Mapped[str] = mapped_column(Text, default="")
    pass_score: Mapped[int] = mapped_column(default=70)  # percent, 0..100
    time_limit_minutes: Mapped[int | None]  # None: no time limit
    max_attempts: Mapped[int | None]  # None: unlimited
    question_count: Mapped[int | None]  # None: every question of the bank (or categories)
    # Category paths the questions are drawn from (with their subcategories); empty: the bank.
    categories: Mapped[list[str]] = mapped_column(JSON, default=list)
    # New quizzes shuffle (a neighbour's screen then tells nothing); existing rows keep theirs.
    shuffle_questions: Mapped[bool] = mapped_column(default=True)
    shuffle_choices: Mapped[bool] = mapped_column(default=True)
    grading: Mapped[str] = mapped_column(String(16), default="highest")
    review: Mapped[str] = mapped_column(String(24), default="score")
    opens_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    closes_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    published: Mapped[bool] = mapped_column(default=False)
    # A quiz defined in the course folder's course.md draws only from the questions of its
    # .gift file (``<slug>.gift``); None: made on the web, it draws from the whole bank. The
    # digest of the settings the folder and the database last agreed on (see folders.py).
    question_file: Mapped[str | None] = mapped_column(String(120))
    synced_hash: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)

    __table_args__ = (UniqueConstraint("course_id", "slug"),)


class Attempt(Base):
    """One try of a quiz by one person; its questions are frozen in AttemptQuestion rows."""

    __tablename__ = "attempts"

    id: Mapped[int] = mapped_column(primary_key=True)
    quiz_id: Mapped[int] = mapped_column(ForeignKey("quizzes.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    number: Mapped[int]  # 1, 2, ... per quiz and person
    state: Mapped[str] = mapped_column(String(16), default="in_progress")
    started_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    deadline: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())  # None: no limit
    submitted_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    score: Mapped[float | None] = mapped_column(Float)  # percent, once graded
    passed: Mapped[bool | None]

    __table_args__ = (
        UniqueConstraint("quiz_id", "user_id", "number"),
        # The sweep: open attempts by deadline.
        Index("ix_attempts_state_deadline", "state", "deadline"),
    )


class AttemptQuestion(Base):
    """A question as it was when the attempt started, and the order its choices are shown in
    (for matching: the order of the right-hand sides)."""

    __tablename__ = "attempt_questions"

    attempt_id: Mapped[int] = mapped_column(
        ForeignKey("attempts.id", ondelete="CASCADE"), primary_key=True
    )
    position: Mapped[int] = mapped_column(primary_key=True)
    question_id: Mapped[int | None] = mapped_column(
        ForeignKey("questions.id", ondelete="SET NULL"), index=True
    )
    snapshot: Mapped[dict[str, Any]] = mapped_column(JSON)
    choice_order: Mapped[list[int]] = mapped_column(JSON, default=list)


class Answer(Base):
    """The saved response to one question of an attempt, and its credit once graded."""

    __tablename__ = "answers"

    attempt_id: Mapped[int] = mapped_column(
        ForeignKey("attempts.id", ondelete="CASCADE"), primary_key=True
    )
    position: Mapped[int] = mapped_column(primary_key=True)
    response: Mapped[dict[str, Any]] = mapped_column(JSON)
    saved_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    credit: Mapped[float | None] = mapped_column(Float)  # 0..1
    graded_by: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    comment: Mapped[str] = mapped_column(Text, default="")
