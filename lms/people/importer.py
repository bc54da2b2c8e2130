"""Importing accounts from CSV/XLSX: all rows valid, or nothing written."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import insert, select
from sqlalchemy.orm import selectinload

from lms.audit import services as audit
from lms.auth import passwords
from lms.errors import ImportRefused, InvalidInput, Problem
from lms.extensions import db
from lms.people.checks import (
    USERNAME_PATTERN,
    details_problems,
    normalize_username,
    placement_problems,
    search_key,
)
from lms.people.models import UnitMembership, User, UserRole
from lms.people.services import snapshot, update_user
from lms.people.signals import accounts_placed
from lms.tabular import read_rows
from lms.text import clean
from lms.timeutil import utcnow
from lms.units.models import Unit
from lms.units.services import normalize_code

COLUMNS = ("username", "full_name", "unit_code", "rank", "position", "roles", "email", "password")
REQUIRED = ("username", "full_name", "unit_code")


@dataclass
class UserImportResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    # (username, full name, unit code, temporary password) for each new account without one
    temporary_passwords: list[tuple[str, str, str, str]] = field(default_factory=list)


@dataclass
class AccountChange:
    """One existing account the file changes: the fields that differ, before and after."""

    username: str
    before: dict[str, Any]
    after: dict[str, Any]
    password_set: bool = False

    @property
    def transferred(self) -> bool:
        return "unit" in self.after


@dataclass
class UserPlan:
    """What a valid file would do, worked out without writing anything."""

    specs: dict[str, dict[str, Any]]
    columns: set[str]
    existing: dict[str, User]
    created: list[str]  # usernames of the new accounts, in the file's order
    changes: list[AccountChange]
    unchanged: int

    @property
    def temporary_password_count(self) -> int:
        return len([n for n in self.created if not self.specs[n]["password"]])


def import_users(
    source: str | Path | IO[bytes],
    *,
    actor: audit.Actor,
    min_password_length: int = 10,
) -> UserImportResult:
    plan = plan_users(source, actor=actor, min_password_length=min_password_length)
    return apply_users(plan, actor=actor)


def plan_users(
    source: str | Path | IO[bytes], *, actor: audit.Actor = None, min_password_length: int = 10
) -> UserPlan:
    """Read and check an accounts file; raise ImportRefused with every problem, or return what
    it would change. Writes nothing (and hashes nothing): the web import's dry run shows it."""
    rows = read_rows(source, COLUMNS, REQUIRED)
    columns = set(rows[0].values) if rows else set()
    units = dict(db.session.execute(select(Unit.code, Unit)).all())
    usernames = [normalize_username(row.get("username")) for row in rows]
    current_unit_ids: dict[str, int | None] = {}
    for start in range(0, len(usernames), 900):
        current_unit_ids.update(
            db.session.execute(
                select(User.username, User.unit_id).where(
                    User.username.in_(usernames[start : start + 900])
                )
            ).all()
        )
    problems: list[Problem] = []
    specs: dict[str, dict[str, Any]] = {}
    first_line: dict[str, int] = {}

    for row in rows:
        username = normalize_username(row.get("username"))
        if not USERNAME_PATTERN.match(username):
            problems.append(
                Problem(
                    row.line,
                    str(
                        _l(
                            "username %(username)r is not valid "
                            "(2–64 lower-case letters, digits, . _ -, "
                            "no diacritics)",
                            username=username,
                        )
                    ),
                )
            )
            continue
        if username in first_line:
            problems.append(
                Problem(
                    row.line,
                    str(
                        _l(
                            "username %(username)s is already on line %(other)s",
                            username=username,
                            other=first_line[username],
                        )
                    ),
                )
            )
            continue
        first_line[username] = row.line
        spec = _check_row(row, username, units, current_unit_ids, min_password_length, problems)
        specs[username] = spec

    existing = _existing(list(specs))
    acting = audit.acting_user(actor)
    if acting is not None and acting.username in existing:
        spec = specs[acting.username]
        if (
            spec["roles"]
            and "admin" not in spec["roles"]
            and existing[acting.username].has_role("admin")
        ):
            problems.append(
                Problem(spec["line"], str(_l("You cannot remove your own administrator role.")))
            )
    if problems:
        raise ImportRefused(problems)
    changes: list[AccountChange] = []
    for username, user in existing.items():
        change = _change_of(user, specs[username], columns)
        if change is not None:
            changes.append(change)
    return UserPlan(
        specs=specs,
        columns=columns,
        existing=existing,
        created=[name for name in specs if name not in existing],
        changes=changes,
        unchanged=len(existing) - len(changes),
    )


def _existing(names: list[str]) -> dict[str, User]:
    existing: dict[str, User] = {}
    for start in range(0, len(names), 900):
        for user in db.session.scalars(
            select(User)
            .where(User.username.in_(names[start : start + 900]))
            .options(selectinload(User.role_rows), selectinload(User.unit))
        ):
            existing[user.username] = user
    return existing


def _new_values(user: User, spec: dict[str, Any], columns: set[str]) -> dict[str, Any]:
    """The account's values once the row is applied; a column left out keeps its value."""
    return {
        "full_name": spec["full_name"],
        "rank": spec["rank"] if "rank" in columns else user.rank,
        "position": spec["position"] if "position" in columns else user.position,
        "unit": spec["unit"],
        "roles": spec["roles"] or set(user.roles),
        "email": spec["email"] if "email" in columns else user.email,
    }


