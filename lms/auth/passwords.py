"""Password hashing and policy."""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor

from flask_babel import lazy_gettext as _l
from werkzeug.security import check_password_hash, generate_password_hash

from lms.errors import InvalidInput

# scrypt (N=2**15, r=8, p=1), Werkzeug's default: slow and memory-hard, for chosen passwords.
CHOSEN_METHOD = "scrypt"
# Temporary passwords are 70 random bits and must be changed at first login; a slow KDF adds
# nothing against guessing them, and this one keeps a 20,000-account import to seconds.
TEMPORARY_METHOD = "pbkdf2:sha256:5000"
TEMPORARY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i to misread on paper
TEMPORARY_LENGTH = 14

COMMON_PASSWORDS = frozenset(
    {
        "1234567890",
        "12345678910",
        "0123456789",
        "qwertyuiop",
        "password123",
        "matkhau123",
        "1111111111",
        "abcd123456",
        "iloveyou123",
        "123456789a",
        "vietnam123",
        "admin12345",
    }
)

# The hash checked when the username is unknown, so that timing does not tell it apart.
_DUMMY_HASH = generate_password_hash(secrets.token_hex(8), method=CHOSEN_METHOD)


def hash_password(password: str) -> str:
    return generate_password_hash(password, method=CHOSEN_METHOD)


def hash_many(passwords: Iterable[str], method: str = CHOSEN_METHOD) -> list[str]:
    """Hash in two threads: hashlib releases the GIL, so both cores work on big imports."""
    with ThreadPoolExecutor(max_workers=2) as pool:
        return list(pool.map(lambda p: generate_password_hash(p, method=method), passwords))


def verify_password(password_hash: str | None, password: str) -> bool:
    """Every answer costs one scrypt check, so response time does not tell an unknown account
    or one with a (fast-hashed) temporary password from the others."""
    if not password_hash:
        check_password_hash(_DUMMY_HASH, password)
        return False
    if not password_hash.startswith(CHOSEN_METHOD):
        check_password_hash(_DUMMY_HASH, password)
    return check_password_hash(password_hash, password)


def hash_temporary(password: str) -> str:
    return generate_password_hash(password, method=TEMPORARY_METHOD)


def new_temporary_password() -> str:
    return "".join(secrets.choice(TEMPORARY_ALPHABET) for _ in range(TEMPORARY_LENGTH))


def check_policy(password: str, *, username: str, min_length: int) -> None:
    if len(password) < min_length:
        raise InvalidInput(_l("The password must have at least %(n)s characters.", n=min_length))
    if len(password) > 256:
        raise InvalidInput(_l("The password is too long (256 characters at most)."))
    lowered = password.lower()
    if username and username.lower() in lowered:
        raise InvalidInput(_l("The password must not contain the username."))
    if lowered in COMMON_PASSWORDS or len(set(password)) < 4:
        raise InvalidInput(_l("This password is too easy to guess. Choose another."))
