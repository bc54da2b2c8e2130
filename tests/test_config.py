"""Configuration: safe defaults, environment variables, refusal of unsafe production settings."""

from __future__ import annotations

import pytest

from lms.config import ConfigError, load


def test_production_refuses_a_missing_or_weak_secret(tmp_path, monkeypatch):
    monkeypatch.setenv("LMS_ENV", "production")
    monkeypatch.delenv("LMS_SECRET_KEY", raising=False)
    with pytest.raises(ConfigError, match="LMS_SECRET_KEY"):
        load(str(tmp_path))
    for weak in ["dev", "change-me", "short"]:
        monkeypatch.setenv("LMS_SECRET_KEY", weak)
        with pytest.raises(ConfigError):
            load(str(tmp_path))
    monkeypatch.setenv("LMS_SECRET_KEY", "a" * 16 + "b" * 32)
    settings = load(str(tmp_path))
    assert settings["SESSION_COOKIE_SECURE"] is True
    assert settings["REMEMBER_COOKIE_SECURE"] is True


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
