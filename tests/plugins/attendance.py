"""Attendance: the training-session factory."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from lms.extensions import db


@pytest.fixture
def make_session(people):
    """A training session run by the trainer, inviting units (codes) and people (usernames)."""
    from lms.attendance import queries as session_queries
    from lms.attendance import services as sessions

    def make(
        *,
        units: tuple[str, ...] = ("HS",),
        invitees: tuple[str, ...] = (),
        starts_at: dt.datetime | None = None,
        hours: float = 2,
        course_id: int | None = None,
        trainers: tuple[str, ...] = ("giangvien",),
        **kwargs: Any,
    ):
        starts_at = starts_at or dt.datetime(2026, 12, 1, 1, 0, tzinfo=dt.UTC)  # 08:00 local
        session = sessions.create_session(
            sessions.SessionInput(
                title=kwargs.pop("title", "Tập huấn kỹ năng dân vận"),
                starts_at=starts_at,
                ends_at=starts_at + dt.timedelta(hours=hours),
                place=kwargs.pop("place", "Hội trường Ban CHQS huyện Hương Sơn"),
                course_id=course_id,
                trainers=list(trainers),
                units=list(units),
                invitees=list(invitees),
                **kwargs,
            ),
            actor=people["trainer"],
        )
        db.session.commit()
        return session_queries.get_session(session.id)

    return make
