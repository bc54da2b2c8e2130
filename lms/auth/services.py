"""Signing in: credentials, throttling of failures, the password change, and what admins see
of the locks."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from lms.audit import services as audit
from lms.audit.models import AuditEvent
from lms.auth import passwords, throttle
from lms.errors import InvalidInput
from lms.extensions import db
from lms.people import services as people
from lms.people.models import User

LOCK_ACTION = "auth.sign_in_limited"
# One answer for a wrong current password and for too many of them: neither tells a guesser
# more than the other.
WRONG_CURRENT_PASSWORD = _l(
    "The current password is wrong, or it was entered wrongly too many times: "
    "wait a few minutes and try again."
)


@dataclass(frozen=True)
class LoginOutcome:
    user: User | None
    throttled: bool = False


def authenticate(username: str, password: str, attempt: throttle.Attempt) -> LoginOutcome:
    """Check credentials; a failure counts against the account and the address (or, from a
    known device of the account, against that device only).

    The same answer is given for an unknown account, a wrong password and an inactive account,
    so that the login form does not reveal which accounts exist.
    """
    if throttle.is_blocked(attempt):
        return LoginOutcome(user=None, throttled=True)
    user = people.get_by_username(username)
    valid = passwords.verify_password(user.password_hash if user else None, password)
    if not valid or user is None or not user.active:
        _count_failure(attempt, user)
        return LoginOutcome(user=None)
    throttle.clear(attempt)
    people.record_login(user)
    return LoginOutcome(user=user)


def change_password(
    user: User, *, current: str, new: str, min_length: int, attempt: throttle.Attempt
) -> None:
    """A wrong current password counts like a failed sign-in, and gets the same one message
    whether it was wrong or the account is locked."""
    people.check_new_password(user, current=current, new=new, min_length=min_length)
    if throttle.is_blocked(attempt):
        raise InvalidInput(WRONG_CURRENT_PASSWORD, field="current")
    try:
        people.change_password(user, current=current, new=new, min_length=min_length)
    except people.WrongPassword:
        _count_failure(attempt, user)
        raise InvalidInput(WRONG_CURRENT_PASSWORD, field="current") from None


def _count_failure(attempt: throttle.Attempt, user: User | None) -> None:
    """Count the failure; the first failure that locks an account or an address is written
    to the audit log (once per lock, not once per attempt)."""
    for lock in throttle.record_failure(attempt):
        if lock.kind == throttle.DEVICE:
            continue  # the owner's own device: nobody else is kept out
        audit.record(
            LOCK_ACTION,
            audit.Target(
                lock.kind,
                user.id if user is not None and lock.kind == throttle.ACCOUNT else None,
                lock.key,
            ),
            actor=None,
            after={"address": attempt.address, "until": lock.until},
        )
    db.session.flush()


@dataclass(frozen=True)
class LimitedSignIn:
    kind: str  # throttle.ACCOUNT or throttle.ADDRESS
    key: str  # the username (as typed, lower case) or the address
    since: dt.datetime
    until: dt.datetime
    address: str  # where the attempt that locked it came from


def limited_sign_ins(now: dt.datetime) -> list[LimitedSignIn]:
    """Accounts and addresses whose sign-ins are locked now: the locks the audit log recorded
    within the longest window, confirmed by the limiter's storage (one query)."""
    longest = max(throttle.window(throttle.ACCOUNT), throttle.window(throttle.ADDRESS))
    events = db.session.scalars(
        select(AuditEvent)
        .where(AuditEvent.action == LOCK_ACTION, AuditEvent.at >= now - longest)
        .order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
        .limit(500)
    )
    found: dict[tuple[str, str], LimitedSignIn] = {}
    for event in events:
        key = (event.target_type, event.target_label)
        if key in found or event.target_type not in (throttle.ACCOUNT, throttle.ADDRESS):
            continue
        until = throttle.locked_until(event.target_type, event.target_label)
        if until is not None:
            address = (event.after or {}).get("address", "")
            found[key] = LimitedSignIn(
                event.target_type, event.target_label, event.at, until, str(address)
            )
    return sorted(found.values(), key=lambda lock: (lock.kind, lock.since), reverse=True)
