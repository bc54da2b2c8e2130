"""Known devices: a browser that has signed in to an account carries a signed cookie saying
so, with a random id per account. A sign-in from it is counted against that device alone
(``lms.auth.throttle``), so the owner of an account that strangers have locked still signs in
from their own phone or computer.

The cookie is signed with the secret key (it cannot be made up or moved to another account),
HTTP-only, and remembers the last few accounts used on that browser (a shared office computer).
"""

from __future__ import annotations

import secrets
from typing import Any

from flask import Request, current_app
from itsdangerous import BadSignature, URLSafeTimedSerializer
from werkzeug.wrappers import Response

COOKIE = "lms_device"
MAX_ACCOUNTS = 10


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="known-device")


def _max_age() -> int:
    return int(current_app.config["KNOWN_DEVICE_DAYS"]) * 24 * 3600


def _entries(request: Request) -> list[list[str]]:
    raw = request.cookies.get(COOKIE)
    if not raw:
        return []
    try:
        data: Any = _serializer().loads(raw, max_age=_max_age())
    except BadSignature:
        return []
    if not isinstance(data, list):
        return []
    return [
        entry
        for entry in data
        if isinstance(entry, list) and len(entry) == 2 and all(isinstance(v, str) for v in entry)
    ][:MAX_ACCOUNTS]


def device_id(request: Request, username: str) -> str | None:
    """The id of this browser as a known device of ``username``, or None."""
    account = username.strip().lower()
    return next((device for name, device in _entries(request) if name == account), None)


def remember(request: Request, response: Response, username: str) -> None:
    """After a successful sign-in: this browser is a known device of ``username`` (its id is
    kept; the cookie's life starts again)."""
    account = username.strip().lower()
    entries = _entries(request)
    device = next((d for name, d in entries if name == account), None) or secrets.token_urlsafe(16)
    entries = [[account, device]] + [e for e in entries if e[0] != account]
    response.set_cookie(
        COOKIE,
        _serializer().dumps(entries[:MAX_ACCOUNTS]),
        max_age=_max_age(),
        httponly=True,
        samesite="Lax",
        secure=current_app.config["SESSION_COOKIE_SECURE"],
    )
