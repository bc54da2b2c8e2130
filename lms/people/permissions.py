"""Who may see and change people's accounts: admins change them; commanders see the people of
their subtree (``lms.units.scope`` narrows what they see)."""

from __future__ import annotations

from lms.auth.permissions import Viewer


def can_manage_people(user: Viewer) -> bool:
    return user.is_authenticated and user.has_role("admin")


def can_view_people(user: Viewer) -> bool:
    return user.is_authenticated and user.has_role("admin", "commander")
