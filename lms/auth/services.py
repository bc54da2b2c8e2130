"""Signing in: credentials, throttling of failures, and the first-login password change."""

from __future__ import annotations

from dataclasses import dataclass

from lms.auth import passwords, throttle
from lms.people import services as people
from lms.people.models import User


@dataclass(frozen=True)
class LoginOutcome:
    user: User | None
    throttled: bool = False


def authenticate(username: str, password: str, address: str) -> LoginOutcome:
    """Check credentials; failures count against both the account name and the address.

    The same answer is given for an unknown account, a wrong password and an inactive account,
    so that the login form does not reveal which accounts exist.
    """
    if throttle.is_blocked(username, address):
        return LoginOutcome(user=None, throttled=True)
    user = people.get_by_username(username)
    valid = passwords.verify_password(user.password_hash if user else None, password)
    if not valid or user is None or not user.active:
        throttle.record_failure(username, address)
        return LoginOutcome(user=None)
    throttle.clear_account(username)
    people.record_login(user)
    return LoginOutcome(user=user)
