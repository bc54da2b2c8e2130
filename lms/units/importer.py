"""Importing units from CSV/XLSX: all rows valid, or nothing written."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import insert, select, update

from lms.audit import services as audit
from lms.errors import ImportRefused, InvalidInput, Problem
from lms.extensions import db
from lms.tabular import read_rows
from lms.text import clean
from lms.units.models import UNIT_KINDS, Unit
from lms.units.services import (
    CODE_PATTERN,
    MAX_DEPTH,
    check_name,
    normalize_code,
    rebuild_closure,
)

if TYPE_CHECKING:
    pass

COLUMNS = ("code", "name", "parent_code", "kind")


@dataclass
class UnitImportResult:
    created: int
    updated: int
    unchanged: int


@dataclass
class UnitChange:
    """One existing unit the file changes: only the fields that differ, before and after."""

    code: str
    before: dict[str, Any]
    after: dict[str, Any]

    @property
    def moved(self) -> bool:
        return "parent" in self.after


@dataclass
class UnitPlan:
    """What a valid file would do, worked out without writing anything."""

    wanted: dict[str, dict[str, Any]]
    existing: dict[str, Unit]
    code_by_id: dict[int, str]
    created: list[str]  # codes of the new units, in the file's order
    changes: list[UnitChange]
    unchanged: int


def import_units(source: str | Path | IO[bytes], *, actor: audit.Actor) -> UnitImportResult:
    return apply_units(plan_units(source), actor=actor)


def plan_units(source: str | Path | IO[bytes]) -> UnitPlan:
    """Read and check a units file; raise ImportRefused with every problem, or return what it
    would change. Writes nothing: the web import's dry run shows this plan."""
    rows = read_rows(source, COLUMNS, required=("code", "name", "parent_code"))
    existing = {u.code: u for u in db.session.scalars(select(Unit))}
    problems: list[Problem] = []
    wanted: dict[str, dict[str, Any]] = {}
    first_line: dict[str, int] = {}

    for row in rows:
        code = normalize_code(row.get("code"))
        parent_code = normalize_code(row.get("parent_code")) or None
        name = clean(row.get("name"))
        kind = row.get("kind").strip().lower()
        if not CODE_PATTERN.match(code):
            problems.append(
                Problem(
                    row.line,
                    _l("code “%(code)s” is not valid (letters, digits, . _ - only)", code=code),
                )
            )
            continue
        if code in first_line:
            problems.append(
                Problem(
                    row.line,
                    _l(
                        "code %(code)s is already on line %(other)s",
                        code=code,
                        other=first_line[code],
                    ),
                )
            )
            continue
        first_line[code] = row.line
        try:
            check_name(name)
        except InvalidInput as error:
            problems.append(Problem(row.line, error.message))
        if kind and kind not in UNIT_KINDS:
            problems.append(
                Problem(
                    row.line,
                    _l(
                        "unknown kind “%(kind)s”; the kinds are: %(kinds)s",
                        kind=kind,
                        kinds=", ".join(UNIT_KINDS),
                    ),
                )
            )
        if parent_code == code:
            problems.append(Problem(row.line, _l("a unit cannot be its own parent")))
        old = existing.get(code)
        wanted[code] = {
            "line": row.line,
            "name": name,
            "kind": kind or (old.kind if old else "other"),
            "parent_code": parent_code,
        }

    # Final parent of every unit: the file's word for those in it, the database's for the rest.
    code_by_id = {u.id: code for code, u in existing.items()}
    parent_of: dict[str, str | None] = {
        code: code_by_id.get(u.parent_id) if u.parent_id else None for code, u in existing.items()
    }
    for code, spec in wanted.items():
        parent_of[code] = spec["parent_code"]
    for spec in wanted.values():
        parent = spec["parent_code"]
        if parent and parent not in parent_of:
            problems.append(
                Problem(
                    spec["line"],
                    _l(
                        "parent %(parent)s is neither in the file nor in the database",
                        parent=parent,
                    ),
                )
            )
        elif parent in existing and not existing[parent].active:
            problems.append(
                Problem(spec["line"], _l("parent %(parent)s is inactive", parent=parent))
            )
    problems.extend(_tree_problems(wanted, parent_of))
    if problems:
        raise ImportRefused(problems)
    changes: list[UnitChange] = []
    for code, unit in existing.items():
        planned = wanted.get(code)
        if planned is None:
            continue
        old_parent = code_by_id.get(unit.parent_id) if unit.parent_id else None
        before = {"name": unit.name, "kind": unit.kind, "parent": old_parent}
        after = {"name": planned["name"], "kind": planned["kind"], "parent": planned["parent_code"]}
        changed_before, changed_after = audit.changed_fields(before, after)
        if changed_after:
            changes.append(UnitChange(code, changed_before, changed_after))
    return UnitPlan(
        wanted=wanted,
        existing=existing,
        code_by_id=code_by_id,
        created=[code for code in wanted if code not in existing],
        changes=changes,
        unchanged=len([c for c in wanted if c in existing]) - len(changes),
    )


