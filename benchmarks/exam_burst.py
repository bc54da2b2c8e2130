"""Exam burst: many cadres sign in, start the same 10-question quiz within a minute, autosave
every answer one by one and submit, against gunicorn on `lms demo --size large`.

    .venv/bin/python benchmarks/exam_burst.py [--cadres 300] [--workers 4]
    .venv/bin/python benchmarks/exam_burst.py --cadres 1000 \
        --database-url postgresql+psycopg://postgres@127.0.0.1:5434/bench_exam

The realistic case (--sign-ins-over 600): cadres sign in over the ten minutes before the quiz
opens, then start it within --window seconds, already signed in. --time-scale K shortens those
ten minutes K times while keeping the real rate of sign-ins per second: cadres/K of them sign
in during the measured 600/K seconds, at cadres/600 a second; the others are signed in before
it, four at a time, untimed (as if earlier in the ten minutes).

    .venv/bin/python benchmarks/exam_burst.py --cadres 1000 --sign-ins-over 600 \
        --time-scale 5 --database-url postgresql+psycopg://postgres@127.0.0.1:5434/bench_exam

--kill-worker-at S sends SIGKILL to one gunicorn worker S seconds into the burst (the master
starts another). A request sent before the kill whose connection closes after it (the killed
worker held it) is sent again once, as the page's autosave sends every answer again with the
next change; every answer acknowledged before or after the kill must be in the database at the
end. Requests cut are counted apart from errors.

SQLite (in a temporary folder) by default. A PostgreSQL database named in --database-url is
dropped and created again. Each simulated cadre is a thread with its own cookie jar and plain
urllib requests: GET/POST /login, GET the quiz page, POST .../start, GET /attempts/<id>, one
POST /attempts/<id>/save per answer (the form fields answered so far, Accept: application/json,
as the page's autosave sends them), then POST /attempts/<id>/submit.

Afterwards every save the server acknowledged (200, {"saved": true}) is compared with the answers
table, and every cadre must have exactly one submitted attempt. Everything runs on 127.0.0.1;
the whole run (setup included) is stopped after --max-seconds (600) and reported as aborted.
Prints a Markdown table.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import unicodedata
import urllib.error
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from http.cookiejar import CookieJar
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
BIN = Path(sys.executable).parent
PASSWORD = "DanVan@2026"
COURSE = "dan-van-kheo"
QUIZ = "exam-burst"

# Ten questions: 4 single choice, 2 true/false, 2 short answer, 2 numerical.
GIFT = """\
$CATEGORY: exam-burst

::q1:: Phương châm công tác dân vận là gì? {
=Gần dân, hiểu dân, giúp dân, học dân
~Chỉ tuyên truyền qua loa phát thanh
~Giao toàn bộ cho chính quyền
~Chỉ làm khi có chỉ thị}

::q2:: Ai là lực lượng nòng cốt trong công tác dân vận ở cơ sở? {
~Chỉ cán bộ cấp tỉnh
=Cán bộ, chiến sĩ và đoàn thể ở cơ sở
~Chỉ doanh nghiệp
~Chỉ các nhà báo}

::q3:: Khi dân có ý kiến, cán bộ cần làm gì trước tiên? {
=Lắng nghe và ghi nhận
~Bỏ qua
~Chuyển ngay cho người khác
~Hẹn lần sau}

::q4:: "Dân vận khéo" là phong trào thi đua của ai? {
~Chỉ ngành giáo dục
~Chỉ ngành y tế
=Cả hệ thống chính trị
~Chỉ lực lượng vũ trang}

::q5:: Dân vận là nhiệm vụ của cả hệ thống chính trị. {T}

::q6:: Công tác dân vận chỉ cần làm vào dịp lễ tết. {F}

::q7:: Viết tắt của "Mặt trận Tổ quốc" (hai chữ cái đầu, MT)? {=MT =Mặt trận}

