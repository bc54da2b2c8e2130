"""The rules an account's details follow (username, e-mail, roles, the lengths the columns
hold, a unit to belong to), shared by the account pages and the import: each as a check that
raises, or as the list of every problem."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from flask_babel import lazy_gettext as _l

from lms.errors import InvalidInput
from lms.people.models import ROLES, User
from lms.text import fold
from lms.units.models import Unit

USERNAME_PATTERN = re.compile(r"^[a-z0-9][a-z0-9._-]{1,63}$")
EMAIL_PATTERN = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def normalize_username(username: str | None) -> str:
    return (username or "").strip().lower()


def search_key(full_name: str, username: str) -> str:
    return f"{fold(full_name)} {username}"


def check_username(username: str) -> None:
    if not USERNAME_PATTERN.match(username):
        raise InvalidInput(
            _l(
                "A username is 2–64 lower-case letters, digits, dots, dashes or underscores, "
                "without diacritics or spaces."
            )
        )


def check_email(email: str | None) -> None:
    if email and not EMAIL_PATTERN.match(email):
        raise InvalidInput(_l("%(email)s is not an e-mail address.", email=email))


def check_roles(roles: set[str]) -> None:
    unknown = roles - set(ROLES)
    if unknown:
        raise InvalidInput(_l("Unknown role(s): %(roles)s", roles=", ".join(sorted(unknown))))
    if not roles:
        raise InvalidInput(_l("Give the account at least one role."))


def _column_length(name: str) -> int:
    # A String, or an NFCString (a TypeDecorator, which hands .length on to its String).
    column_type: Any = User.__table__.c[name].type
    length: int = column_type.length
    return length


def details_problems(
    *, full_name: str, rank: str, position: str, email: str | None, roles: set[str]
) -> list[str]:
    """Everything wrong with an account's details (already cleaned), as messages."""
    problems: list[str] = []
    if not full_name:
        problems.append(str(_l("The full name is empty.")))
    for value, column, label in (
        (full_name, "full_name", _l("full name")),
        (rank, "rank", _l("rank")),
        (position, "position", _l("position")),
        (email or "", "email", _l("e-mail")),
    ):
        if len(value) > _column_length(column):
            problems.append(
                str(
                    _l(
                        "The %(field)s is longer than %(n)s characters.",
                        field=label,
                        n=_column_length(column),
                    )
                )
            )
    checks: tuple[tuple[Callable[[Any], None], Any], ...] = (
        (check_roles, roles),
        (check_email, email),
    )
    for check, value in checks:
        try:
            check(value)
        except InvalidInput as error:
            problems.append(str(error.message))
    return problems


def placement_problems(*, roles: set[str], unit: Unit | None, joining: bool) -> list[str]:
    """``joining``: the account is placed in ``unit`` now (new or transferred), so the unit
    must be active; someone may stay in a unit deactivated since."""
    if unit is None and roles - {"admin"}:
        return [str(_l("Cadres, trainers and commanders belong to a unit."))]
    if unit is not None and joining and not unit.active:
        return [str(_l("Unit %(code)s is inactive.", code=unit.code))]
    return []


def check_profile(
    *,
    full_name: str,
    rank: str,
    position: str,
    email: str | None,
    roles: set[str],
    unit: Unit | None,
    joining: bool = True,
) -> None:
    problems = details_problems(
        full_name=full_name, rank=rank, position=position, email=email, roles=roles
    )
    problems += placement_problems(roles=roles, unit=unit, joining=joining)
    if problems:
        raise InvalidInput(problems[0])
