"""Scale-out: two gunicorn instances on one database and one Redis behave as one server.

Nothing is kept in a process: sessions are signed cookies, check-in codes come from the
session's secret in the database and the clock, failed sign-ins are counted in Redis
(LMS_RATELIMIT_STORAGE_URI), answers are in the database. Without gunicorn, redis-server or
the redis package (pip install -e '.[redis]') the test is skipped; under CI it fails, since
.ci/run installs them and starts Redis (LMS_TEST_REDIS_URL).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from http.cookiejar import CookieJar
from pathlib import Path

import pytest
import sqlalchemy as sa

from lms.attendance.models import AttendanceRecord
from lms.courses import enrollment
from lms.extensions import db
from lms.quizzes import bank
from lms.quizzes import services as quiz_services
from lms.quizzes.models import Answer
from tests.support import TEST_PASSWORD

ROOT = Path(__file__).resolve().parents[1]
GUNICORN = Path(sys.executable).parent / "gunicorn"
SERVE = ["--log-level", "warning", "lms.wsgi:app"]


def unavailable(reason: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(f"{reason}; CI must run the scale-out test")
    pytest.skip(reason)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(url: str, process: subprocess.Popen, seconds: float = 60) -> None:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if process.poll() is not None:
            raise RuntimeError(f"{process.args[0]} exited with {process.returncode}")
        try:
            urllib.request.urlopen(url, timeout=2).close()
            return
        except urllib.error.HTTPError:
            return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"{url} did not answer within {seconds} s")


def stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """LMS_TEST_REDIS_URL (.ci/run starts one), else a private redis-server on 127.0.0.1."""
    try:
        import redis
    except ImportError:
        unavailable("the redis package is not installed (pip install -e '.[redis]')")
    url = os.environ.get("LMS_TEST_REDIS_URL")
    server = None
    if not url:
        binary = shutil.which("redis-server")
        if binary is None:
            unavailable("redis-server is not installed (apt-get install redis-server)")
        port = free_port()
        folder = tmp_path_factory.mktemp("redis")
        server = subprocess.Popen(
            [binary, "--bind", "127.0.0.1", "--port", str(port), "--save", "", "--dir", folder],
            stdout=subprocess.DEVNULL,
        )
        url = f"redis://127.0.0.1:{port}/0"
    client = redis.Redis.from_url(url)
    end = time.monotonic() + 20
    while True:
        try:
            client.ping()
            break
        except redis.ConnectionError:
            if time.monotonic() > end:
                raise
            time.sleep(0.1)
    client.close()
    yield url
    if server is not None:
        stop(server)


class Browser:
    """One person's cookie jar, sent to whichever server a request goes to."""

    TOKEN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')

    def __init__(self) -> None:
        class Keep(urllib.request.HTTPErrorProcessor):
            def http_response(self, request, response):
                return response

        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(CookieJar()), Keep()
        )

    def get(self, url: str) -> tuple[int, str]:
        with self.opener.open(url, timeout=30) as response:
            return response.status, response.read().decode()

    def post(
        self, url: str, form: dict[str, str], *, token_from: str, json_reply: bool = False
    ) -> tuple[int, str, str]:
        token = self.TOKEN.search(self.get(token_from)[1]).group(1)
        request = urllib.request.Request(
            url, data=urllib.parse.urlencode({"csrf_token": token, **form}).encode()
        )
        if json_reply:
            request.add_header("Accept", "application/json")
        with self.opener.open(request, timeout=30) as response:
            return response.status, response.read().decode(), response.headers.get("Location", "")

    def sign_in(self, base: str, username: str, password: str = TEST_PASSWORD) -> int:
        form = {"username": username, "password": password}
        return self.post(f"{base}/login", form, token_from=f"{base}/login")[0]