::q8:: Một từ mô tả thái độ của cán bộ với dân: {=tôn trọng =gần gũi =chân thành}

::q9:: Bác Hồ viết bài "Dân vận" năm nào? {#1949}

::q10:: Số khối dân cư được giao cho tổ công tác (từ 3 đến 7)? {#3..7}
"""

TEXTS = ["tôn trọng", "gần gũi", "Chân thành", "MT", "Mặt trận", "lắng nghe", "dân vận khéo"]


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Deadline:
    def __init__(self, seconds: float) -> None:
        self.end = time.monotonic() + seconds

    def left(self) -> float:
        return self.end - time.monotonic()


def run(args: list[str], env: dict[str, str], deadline: Deadline, stdin: str | None = None) -> str:
    try:
        done = subprocess.run(
            args,
            env=env,
            capture_output=True,
            text=True,
            check=False,
            input=stdin,
            timeout=max(deadline.left(), 1),
            cwd=ROOT,
        )
    except subprocess.TimeoutExpired:
        sys.exit(f"ABORTED: {' '.join(args)} did not finish within the time bound")
    if done.returncode != 0:
        sys.exit(f"{' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
    return done.stdout


def fresh_postgres(url: str) -> None:
    """Drop and create the database named in the URL (on a 127.0.0.1 server)."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    target = make_url(url)
    if target.host not in ("127.0.0.1", "localhost"):
        sys.exit("this benchmark only talks to a PostgreSQL server on 127.0.0.1")
    name = target.database
    if not name or not re.fullmatch(r"[a-z_][a-z0-9_]*", name):
        sys.exit(f"unexpected database name {name!r}")
    admin = create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()


CREATE_QUIZ = f"""
from lms import create_app
from lms.courses import services as courses
from lms.extensions import db
from lms.quizzes import attempts
from lms.quizzes import services as quiz_services
app = create_app()
with app.app_context():
    course = courses.get_course({COURSE!r})
    quiz = quiz_services.create_quiz(course, slug={QUIZ!r}, title="Kiểm tra dân vận (exam burst)",
                                actor="benchmark", time_limit_minutes=30, max_attempts=1,
                                categories=["exam-burst"], pass_score=60, published=True)
    db.session.commit()
    print(quiz.id)
"""


def serve(port: int, options: argparse.Namespace, env: dict[str, str]) -> subprocess.Popen:
    args = [
        str(BIN / "gunicorn"),
        "--workers",
        str(options.workers),
        "--bind",
        f"127.0.0.1:{port}",
        "--log-level",
        "warning",
        "--timeout",
        "60",
        "--backlog",
        "4096",
    ]
    if options.threads > 1:
        args += ["--worker-class", "gthread", "--threads", str(options.threads)]
    process = subprocess.Popen([*args, "lms.wsgi:app"], env=env, cwd=ROOT)
    deadline = time.time() + 30
    while time.time() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/login", timeout=2)
            return process
        except urllib.error.HTTPError:
            return process
        except OSError:
            time.sleep(0.2)
    process.kill()
    sys.exit("gunicorn did not start")


class KeepEveryResponse(urllib.request.HTTPErrorProcessor):
    """Return 3xx/4xx/5xx responses as they are: no redirect is followed, nothing raised."""

    def http_response(self, request, response):
        return response

    https_response = http_response


@dataclass
class Stats:
    samples: dict[str, list[float]] = field(default_factory=dict)
    errors: dict[str, int] = field(default_factory=dict)
    examples: list[str] = field(default_factory=list)
    cut: dict[str, int] = field(default_factory=dict)  # requests cut by a killed worker
    lock: threading.Lock = field(default_factory=threading.Lock)

    def record_cut(self, kind: str, error: BaseException) -> None:
        with self.lock:
            self.cut[kind] = self.cut.get(kind, 0) + 1
            if sum(self.cut.values()) <= 5:
                self.examples.append(f"cut {kind}: {type(error).__name__}: {error}")

    def record(self, kind: str, ms: float, ok: bool, detail: str = "") -> None:
        with self.lock:
            self.samples.setdefault(kind, []).append(ms)
            if not ok:
                self.errors[kind] = self.errors.get(kind, 0) + 1
                if len(self.examples) < 10:
                    self.examples.append(f"{kind}: {detail}")


@dataclass
class Outcome:
    username: str
    attempt_id: int | None = None
    acked: dict[int, tuple[str, object]] = field(default_factory=dict)  # position -> (kind, shown)
    submitted: bool = False
    failure: str = ""


# What a client sees when the worker serving its request is killed: the connection closes.
CUT = (ConnectionError, http.client.HTTPException, urllib.error.URLError)


class Kill:
    """When a worker was killed (time.monotonic), if one was."""

    at: float | None = None

    def cut(self, started: float) -> bool:
        """Whether a request sent at ``started`` may have been held by the killed worker."""
        return self.at is not None and started <= self.at


def is_cut(error: BaseException) -> bool:
    """A connection closed under the request (not a timeout: that is a slow server)."""
    reason = getattr(error, "reason", error)
    return isinstance(error, CUT) and not isinstance(reason, TimeoutError)


class Cadre:
    def __init__(
        self,
        base: str,
        username: str,
        stats: Stats,
        stop: threading.Event,
        kill: Kill | None = None,
    ) -> None:
        self.base, self.stats, self.stop = base, stats, stop
        self.kill = kill or Kill()
        self.signed_in = False
        self.outcome = Outcome(username)
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(CookieJar()), KeepEveryResponse()
        )

    def request(
        self, kind: str, path: str, data: dict | list | None = None, accept: str | None = None
    ) -> tuple[int, str, dict[str, str]]:
        started = time.monotonic()
        try:
            return self._request(kind, path, data, accept, started=started)
        except CUT as error:
            if not self.may_resend(error, started):
                raise
            cut = error
        # A killed worker's connection: sent again once, as the page would.
        self.stats.record_cut(kind, cut)
        time.sleep(0.5)
        return self._request(kind, path, data, accept, started=None)

    def may_resend(self, error: BaseException, started: float) -> bool:
        """Whether the error is a connection that the killed worker held (sent before it was
        killed, failed after)."""
        return is_cut(error) and self.kill.cut(started)

    def _request(
        self,
        kind: str,
        path: str,
        data: dict | list | None,
        accept: str | None,
        started: float | None,  # None: the last try
    ) -> tuple[int, str, dict[str, str]]:
        if self.stop.is_set():
            raise RuntimeError("run aborted")
        body = urllib.parse.urlencode(data, doseq=True).encode() if data is not None else None
        req = urllib.request.Request(self.base + path, data=body)
        if accept:
            req.add_header("Accept", accept)
        started = time.perf_counter()
        try:
            with self.opener.open(req, timeout=60) as response:
                text = response.read().decode()
                status, headers = response.status, dict(response.headers)
        except Exception as error:
            if started is None or not self.may_resend(error, started):
                self.stats.record(
                    kind,
                    (time.perf_counter() - started) * 1000,
                    False,
                    f"{type(error).__name__}: {error}",
                )
            raise
        ms = (time.perf_counter() - started) * 1000
        self.stats.record(kind, ms, status < 400, f"HTTP {status} {path}")
        if status >= 400:
            raise RuntimeError(f"{kind}: HTTP {status}")
        return status, text, headers

    @staticmethod
    def token(page: str) -> str:
        return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)

    def sign_in(self, kind: str = "login") -> None:
        _, page, _ = self.request(f"{kind} page", "/login")
        status, _, _headers = self.request(
            kind,
            "/login",
            {
                "csrf_token": self.token(page),
                "username": self.outcome.username,
                "password": PASSWORD,
            },
        )
        if status != 302:
            raise RuntimeError(f"login refused (HTTP {status})")
        self.signed_in = True

    def take_exam(self, rng: random.Random, think: float) -> None:
        me = self.outcome
        if not self.signed_in:
            self.sign_in()
        quiz_path = f"/courses/{COURSE}/quizzes/{QUIZ}"
        _, page, _ = self.request("quiz page", quiz_path)
        status, _, headers = self.request(
            "start", quiz_path + "/start", {"csrf_token": self.token(page)}
        )
        found = re.search(r"/attempts/(\d+)$", headers.get("Location", ""))
        if status != 302 or not found:
            raise RuntimeError(f"start did not lead to an attempt: {headers.get('Location')}")
        me.attempt_id = int(found.group(1))
        _, page, _ = self.request("attempt page", f"/attempts/{me.attempt_id}")
        token = self.token(page)
        fields: list[tuple[str, str]] = [("csrf_token", token)]
        for position, kind, choices in questions_of(page):
            name = f"q{position}"
            if kind == "single":
                shown: object = rng.randrange(choices)
                fields.append((name, str(shown)))
            elif kind == "truefalse":
                shown = rng.choice([True, False])
                fields.append((name, "true" if shown else "false"))
            elif kind == "numerical":
                shown = rng.choice(["1949", "5", "3.5", "7", "1950"])
                fields.append((name, str(shown)))
            else:
                shown = rng.choice(TEXTS)
                fields.append((name, str(shown)))
            time.sleep(rng.uniform(0.5, 1.5) * think)
            status, text, _ = self.request(
                "save", f"/attempts/{me.attempt_id}/save", fields, accept="application/json"
            )
            if status == 200 and json.loads(text).get("saved") is True:
                me.acked[position] = (kind, shown)
            else:
                raise RuntimeError(f"save not acknowledged: HTTP {status} {text[:100]}")
        time.sleep(rng.uniform(0.5, 1.5) * think)
        status, _, headers = self.request("submit", f"/attempts/{me.attempt_id}/submit", fields)
        if status != 302 or not headers.get("Location", "").endswith("/review"):
            raise RuntimeError(f"submit went to {headers.get('Location')}")
        me.submitted = True


