"""Who may read the audit log: admins."""

from __future__ import annotations

from lms.auth.permissions import Viewer


def can_view_audit(user: Viewer) -> bool:
    return user.is_authenticated and user.has_role("admin")
