"""Check-in burst: a hall of cadres checks in within half a minute with the code on the
trainer's screen, against gunicorn on `lms demo --size large`; then the trainer's roster page.

    .venv/bin/python benchmarks/checkin_burst.py [--cadres 300] [--workers 4]
    .venv/bin/python benchmarks/checkin_burst.py --database-url \
        postgresql+psycopg://postgres@127.0.0.1:5434/bench_checkin

A session inviting a unit (--unit, with every unit below it) starts now. Each
simulated cadre (a thread with its own cookie jar) signs in first; then, spread over --window
seconds, opens /checkin/<id>?code=... (what the QR code leads to) and posts the code shown at
that moment; one in ten taps twice. Afterwards every cadre must have exactly one record, present.
The trainer's roster page (the whole roster) is then timed. Everything runs on 127.0.0.1 and
the run is stopped after --max-seconds. Prints a Markdown table.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import re
import signal
import statistics
import sys
import tempfile
import threading
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from http.cookiejar import CookieJar

from exam_burst import BIN, Deadline, KeepEveryResponse, free_port, fresh_postgres, run, serve

from lms.attendance import codes

PASSWORD = "DanVan@2026"

CREATE_SESSION = """
import datetime as dt, json, sys
from lms import create_app
from lms.attendance import services
from lms.attendance.reports import session_roster
from lms.extensions import db
from lms.people.services import get_by_username
from lms.timeutil import utcnow
app = create_app()
with app.app_context():
    now = utcnow()
    session = services.create_session(services.SessionInput(
        title="Tập huấn dân vận (check-in burst)", starts_at=now - dt.timedelta(minutes=5),
        ends_at=now + dt.timedelta(hours=3), place="Hội trường Bộ CHQS tỉnh",
        trainers=["giangvien"], units=[sys.argv[1]]), actor=get_by_username("giangvien"))
    db.session.commit()
    roster = [row.username for row in session_roster(session, utcnow()).rows]
    print(json.dumps({"id": session.id, "secret": session.secret, "roster": roster}))
"""

COUNT_RECORDS = """
import json, sys
from sqlalchemy import func, select
from lms import create_app
from lms.attendance.models import AttendanceRecord
from lms.extensions import db
app = create_app()
with app.app_context():
    rows = db.session.execute(select(AttendanceRecord.status, func.count())
                              .where(AttendanceRecord.session_id == int(sys.argv[1]))
                              .group_by(AttendanceRecord.status)).all()
    print(json.dumps(dict(rows)))
"""


class Person:
    def __init__(self, base: str, username: str) -> None:
        self.base, self.username = base, username
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(CookieJar()), KeepEveryResponse()
        )

    def call(self, path: str, data: dict | None = None) -> tuple[int, str, float]:
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        started = time.perf_counter()
        with self.opener.open(urllib.request.Request(self.base + path, data=body), timeout=60) as r:
            text = r.read().decode()
            return r.status, text, (time.perf_counter() - started) * 1000

    def sign_in(self) -> None:
        _, page, _ = self.call("/login")
        status, _, _ = self.call(
            "/login", {"csrf_token": token(page), "username": self.username, "password": PASSWORD}
        )
        if status != 302:
            raise RuntimeError(f"{self.username}: login refused ({status})")


def token(page: str) -> str:
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(p * len(ordered)))] if ordered else 0.0


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cadres", type=int, default=300)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--window", type=float, default=30)
    parser.add_argument("--unit", default="BCHQS-HS", help="the invited unit (and all below)")
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--max-seconds", type=float, default=600)
    options = parser.parse_args()
    deadline = Deadline(options.max_seconds)
    rng = random.Random(2026)
    with tempfile.TemporaryDirectory() as tmp:
        url = options.database_url or f"sqlite:///{tmp}/bench.sqlite"
        if url.startswith("postgresql"):
            fresh_postgres(url)
        env = dict(os.environ, LMS_DATABASE_URL=url,
                   LMS_SECRET_KEY="benchmark-secret-key-0123456789abcdef",
                   LMS_LOGIN_LIMIT_PER_ADDRESS="100000 per minute",
                   LMS_CHECKIN_LIMIT="1000 per minute")
        run([str(BIN / "lms"), "init"], env, deadline)
        run([str(BIN / "lms"), "demo", "--size", "large"], env, deadline)
        made = json.loads(
            run([sys.executable, "-c", CREATE_SESSION, options.unit], env, deadline)
        )
        usernames = made["roster"][: options.cadres]
        step = 30
        port = free_port()
        server = serve(port, options, env)
        base = f"http://127.0.0.1:{port}"
        checkin_ms, page_ms, failures, lock = [], [], [], threading.Lock()
        try:
            people = [Person(base, name) for name in usernames]
            with ThreadPoolExecutor(32) as pool:
                list(pool.map(lambda p: p.sign_in(), people))

            def check_in(person: Person) -> None:
                time.sleep(rng.uniform(0, options.window))
                if deadline.left() < 0:
                    return
                code = codes.current_code(made["secret"], dt.datetime.now(dt.UTC), step).code
                status, page, ms = person.call(f"/checkin/{made['id']}?code={code}")
                with lock:
                    page_ms.append(ms)
                taps = 2 if rng.random() < 0.1 else 1
                for _ in range(taps):
                    status, _, ms = person.call(
                        f"/checkin/{made['id']}", {"csrf_token": token(page), "code": code}
                    )
                    with lock:
                        checkin_ms.append(ms)
                        if status != 303:
                            failures.append(f"{person.username}: HTTP {status}")

            started = time.monotonic()
            with ThreadPoolExecutor(len(people)) as pool:
                list(pool.map(check_in, people))
            burst_seconds = time.monotonic() - started

            trainer = Person(base, "giangvien")
            trainer.sign_in()
            roster_ms = []
            for _ in range(20):
                _status, _html, ms = trainer.call(f"/sessions/{made['id']}")
                roster_ms.append(ms)
            roster_rows = len(made["roster"])
        finally:
            server.send_signal(signal.SIGTERM)
            server.wait(timeout=30)
        counts = json.loads(
            run([sys.executable, "-c", COUNT_RECORDS, str(made["id"])], env, deadline)
        )
    recorded = sum(counts.values())
    database = "PostgreSQL" if url.startswith("postgresql") else "SQLite"
    print(f"{database}, gunicorn {options.workers} workers, {os.cpu_count()} cores; "
          f"{len(usernames)} cadres over {options.window:.0f} s "
          f"(burst took {burst_seconds:.0f} s)\n")
    print("| cadres | errors | records | check-in page p50 / p95 ms | check-in p50 / p95 ms "
          "| roster page (rows) median ms |")
    print("|---:|---:|---:|---:|---:|---:|")
    print(f"| {len(usernames)} | {len(failures)} | {recorded} ({counts}) | "
          f"{statistics.median(page_ms):.0f} / {percentile(page_ms, 0.95):.0f} | "
          f"{statistics.median(checkin_ms):.0f} / {percentile(checkin_ms, 0.95):.0f} | "
          f"{statistics.median(roster_ms):.0f} ({roster_rows}) |")
    for failure in failures[:10]:
        print("FAILED", failure)
    if failures or recorded != len(usernames):
        sys.exit(1)


if __name__ == "__main__":
    main()
