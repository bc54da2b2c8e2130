"""Counting failed logins per account and per address (in Redis when configured)."""

from __future__ import annotations

from flask import current_app
from limits import parse

from lms.extensions import limiter


def _limits():
    return (
        ("login-account", parse(current_app.config["LOGIN_LIMIT_PER_ACCOUNT"])),
        ("login-address", parse(current_app.config["LOGIN_LIMIT_PER_ADDRESS"])),
    )


def _keys(username: str, address: str) -> dict[str, str]:
    return {"login-account": username.strip().lower(), "login-address": address}


def is_blocked(username: str, address: str) -> bool:
    keys = _keys(username, address)
    return any(not limiter.limiter.test(item, name, keys[name]) for name, item in _limits())


def record_failure(username: str, address: str) -> None:
    keys = _keys(username, address)
    for name, item in _limits():
        limiter.limiter.hit(item, name, keys[name])


def clear_account(username: str) -> None:
    """A successful login forgets the account's failures (the address's stay counted)."""
    name, item = _limits()[0]
    limiter.limiter.clear(item, name, _keys(username, "")["login-account"])
