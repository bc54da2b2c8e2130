"""Who may run, mark and follow training sessions; shared by views and templates."""

from __future__ import annotations

from lms.attendance.models import TrainingSession
from lms.auth.permissions import Viewer


def can_run_sessions(user: Viewer) -> bool:
    """Create sessions (and see the ones they run)."""
    return user.is_authenticated and user.has_role("trainer", "admin")


def can_open_sessions(user: Viewer) -> bool:
    """A session's page and its exports: those who run sessions, and commanders (who see the
    people of their subtree only)."""
    return user.is_authenticated and user.has_role("trainer", "admin", "commander")


def can_mark(user: Viewer, session: TrainingSession) -> bool:
    """Edit, cancel, show the check-in code and mark: the session's trainers and admins."""
    if not user.is_authenticated:
        return False
    return user.has_role("admin") or (user.has_role("trainer") and user.id in session.trainer_ids)


def can_follow_units(user: Viewer) -> bool:
    """Attendance of a unit's people, read-only, scoped to the commander's subtree."""
    return user.is_authenticated and user.has_role("commander", "admin")
