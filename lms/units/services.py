"""The unit tree: create, edit, move, deactivate, and read it in a fixed number of queries."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, overload

from flask_babel import lazy_gettext as _l
from sqlalchemy import ColumnElement, delete, func, insert, literal_column, select, true

from lms.audit import services as audit
from lms.errors import InvalidInput
from lms.extensions import db
from lms.people.models import User
from lms.people.signals import accounts_placed
from lms.text import clean, fold
from lms.units.models import UNIT_KINDS, Unit, UnitClosure
from lms.units.scope import is_in_subtree, subtree_ids

CODE_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
NAME_MAX_LENGTH = 255
# Province > command > district > commune > ... rarely goes past 6 levels; a bound keeps
# pages that draw the tree (recursively) safe from a runaway import.
MAX_DEPTH = 15


def normalize_code(code: str | None) -> str:
    return (code or "").strip().upper()


def check_code(code: str) -> None:
    if not CODE_PATTERN.match(code):
        raise InvalidInput(
            _l("A unit code is 1–64 letters, digits, dots, dashes or underscores (no spaces).")
        )


def check_kind(kind: str) -> None:
    if kind not in UNIT_KINDS:
        raise InvalidInput(_l("Unknown unit kind: %(kind)s", kind=kind))


def get_by_code(code: str) -> Unit | None:
    return db.session.scalar(select(Unit).where(Unit.code == normalize_code(code)))


def _snapshot(unit: Unit, parent_code: str | None) -> dict[str, Any]:
    return {
        "code": unit.code,
        "name": unit.name,
        "kind": unit.kind,
        "parent": parent_code,
        "active": unit.active,
        "pilot": unit.pilot,
    }


def check_name(name: str) -> None:
    if not name:
        raise InvalidInput(_l("The unit needs a name."))
    if len(name) > NAME_MAX_LENGTH:
        raise InvalidInput(_l("A unit name has at most %(n)s characters.", n=NAME_MAX_LENGTH))


def create_unit(
    *,
    code: str,
    name: str,
    kind: str,
    parent: Unit | None,
    pilot: bool = False,
    actor: User | None,
) -> Unit:
    code = normalize_code(code)
    name = clean(name)
    check_code(code)
    check_kind(kind)
    check_name(name)
    if get_by_code(code) is not None:
        raise InvalidInput(_l("Unit code %(code)s is already used.", code=code))
    if parent is not None and not parent.active:
        raise InvalidInput(_l("A new unit cannot be placed under an inactive unit."))
    if parent is not None and parent.depth + 1 >= MAX_DEPTH:
        raise InvalidInput(_l("The tree may have at most %(n)s levels.", n=MAX_DEPTH))
    unit = Unit(
        code=code,
        name=name,
        kind=kind,
        parent_id=parent.id if parent else None,
        depth=parent.depth + 1 if parent else 0,
        pilot=pilot,
    )
    db.session.add(unit)
    db.session.flush()
    db.session.execute(
        insert(UnitClosure).values(ancestor_id=unit.id, descendant_id=unit.id, depth=0)
    )
    if parent is not None:
        db.session.execute(
            insert(UnitClosure).from_select(
                ["ancestor_id", "descendant_id", "depth"],
                # The new unit's id inline, as SQLAlchemy renders a plain int there.
                select(
                    UnitClosure.ancestor_id, literal_column(str(unit.id)), UnitClosure.depth + 1
                ).where(UnitClosure.descendant_id == parent.id),
            )
        )
    audit.record(
        "unit.create", unit, actor=actor, after=_snapshot(unit, parent.code if parent else None)
    )
    return unit


def update_unit(unit: Unit, *, name: str, kind: str, pilot: bool, actor: User | None) -> None:
    name = clean(name)
    check_kind(kind)
    check_name(name)
    before = {"name": unit.name, "kind": unit.kind, "pilot": unit.pilot}
    unit.name, unit.kind, unit.pilot = name, kind, pilot
    old, new = audit.changed_fields(before, {"name": name, "kind": kind, "pilot": pilot})
    if new:
        db.session.flush()
        audit.record("unit.update", unit, actor=actor, before=old, after=new)


def move_unit(unit: Unit, new_parent: Unit | None, *, actor: User | None) -> None:
    """Put ``unit`` and its whole subtree under ``new_parent`` (None: make it a root)."""
    if (new_parent.id if new_parent else None) == unit.parent_id:
        return
    if new_parent is not None and is_in_subtree(new_parent.id, unit.id):
        raise InvalidInput(
            _l(
                "%(unit)s cannot be moved under %(parent)s, which is inside it.",
                unit=unit.code,
                parent=new_parent.code,
            )
        )
    if new_parent is not None and not new_parent.active:
        raise InvalidInput(_l("A unit cannot be moved under an inactive unit."))
    subtree_height = (
        db.session.scalar(
            select(func.max(UnitClosure.depth)).where(UnitClosure.ancestor_id == unit.id)
        )
        or 0
    )
    if (new_parent.depth + 1 if new_parent else 0) + subtree_height >= MAX_DEPTH:
        raise InvalidInput(_l("The tree may have at most %(n)s levels.", n=MAX_DEPTH))
    old_parent_code = (
        db.session.scalar(select(Unit.code).where(Unit.id == unit.parent_id))
        if unit.parent_id
        else None
    )
    subtree = subtree_ids(unit.id).scalar_subquery()
    # Cut the subtree loose from its old ancestors, then hang it under the new ones.
    db.session.execute(
        delete(UnitClosure).where(
            UnitClosure.descendant_id.in_(subtree),
            UnitClosure.ancestor_id.not_in(subtree),
        )
    )
    if new_parent is not None:
        above = (
            select(UnitClosure.ancestor_id, UnitClosure.depth)
            .where(UnitClosure.descendant_id == new_parent.id)
            .subquery()
        )
        below = (
            select(UnitClosure.descendant_id, UnitClosure.depth)
            .where(UnitClosure.ancestor_id == unit.id)
            .subquery()
        )
        db.session.execute(
            insert(UnitClosure).from_select(
                ["ancestor_id", "descendant_id", "depth"],
                select(
                    above.c.ancestor_id, below.c.descendant_id, above.c.depth + below.c.depth + 1
                ).select_from(above.join(below, true())),
            )
        )
    depth_shift = (new_parent.depth + 1 if new_parent else 0) - unit.depth
    unit.parent_id = new_parent.id if new_parent else None
    db.session.flush()
    if depth_shift:
        db.session.execute(
            Unit.__table__.update()
            .where(Unit.id.in_(subtree_ids(unit.id)))
            .values(depth=Unit.depth + depth_shift)
        )
    db.session.expire(unit, ["depth"])
    # Everyone below now sits under new ancestors, whose open assignments may concern them.
    moved_people = list(
        db.session.scalars(select(User.id).where(User.unit_id.in_(subtree_ids(unit.id))))
    )
    if moved_people:
        accounts_placed.send(None, user_ids=moved_people)
    audit.record(
        "unit.move",
        unit,
        actor=actor,
        before={"parent": old_parent_code},
        after={"parent": new_parent.code if new_parent else None},
    )


def set_active(unit: Unit, active: bool, *, actor: User | None) -> None:
    if unit.active == active:
        return
    if not active:
        active_children = db.session.scalar(
            select(func.count()).where(Unit.parent_id == unit.id, Unit.active.is_(True))
        )
        if active_children:
            raise InvalidInput(
                _l(
                    "Deactivate or move the %(count)s active units below %(unit)s first.",
                    count=active_children,
                    unit=unit.code,
                )
            )
        active_people = db.session.scalar(
            select(func.count()).where(User.unit_id == unit.id, User.active.is_(True))
        )
        if active_people:
            raise InvalidInput(
                _l(
                    "%(unit)s still has %(count)s active accounts: move them to another unit or "
                    "deactivate them first.",
                    unit=unit.code,
                    count=active_people,
                )
            )
    elif unit.parent_id is not None:
        parent_active = db.session.scalar(select(Unit.active).where(Unit.id == unit.parent_id))
        if not parent_active:
            raise InvalidInput(_l("Activate the parent unit first."))
    unit.active = active
    db.session.flush()
    audit.record(
        "unit.activate" if active else "unit.deactivate",
        unit,
        actor=actor,
        before={"active": not active},
        after={"active": active},
    )


def ancestors(unit: Unit) -> list[Unit]:
    """From the root down to the unit's parent, in one query."""
    return list(
        db.session.scalars(
            select(Unit)
            .join(UnitClosure, UnitClosure.ancestor_id == Unit.id)
            .where(UnitClosure.descendant_id == unit.id, UnitClosure.depth > 0)
            .order_by(UnitClosure.depth.desc())
        )
    )


