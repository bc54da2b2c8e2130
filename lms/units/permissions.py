"""Who may see and change the unit tree: admins change it; commanders see their own subtree
(``lms.units.scope`` narrows what they see)."""

from __future__ import annotations

from lms.auth.permissions import Viewer


def can_manage_units(user: Viewer) -> bool:
    return user.is_authenticated and user.has_role("admin")


def can_view_units(user: Viewer) -> bool:
    return user.is_authenticated and user.has_role("admin", "commander")
