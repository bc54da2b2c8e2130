"""The large demo's training sessions: a few hundred held across the units over the periods,
each for a course, with every cadre on its roster marked (present, late, excused, absent; by
self check-in or by the trainer), and a few still to come."""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from sqlalchemy import insert

from lms.attendance.codes import new_secret
from lms.attendance.models import (
    AttendanceRecord,
    SessionTrainer,
    SessionUnit,
    TrainingSession,
)
from lms.demo.bulk import insert_rows
from lms.demo.timeline import Cadre, Clock, Province
from lms.extensions import db

PEOPLE_PER_SESSION = 65  # one session held for every this many cadres
HOURS = 3
LATE_AFTER = 15  # minutes (the sessions' default)


def _groups(province: Province) -> list[list[int]]:
    """Units that train together: the commune commands of a region, the commune police of a
    region, the border posts."""
    groups: dict[tuple[str, str], list[int]] = {}
    for unit_id, unit in sorted(province.units.items()):
        if unit.kind in ("commune_command", "commune_police", "border_post"):
            groups.setdefault((unit.kind, province.region(unit_id)), []).append(unit_id)
    return list(groups.values())


def _members(cadres: list[Cadre]) -> dict[int, list[tuple[Cadre, dt.datetime, dt.datetime | None]]]:
    members: dict[int, list[tuple[Cadre, dt.datetime, dt.datetime | None]]] = {}
    for cadre in cadres:
        for unit_id, start, end in cadre.history:
            members.setdefault(unit_id, []).append((cadre, start, end))
    return members


def write(
    province: Province,
    clock: Clock,
    rng: random.Random,
    courses: list[tuple[int, str]],
    trainers: dict[str, int],
) -> tuple[int, int]:
    """``courses``: (id, title) of the courses sessions are held for; ``trainers``: the demo
    trainers' ids by username. Returns (sessions, attendance records)."""
    groups = _groups(province)
    members = _members(province.cadres)
    held = max(len(groups), len(province.cadres) // PEOPLE_PER_SESSION)
    coming = max(2, held // 40)
    first = clock.base + dt.timedelta(days=45)
    span = (clock.now - first).days - 2
    sessions, invited, records = [], [], []
    for number in range(held + coming):
        group = groups[number % len(groups)]
        units = sorted(rng.sample(group, min(len(group), rng.randint(5, 10))))
        if number < held:
            day = (first + dt.timedelta(days=rng.randint(0, span))).astimezone(clock.zone).date()
        else:
            day = clock.today + dt.timedelta(days=rng.randint(5, 40))
        while day.weekday() > 4:  # on a working day
            day -= dt.timedelta(days=1)
        starts = clock.local(day, rng.choice((7.5, 13.5)))
        course_id, title = rng.choice(courses)
        border = province.units[units[0]].kind == "border_post"
        trainer = trainers["giangvien.bdbp" if border else "giangvien"]
        host = province.units[province.ancestors[units[0]][1]]
        created = min(starts - dt.timedelta(days=rng.randint(7, 20)), clock.now)
        sessions.append(
            {
                "title": f"Tập huấn: {title}",
                "course_id": course_id,
                "kind": "in_person",
                "place": f"Hội trường {host.name}",
                "starts_at": starts,
                "ends_at": starts + dt.timedelta(hours=HOURS),
                "late_after_minutes": LATE_AFTER,
                "secret": new_secret(),
                "created_by": trainer,
                "created_at": created,
                "updated_at": created,
            }
        )
        invited.append((units, trainer, starts if number < held else None))
    statement = insert(TrainingSession).returning(TrainingSession.id, sort_by_parameter_order=True)
    ids = db.session.scalars(statement, sessions).all()
    for session_id, (units, trainer, held_at) in zip(ids, invited, strict=True):
        if held_at is None:
            continue
        for unit_id in units:
            strength = province.pace(unit_id)
            for cadre, start, end in members.get(unit_id, []):
                if start <= held_at and (end is None or held_at < end):
                    records.append(_record(rng, session_id, cadre, trainer, held_at, strength))
    insert_rows(
        SessionUnit.__table__,
        [
            {"session_id": s, "unit_id": u}
            for s, (units, _t, _s) in zip(ids, invited, strict=True)
            for u in units
        ],
    )
    insert_rows(
        SessionTrainer.__table__,
        [{"session_id": s, "user_id": t} for s, (_u, t, _s) in zip(ids, invited, strict=True)],
    )
    return len(ids), insert_rows(AttendanceRecord.__table__, records)


def _record(
    rng: random.Random,
    session_id: int,
    cadre: Cadre,
    trainer: int,
    starts: dt.datetime,
    strength: float,
) -> dict[str, Any]:
    present = 0.78 + 0.06 * strength + 0.03 * cadre.diligence
    status = rng.choices(("present", "late", "excused", "absent"), (present, 0.08, 0.07, 0.07))[0]
    row = {
        "session_id": session_id,
        "user_id": cadre.id,
        "status": status,
        "note": "",
        "walk_in": False,
        "version": 1,
    }
    if status in ("present", "late") and rng.random() < 0.6:  # checked in on their phone
        minutes = rng.randint(-25, LATE_AFTER - 1) if status == "present" else rng.randint(16, 50)
        moment = starts + dt.timedelta(minutes=minutes, seconds=rng.randint(0, 59))
        return {
            **row,
            "source": "checkin",
            "checked_in_at": moment,
            "marked_by": cadre.id,
            "marked_at": moment,
        }
    moment = starts + dt.timedelta(hours=HOURS, minutes=rng.randint(0, 40))
    return {
        **row,
        "source": "trainer",
        "checked_in_at": None,
        "marked_by": trainer,
        "marked_at": moment,
    }