@dataclass
class TreeNode:
    unit: Unit
    people: int = 0  # active accounts directly in the unit
    total_people: int = 0  # ... in the unit and everything below it
    children: list[TreeNode] = field(default_factory=list)


def tree(scope: ColumnElement[bool], *, include_inactive: bool = True) -> list[TreeNode]:
    """The units matching ``scope`` as a forest, with people counts: two queries in all."""
    query = select(Unit).where(scope).order_by(Unit.depth, Unit.name)
    if not include_inactive:
        query = query.where(Unit.active.is_(True))
    units = list(db.session.scalars(query))
    counts = dict(
        db.session.execute(
            select(User.unit_id, func.count())
            .where(User.active.is_(True), User.unit_id.in_(select(Unit.id).where(scope)))
            .group_by(User.unit_id)
        ).all()
    )
    return _forest(units, counts)


def _forest(units: list[Unit], counts: Mapping[int | None, int]) -> list[TreeNode]:
    """Link units (ordered by depth) to their parents and sum people counts up the tree."""
    nodes = {u.id: TreeNode(unit=u, people=counts.get(u.id, 0)) for u in units}
    roots: list[TreeNode] = []
    # Siblings in alphabetical order of their names without diacritics (Đ among the D's).
    for unit in sorted(units, key=lambda u: (u.depth, fold(u.name), u.code)):
        parent = nodes.get(unit.parent_id) if unit.parent_id else None
        (parent.children if parent else roots).append(nodes[unit.id])
    for unit in reversed(units):  # deepest first, so children are summed before parents
        node = nodes[unit.id]
        node.total_people += node.people
        parent = nodes.get(unit.parent_id) if unit.parent_id else None
        if parent:
            parent.total_people += node.total_people
    return roots


