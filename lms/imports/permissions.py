"""Who may import units and people from a spreadsheet: admins."""

from __future__ import annotations

from typing import Any


def can_import(user: Any) -> bool:
    return user.is_authenticated and user.has_role("admin")
