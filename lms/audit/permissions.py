"""Who may read the audit log: admins."""

from __future__ import annotations

from typing import Any


def can_view_audit(user: Any) -> bool:
    return user.is_authenticated and user.has_role("admin")