def flatten(forest: list[TreeNode]) -> list[TreeNode]:
    """Depth-first order, the order a tree is read in."""
    ordered: list[TreeNode] = []
    stack = list(reversed(forest))
    while stack:
        node = stack.pop()
        ordered.append(node)
        stack.extend(reversed(node.children))
    return ordered


@overload
def options(
    scope: ColumnElement[bool], *, active_only: bool = True, at_most: None = None
) -> list[tuple[Unit, str]]: ...
@overload
def options(
    scope: ColumnElement[bool], *, active_only: bool = True, at_most: int
) -> list[tuple[Unit, str]] | None: ...
def options(
    scope: ColumnElement[bool], *, active_only: bool = True, at_most: int | None = None
) -> list[tuple[Unit, str]] | None:
    """Units with an indented label, in tree order, for select boxes: one query.

    With ``at_most``, None when there are more units than that (too many for a select box).
    """
    query = select(Unit).where(scope).order_by(Unit.depth, Unit.name)
    if active_only:
        query = query.where(Unit.active.is_(True))
    if at_most is not None:
        query = query.limit(at_most + 1)
    units = list(db.session.scalars(query))
    if at_most is not None and len(units) > at_most:
        return None
    return [
        (node.unit, "\u2003" * node.unit.depth + f"{node.unit.name} ({node.unit.code})")
        for node in flatten(_forest(units, {}))
    ]


def rebuild_closure() -> None:
    """Recompute the closure table and depths from parent links (bulk imports use this)."""
    parents = dict(db.session.execute(select(Unit.id, Unit.parent_id)).all())
    rows: list[dict[str, int]] = []
    depths: dict[int, int] = {}
    for unit_id in parents:
        ancestor: int | None = unit_id
        depth = 0
        while ancestor is not None:
            rows.append({"ancestor_id": ancestor, "descendant_id": unit_id, "depth": depth})
            ancestor, depth = parents[ancestor], depth + 1
        depths[unit_id] = depth - 1
    db.session.execute(delete(UnitClosure))
    if rows:
        db.session.execute(insert(UnitClosure), rows)
    by_depth: dict[int, list[int]] = defaultdict(list)
    for unit_id, depth in depths.items():
        by_depth[depth].append(unit_id)
    for depth, ids in by_depth.items():
        for start in range(0, len(ids), 900):
            db.session.execute(
                Unit.__table__.update()
                .where(Unit.id.in_(ids[start : start + 900]), Unit.depth != depth)
                .values(depth=depth)
            )