def questions_of(page: str) -> list[tuple[int, str, int]]:
    """(position, kind, number of choices) of each question on the attempt page."""
    out = []
    for match in re.finditer(
        r'<fieldset class="card question" id="q(\d+)">(.*?)</fieldset>', page, re.S
    ):
        position, body = int(match.group(1)), match.group(2)
        radios = re.findall(rf'type="radio" name="q{position}" value="([^"]+)"', body)
        if radios and set(radios) == {"true", "false"}:
            out.append((position, "truefalse", 2))
        elif radios:
            out.append((position, "single", len(radios)))
        elif 'inputmode="decimal"' in body:
            out.append((position, "numerical", 0))
        else:
            out.append((position, "shortanswer", 0))
    return out


def stored_form(kind: str, shown: object, order: list[int]) -> dict:
    """The response as the answers table holds it (see attempts._checked_response)."""
    if kind == "single":
        return {"choice": order[shown]}  # type: ignore[index]
    if kind == "truefalse":
        return {"value": shown}
    return {"text": nfc(str(shown))}


def check(url: str, quiz_id: int, outcomes: list[Outcome]) -> tuple[int, list[str]]:
    """Lost answers (acknowledged but absent or different) and attempt problems."""
    from sqlalchemy import create_engine, text

    def as_json(value):
        return json.loads(value) if isinstance(value, str) else value

    engine = create_engine(url)
    with engine.connect() as connection:
        attempts: dict[str, list[tuple[int, str]]] = {}
        for username, attempt_id, state in connection.execute(
            text(
                "SELECT u.username, a.id, a.state FROM attempts a JOIN users u ON u.id = a.user_id"
                " WHERE a.quiz_id = :quiz"
            ),
            {"quiz": quiz_id},
        ):
            attempts.setdefault(username, []).append((attempt_id, state))
        answers = {
            (a, p): (as_json(r), c)
            for a, p, r, c in connection.execute(
                text(
                    "SELECT n.attempt_id, n.position, n.response, n.credit FROM answers n"
                    " JOIN attempts a ON a.id = n.attempt_id WHERE a.quiz_id = :quiz"
                ),
                {"quiz": quiz_id},
            )
        }
        orders = {
            (a, p): as_json(o)
            for a, p, o in connection.execute(
                text(
                    "SELECT q.attempt_id, q.position, q.choice_order FROM attempt_questions q"
                    " JOIN attempts a ON a.id = q.attempt_id WHERE a.quiz_id = :quiz"
                ),
                {"quiz": quiz_id},
            )
        }
    engine.dispose()
    lost, problems = 0, []
    for outcome in outcomes:
        mine = attempts.get(outcome.username, [])
        submitted = [a for a in mine if a[1] != "in_progress"]
        if len(mine) != 1 or len(submitted) != 1:
            problems.append(f"{outcome.username}: attempts {mine}")
        for position, (kind, shown) in outcome.acked.items():
            key = (outcome.attempt_id, position)
            want = stored_form(kind, shown, orders.get(key, []))
            have = answers.get(key)
            if have is None or have[0] != want:
                lost += 1
                if len(problems) < 20:
                    problems.append(f"lost {outcome.username} q{position}: sent {want}, db {have}")
            elif have[1] is None and kind != "essay":
                problems.append(f"ungraded {outcome.username} q{position}")
    return lost, problems