def _tree_problems(
    wanted: dict[str, dict[str, Any]], parent_of: dict[str, str | None]
) -> list[Problem]:
    """Cycles, and units deeper than the tree allows."""
    problems = []
    for code, spec in wanted.items():
        seen = [code]
        current = parent_of.get(code)
        while current is not None and current not in seen:
            seen.append(current)
            current = parent_of.get(current)
        if current is not None:
            problems.append(
                Problem(
                    spec["line"],
                    _l(
                        "unit %(code)s would end up below itself (a cycle through %(other)s)",
                        code=code,
                        other=current,
                    ),
                )
            )
        elif len(seen) > MAX_DEPTH:
            problems.append(
                Problem(
                    spec["line"],
                    _l(
                        "unit %(code)s would be %(depth)s levels deep; the tree may have at most "
                        "%(n)s",
                        code=code,
                        depth=len(seen),
                        n=MAX_DEPTH,
                    ),
                )
            )
    return problems


def apply_units(plan: UnitPlan, *, actor: audit.Actor) -> UnitImportResult:
    """Write a plan made by ``plan_units`` in the same transaction."""
    wanted, existing = plan.wanted, plan.existing
    id_by_code = {code: unit.id for code, unit in existing.items()}
    new_codes = plan.created
    if new_codes:
        # Parents may be new too: insert first, then link every new unit to its parent.
        inserted = db.session.execute(
            insert(Unit).returning(Unit.code, Unit.id),
            [
                {"code": code, "name": wanted[code]["name"], "kind": wanted[code]["kind"]}
                for code in new_codes
            ],
        )
        id_by_code.update(dict(inserted.all()))
        links = [
            {"id": id_by_code[code], "parent_id": id_by_code[wanted[code]["parent_code"]]}
            for code in new_codes
            if wanted[code]["parent_code"]
        ]
        if links:
            db.session.execute(update(Unit), links)
    structure_changed = bool(new_codes)
    for change in plan.changes:
        unit, spec = existing[change.code], wanted[change.code]
        parent_id = id_by_code[spec["parent_code"]] if spec["parent_code"] else None
        audit.record("unit.update", unit, actor=actor, before=change.before, after=change.after)
        structure_changed = structure_changed or unit.parent_id != parent_id
        unit.name, unit.kind, unit.parent_id = spec["name"], spec["kind"], parent_id
    db.session.flush()
    if structure_changed:
        rebuild_closure()
    result = UnitImportResult(
        created=len(new_codes), updated=len(plan.changes), unchanged=plan.unchanged
    )
    audit.record(
        "unit.import",
        audit.Target("unit", None),
        actor=actor,
        after={"created": new_codes, "updated": result.updated, "unchanged": result.unchanged},
    )
    return result
