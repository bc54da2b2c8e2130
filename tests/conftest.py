"""Core fixtures: one app per database backend for the session, emptied after every test.

The suite runs on SQLite always, and on PostgreSQL too when LMS_TEST_DATABASE_URL points to a
server (``.ci/run`` starts one). Tests commit for real, like requests do; the autouse
``app_context`` fixture empties every table afterwards.

A feature's fixtures (``make_user``, ``people``, ``make_course``, ``make_session``...) are in
tests/plugins/<feature>.py, loaded below as plugins.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from click.testing import Result
from flask import Flask
from flask.testing import FlaskClient
from flask_migrate import upgrade
from sqlalchemy import create_engine, delete, event, text
from sqlalchemy.engine import make_url

from lms.auth import passwords
from lms.database import Base
from lms.extensions import db, limiter
from tests.support import make_test_app, sums_drift

# Each feature's fixtures (and the helpers its tests share) are in tests/plugins/<feature>.py.
pytest_plugins = [
    "tests.plugins.units_people",
    "tests.plugins.courses",
    "tests.plugins.attendance",
    "tests.plugins.quizzes",
    "tests.plugins.certificates",
    "tests.plugins.access",
]

PG_URL = os.environ.get("LMS_TEST_DATABASE_URL")
BACKENDS = ["sqlite"] + (["postgresql"] if PG_URL else [])


def _postgres_database(name: str) -> str:
    """A fresh, empty database on the test server (one per pytest-xdist worker)."""
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if worker:
        name = f"{name}_{worker}"
    server = make_url(PG_URL)
    engine = create_engine(server, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        connection.execute(text(f"CREATE DATABASE \"{name}\" ENCODING 'UTF8' TEMPLATE template0"))
    engine.dispose()
    return server.set(database=name).render_as_string(hide_password=False)


@pytest.fixture(scope="session", params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> str:
    if request.param == "postgresql":
        return _postgres_database("lms_test")
    return "sqlite:///" + str(tmp_path_factory.mktemp("db") / "test.sqlite")


@pytest.fixture(scope="session")
def app(database_url: str) -> Iterator[Flask]:
    application = make_test_app(database_url)
    with application.app_context():
        upgrade(directory=application.extensions["migrate"].directory)
    yield application
    with application.app_context():
        db.engine.dispose()


@pytest.fixture
def make_app(database_url: str):
    """Another app instance on the test database (or another URL), closed after the test."""
    made: list[Flask] = []

    def make(url: str | None = None, **overrides: Any) -> Flask:
        application = make_test_app(url or database_url, **overrides)
        made.append(application)
        return application

    yield make
    for application in made:
        with application.app_context():
            db.engine.dispose()


@pytest.fixture(autouse=True, scope="session")
def fast_password_hashing() -> Iterator[None]:
    """scrypt takes ~0.1 s a hash; tests create many accounts. test_auth checks the real KDF."""
    original = passwords.CHOSEN_METHOD
    passwords.CHOSEN_METHOD = "pbkdf2:sha256:1000"
    yield
    passwords.CHOSEN_METHOD = original


def empty_database() -> None:
    for table in reversed(Base.metadata.sorted_tables):
        db.session.execute(delete(table))
    db.session.commit()


@pytest.fixture(autouse=True)
def app_context(app: Flask, request: pytest.FixtureRequest) -> Iterator[None]:
    with app.app_context():
        yield
        db.session.rollback()
        # Whatever the test wrote, through whichever service, the review's sums kept up.
        drift = sums_drift()
        if request.node.get_closest_marker("shared_data") is None:
            empty_database()
        db.session.remove()
        limiter.reset()
        assert not drift, "the kept review sums drifted:\n" + "\n".join(drift[:20])


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture(scope="session")
def cli(app: Flask):
    """Runs an ``lms`` command on the test app: ``cli("courses", "sync", str(folder))`` returns
    click's ``Result`` (``exit_code``, ``output``). Keyword arguments go to
    ``FlaskCliRunner.invoke``: ``input=``, ``catch_exceptions=``, or ``cli=`` another command
    group (``lms.cli.main``, the installed ``lms``). A command runs in its own app context and
    database session; the test's session is expired after it, so the test reads what it wrote.
    Session-scoped: a module-scoped fixture may run a command too (in an app context)."""
    runner = app.test_cli_runner()

    def run(*args: str, **kwargs: Any) -> Result:
        result = runner.invoke(args=list(args), **kwargs)
        db.session.expire_all()
        return result

    return run


# ---- query counting --------------------------------------------------------------------------


class QueryCounter:
    def __init__(self) -> None:
        self.statements: list[str] = []

    @property
    def count(self) -> int:
        return len(self.statements)


@pytest.fixture
def count_queries(app: Flask):
    @contextmanager
    def counting() -> Iterator[QueryCounter]:
        counter = QueryCounter()

        def before(conn, cursor, statement, parameters, context, executemany):
            if not statement.lstrip().upper().startswith(("PRAGMA", "SAVEPOINT", "RELEASE")):
                counter.statements.append(statement)

        event.listen(db.engine, "before_cursor_execute", before)
        try:
            yield counter
        finally:
            event.remove(db.engine, "before_cursor_execute", before)

    return counting


@pytest.fixture(autouse=True)
def wall_clock_now(request: pytest.FixtureRequest) -> None:
    """Test modules that place sessions around the wall clock keep ``NOW = now()``: take it again
    for each test. Taken once at collection, it is minutes old by the time the suite reaches
    PostgreSQL, and a session "started five minutes ago" has started twenty minutes ago: a
    check-in becomes late, a session is over."""
    module = request.module
    if getattr(module, "NOW_IS_THE_WALL_CLOCK", False):
        module.NOW = dt.datetime.now(dt.UTC)
