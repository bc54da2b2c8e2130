"""What the reports keep: the review's sums per unit, course, due date and completion month."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Date, Float, ForeignKey, Index
from sqlalchemy.orm import Mapped, mapped_column

from lms.database import Base


class CompletionSum(Base):
    """The enrollments (of active accounts, with a due date) placed in a unit for a course and
    due date, by the local month they were completed in: every figure of the dashboard and the
    report is a sum of these rows. Kept exact by ``lms.reports.kept_sums``, in the same
    transaction as every write to what they count."""

    __tablename__ = "completion_sums"

    # Where the enrollment counts: its person's unit at the end of the due date.
    unit_id: Mapped[int] = mapped_column(
        ForeignKey("units.id", ondelete="CASCADE"), primary_key=True, autoincrement=False
    )
    course_id: Mapped[int] = mapped_column(
        ForeignKey("courses.id", ondelete="CASCADE"), primary_key=True, autoincrement=False
    )
    due_date: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    # ``lms.reports.localtime.month_index`` of the local completion month; 0: not completed.
    completed_in: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    enrolled: Mapped[int]
    on_time: Mapped[int]
    score_sum: Mapped[float] = mapped_column(Float)  # of the best scores, over ``scored``
    scored: Mapped[int]
    certified: Mapped[int]

    __table_args__ = (Index("ix_completion_sums_due_date", "due_date"),)