LOAD_AT_START = ""
SCRYPT_MS = float("nan")


def scrypt_ms(checks: int = 20) -> float:
    """CPU milliseconds of one password check as a sign-in does it (lms.auth.passwords)."""
    from werkzeug.security import check_password_hash, generate_password_hash

    stored = generate_password_hash(PASSWORD, method="scrypt")
    started = time.process_time()
    for _ in range(checks):
        check_password_hash(stored, PASSWORD)
    return (time.process_time() - started) * 1000 / checks


def sign_in_beforehand(
    users: list[Cadre], options: argparse.Namespace, deadline: Deadline
) -> float:
    """Sign the cadres in before the quiz opens; returns the measured window's seconds.

    The last len(users)/K cadres sign in during the measured window at the real rate (K the
    time scale); the others first, four at a time, untimed."""
    window = options.sign_ins_over / options.time_scale
    measured = max(1, round(len(users) / options.time_scale))
    earlier, timed = users[: len(users) - measured], users[len(users) - measured :]

    def sign_in(cadre: Cadre, kind: str) -> None:
        try:
            cadre.sign_in(kind)
        except Exception as error:
            cadre.outcome.failure = f"sign-in: {type(error).__name__}: {error}"

    with ThreadPoolExecutor(max_workers=4) as pool:
        list(pool.map(lambda cadre: sign_in(cadre, "login (earlier)"), earlier))
    if deadline.left() < window:
        sys.exit("ABORTED: no time left for the sign-in window")
    began = time.monotonic()
    step = window / measured
    with ThreadPoolExecutor(max_workers=64) as pool:
        for index, cadre in enumerate(timed):
            delay = began + index * step - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            pool.submit(sign_in, cadre, "login")
    # The quiz opens when the ten minutes (scaled) are over.
    left = began + window - time.monotonic()
    if left > 0:
        time.sleep(left)
    return time.monotonic() - began


