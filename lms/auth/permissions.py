"""Who may use which view: one decorator per view, and predicates shared with templates.

Every endpoint declares a rule. ``create_app`` refuses requests to an endpoint without one
(fail closed) and a test walks ``app.url_map`` to keep it so.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import abort
from flask_login import current_user

from lms.extensions import login_manager
from lms.people.models import ROLES

F = TypeVar("F", bound=Callable[..., Any])

PUBLIC = "public"
SIGNED_IN = "signed-in"


def public(view: F) -> F:
    """Open to anyone, signed in or not."""
    view.access_rule = PUBLIC  # type: ignore[attr-defined]
    return view


def require(*roles: str) -> Callable[[F], F]:
    """Signed-in users having one of ``roles``; with no roles, any signed-in user."""
    unknown = set(roles) - set(ROLES)
    if unknown:
        raise ValueError(f"unknown roles {unknown}")

    def decorate(view: F) -> F:
        @wraps(view)
        def guarded(*args: Any, **kwargs: Any) -> Any:
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if roles and not current_user.has_role(*roles):
                abort(403)
            return view(*args, **kwargs)

        guarded.access_rule = roles or SIGNED_IN  # type: ignore[attr-defined]
        return guarded  # type: ignore[return-value]

    return decorate


def access_rule(view: Callable[..., Any]) -> Any:
    return getattr(view, "access_rule", None)


# Predicates: used by views to decide and by templates to show a button or not.


def can_manage_units(user: Any) -> bool:
    return user.is_authenticated and user.has_role("admin")


def can_view_units(user: Any) -> bool:
    return user.is_authenticated and user.has_role("admin", "commander")


def can_manage_people(user: Any) -> bool:
    return user.is_authenticated and user.has_role("admin")


def can_view_people(user: Any) -> bool:
    return user.is_authenticated and user.has_role("admin", "commander")


def can_view_audit(user: Any) -> bool:
    return user.is_authenticated and user.has_role("admin")


PREDICATES = {
    "can_manage_units": can_manage_units,
    "can_view_units": can_view_units,
    "can_manage_people": can_manage_people,
    "can_view_people": can_view_people,
    "can_view_audit": can_view_audit,
}
