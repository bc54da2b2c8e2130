"""Counting failed sign-ins (and wrong current passwords) per account, per address and per
known device, in the limiter's storage (Redis when configured).

An attempt is counted against the account and the client's address; an attempt from a known
device of the account (see ``lms.auth.devices``) only against that device, so that a stranger
who locks an account, or a whole unit behind one address, does not lock its owner out.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

from flask import current_app
from limits import RateLimitItem, parse

from lms.extensions import limiter

ACCOUNT, ADDRESS, DEVICE = "account", "address", "device"
_NAMES = {ACCOUNT: "login-account", ADDRESS: "login-address", DEVICE: "login-device"}
_SETTINGS = {
    ACCOUNT: "LOGIN_LIMIT_PER_ACCOUNT",
    ADDRESS: "LOGIN_LIMIT_PER_ADDRESS",
    DEVICE: "LOGIN_LIMIT_PER_DEVICE",
}


@dataclass(frozen=True)
class Attempt:
    username: str
    address: str
    device: str | None = None  # a known device's id, when the browser is one for this account

    @property
    def account(self) -> str:
        return self.username.strip().lower()


@dataclass(frozen=True)
class Lock:
    """A counter that has just run out: ``key`` (an account, an address) waits until ``until``."""

    kind: str
    key: str
    until: dt.datetime


def _item(kind: str) -> RateLimitItem:
    return parse(current_app.config[_SETTINGS[kind]])


def _counters(attempt: Attempt) -> list[tuple[str, str]]:
    if attempt.device:
        return [(DEVICE, attempt.device)]
    return [(ACCOUNT, attempt.account), (ADDRESS, attempt.address)]


def is_blocked(attempt: Attempt) -> bool:
    return any(
        not limiter.limiter.test(_item(kind), _NAMES[kind], key) for kind, key in _counters(attempt)
    )


def record_failure(attempt: Attempt) -> list[Lock]:
    """Count a failure; the counters this failure ran out (each lock is reported once: a
    blocked attempt is refused before it is counted)."""
    locks = []
    for kind, key in _counters(attempt):
        item = _item(kind)
        limiter.limiter.hit(item, _NAMES[kind], key)
        if not limiter.limiter.test(item, _NAMES[kind], key):
            locks.append(Lock(kind, key, _reset_time(item, kind, key)))
    return locks


def clear(attempt: Attempt) -> None:
    """A successful sign-in forgets the failures of its account (or device); the address's
    stay counted."""
    kind, key = _counters(attempt)[0]
    limiter.limiter.clear(_item(kind), _NAMES[kind], key)


def locked_until(kind: str, key: str) -> dt.datetime | None:
    """When the lock on ``key`` ends, or None if it is not locked now."""
    item = _item(kind)
    if limiter.limiter.test(item, _NAMES[kind], key):
        return None
    return _reset_time(item, kind, key)


def _reset_time(item: RateLimitItem, kind: str, key: str) -> dt.datetime:
    stats = limiter.limiter.get_window_stats(item, _NAMES[kind], key)
    return dt.datetime.fromtimestamp(math.ceil(stats.reset_time), dt.UTC)


def window(kind: str) -> dt.timedelta:
    """How long a lock of this kind lasts at most."""
    return dt.timedelta(seconds=_item(kind).get_expiry())