def kill_a_worker(
    server: subprocess.Popen,
    at: float,
    kill: Kill,
    stop: threading.Event,
    killed: list[str],
) -> None:
    """SIGKILL one of the gunicorn master's workers at ``at`` (time.monotonic)."""
    if stop.wait(max(0.0, at - time.monotonic())):
        return
    children = Path(f"/proc/{server.pid}/task/{server.pid}/children").read_text().split()
    if not children:
        return
    kill.at = time.monotonic()
    os.kill(int(children[0]), signal.SIGKILL)
    killed.append(f"worker {children[0]}")


def _stat(pid: int) -> list[str]:
    with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as f:
        data = f.read()
    return data[data.rindex(")") + 2 :].split()  # fields from the state on: comm may hold spaces


def _processes() -> list[tuple[int, int, str]]:
    """(pid, parent pid, command name) of every process (Linux /proc)."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/comm", encoding="utf-8", errors="replace") as f:
                name = f.read().strip()
            found.append((int(entry), int(_stat(int(entry))[1]), name))
        except (OSError, ValueError, IndexError):
            continue  # gone meanwhile
    return found


def _cpu(pid: int, *, reaped: bool) -> float:
    """CPU seconds of a process; with ``reaped``, also of its children that have exited."""
    try:
        fields = _stat(pid)
    except OSError:
        return 0.0
    ticks = int(fields[11]) + int(fields[12])
    if reaped:
        ticks += int(fields[13]) + int(fields[14])
    return ticks / os.sysconf("SC_CLK_TCK")


def cpu_split(server_pid: int, postmaster_pid: int | None) -> dict[str, float]:
    """CPU seconds used so far by this client, the app server (gunicorn's master with every
    worker, living or exited) and the benchmark's PostgreSQL server (the postmaster with every
    backend, living or exited): what shares the machine's cores during the burst."""
    processes = _processes()

    def tree(root: int) -> float:
        children = [pid for pid, parent, _ in processes if parent == root]
        return _cpu(root, reaped=True) + sum(_cpu(child, reaped=False) for child in children)

    split = {"client": time.process_time(), "app server": tree(server_pid)}
    if postmaster_pid is not None:
        split["database"] = tree(postmaster_pid)
    return split


