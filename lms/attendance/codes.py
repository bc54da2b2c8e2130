"""Rotating check-in codes: a time-based one-time code (RFC 6238's construction) per session.

The code is derived from the session's secret and the clock alone, so any number of app
servers show and accept the same code without sharing anything but the database.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from enum import Enum

DIGITS = 6
# A code stays accepted for one step after it leaves the screen (time to type it on a phone),
# and the next step's code is accepted too (a server whose clock runs a little ahead drew it).
ACCEPTED_PREVIOUS_STEPS = 1
ACCEPTED_NEXT_STEPS = 1
# Codes older than that but within this many steps are "expired" rather than "wrong".
RECENT_STEPS = 40


def new_secret() -> str:
    return secrets.token_hex(32)


def step_number(at: dt.datetime, step_seconds: int) -> int:
    return int(at.timestamp()) // step_seconds


def code_for_step(secret: str, step: int) -> str:
    digest = hmac.new(bytes.fromhex(secret), step.to_bytes(8, "big"), hashlib.sha256).digest()
    offset = digest[-1] & 0x0F  # RFC 4226 dynamic truncation
    value = int.from_bytes(digest[offset : offset + 4], "big") & 0x7FFFFFFF
    return str(value % 10**DIGITS).zfill(DIGITS)


@dataclass(frozen=True)
class ShownCode:
    code: str
    seconds_left: int


def current_code(secret: str, at: dt.datetime, step_seconds: int) -> ShownCode:
    step = step_number(at, step_seconds)
    left = step_seconds - int(at.timestamp()) % step_seconds
    return ShownCode(code_for_step(secret, step), left)


class CodeMatch(Enum):
    VALID = "valid"
    EXPIRED = "expired"
    WRONG = "wrong"


def normalize(code: str) -> str:
    """What the cadre typed, without spaces or dashes ("123 456" works)."""
    return "".join(ch for ch in code if ch not in " -\u00a0\t")


def match(secret: str, code: str, at: dt.datetime, step_seconds: int) -> CodeMatch:
    code = normalize(code)
    if len(code) != DIGITS or not code.isascii() or not code.isdigit():
        return CodeMatch.WRONG
    now_step = step_number(at, step_seconds)
    for age in range(-ACCEPTED_NEXT_STEPS, RECENT_STEPS + 1):
        if hmac.compare_digest(code_for_step(secret, now_step - age), code):
            return CodeMatch.VALID if age <= ACCEPTED_PREVIOUS_STEPS else CodeMatch.EXPIRED
    return CodeMatch.WRONG
