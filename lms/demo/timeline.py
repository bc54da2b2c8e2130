"""When things happen in the large demo's history: the half-years the reviews cover (the two
before the current one, the current one, the next), the due dates of each course's waves of
assignments within them, and the province as it was: units, cadres, and who moved when.

Everything is relative to the day the demo is loaded, so that the dashboard's periods (this
half-year, the last one, this year, last year) always have data."""

from __future__ import annotations

import calendar
import datetime as dt
import random
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from sqlalchemy import select, update

from lms.extensions import db
from lms.people.models import UnitMembership, User, UserRole
from lms.units.models import Unit, UnitClosure

# Each course's waves: (units, half-year from the current one, how far into it the due date
# falls). Units are codes, or "@pilot:<kind>" for every pilot unit of that kind (the
# directive pilots the programme there first). A unit already enrolled by an earlier wave
# keeps its enrollment: the later, wider assignment enrols only the others.
PILOTS = ["@pilot:commune_command", "@pilot:commune_police", "@pilot:border_post"]
WAVES: dict[str, list[tuple[list[str], int, float]]] = {
    "quan-triet-chi-thi-dan-van": [
        (["BCHQS-HS", "BCHQS-HK", *PILOTS[1:]], -2, 0.8),
        (["BCHQS", "CAT", "BDBP"], -1, 0.45),
    ],
    "tiep-dan-nam-tinh-hinh-phoi-hop": [
        (["@pilot:commune_police"], -2, 0.8),
        (["CAT"], -2, 0.97),
        (["BDBP"], -1, 0.45),
        (["BCHQS"], 0, 0.45),
    ],
    "co-so-phap-ly-dan-van": [
        (["BCHQS-HS", "BCHQS-HK", "BDBP"], -1, 0.97),
        (["BCHQS-KA", "BCHQS-TH", "BCHQS-CL"], 0, 0.45),
        (["CAT"], 0, 0.8),
    ],
    "dia-ban-vung-dac-thu": [
        (["BDBP"], -1, 0.8),
        (["BCHQS-HS"], -1, 0.97),
        (["BCHQS"], 0, 0.8),
        (["CAT"], 0, 0.97),
    ],
    "dan-van-kheo": [
        (["BCHQS-HS", "BCHQS-HK", "@pilot:border_post"], 0, 0.97),
        (["BCHQS", "CAT", "BDBP"], 1, 0.45),
    ],
    "to-chuc-thuc-hien-lam-diem": [
        (PILOTS, 0, 0.8),
        (["HT"], 1, 0.97),
    ],
}
OTHER_WAVES = [(["HT"], 0, 0.97)]  # a published course the programme does not list

# How fast each region moves (a z-score): the pilot regions ahead, Thạch Hà behind.
REGION_PACE = {"HS": 0.6, "HK": 0.45, "KA": 0.0, "TH": -0.6, "CL": -0.3, "BDBP": 0.25}
TRANSFERRED = 0.04  # share of cadres moved to another unit of the same kind
LEAD_DAYS = (75, 120)  # how long before its due date a wave is assigned


def half_start(year: int, half: int) -> dt.date:
    return dt.date(year, 1 if half == 1 else 7, 1)


def shift_half(year: int, half: int, offset: int) -> tuple[int, int]:
    index = year * 2 + (half - 1) + offset
    return index // 2, index % 2 + 1


@dataclass
class Clock:
    now: dt.datetime
    zone: ZoneInfo

    @property
    def today(self) -> dt.date:
        return self.now.astimezone(self.zone).date()

    def due_date(self, offset: int, fraction: float) -> dt.date:
        """The last day of the month ``fraction`` of the way into the half-year ``offset``
        halves from the current one (due dates are ends of months)."""
        today = self.today
        year, half = shift_half(today.year, 1 if today.month <= 6 else 2, offset)
        start = half_start(year, half)
        end = half_start(*shift_half(year, half, 1))
        day = start + dt.timedelta(days=int((end - start).days * fraction))
        return day.replace(day=calendar.monthrange(day.year, day.month)[1])

    @property
    def base(self) -> dt.datetime:
        """When the demo's accounts were made: before the oldest wave was assigned."""
        year, half = shift_half(self.today.year, 1 if self.today.month <= 6 else 2, -3)
        return self.local(half_start(year, half), 8.0)

    def local(self, day: dt.date, hour: float) -> dt.datetime:
        moment = dt.datetime.combine(day, dt.time(), tzinfo=self.zone)
        return (moment + dt.timedelta(hours=hour)).astimezone(dt.UTC)

    def due_end(self, day: dt.date) -> dt.datetime:
        """The end of a due date, local time (on time means completed by then)."""
        return self.local(day + dt.timedelta(days=1), 0.0)

    def daytime(self, moment: dt.datetime) -> dt.datetime:
        """``moment`` moved into the waking hours of its local day (07:00–21:00), keeping the
        order of any two moments."""
        local = moment.astimezone(self.zone)
        midnight = local.replace(hour=0, minute=0, second=0, microsecond=0)
        fraction = (local - midnight) / dt.timedelta(days=1)
        waking = midnight + dt.timedelta(hours=7 + 14 * fraction)
        return waking.replace(microsecond=0).astimezone(dt.UTC)