@pytest.fixture
def two_servers(database_url: str, redis_url: str) -> Iterator[tuple[str, str]]:
    if not GUNICORN.exists():
        unavailable(f"gunicorn is not installed at {GUNICORN}")
    import redis

    with redis.Redis.from_url(redis_url) as client:
        client.flushdb()  # the counters of an earlier run
    env = {
        **os.environ,
        "LMS_DATABASE_URL": database_url,
        "LMS_SECRET_KEY": "scale-out-test-secret-key-0123456789abcdef",
        "LMS_RATELIMIT_STORAGE_URI": redis_url,
        "LMS_LOGIN_LIMIT_PER_ACCOUNT": "5 per 15 minutes",
    }
    servers, bases = [], []
    try:
        for _ in range(2):
            port = free_port()
            servers.append(
                subprocess.Popen(
                    [str(GUNICORN), "--workers", "1", "--bind", f"127.0.0.1:{port}", *SERVE],
                    env=env,
                    cwd=ROOT,
                )
            )
            bases.append(f"http://127.0.0.1:{port}")
        for base, server in zip(bases, servers, strict=True):
            wait_for(f"{base}/healthz", server)
        yield bases[0], bases[1]
    finally:
        for server in servers:
            stop(server)


def test_two_servers_on_one_database_and_one_redis_act_as_one(
    two_servers, people, province, make_course, make_session
):
    one, two = two_servers
    course = make_course()
    bank.import_gift(course, "::Q1:: Phải tôn trọng phong tục của đồng bào. {TRUE}", actor=None)
    quiz_services.create_quiz(course, slug="kiem-tra", title="Kiểm tra", published=True)
    enrollment.assign(course, province["HS"], dt.date(2027, 1, 31), actor=None)
    db.session.commit()
    session = make_session(starts_at=dt.datetime.now(dt.UTC) - dt.timedelta(minutes=5))

    # A cookie from one works on the other.
    cadre = Browser()
    assert cadre.sign_in(one, "hocvien") == 302
    status, home = cadre.get(f"{two}/")
    assert status == 200 and "Nguyễn Văn An" in home

    # A check-in code shown by one is accepted by the other.
    trainer = Browser()
    assert trainer.sign_in(two, "giangvien") == 302
    status, screen = trainer.get(f"{two}/sessions/{session.id}/screen")
    code = re.search(r'data-code="(\d{6})"', screen).group(1)
    checkin = f"{one}/checkin/{session.id}"
    status, _, location = cadre.post(checkin, {"code": code}, token_from=checkin)
    assert (status, location) == (303, "/attendance/mine")
    records = db.session.scalars(sa.select(AttendanceRecord)).all()
    assert [(r.user_id, r.session_id) for r in records] == [(people["cadre"].id, session.id)]

    # An attempt saved through one is read back through the other.
    quiz_url = f"{two}/courses/dan-van/quizzes/kiem-tra"
    status, _, attempt_path = cadre.post(f"{quiz_url}/start", {}, token_from=quiz_url)
    assert status == 302 and "/attempts/" in attempt_path
    status, reply, _ = cadre.post(
        f"{one}{attempt_path}/save",
        {"q1": "false"},
        token_from=f"{one}{attempt_path}",
        json_reply=True,
    )
    assert json.loads(reply)["saved"] is True
    assert db.session.scalars(sa.select(Answer.response)).all() == [{"value": False}]
    status, page = cadre.get(f"{two}{attempt_path}")
    assert re.search(r'name="q1" value="false" checked', page)

    # Failed sign-ins on both count toward one limit (5 per account): 3 here, 2 there, then
    # even the right password is refused on either, which per-process counters would allow.
    stranger = Browser()
    for base in (one, one, one, two, two):
        assert stranger.sign_in(base, "hocvien.bp", "sai-mat-khau") == 401
    assert Browser().sign_in(one, "hocvien.bp") == 429
    assert Browser().sign_in(two, "hocvien.bp") == 429
    assert Browser().sign_in(two, "chihuy.hs") == 302  # another account is not affected
