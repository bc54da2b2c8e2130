"""Settings: safe defaults, then ``LMS_*`` environment variables, then a mapping from the caller.

Nothing else in the application reads ``os.environ``.
"""

from __future__ import annotations

import math
import os
import secrets
import zlib
from collections import Counter
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

INSECURE_SECRET_KEYS = {"", "dev", "change-me", "changeme", "secret"}
# LMS_ENV: exactly one of these (lower case); anything else stops the start.
ENVIRONMENTS = ("development", "production")
# A production secret key must hold at least this many bits by the estimate of _key_bits.
MIN_SECRET_KEY_BITS = 80


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
    # Certificates: who issues them, the title of who signs them, and the place in the line
    # "Hà Tĩnh, ngày … tháng … năm …" (a course may set its own issuer and signer).
    "ISSUER_NAME": ("Bộ Chỉ huy Quân sự tỉnh Hà Tĩnh", str),
    "SIGNER_TITLE": ("CHỈ HUY TRƯỞNG", str),
    "CERTIFICATE_PLACE": ("Hà Tĩnh", str),
    "VERIFY_LIMIT": ("30 per 10 minutes", str),
    "RATELIMIT_STORAGE_URI": ("memory://", str),
    "LOGIN_LIMIT_PER_ACCOUNT": ("5 per 15 minutes", str),
    "LOGIN_LIMIT_PER_ADDRESS": ("30 per 15 minutes", str),
    # A sign-in lasts this long, however active the session is; signing out ends it at once.
    "SESSION_HOURS": (12, int),
    # A browser that has signed in to an account is remembered this long (the known-device
    # cookie): it may still sign in to that account while the account is locked by others.
    "KNOWN_DEVICE_DAYS": (180, int),
    # Reading offline: how much a phone keeps of the courses (pages and images), in megabytes;
    # past it the courses saved longest ago are dropped first.
    "OFFLINE_CACHE_MB": (50, int),
    "LOGIN_LIMIT_PER_DEVICE": ("5 per 15 minutes", str),
    "PASSWORD_MIN_LENGTH": (10, int),
    "PAGE_SIZE": (50, int),
    "SESSION_COOKIE_SECURE": (None, _bool),
    # How many reverse proxies (nginx, a load balancer) stand in front of the app: their
    # X-Forwarded-For/-Proto headers are trusted that many hops deep, no more.
    "PROXY_COUNT": (0, int),
    # The site's address as users reach it (https://lms.example.vn): absolute links (the
    # check-in QR code) are built from it, never from the request's Host header.
    "BASE_URL": (None, str),
    # Host names the app answers to (comma-separated); others get a 400. Default: the host of
    # BASE_URL when it is set, any host otherwise.
    "TRUSTED_HOSTS": (None, lambda raw: [h.strip() for h in raw.split(",") if h.strip()]),
    # The course folders that `lms init` syncs (default: courses/ beside the package).
    "COURSES_DIR": (None, str),
    # Self check-in: how often the code on the trainer's screen changes, and the defaults a new
    # training session starts with (each session may change its own).
    "CHECKIN_CODE_SECONDS": (30, int),
    "CHECKIN_OPENS_BEFORE_MINUTES": (30, int),
    "CHECKIN_CLOSES_AFTER_MINUTES": (30, int),
    "LATE_AFTER_MINUTES": (15, int),
    "CHECKIN_LIMIT": ("20 per 10 minutes", str),
    # The command dashboard: the completion rate the province aims at (the charts' target
    # line) and the rate under which a unit is listed among the lagging ones (percent).
    "COMPLETION_TARGET": (90, int),
    "LAGGING_BELOW": (70, int),
    # E-mail of notifications, sent by `lms notify`: smtp://user:password@host:port (plain,
    # port 25), smtp+starttls://… (STARTTLS, port 587) or smtps://… (TLS, port 465). Unset:
    # no e-mail. MAIL_FROM: the sender (default: lms@ the host of BASE_URL, or localhost).
    "SMTP_URL": (None, str),
    "MAIL_FROM": (None, str),
}

SMTP_SCHEMES = {"smtp": 25, "smtp+starttls": 587, "smtps": 465}

LOCALES = ("vi", "en")


