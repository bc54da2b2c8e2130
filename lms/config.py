"""Settings: safe defaults, then ``LMS_*`` environment variables, then a mapping from the caller.

Nothing else in the application reads ``os.environ``.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

INSECURE_SECRET_KEYS = {"", "dev", "change-me", "changeme", "secret"}


class ConfigError(RuntimeError):
    """The configuration cannot be used; the message says what to fix."""


def _bool(value: str) -> bool:
    return value.strip().lower() in {"1", "true", "yes", "on"}


# name -> (default, parser). Each is read from LMS_<NAME>.
_SETTINGS: dict[str, tuple[Any, Any]] = {
    "ENV": ("development", str),
    "SECRET_KEY": (None, str),
    "DATABASE_URL": (None, str),
    "DEFAULT_LOCALE": ("vi", str),
    "TIMEZONE": ("Asia/Ho_Chi_Minh", str),
    "ISSUER_NAME": ("Bộ Chỉ huy Quân sự tỉnh Hà Tĩnh", str),
    "RATELIMIT_STORAGE_URI": ("memory://", str),
    "LOGIN_LIMIT_PER_ACCOUNT": ("5 per 15 minutes", str),
    "LOGIN_LIMIT_PER_ADDRESS": ("30 per 15 minutes", str),
    "PASSWORD_MIN_LENGTH": (10, int),
    "PAGE_SIZE": (50, int),
    "SESSION_COOKIE_SECURE": (None, _bool),
    # How many reverse proxies (nginx, a load balancer) stand in front of the app: their
    # X-Forwarded-For/-Proto headers are trusted that many hops deep, no more.
    "PROXY_COUNT": (0, int),
    # The course folders that `lms init` syncs (default: courses/ beside the package).
    "COURSES_DIR": (None, str),
    # Self check-in: how often the code on the trainer's screen changes, and the defaults a new
    # training session starts with (each session may change its own).
    "CHECKIN_CODE_SECONDS": (30, int),
    "CHECKIN_OPENS_BEFORE_MINUTES": (30, int),
    "CHECKIN_CLOSES_AFTER_MINUTES": (30, int),
    "LATE_AFTER_MINUTES": (15, int),
    "CHECKIN_LIMIT": ("20 per 10 minutes", str),
}

LOCALES = ("vi", "en")


def load(instance_path: str, overrides: dict[str, Any] | None = None) -> dict[str, Any]:
    """Return the Flask config mapping for one app instance."""
    values: dict[str, Any] = {}
    for name, (default, parse) in _SETTINGS.items():
        raw = os.environ.get(f"LMS_{name}")
        values[name] = parse(raw) if raw is not None else default
    # Tests and embedding code pass plain keys (e.g. "DATABASE_URL").
    values.update(overrides or {})

    production = values["ENV"] == "production"
    values["SECRET_KEY"] = _secret_key(values["SECRET_KEY"], production, instance_path)
    if values["SESSION_COOKIE_SECURE"] is None:
        values["SESSION_COOKIE_SECURE"] = production
    if values["DEFAULT_LOCALE"] not in LOCALES:
        raise ConfigError(f"LMS_DEFAULT_LOCALE must be one of {', '.join(LOCALES)}")
    try:
        ZoneInfo(values["TIMEZONE"])
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(
            f"LMS_TIMEZONE {values['TIMEZONE']!r} is not a known time zone (e.g. Asia/Ho_Chi_Minh)"
        ) from None
    if not 0 <= values["PROXY_COUNT"] <= 5:
        raise ConfigError("LMS_PROXY_COUNT is the number of proxies in front of the app (0-5)")

    if not 30 <= values["CHECKIN_CODE_SECONDS"] <= 60:
        raise ConfigError("LMS_CHECKIN_CODE_SECONDS must be between 30 and 60")
    for name in (
        "CHECKIN_OPENS_BEFORE_MINUTES",
        "CHECKIN_CLOSES_AFTER_MINUTES",
        "LATE_AFTER_MINUTES",
    ):
        if not 0 <= values[name] <= 240:
            raise ConfigError(f"LMS_{name} must be between 0 and 240")

    database_url = values["DATABASE_URL"] or "sqlite:///" + str(Path(instance_path) / "lms.sqlite")
    return {
        **values,
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SQLALCHEMY_ENGINE_OPTIONS": _engine_options(database_url),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_NAME": "lms_session",
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SECURE": values["SESSION_COOKIE_SECURE"],
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "PERMANENT_SESSION_LIFETIME": 12 * 3600,
        "MAX_CONTENT_LENGTH": 16 * 1024 * 1024,
        "BABEL_DEFAULT_LOCALE": values["DEFAULT_LOCALE"],
        "BABEL_DEFAULT_TIMEZONE": values["TIMEZONE"],
        "RATELIMIT_STORAGE_URI": values["RATELIMIT_STORAGE_URI"],
        "RATELIMIT_HEADERS_ENABLED": False,
        "WTF_CSRF_TIME_LIMIT": None,  # tied to the session instead: phones keep forms open for long
    }


def _secret_key(configured: str | None, production: bool, instance_path: str) -> str:
    if configured and configured not in INSECURE_SECRET_KEYS and len(configured) >= 16:
        return configured
    if production:
        raise ConfigError(
            "LMS_SECRET_KEY is missing or too weak. In production set it to a long random value, "
            'for example: export LMS_SECRET_KEY="$(python3 -c "import secrets; '
            'print(secrets.token_hex(32))")"'
        )
    if configured:
        return configured
    # Development: a random key kept in instance/ so that sessions survive a restart.
    key_file = Path(instance_path) / "dev-secret-key"
    if not key_file.exists():
        key_file.parent.mkdir(parents=True, exist_ok=True)
        key_file.write_text(secrets.token_hex(32))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


def _engine_options(database_url: str) -> dict[str, Any]:
    if database_url.startswith("sqlite"):
        # Several requests (threads or gunicorn processes) write at once: wait instead of failing.
        return {"connect_args": {"timeout": 15}}
    return {"pool_pre_ping": True}
