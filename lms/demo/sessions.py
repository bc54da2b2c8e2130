"""Demo training sessions: one held last week with its attendance, one under way now (its
check-in code can be tried at once), one next week, and one online."""

from __future__ import annotations

import datetime as dt
import random

from lms.attendance import marking
from lms.attendance import services as sessions
from lms.attendance.reports import session_roster
from lms.people.models import User
from lms.timeutil import utcnow

# (days from now, hour offset, hours, title, place or link, trainer, invited units)
_PLANS = [
    (
        -7,
        0,
        3,
        "Tập huấn kỹ năng dân vận khéo ở vùng đồng bào dân tộc thiểu số",
        "Hội trường Ban CHQS Phòng thủ khu vực 1 – Hương Sơn",
        "giangvien",
        ["BCHQS-HS"],
    ),
    (
        0,
        -0.25,
        3,
        "Bồi dưỡng kỹ năng đối thoại với Nhân dân",
        "Hội trường Bộ Chỉ huy Quân sự tỉnh",
        "giangvien",
        ["BCHQS-HS-01", "BCHQS-HK"],
    ),
    (
        7,
        0,
        3,
        "Tập huấn công tác vận động đồng bào có đạo",
        "Đồn Biên phòng Cầu Treo",
        "giangvien.bdbp",
        ["BDBP"],
    ),
    (
        10,
        0,
        2,
        "Trao đổi trực tuyến: chính sách dân tộc ở khu vực biên giới",
        "https://hop.example.vn/dan-van",
        "giangvien.bdbp",
        ["BCHQS-HS"],
    ),
]


def add_sessions(rng: random.Random, users: dict[str, User], course_id: int | None = None) -> int:
    """``course_id``: the course that last week's session counts towards."""
    now = utcnow().replace(second=0, microsecond=0)
    created = 0
    for days, hour_offset, hours, title, where, trainer, unit_codes in _PLANS:
        starts = now + dt.timedelta(days=days, hours=hour_offset)
        online = where.startswith("https://")
        session = sessions.create_session(
            sessions.SessionInput(
                title=title,
                course_id=course_id if days < 0 else None,
                starts_at=starts,
                ends_at=starts + dt.timedelta(hours=hours),
                kind="online" if online else "in_person",
                place="" if online else where,
                meeting_url=where if online else "",
                trainers=[trainer],
                units=unit_codes,
            ),
            actor=users[trainer],
        )
        created += 1
        if days < 0:  # the past session: recorded as a trainer would have
            roster = session_roster(session, now).rows
            marks = [
                marking.Mark(
                    row.user_id,
                    rng.choices(("present", "late", "excused", "absent"), (80, 8, 7, 5))[0],
                )
                for row in roster
            ]
            marking.mark(session, marks, actor=users[trainer], now=starts + dt.timedelta(hours=1))
    return created
