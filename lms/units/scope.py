"""A user's reach over the unit tree: the one place every scoped query gets its filter from."""

from __future__ import annotations

from sqlalchemy import ColumnElement, Select, SQLColumnExpression, false, select, true

from lms.extensions import db
from lms.people.models import User
from lms.units.models import UnitClosure


def subtree_ids(unit_id: int) -> Select[int]:
    """Ids of a unit and every unit below it: one lookup on the closure table's primary key."""
    return select(UnitClosure.descendant_id).where(UnitClosure.ancestor_id == unit_id)


def sees_everything(user: User) -> bool:
    return user.has_role("admin")


def scope_root_id(user: User) -> int | None:
    """The unit whose subtree a commander follows; None when the user follows no unit."""
    if user.has_role("commander") and user.unit_id is not None:
        return user.unit_id
    return None


def subtree_filter(
    user: User, unit_id_column: SQLColumnExpression[int | None]
) -> ColumnElement[bool]:
    """A WHERE clause limiting ``unit_id_column`` to the units ``user`` may see."""
    if sees_everything(user):
        return true()
    root = scope_root_id(user)
    if root is None:
        return false()
    return unit_id_column.in_(subtree_ids(root))


def is_in_subtree(unit_id: int, root_id: int) -> bool:
    """Whether ``unit_id`` is ``root_id`` or below it: one primary-key lookup."""
    depth = db.session.scalar(
        select(UnitClosure.depth).where(
            UnitClosure.ancestor_id == root_id, UnitClosure.descendant_id == unit_id
        )
    )
    return depth is not None


def can_see_unit(user: User, unit_id: int | None) -> bool:
    if sees_everything(user):
        return True
    root = scope_root_id(user)
    if root is None or unit_id is None:
        return False
    return is_in_subtree(unit_id, root)
