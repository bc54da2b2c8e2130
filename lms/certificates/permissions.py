"""Who may see and act on certificates: a cadre their own, a commander those of their
subtree (by the unit the person was in at completion), an admin all."""

from __future__ import annotations

from lms.auth.permissions import Viewer
from lms.certificates.models import Certificate
from lms.units.scope import can_see_unit, scope_root_id, sees_everything


def can_view_certificate(user: Viewer, certificate: Certificate) -> bool:
    if not user.is_authenticated:
        return False
    if certificate.user_id == user.id or sees_everything(user):
        return True
    return user.has_role("commander") and can_see_unit(user, certificate.unit_id)


def can_list_certificates(user: Viewer) -> bool:
    """The unit certificate pages: commanders (of a unit) and admins."""
    return bool(user.is_authenticated) and (
        sees_everything(user) or scope_root_id(user) is not None
    )


def can_revoke_certificates(user: Viewer) -> bool:
    """Revoke and reissue: admins."""
    return user.is_authenticated and user.has_role("admin")
