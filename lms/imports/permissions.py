"""Who may import units and people from a spreadsheet: admins."""

from __future__ import annotations

from lms.auth.permissions import Viewer


def can_import(user: Viewer) -> bool:
    return user.is_authenticated and user.has_role("admin")
