"""Readable names for audit actions and the fields they record."""

from flask_babel import lazy_gettext as _l

ACTION_LABELS = {
    "unit.create": _l("Unit created"),
    "unit.update": _l("Unit changed"),
    "unit.move": _l("Unit moved"),
    "unit.activate": _l("Unit activated"),
    "unit.deactivate": _l("Unit deactivated"),
    "unit.import": _l("Units imported"),
    "user.create": _l("Account created"),
    "user.update": _l("Account changed"),
    "user.roles": _l("Roles changed"),
    "user.activate": _l("Account activated"),
    "user.deactivate": _l("Account deactivated"),
    "user.password_reset": _l("Password reset"),
    "user.password_set": _l("Password set by import"),
    "user.import": _l("Accounts imported"),
    "demo.load": _l("Demo data loaded"),
}

FIELD_LABELS = {
    "code": _l("Code"),
    "name": _l("Name"),
    "kind": _l("Kind"),
    "parent": _l("Parent unit"),
    "active": _l("Active"),
    "pilot": _l("Pilot unit"),
    "username": _l("Username"),
    "full_name": _l("Full name"),
    "rank": _l("Rank"),
    "position": _l("Position"),
    "unit": _l("Unit"),
    "roles": _l("Roles"),
    "email": _l("E-mail"),
    "created": _l("Created"),
    "updated": _l("Updated"),
    "unchanged": _l("Unchanged"),
    "units": _l("Units"),
    "people": _l("People"),
}
