"""Filling an empty database with a demo province, small (to try) or large (to benchmark)."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from flask import current_app
from sqlalchemy import delete, func, insert, select, text, update
from sqlalchemy.orm import selectinload
from werkzeug.security import generate_password_hash

from lms.audit import services as audit
from lms.certificates.services import rebuild_certified
from lms.courses.models import Course, CourseOwner
from lms.database import Base
from lms.demo import data
from lms.demo.activity import ActivityResult, add_activity, recount
from lms.demo.sessions import add_sessions
from lms.demo.training import DEMO_COURSE, NAMED, TrainingResult, add_training, demo_courses
from lms.extensions import db
from lms.people.checks import search_key
from lms.people.models import UnitMembership, User, UserRole
from lms.quizzes import best_scores
from lms.reports import kept_sums, sums_hooks
from lms.text import fold
from lms.timeutil import local_today, utcnow
from lms.units.models import Unit
from lms.units.services import rebuild_closure

DEMO_PASSWORD = "DanVan@2026"  # noqa: S105 - printed for everyone on purpose


@dataclass
class DemoResult:
    units: int = 0
    people: int = 0
    sessions: int = 0
    training: TrainingResult | None = None  # None: no published course in the database
    # The large demo's history of training (None: the small demo, or no course).
    activity: ActivityResult | None = None


@dataclass
class _Plan:
    units: list[dict[str, Any]] = field(default_factory=list)
    people: list[dict[str, Any]] = field(default_factory=list)

    def unit(
        self, code: str, name: str, kind: str, parent: str | None, pilot: bool = False
    ) -> None:
        self.units.append(
            {"code": code, "name": name, "kind": kind, "parent": parent, "pilot": pilot}
        )

    def person(
        self,
        username: str,
        full_name: str,
        unit: str | None,
        roles: list[str],
        rank: str = "",
        position: str = "",
    ) -> None:
        self.people.append(
            {
                "username": username,
                "full_name": full_name,
                "unit": unit,
                "roles": roles,
                "rank": rank,
                "position": position,
            }
        )


def analyze() -> None:
    """Refresh the planner's statistics after the bulk load (after its commit): without them
    PostgreSQL plans the first reports over 100,000 fresh rows as for empty tables, until
    autovacuum catches up."""
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(text("ANALYZE"))
        db.session.commit()


def has_data() -> bool:
    return bool(
        db.session.scalar(select(func.count()).select_from(Unit))
        or db.session.scalar(select(func.count()).select_from(User))
    )


# Course content stays: it comes from courses/ (lms init) or from trainers, not from the demo.
# Quizzes and their questions are course content too: without them a second demo finds the
# courses' required quizzes gone.
KEPT_TABLES = {"courses", "modules", "module_revisions", "media_files", "quizzes", "questions"}


def wipe() -> None:
    """Delete units, accounts and everything recorded about them, children first."""
    for table in reversed(Base.metadata.sorted_tables):
        if table.name not in KEPT_TABLES:
            db.session.execute(delete(table))


LARGE_CADRES = 20_000


def load(
    size: str, *, seed: int = 2026, courses_dir: Path | None = None, scale: float = 1.0
) -> DemoResult:
    """``courses_dir``: where to sync the shipped courses from if the database lacks them.
    ``scale``: the large demo's size as a share of the province (its cadres and communes:
    tests run it at 1-2%)."""
    # The demo writes around the session; the review's sums are counted once at the end.
    with sums_hooks.suspended():
        result = _load(size, seed=seed, courses_dir=courses_dir, scale=scale)
    kept_sums.rebuild()
    return result


def _load(size: str, *, seed: int, courses_dir: Path | None, scale: float) -> DemoResult:
    rng = random.Random(seed)  # noqa: S311 - demo names, not secrets
    courses = demo_courses(courses_dir)  # before the accounts: the demo trainers edit them
    large = size == "large"
    plan = _Plan()
    _units(plan, _regions(size), large=large, scale=scale)
    _named_accounts(plan)
    _cadres(plan, rng, max(round(LARGE_CADRES * scale), 100) if large else 4)
    result = _write(plan)
    if large and courses:
        result.activity = add_activity(courses, rng, utcnow(), keep=NAMED)
    trainers = {
        user.username: user
        for user in db.session.scalars(
            select(User)
            .where(User.username.in_(["giangvien", "giangvien.bdbp"]))
            .options(selectinload(User.role_rows))
        )
    }
    demo_course = next((c for c in courses if c.slug == DEMO_COURSE), None)
    result.sessions = add_sessions(rng, trainers, demo_course.id if demo_course else None)
    if courses:
        result.training = add_training(courses, rng, story_only=result.activity is not None)
    if result.activity is not None:
        recount(result.activity, local_today(current_app.config["TIMEZONE"]))
        result.sessions = result.activity.sessions
    if result.activity is not None:
        # The large demo writes attempts and certificates around the services that keep
        # these (the small one goes through the services).
        best_scores.rebuild()
        rebuild_certified()
    return result


# Communes per regional command in the large demo: Hương Sơn's region (invited to last week's
# session, ~780 cadres) as large as a former district, the others larger.
COMMUNES_PER_REGION_LARGE = {"HS": 36}
COMMUNES_PER_OTHER_REGION_LARGE = 111


def _regions(size: str) -> list[tuple[str, str, list[str], list[str]]]:
    if size != "large":
        return data.REGIONS
    return data.REGIONS + [(code, name, former, []) for code, name, former in data.MORE_REGIONS]


def _units(
    plan: _Plan,
    regions: list[tuple[str, str, list[str], list[str]]],
    *,
    large: bool,
    scale: float = 1.0,
) -> None:
    """Province → Military Command → regional defence commands → commune military commands;
    Police → commune police; Border Guard → border posts (the two-tier structure of 2025)."""
    root_code, root_name, root_kind = data.PROVINCE
    plan.unit(root_code, root_name, root_kind, None)
    for code, name, kind in data.TOP_UNITS:
        plan.unit(code, name, kind, root_code)
    for index, (code, name, _former, communes) in enumerate(regions):
        pilot = index < 2  # the directive pilots the programme in a few regions first
        plan.unit(f"BCHQS-{code}", name, "regional_defence_command", "BCHQS", pilot)
        names = list(communes)
        if large:
            area = name.rsplit("– ", 1)[-1]
            wanted = COMMUNES_PER_REGION_LARGE.get(code, COMMUNES_PER_OTHER_REGION_LARGE)
            wanted = max(round(wanted * scale), 1)
            names += [f"xã số {n} (khu vực {area})" for n in range(len(names) + 1, wanted + 1)]
        for number, commune in enumerate(names, start=1):
            plan.unit(
                f"BCHQS-{code}-{number:02d}",
                f"Ban Chỉ huy Quân sự {commune}",
                "commune_command",
                f"BCHQS-{code}",
                pilot,
            )
            plan.unit(
                f"CAT-{code}-{number:02d}",
                f"Công an {commune}",
                "commune_police",
                "CAT",
                pilot,
            )
    for index, (code, name) in enumerate(data.BORDER_POSTS):
        plan.unit(code, name, "border_post", "BDBP", pilot=index < 3)


def _named_accounts(plan: _Plan) -> None:
    for username, full_name, unit, roles, rank, position in data.NAMED_ACCOUNTS:
        plan.person(username, full_name, unit, roles, rank, position)


def demo_logins() -> list[tuple[str, str, str]]:
    """(username, roles, unit code) of the accounts worth signing in with."""
    return [
        (username, ", ".join(roles), unit or "—")
        for username, _name, unit, roles, _rank, _position in data.NAMED_ACCOUNTS
    ]


def _cadres(plan: _Plan, rng: random.Random, per_unit_or_total: int) -> None:
    """Small: a few cadres in every unit below the top level. Large: 20,000 spread over them."""
    targets = [(u["code"], u["kind"]) for u in plan.units if u["kind"] in data.POSITIONS_BY_KIND]
    total = per_unit_or_total * len(targets) if per_unit_or_total < 100 else per_unit_or_total
    taken = {p["username"] for p in plan.people}
    for index in range(total):
        unit, kind = targets[index % len(targets)]
        middle = "Thị" if rng.random() < 0.15 else rng.choice(data.MIDDLE_NAMES[:-1])
        full_name = f"{rng.choice(data.FAMILY_NAMES)} {middle} {rng.choice(data.GIVEN_NAMES)}"
        username = f"{fold(full_name).replace(' ', '')}{index + 1}"
        while username in taken:
            username += "x"
        taken.add(username)
        position = rng.choice(data.POSITIONS_BY_KIND[kind])
        ranks = data.ENLISTED_RANKS if position == "Chiến sĩ" else data.OFFICER_RANKS
        plan.person(username, full_name, unit, ["cadre"], rng.choice(ranks), position)


def _give_courses_to_demo_trainers(user_ids: dict[str, int]) -> None:
    """Let the demo trainers edit the shipped courses, so that authoring can be tried."""
    trainers = [user_ids[name] for name in ("giangvien", "giangvien.bdbp")]
    course_ids = db.session.scalars(select(Course.id)).all()
    rows = [{"course_id": c, "user_id": t} for c in course_ids for t in trainers]
    if rows:
        db.session.execute(insert(CourseOwner), rows)


def _write(plan: _Plan) -> DemoResult:
    now = utcnow()
    db.session.execute(
        insert(Unit),
        [
            {
                "code": u["code"],
                "name": u["name"],
                "kind": u["kind"],
                "pilot": u["pilot"],
                "active": True,
                "depth": 0,
                "created_at": now,
                "updated_at": now,
            }
            for u in plan.units
        ],
    )
    unit_ids = dict(db.session.execute(select(Unit.code, Unit.id)).all())
    db.session.execute(
        update(Unit),
        [
            {"id": unit_ids[u["code"]], "parent_id": unit_ids[u["parent"]]}
            for u in plan.units
            if u["parent"]
        ],
    )
    rebuild_closure()

    # One hash for every demo account: hashing 20,000 passwords one by one would take minutes
    # and protects nothing here, since the demo password is printed for everyone.
    password_hash = generate_password_hash(DEMO_PASSWORD)
    people = plan.people
    db.session.execute(
        insert(User),
        [
            {
                "username": p["username"],
                "full_name": p["full_name"],
                "search_key": search_key(p["full_name"], p["username"]),
                "rank": p["rank"],
                "position": p["position"],
                "unit_id": unit_ids.get(p["unit"]) if p["unit"] else None,
                "password_hash": password_hash,
                "active": True,
                "must_change_password": False,
                "created_at": now,
                "updated_at": now,
            }
            for p in people
        ],
    )
    user_ids = dict(db.session.execute(select(User.username, User.id)).all())
    db.session.execute(
        insert(UserRole),
        [{"user_id": user_ids[p["username"]], "role": role} for p in people for role in p["roles"]],
    )
    db.session.execute(
        insert(UnitMembership),
        [
            {"user_id": user_ids[p["username"]], "unit_id": unit_ids[p["unit"]], "started_at": now}
            for p in people
            if p["unit"]
        ],
    )
    _give_courses_to_demo_trainers(user_ids)
    audit.record(
        "demo.load",
        audit.Target("system", None),
        actor="demo",
        after={"units": len(plan.units), "people": len(people)},
    )
    return DemoResult(units=len(plan.units), people=len(people))