def load(instance_path: str, overrides: dict[str, Any] | None = None) -> dict[str, Any]:
    """Return the Flask config mapping for one app instance."""
    values: dict[str, Any] = {}
    for name, (default, parse) in _SETTINGS.items():
        raw = os.environ.get(f"LMS_{name}")
        values[name] = parse(raw) if raw is not None else default
    # Tests and embedding code pass plain keys (e.g. "DATABASE_URL").
    values.update(overrides or {})

    if values["ENV"] not in ENVIRONMENTS:
        raise ConfigError(
            f"LMS_ENV is {values['ENV']!r}; it must be one of {', '.join(ENVIRONMENTS)} "
            "(lower case)"
        )
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

    values["BASE_URL"], values["TRUSTED_HOSTS"] = _base_url_and_hosts(
        values["BASE_URL"], values["TRUSTED_HOSTS"], production
    )
    if not 1 <= values["SESSION_HOURS"] <= 24 * 30:
        raise ConfigError("LMS_SESSION_HOURS must be between 1 and 720")
    if not 1 <= values["KNOWN_DEVICE_DAYS"] <= 3650:
        raise ConfigError("LMS_KNOWN_DEVICE_DAYS must be between 1 and 3650")
    if not 1 <= values["OFFLINE_CACHE_MB"] <= 2000:
        raise ConfigError("LMS_OFFLINE_CACHE_MB must be between 1 and 2000")

    if not 30 <= values["CHECKIN_CODE_SECONDS"] <= 60:
        raise ConfigError("LMS_CHECKIN_CODE_SECONDS must be between 30 and 60")
    for name in (
        "CHECKIN_OPENS_BEFORE_MINUTES",
        "CHECKIN_CLOSES_AFTER_MINUTES",
        "LATE_AFTER_MINUTES",
    ):
        if not 0 <= values[name] <= 240:
            raise ConfigError(f"LMS_{name} must be between 0 and 240")

    for name in ("COMPLETION_TARGET", "LAGGING_BELOW"):
        if not 1 <= values[name] <= 100:
            raise ConfigError(f"LMS_{name} must be a percentage between 1 and 100")
    values["SMTP_URL"] = values["SMTP_URL"] or None
    if values["SMTP_URL"] is not None:
        _check_smtp_url(values["SMTP_URL"])
    if not values["MAIL_FROM"]:
        host = urlsplit(values["BASE_URL"]).hostname if values["BASE_URL"] else None
        values["MAIL_FROM"] = f"lms@{host or 'localhost'}"

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
        # The cookie's signature expires with the sign-in (an absolute limit is kept in the
        # session too: see lms.auth.sessions).
        "PERMANENT_SESSION_LIFETIME": values["SESSION_HOURS"] * 3600,
        "MAX_CONTENT_LENGTH": 16 * 1024 * 1024,
        "BABEL_DEFAULT_LOCALE": values["DEFAULT_LOCALE"],
        "BABEL_DEFAULT_TIMEZONE": values["TIMEZONE"],
        "RATELIMIT_STORAGE_URI": values["RATELIMIT_STORAGE_URI"],
        "RATELIMIT_HEADERS_ENABLED": False,
        "WTF_CSRF_TIME_LIMIT": None,  # tied to the session instead: phones keep forms open for long
    }


def _key_bits(key: str) -> float:
    """A cautious estimate of the randomness of ``key`` in bits: its length times the entropy of
    its character distribution (16 identical characters hold none), and no more than what is
    left once zlib has squeezed out its repetitions ("abab…" holds little)."""
    if not key:
        return 0.0
    counts = Counter(key)
    per_char = -sum(n / len(key) * math.log2(n / len(key)) for n in counts.values())
    compressed = len(zlib.compress(key.encode(), 9)) - 11  # zlib's header and checksum
    return min(per_char * len(key), 8.0 * max(compressed, 0))


def _secret_key(configured: str | None, production: bool, instance_path: str) -> str:
    strong = (
        configured
        and configured not in INSECURE_SECRET_KEYS
        and len(configured) >= 16
        and _key_bits(configured) >= MIN_SECRET_KEY_BITS
    )
    if strong:
        return configured  # type: ignore[return-value]
    if production:
        raise ConfigError(
            "LMS_SECRET_KEY is missing or too weak (a random value of at least "
            f"{MIN_SECRET_KEY_BITS} bits is needed). In production set it to a long random value, "
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


def _base_url_and_hosts(
    base_url: str | None, trusted: list[str] | None, production: bool
) -> tuple[str | None, list[str] | None]:
    if not base_url:
        if production:
            raise ConfigError(
                "LMS_BASE_URL is missing. In production set it to the address users open, "
                "e.g. export LMS_BASE_URL=https://lms.example.vn (absolute links such as the "
                "check-in QR code are built from it)"
            )
        return None, trusted or None
    parts = urlsplit(base_url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.path.strip("/"):
        raise ConfigError(
            f"LMS_BASE_URL {base_url!r} must be a site address like https://lms.example.vn "
            "(http or https, a host, no path)"
        )
    if production and parts.scheme != "https":
        raise ConfigError("LMS_BASE_URL must start with https:// in production")
    return f"{parts.scheme}://{parts.netloc}", trusted or [parts.hostname]


def _engine_options(database_url: str) -> dict[str, Any]:
    if database_url.startswith("sqlite"):
        # Several requests (threads or gunicorn processes) write at once: wait instead of failing.
        return {"connect_args": {"timeout": 15}}
    if database_url.startswith("postgresql"):
        # PostgreSQL's JIT compiles a report's query when its estimated cost is high: the
        # attendance rates of the province spent 0.8 s of 0.9 s compiling. Requests are short.
        return {"pool_pre_ping": True, "connect_args": {"options": "-c jit=off"}}
    return {"pool_pre_ping": True}


def _check_smtp_url(url: str) -> None:
    parts = urlsplit(url)
    try:
        port = parts.port
    except ValueError:
        port = -1
    credentials = unquote(parts.username or "") + unquote(parts.password or "")
    if not credentials.isascii():
        raise ConfigError(
            "LMS_SMTP_URL: the user name and password must be ASCII (SMTP's login takes no "
            "other letters); special characters are written %-encoded, e.g. %40 for @"
        )
    if parts.scheme not in SMTP_SCHEMES or not parts.hostname or port == -1:
        raise ConfigError(
            "LMS_SMTP_URL must look like smtp://user:password@host:port, "
            "smtp+starttls://user:password@host:587 or smtps://user:password@host:465"
        )
