"""Fixtures: one app per database backend for the session, emptied after every test.

The suite runs on SQLite always, and on PostgreSQL too when LMS_TEST_DATABASE_URL points to a
server (``.ci/run`` starts one). Tests commit for real, like requests do; the autouse
``clean_database`` fixture empties every table afterwards.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from flask_migrate import upgrade
from sqlalchemy import create_engine, delete, event, text
from sqlalchemy.engine import make_url

from lms.auth import passwords
from lms.database import Base
from lms.extensions import db, limiter
from tests.support import TEST_PASSWORD, login, make_test_app, sums_drift

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


# ---- factories -------------------------------------------------------------------------------


@pytest.fixture
def make_unit():
    from lms.units import services as units

    def make(
        code: str, parent: Any = None, name: str | None = None, kind: str = "other", **kwargs: Any
    ):
        unit = units.create_unit(
            code=code, name=name or f"Đơn vị {code}", kind=kind, parent=parent, actor=None, **kwargs
        )
        db.session.commit()
        return unit

    return make


@pytest.fixture
def make_user():
    from lms.people import services as people

    def make(
        username: str,
        roles: tuple[str, ...] = ("cadre",),
        unit: Any = None,
        full_name: str | None = None,
        password: str = TEST_PASSWORD,
        **kwargs: Any,
    ):
        user, _temporary = people.create_user(
            username=username,
            full_name=full_name or f"Người dùng {username}",
            unit=unit,
            roles=set(roles),
            password=password,
            actor=None,
            **kwargs,
        )
        db.session.commit()
        return user

    return make


@pytest.fixture
def province(make_unit):
    """A small tree: HT > (BCHQS > (HS > HS-01, HK), BDBP > DBP-CT)."""
    root = make_unit("HT", name="Tỉnh Hà Tĩnh", kind="province")
    bchqs = make_unit("BCHQS", root, name="Bộ Chỉ huy Quân sự tỉnh", kind="military_command")
    hs = make_unit("HS", bchqs, name="Ban CHQS huyện Hương Sơn", kind="district_command")
    hs01 = make_unit("HS-01", hs, name="Ban CHQS xã Sơn Kim 1", kind="commune_command")
    hk = make_unit("HK", bchqs, name="Ban CHQS huyện Hương Khê", kind="district_command")
    bdbp = make_unit("BDBP", root, name="Bộ Chỉ huy BĐBP tỉnh", kind="border_command")
    post = make_unit("DBP-CT", bdbp, name="Đồn Biên phòng Cầu Treo", kind="border_post")
    return {u.code: u for u in (root, bchqs, hs, hs01, hk, bdbp, post)}


@pytest.fixture
def people(province, make_user):
    """One account per role, placed in the province tree."""
    return {
        "admin": make_user("quantri", ("admin",), None, "Quản trị viên"),
        "trainer": make_user("giangvien", ("trainer",), province["BCHQS"], "Trần Minh Đức"),
        "commander": make_user("chihuy.hs", ("commander",), province["HS"], "Phạm Đức Long"),
        "cadre": make_user("hocvien", ("cadre",), province["HS-01"], "Nguyễn Văn An"),
        "border_cadre": make_user("hocvien.bp", ("cadre",), province["DBP-CT"], "Lê Thị Hà"),
    }


@pytest.fixture
def login_as(client: FlaskClient, people):
    def sign_in(role: str) -> FlaskClient:
        login(client, people[role].username)
        return client

    return sign_in


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


@pytest.fixture
def make_course():
    from lms.courses import module_editing
    from lms.courses import services as courses

    def make(
        slug: str = "dan-van",
        *,
        modules: tuple[str, ...] = ("Mở đầu", "Nội dung", "Kết luận"),
        status: str = "published",
        owner: Any = None,
        title: str | None = None,
    ):
        course = courses.create_course(
            slug=slug, title=title or f"Khóa học {slug}", owner=owner, actor=None
        )
        for index, module_title in enumerate(modules, start=1):
            module_editing.add_module(
                course,
                title=module_title,
                minutes=10,
                body_md=f"## Phần {index}\n\nNội dung **{module_title}** về dân vận.",
                author=None,
            )
        if status != "draft":
            courses.set_status(course, status, actor=None)
        db.session.commit()
        return courses.get_course(slug, with_modules=True)

    return make


@pytest.fixture
def make_session(people):
    """A training session run by the trainer, inviting units (codes) and people (usernames)."""
    import datetime as dt

    from lms.attendance import queries as session_queries
    from lms.attendance import services as sessions

    def make(
        *,
        units: tuple[str, ...] = ("HS",),
        invitees: tuple[str, ...] = (),
        starts_at: dt.datetime | None = None,
        hours: float = 2,
        course_id: int | None = None,
        trainers: tuple[str, ...] = ("giangvien",),
        **kwargs: Any,
    ):
        starts_at = starts_at or dt.datetime(2026, 12, 1, 1, 0, tzinfo=dt.UTC)  # 08:00 local
        session = sessions.create_session(
            sessions.SessionInput(
                title=kwargs.pop("title", "Tập huấn kỹ năng dân vận"),
                starts_at=starts_at,
                ends_at=starts_at + dt.timedelta(hours=hours),
                place=kwargs.pop("place", "Hội trường Ban CHQS huyện Hương Sơn"),
                course_id=course_id,
                trainers=list(trainers),
                units=list(units),
                invitees=list(invitees),
                **kwargs,
            ),
            actor=people["trainer"],
        )
        db.session.commit()
        return session_queries.get_session(session.id)

    return make


@pytest.fixture(autouse=True)
def wall_clock_now(request: pytest.FixtureRequest) -> None:
    """Test modules that place sessions around the wall clock keep ``NOW = now()``: take it again
    for each test. Taken once at collection, it is minutes old by the time the suite reaches
    PostgreSQL, and a session "started five minutes ago" has started twenty minutes ago: a
    check-in becomes late, a session is over."""
    module = request.module
    if getattr(module, "NOW_IS_THE_WALL_CLOCK", False):
        module.NOW = dt.datetime.now(dt.UTC)