def postmaster_of(url: str) -> int | None:
    """The PostgreSQL server's main process, if it runs on this machine (its backend's parent)."""
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            backend = connection.execute(text("SELECT pg_backend_pid()")).scalar_one()
            return int(_stat(backend)[1])
    except (OSError, ValueError):
        return None
    finally:
        engine.dispose()


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--cadres",
        type=int,
        default=None,
        help="simulated cadres (default 300 on SQLite, 1000 on PostgreSQL)",
    )
    parser.add_argument(
        "--database-url",
        default=None,
        help="postgresql+psycopg://... on 127.0.0.1 (default: SQLite in a temp dir)",
    )
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers")
    parser.add_argument(
        "--threads",
        type=int,
        default=1,
        help="threads per worker; above 1 uses gunicorn's gthread workers",
    )
    parser.add_argument("--window", type=float, default=60, help="seconds over which starts spread")
    parser.add_argument(
        "--think",
        type=float,
        default=1.0,
        help="mean seconds between two answers (uniform 0.5x..1.5x); the default, ten "
        "questions in ten seconds for every cadre at once, is a stress test: a person reading "
        "the questions answers every 5 to 20 seconds or slower",
    )
    parser.add_argument(
        "--sign-ins-over",
        type=float,
        default=0,
        help="seconds before the quiz opens over which cadres sign in (0: each signs in as "
        "they start the quiz)",
    )
    parser.add_argument(
        "--time-scale",
        type=float,
        default=1,
        help="shorten --sign-ins-over this many times at the same rate per second",
    )
    parser.add_argument(
        "--kill-worker-at",
        type=float,
        default=None,
        help="SIGKILL one gunicorn worker this many seconds into the burst",
    )
    parser.add_argument("--max-seconds", type=float, default=600, help="bound on the whole run")
    parser.add_argument("--seed", type=int, default=2026)
    options = parser.parse_args()
    postgres = bool(options.database_url and options.database_url.startswith("postgresql"))
    cadres = options.cadres or (1000 if postgres else 300)
    deadline = Deadline(options.max_seconds)
    began = time.monotonic()
    global LOAD_AT_START, SCRYPT_MS
    LOAD_AT_START = " ".join(f"{x:.1f}" for x in os.getloadavg())
    SCRYPT_MS = scrypt_ms()

    with tempfile.TemporaryDirectory() as tmp:
        url = options.database_url or f"sqlite:///{tmp}/bench.sqlite"
        if postgres:
            fresh_postgres(url)
        env = dict(
            os.environ,
            LMS_DATABASE_URL=url,
            LMS_SECRET_KEY="benchmark-secret-key-0123456789abcdef",
            LMS_LOGIN_LIMIT_PER_ADDRESS="100000 per minute",
            LMS_DEFAULT_LOCALE="en",
        )
        lms = str(BIN / "lms")
        run([lms, "init"], env, deadline)
        run([lms, "demo", "--size", "large"], env, deadline)
        gift_file = Path(tmp) / "exam.gift"
        gift_file.write_text(GIFT, encoding="utf-8")
        run([lms, "quizzes", "import", str(gift_file), "--course", COURSE], env, deadline)
        quiz_id = int(run([sys.executable, "-c", CREATE_QUIZ], env, deadline).split()[-1])

        from sqlalchemy import create_engine, text

        engine = create_engine(url)
        with engine.connect() as connection:
            names = list(
                connection.execute(
                    text(
                        "SELECT u.username FROM users u JOIN user_roles r ON r.user_id = u.id"
                        " WHERE r.role = 'cadre' AND u.active AND NOT EXISTS"
                        " (SELECT 1 FROM user_roles o WHERE o.user_id = u.id AND o.role <> 'cadre')"
                        " ORDER BY u.id"
                    )
                ).scalars()
            )
        engine.dispose()
        rng = random.Random(options.seed)
        usernames = rng.sample(names, cadres)
        setup_seconds = time.monotonic() - began

        port = free_port()
        server = serve(port, options, env)
        base = f"http://127.0.0.1:{port}"
        stats, stop, kill = Stats(), threading.Event(), Kill()
        users = [Cadre(base, name, stats, stop, kill) for name in usernames]
        sign_in_seconds = 0.0
        if options.sign_ins_over > 0:
            sign_in_seconds = sign_in_beforehand(users, options, deadline)
        burst_began = time.monotonic()
        postmaster = postmaster_of(url) if postgres else None
        cpu_before = cpu_split(server.pid, postmaster)
        killed: list[str] = []
        if options.kill_worker_at is not None:
            threading.Thread(
                target=kill_a_worker,
                args=(server, burst_began + options.kill_worker_at, kill, stop, killed),
                daemon=True,
            ).start()

        def one(index: int) -> None:
            cadre = users[index]
            delay = burst_began + index * options.window / cadres - time.monotonic()
            if delay > 0:
                stop.wait(delay)
            try:
                cadre.take_exam(random.Random(options.seed * 100_003 + index), options.think)
            except Exception as error:
                cadre.outcome.failure = f"{type(error).__name__}: {error}"

        aborted = False
        pool = ThreadPoolExecutor(max_workers=cadres)
        futures = [pool.submit(one, i) for i in range(cadres)]
        for future in futures:
            left = deadline.left()
            if left <= 0:
                aborted = True
                break
            try:
                future.result(timeout=left)
            except TimeoutError:
                aborted = True
                break
        burst_seconds = time.monotonic() - burst_began
        cpu_after = cpu_split(server.pid, postmaster)
        if aborted:
            stop.set()
        pool.shutdown(wait=not aborted, cancel_futures=True)
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()

        outcomes = [u.outcome for u in users]
        lost, problems = check(url, quiz_id, outcomes)
        errors = sum(stats.errors.values())
        failed = [o for o in outcomes if o.failure]
        acked = sum(len(o.acked) for o in outcomes)
        saves, submits = stats.samples.get("save", []), stats.samples.get("submit", [])
        logins = stats.samples.get("login", [])
        starts = stats.samples.get("start", [])

        engine_name = "PostgreSQL" if postgres else "SQLite"
        worker = f"gthread, {options.threads} threads each" if options.threads > 1 else "sync"
        print(
            f"\nExam burst on {engine_name}: gunicorn {options.workers} {worker} workers, "
            f"{os.cpu_count()} cores, starts spread over {options.window:.0f} s, "
            f"think time {options.think:.1f} s mean, setup {setup_seconds:.0f} s, "
            f"load average at the start {LOAD_AT_START}"
            + (" — ABORTED at the time bound" if aborted else "")
            + "\n"
        )
        print(
            f"One scrypt check (the sign-in's cost): {SCRYPT_MS:.0f} ms of CPU, "
            f"{1000 / SCRYPT_MS:.1f} sign-ins per second per core."
        )
        if options.sign_ins_over > 0:
            measured = stats.samples.get("login", [])
            print(
                f"Sign-ins before the quiz: {len(measured)} measured over {sign_in_seconds:.0f} s "
                f"({cadres / options.sign_ins_over:.2f} a second, the rate of {cadres} over "
                f"{options.sign_ins_over:.0f} s, time scale {options.time_scale:g}), p50 / p95 "
                f"{pct(measured, 50):.0f} / {pct(measured, 95):.0f} ms; "
                f"{len(stats.samples.get('login (earlier)', []))} signed in earlier, untimed."
            )
        used = {name: cpu_after[name] - cpu_before[name] for name in cpu_after}
        available = burst_seconds * (os.cpu_count() or 1)
        print(
            f"CPU during the burst: {available:.0f} s available ({os.cpu_count()} cores x "
            f"{burst_seconds:.0f} s); "
            + ", ".join(f"{name} {seconds:.0f} s" for name, seconds in used.items())
            + "."
        )
        if options.kill_worker_at is not None:
            cut = ", ".join(f"{kind} {n}" for kind, n in sorted(stats.cut.items())) or "none"
            print(
                f"Killed {' '.join(killed) or 'no worker (none found)'} "
                f"{options.kill_worker_at:.0f} s into the burst; "
                f"requests cut and sent again: {cut}."
            )
        print()
        print(
            "| database | cadres | errors | lost answers | saves p50 / p95 ms | "
            "submits p50 / p95 ms | logins p50 / p95 ms | starts p50 / p95 ms | "
            "total duration s |"
        )
        print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
        print(
            f"| {engine_name} | {cadres} | {errors} | {lost} | "
            f"{pct(saves, 50):.0f} / {pct(saves, 95):.0f} | "
            f"{pct(submits, 50):.0f} / {pct(submits, 95):.0f} | "
            f"{pct(logins, 50):.0f} / {pct(logins, 95):.0f} | "
            f"{pct(starts, 50):.0f} / {pct(starts, 95):.0f} | {burst_seconds:.0f} |"
        )
        print(
            f"\n{sum(len(v) for v in stats.samples.values())} requests; {len(saves)} saves, "
            f"{acked} acknowledged; {sum(o.submitted for o in outcomes)} submits acknowledged; "
            f"{len(failed)} cadres did not finish; "
            f"{len([p for p in problems if not p.startswith('lost')])} attempt problems."
        )
        for kind, count in sorted(stats.errors.items()):
            print(f"- errors on {kind}: {count}")
        for line in stats.examples[:10] + [o.failure for o in failed[:5]] + problems[:10]:
            print(f"  {line}")
        if (
            aborted
            or errors
            or lost
            or problems
            or (options.kill_worker_at is not None and not killed)
        ):
            sys.exit(1)


if __name__ == "__main__":
    main()
