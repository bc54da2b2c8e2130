"""Units as pages and forms list them: the tree a viewer sees, a unit's subtree, and the
choices a form offers. Each is the one place its filter is written, so views build no SQL."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from sqlalchemy import ColumnElement, or_, true

from lms.units import services
from lms.units.models import Unit
from lms.units.scope import subtree_filter, subtree_ids

if TYPE_CHECKING:
    from lms.people.models import User


def visible_tree(viewer: User) -> list[services.TreeNode]:
    """The units ``viewer`` may see (a commander's subtree, everything for an admin)."""
    return services.tree(subtree_filter(viewer, Unit.id))


def subtree(unit: Unit) -> list[services.TreeNode]:
    """``unit`` and everything below it."""
    return services.tree(Unit.id.in_(subtree_ids(unit.id)))


def active_tree_with(unit_ids: Iterable[int]) -> list[services.TreeNode]:
    """Active units, and the listed ones even if deactivated since (a session's invited
    units stay on its form)."""
    return services.tree(or_(Unit.active.is_(True), Unit.id.in_(list(unit_ids))))


def parent_options(moving: Unit | None = None) -> list[tuple[Unit, str]]:
    """Where a unit may be placed: any active unit, but not inside the subtree of the unit
    being moved."""
    scope = true() if moving is None else Unit.id.not_in(subtree_ids(moving.id))
    return services.options(scope)


def placement_options(current: Unit | None = None) -> list[tuple[Unit, str]]:
    """Where a person may be placed: active units, plus their own unit even if it was
    deactivated since."""
    scope: ColumnElement[bool] = Unit.active.is_(True)
    if current is not None:
        scope = or_(scope, Unit.id == current.id)
    return services.options(scope, active_only=False)


def visible_options(viewer: User, *, at_most: int) -> list[tuple[Unit, str]] | None:
    """The units ``viewer`` may see, for a filter; None above ``at_most`` of them."""
    return services.options(subtree_filter(viewer, Unit.id), active_only=False, at_most=at_most)
