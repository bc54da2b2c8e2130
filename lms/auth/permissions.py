"""Who may use which view: one decorator per view, given the feature's own predicate.

Every endpoint declares a rule: ``@public``, ``@require()`` (any signed-in user) or
``@require(can_x)`` with a predicate from the feature's ``permissions.py``, the same function
templates call to show a button or not, so a rule is written once. ``create_app`` refuses
requests to an endpoint without a rule (fail closed) and a test walks ``app.url_map`` to keep
it so.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from types import ModuleType
from typing import Any, TypeAlias, TypeVar

from flask import abort
from flask_login import AnonymousUserMixin, current_user

from lms.extensions import login_manager
from lms.people.models import User

F = TypeVar("F", bound=Callable[..., Any])
# Whom a predicate is asked about: ``current_user``, an account when signed in, else
# Flask-Login's anonymous user (``is_authenticated`` false, no id, no roles to ask about).
Viewer: TypeAlias = User | AnonymousUserMixin
Predicate: TypeAlias = Callable[[Viewer], bool]

PUBLIC = "public"
SIGNED_IN = "signed-in"


def public(view: F) -> F:
    """Open to anyone, signed in or not."""
    view.access_rule = PUBLIC  # type: ignore[attr-defined]
    return view


def require(predicate: Predicate | None = None) -> Callable[[F], F]:
    """Signed-in users for whom ``predicate(user)`` holds (403 for the others); without a
    predicate, any signed-in user. Visitors not signed in go to the sign-in page."""
    if predicate is not None and not callable(predicate):
        raise TypeError(f"require() takes a predicate, not {predicate!r}")

    def decorate(view: F) -> F:
        @wraps(view)
        def guarded(*args: Any, **kwargs: Any) -> Any:
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if predicate is not None and not predicate(current_user):
                abort(403)
            return view(*args, **kwargs)

        guarded.access_rule = predicate.__name__ if predicate else SIGNED_IN  # type: ignore[attr-defined]
        return guarded  # type: ignore[return-value]

    return decorate


def access_rule(view: Callable[..., Any]) -> Any:
    return getattr(view, "access_rule", None)


def predicates_of(module: ModuleType) -> dict[str, Predicate]:
    """A permissions module's predicates (its own ``can_*`` functions), for templates."""
    return {
        name: value
        for name, value in vars(module).items()
        if name.startswith("can_")
        and callable(value)
        and getattr(value, "__module__", None) == module.__name__
    }
