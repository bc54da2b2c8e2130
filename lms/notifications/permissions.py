"""Who may do what with notifications: everyone signed in reads and chooses their own;
commanders (of a unit) and admins remind the overdue people of their units."""

from __future__ import annotations

from lms.auth.permissions import Viewer
from lms.units.scope import scope_root_id, sees_everything


def can_remind_overdue(user: Viewer) -> bool:
    return bool(user.is_authenticated) and (
        sees_everything(user) or scope_root_id(user) is not None
    )