@dataclass
class Cadre:
    id: int
    username: str
    full_name: str
    rank: str
    position: str
    # (unit id, from, until: None = now), oldest first.
    history: list[tuple[int, dt.datetime, dt.datetime | None]] = field(default_factory=list)
    diligence: float = 0.0

    def unit_at(self, moment: dt.datetime) -> int | None:
        for unit_id, start, end in self.history:
            if start <= moment and (end is None or moment < end):
                return unit_id
        return None


@dataclass
class Province:
    """The units (id -> code, kind, pilot, name, parent), each unit's ancestors (itself
    first, up to the province) and the cadres."""

    units: dict[int, Unit]
    ancestors: dict[int, list[int]]
    ids: dict[str, int]
    cadres: list[Cadre]

    def region(self, unit_id: int) -> str:
        code = self.units[unit_id].code
        if code.startswith(("BCHQS-", "CAT-")):
            return code.split("-")[1]
        return "BDBP" if code.startswith(("DBP-", "BDBP")) else "HT"

    def pace(self, unit_id: int) -> float:
        return REGION_PACE.get(self.region(unit_id), 0.0) + (
            0.4 if self.units[unit_id].pilot else 0.0
        )

    def select(self, selector: str) -> list[int]:
        if selector.startswith("@pilot:"):
            kind = selector.split(":", 1)[1]
            return sorted(i for i, u in self.units.items() if u.kind == kind and u.pilot)
        return [self.ids[selector]] if selector in self.ids else []


def load_province(rng: random.Random) -> Province:
    units = {unit.id: unit for unit in db.session.scalars(select(Unit).order_by(Unit.id))}
    ancestors: dict[int, list[int]] = {}
    for descendant, ancestor in db.session.execute(
        select(UnitClosure.descendant_id, UnitClosure.ancestor_id).order_by(
            UnitClosure.descendant_id, UnitClosure.depth
        )
    ):
        ancestors.setdefault(descendant, []).append(ancestor)
    cadres = [
        Cadre(row.id, row.username, row.full_name, row.rank, row.position)
        for row in db.session.execute(
            select(User.id, User.username, User.full_name, User.rank, User.position)
            .join(UserRole, UserRole.user_id == User.id)
            .where(UserRole.role == "cadre", User.active.is_(True), User.unit_id.is_not(None))
            .order_by(User.id)
        )
    ]
    for cadre in cadres:
        cadre.diligence = rng.gauss(0.0, 1.0)
    return Province(units, ancestors, {u.code: i for i, u in units.items()}, cadres)


def settle_history(province: Province, clock: Clock, rng: random.Random, keep: set[str]) -> int:
    """Date every account, unit and membership from ``clock.base`` and move a share of the
    cadres (not those named in ``keep``) to another unit of the same kind at some moment of
    the periods: their first membership closes, a new one opens, their unit is the new one.
    Returns how many moved."""
    base = clock.base
    for model in (Unit, User):
        db.session.execute(update(model).values(created_at=base, updated_at=base))
    db.session.execute(update(UnitMembership).values(started_at=base))
    memberships = {
        row.user_id: (row.id, row.unit_id)
        for row in db.session.execute(
            select(UnitMembership.id, UnitMembership.user_id, UnitMembership.unit_id).where(
                UnitMembership.ended_at.is_(None)
            )
        )
    }
    by_kind: dict[str, list[int]] = {}
    for unit_id, unit in province.units.items():
        by_kind.setdefault(unit.kind, []).append(unit_id)
    span = (clock.now - base).days - 10
    moves, closed = [], []
    for cadre in province.cadres:
        membership_id, unit_id = memberships[cadre.id]
        cadre.history = [(unit_id, base, None)]
        kind = province.units[unit_id].kind
        if (
            cadre.username in keep
            or kind not in ("commune_command", "commune_police", "border_post")
            or rng.random() >= TRANSFERRED
        ):
            continue
        target = rng.choice([u for u in by_kind[kind] if u != unit_id])
        when = clock.daytime(base + dt.timedelta(days=rng.randint(60, span)))
        cadre.history = [(unit_id, base, when), (target, when, None)]
        moves.append((cadre.id, target, when))
        closed.append({"id": membership_id, "ended_at": when})
    if moves:
        db.session.execute(update(UnitMembership), closed)
        db.session.execute(
            UnitMembership.__table__.insert(),
            [{"user_id": u, "unit_id": t, "started_at": w, "ended_at": None} for u, t, w in moves],
        )
        db.session.execute(update(User), [{"id": u, "unit_id": t} for u, t, _w in moves])
    return len(moves)
