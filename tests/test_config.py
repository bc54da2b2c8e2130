"""Configuration: safe defaults, environment variables, refusal of unsafe production settings."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys

import pytest

from lms.config import ConfigError, load


def test_production_refuses_a_missing_or_weak_secret(tmp_path, monkeypatch):
    monkeypatch.setenv("LMS_ENV", "production")
    monkeypatch.setenv("LMS_BASE_URL", "https://lms.example.vn")
    monkeypatch.delenv("LMS_SECRET_KEY", raising=False)
    with pytest.raises(ConfigError, match="LMS_SECRET_KEY"):
        load(str(tmp_path))
    # Long enough, but hardly random: judged by the randomness, not the length.
    for weak in ["dev", "change-me", "short", "a" * 16, "a" * 16 + "b" * 32, "ab" * 40, "x" * 64]:
        monkeypatch.setenv("LMS_SECRET_KEY", weak)
        with pytest.raises(ConfigError, match="LMS_SECRET_KEY"):
            load(str(tmp_path))
    for strong in [secrets.token_hex(32), secrets.token_hex(16), secrets.token_urlsafe(32)]:
        monkeypatch.setenv("LMS_SECRET_KEY", strong)
        settings = load(str(tmp_path))
        assert settings["SECRET_KEY"] == strong
    assert settings["SESSION_COOKIE_SECURE"] is True
    assert settings["REMEMBER_COOKIE_SECURE"] is True


@pytest.mark.parametrize("spelling", ["Production", "prod", "PRODUCTION", "dev", "staging", ""])
def test_an_unknown_environment_name_stops_the_start(tmp_path, monkeypatch, spelling):
    """``LMS_ENV=Production`` used to run silently in development mode."""
    monkeypatch.setenv("LMS_ENV", spelling)
    monkeypatch.setenv("LMS_SECRET_KEY", secrets.token_hex(32))
    with pytest.raises(ConfigError, match=r"LMS_ENV .* must be one of development, production"):
        load(str(tmp_path))


def test_production_needs_a_base_url(tmp_path, monkeypatch):
    monkeypatch.setenv("LMS_ENV", "production")
    monkeypatch.setenv("LMS_SECRET_KEY", secrets.token_hex(32))
    monkeypatch.delenv("LMS_BASE_URL", raising=False)
    monkeypatch.delenv("LMS_TRUSTED_HOSTS", raising=False)
    with pytest.raises(ConfigError, match="LMS_BASE_URL is missing"):
        load(str(tmp_path))
    for bad in ["lms.example.vn", "ftp://lms.example.vn", "https://", "http://lms.example.vn",
                "https://lms.example.vn/app"]:  # fmt: skip
        monkeypatch.setenv("LMS_BASE_URL", bad)
        with pytest.raises(ConfigError, match="LMS_BASE_URL"):
            load(str(tmp_path))
    monkeypatch.setenv("LMS_BASE_URL", "https://lms.example.vn/")
    settings = load(str(tmp_path))
    assert settings["BASE_URL"] == "https://lms.example.vn"
    assert settings["TRUSTED_HOSTS"] == ["lms.example.vn"]  # by default, the base URL's host
    monkeypatch.setenv("LMS_TRUSTED_HOSTS", "lms.example.vn, lms.internal ,")
    assert load(str(tmp_path))["TRUSTED_HOSTS"] == ["lms.example.vn", "lms.internal"]


def test_development_needs_no_base_url(tmp_path, monkeypatch):
    monkeypatch.delenv("LMS_ENV", raising=False)
    monkeypatch.delenv("LMS_BASE_URL", raising=False)
    monkeypatch.delenv("LMS_TRUSTED_HOSTS", raising=False)
    settings = load(str(tmp_path), {"SECRET_KEY": "x" * 40})
    assert settings["BASE_URL"] is None and settings["TRUSTED_HOSTS"] is None
    assert settings["PERMANENT_SESSION_LIFETIME"] == 12 * 3600


def test_development_keeps_a_generated_key_in_instance(tmp_path, monkeypatch):
    monkeypatch.delenv("LMS_SECRET_KEY", raising=False)
    monkeypatch.delenv("LMS_ENV", raising=False)
    first = load(str(tmp_path))["SECRET_KEY"]
    assert len(first) == 64 and (tmp_path / "dev-secret-key").exists()
    assert load(str(tmp_path))["SECRET_KEY"] == first
    assert (tmp_path / "dev-secret-key").stat().st_mode & 0o077 == 0


def test_environment_variables_and_defaults(tmp_path, monkeypatch):
    monkeypatch.delenv("LMS_DATABASE_URL", raising=False)
    settings = load(str(tmp_path), {"SECRET_KEY": "x" * 40})
    assert settings["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path}/lms.sqlite"
    assert settings["DEFAULT_LOCALE"] == "vi" and settings["TIMEZONE"] == "Asia/Ho_Chi_Minh"
    monkeypatch.setenv("LMS_DATABASE_URL", "postgresql+psycopg://u@db/lms")
    monkeypatch.setenv("LMS_DEFAULT_LOCALE", "en")
    monkeypatch.setenv("LMS_PAGE_SIZE", "20")
    settings = load(str(tmp_path), {"SECRET_KEY": "x" * 40})
    assert settings["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://u@db/lms"
    assert settings["DEFAULT_LOCALE"] == "en" and settings["PAGE_SIZE"] == 20
    monkeypatch.setenv("LMS_DEFAULT_LOCALE", "fr")
    with pytest.raises(ConfigError):
        load(str(tmp_path), {"SECRET_KEY": "x" * 40})


def test_sqlite_runs_in_wal_mode_with_a_busy_timeout(app):
    from sqlalchemy import text

    from lms.extensions import db

    if db.engine.dialect.name != "sqlite":
        pytest.skip("SQLite only")
    with db.engine.connect() as connection:
        assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert connection.execute(text("PRAGMA busy_timeout")).scalar() == 15000
        assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1


def test_unknown_time_zone_is_refused_at_start(tmp_path, monkeypatch):
    monkeypatch.setenv("LMS_TIMEZONE", "Asia/Hanoi-Nowhere")
    with pytest.raises(ConfigError, match="LMS_TIMEZONE"):
        load(str(tmp_path), {"SECRET_KEY": "x" * 40})


def test_the_production_entry_point_builds_the_app_and_freezes_what_start_up_made(tmp_path):
    # In a child process: freezing the collector's view is for a server's whole life.
    probe = (
        "import gc, lms.wsgi; "
        "print(type(lms.wsgi.app).__name__, gc.get_freeze_count() > 10_000, gc.get_count()[2])"
    )
    env = {**os.environ, "LMS_DATABASE_URL": f"sqlite:///{tmp_path / 'entry.sqlite'}"}
    env.pop("LMS_ENV", None)
    done = subprocess.run(
        [sys.executable, "-c", probe], env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["Flask", "True", "0"]


def test_an_install_without_its_static_files_stops_the_start(tmp_path, monkeypatch):
    """The app serves static/ from its checkout: installed without it (pip install . copies
    only the package), it refuses to start rather than serve pages without their CSS."""
    import lms

    monkeypatch.setattr(lms, "STATIC_DIR", tmp_path / "static")
    with pytest.raises(RuntimeError, match="static files not found"):
        lms.create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/x.sqlite"})
