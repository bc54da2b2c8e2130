"""Who may open the command dashboard and the review report: commanders (of a unit), within
their unit's subtree, and admins, over the whole province."""

from __future__ import annotations

from lms.auth.permissions import Viewer
from lms.people.models import User
from lms.units.scope import can_see_unit, scope_root_id, sees_everything


def can_view_dashboard(user: Viewer) -> bool:
    return user.is_authenticated and (sees_everything(user) or scope_root_id(user) is not None)


def can_view_training_record(user: Viewer, person: User) -> bool:
    """A person's training record: an admin, or a commander whose subtree holds the person's
    unit (the cadre themself reads it as My training)."""
    return can_view_dashboard(user) and can_see_unit(user, person.unit_id)