def _change_of(user: User, spec: dict[str, Any], columns: set[str]) -> AccountChange | None:
    values = _new_values(user, spec, columns)
    before = snapshot(user)
    after = {
        **before,
        "full_name": values["full_name"],
        "rank": values["rank"],
        "position": values["position"],
        "unit": values["unit"].code if values["unit"] is not None else None,
        "roles": sorted(values["roles"]),
        "email": values["email"],
    }
    old, new = audit.changed_fields(before, after)
    if not new and not spec["password"]:
        return None
    return AccountChange(user.username, old, new, password_set=bool(spec["password"]))


def _check_row(
    row: Any,
    username: str,
    units: dict[str, Unit],
    current_unit_ids: dict[str, int | None],
    min_password_length: int,
    problems: list[Problem],
) -> dict[str, Any]:
    full_name = clean(row.get("full_name"))
    unit_code = normalize_code(row.get("unit_code"))
    roles = {r.strip().lower() for r in row.get("roles").replace(",", ";").split(";") if r.strip()}
    email = row.get("email").strip() or None
    password = row.get("password")
    rank, position = clean(row.get("rank")), clean(row.get("position"))
    messages = details_problems(
        full_name=full_name, rank=rank, position=position, email=email, roles=roles or {"cadre"}
    )
    unit = units.get(unit_code)
    if not unit_code:
        messages.append(str(_l("the unit code is empty")))
    elif unit is None:
        messages.append(str(_l("unknown unit %(code)s", code=unit_code)))
    else:
        messages += placement_problems(
            roles=roles or {"cadre"},
            unit=unit,
            joining=current_unit_ids.get(username, -1) != unit.id,
        )
    problems.extend(Problem(row.line, message) for message in messages)
    if password:
        try:
            passwords.check_policy(password, username=username, min_length=min_password_length)
        except InvalidInput as error:
            problems.append(Problem(row.line, str(error.message)))
    return {
        "line": row.line,
        "full_name": full_name,
        "unit": unit,
        "rank": rank,
        "position": position,
        "roles": roles,
        "email": email,
        "password": password,
    }


def apply_users(plan: UserPlan, *, actor: audit.Actor) -> UserImportResult:
    """Write a plan made by ``plan_users`` in the same transaction."""
    specs, columns = plan.specs, plan.columns
    result = UserImportResult()
    for username, user in plan.existing.items():
        spec = specs[username]
        before = snapshot(user)
        update_user(
            user,
            **_new_values(user, spec, columns),
            actor=actor,
            announce=False,
        )
        if spec["password"]:
            user.password_hash = passwords.hash_password(spec["password"])
            user.must_change_password = False
            audit.record("user.password_set", user, actor=actor)
        if snapshot(user) != before or spec["password"]:
            result.updated += 1
        else:
            result.unchanged += 1

    placed = [user.id for user in plan.existing.values()] + _create(
        plan.created, specs, result, actor
    )
    # One announcement for the whole file: later joiners are enrolled in one statement.
    if placed:
        accounts_placed.send(None, user_ids=placed)
    audit.record(
        "user.import",
        audit.Target("user", None),
        actor=actor,
        after={"created": result.created, "updated": result.updated, "unchanged": result.unchanged},
    )
    db.session.flush()
    return result


def _create(
    names: list[str],
    specs: dict[str, dict[str, Any]],
    result: UserImportResult,
    actor: audit.Actor,
) -> list[int]:
    """Bulk-insert the new accounts; returns their ids."""
    if not names:
        return []
    chosen = [n for n in names if specs[n]["password"]]
    temporary = {n: passwords.new_temporary_password() for n in names if not specs[n]["password"]}
    hashes = dict(
        zip(chosen, passwords.hash_many([specs[n]["password"] for n in chosen]), strict=True)
    )
    hashes.update(
        zip(
            temporary,
            passwords.hash_many(temporary.values(), passwords.TEMPORARY_METHOD),
            strict=True,
        )
    )
    now = utcnow()
    rows = [
        {
            "username": n,
            "full_name": specs[n]["full_name"],
            "search_key": search_key(specs[n]["full_name"], n),
            "rank": specs[n]["rank"],
            "position": specs[n]["position"],
            "unit_id": specs[n]["unit"].id,
            "email": specs[n]["email"],
            "password_hash": hashes[n],
            "active": True,
            "must_change_password": n in temporary,
            "created_at": now,
            "updated_at": now,
        }
        for n in names
    ]
    ids: dict[str, int] = {}
    for start in range(0, len(rows), 2000):
        for user_id, username in db.session.execute(
            insert(User).returning(User.id, User.username), rows[start : start + 2000]
        ):
            ids[username] = user_id
    db.session.execute(
        insert(UserRole),
        [
            {"user_id": ids[n], "role": role}
            for n in names
            for role in sorted(specs[n]["roles"] or {"cadre"})
        ],
    )
    db.session.execute(
        insert(UnitMembership),
        [{"user_id": ids[n], "unit_id": specs[n]["unit"].id, "started_at": now} for n in names],
    )
    audit.record_many(
        [
            {
                "action": "user.create",
                "target": audit.Target("user", ids[n], n),
                "after": {
                    "username": n,
                    "full_name": specs[n]["full_name"],
                    "unit": specs[n]["unit"].code,
                    "roles": sorted(specs[n]["roles"] or {"cadre"}),
                    "rank": specs[n]["rank"],
                    "position": specs[n]["position"],
                },
            }
            for n in names
        ],
        actor=actor,
    )
    result.created = len(names)
    result.temporary_passwords = [
        (n, specs[n]["full_name"], specs[n]["unit"].code, temporary[n]) for n in temporary
    ]
    return list(ids.values())
