"""`lms notify` on the large demo province (20,008 accounts, about 57,000 enrollments):

    .venv/bin/python benchmarks/notify.py [--database-url URL] [--emails N]

Builds a fresh database (SQLite in a temporary folder unless a PostgreSQL URL is given; that
database is emptied first) with `lms init` and `lms demo --size large`, then times, in-process
and counting the SQL statements:

1. the first daily run (every course due within 7 days and every overdue one told);
2. the same run again (nothing new: the unique key refuses every row);
3. a run six days before the next due date (its enrollments told), and one on the eve of
   the demo's session of next week (its roster told);
4. the bell's unread count for a cadre, and the notifications page;
5. with ``--emails N``: N cadres get an address and e-mail is sent to a local SMTP server
   (aiosmtpd, on 127.0.0.1) by `lms notify`'s sending step.

Then the whole command (`lms notify --no-email`, a process of its own) once more. Prints a
Markdown table.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import re
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import create_engine, event, func, select, text, update

from lms import create_app
from lms.attendance.models import TrainingSession
from lms.courses.models import Enrollment
from lms.extensions import db
from lms.notifications import inbox, mail, services
from lms.notifications.models import Notification
from lms.people.models import User, UserRole

LMS = str(Path(sys.executable).with_name("lms"))


def run(args: list[str], env: dict[str, str]) -> tuple[float, str]:
    start = time.perf_counter()
    completed = subprocess.run([LMS, *args], env=env, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - start
    if completed.returncode != 0:
        sys.exit(f"lms {' '.join(args)} failed:\n{completed.stdout}\n{completed.stderr}")
    return elapsed, completed.stdout.strip()


class Counter:
    def __init__(self) -> None:
        self.count = 0

    def __call__(self, *args, **kwargs) -> None:
        self.count += 1


def measured(label: str, rows: list[tuple[str, float, int, str]], action, note=lambda r: ""):
    counter = Counter()
    event.listen(db.engine, "before_cursor_execute", counter)
    start = time.perf_counter()
    try:
        result = action()
    finally:
        event.remove(db.engine, "before_cursor_execute", counter)
    rows.append((label, time.perf_counter() - start, counter.count, note(result)))
    return result


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database-url")
    parser.add_argument("--emails", type=int, default=0)
    args = parser.parse_args()
    url = args.database_url or "sqlite:///" + os.path.join(tempfile.mkdtemp(), "bench.sqlite")
    if args.database_url:
        engine = create_engine(url)
        with engine.begin() as connection:
            connection.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
        engine.dispose()
    env = {**os.environ, "LMS_DATABASE_URL": url, "LMS_SECRET_KEY": "benchmark-" + "x" * 40}
    env.pop("LMS_SMTP_URL", None)
    build = [run(["init"], env)[0], run(["demo", "--size", "large"], env)[0]]
    rows: list[tuple[str, float, int, str]] = []
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "benchmark-" + "x" * 40})
    with app.app_context():
        people = db.session.scalar(
            select(func.count()).select_from(UserRole).where(UserRole.role == "cadre")
        )
        now = dt.datetime.now(dt.UTC)

        def daily(at):
            def step():
                created = services.create_due(at)
                db.session.commit()
                return created

            return step

        def told(created):
            return (
                f"{created.due_soon:,} due soon, {created.overdue:,} overdue, "
                f"{created.sessions:,} session places"
            )

        measured("first daily run", rows, daily(now), told)
        measured("the same run again", rows, daily(now), told)
        next_due = db.session.scalar(
            select(func.min(Enrollment.due_date)).where(
                Enrollment.completed_at.is_(None), Enrollment.due_date > now.date()
            )
        )
        if next_due is not None:
            week_before = dt.datetime.combine(
                next_due - dt.timedelta(days=6), dt.time(3, 0), tzinfo=dt.UTC
            )
            measured(f"six days before {next_due}, a due date", rows, daily(week_before), told)
            measured("the same day again", rows, daily(week_before), told)
        session_start = db.session.scalar(
            select(func.min(TrainingSession.starts_at)).where(
                TrainingSession.starts_at > now + dt.timedelta(days=2)
            )
        )
        if session_start is not None:
            eve = session_start - dt.timedelta(days=1)
            measured("on the eve of next week's session", rows, daily(eve), told)
            measured("the same eve again", rows, daily(eve), told)
        reader = db.session.scalar(
            select(Notification.user_id)
            .group_by(Notification.user_id)
            .order_by(func.count().desc())
            .limit(1)
        )
        measured(
            "the bell's unread count (one cadre)",
            rows,
            lambda: inbox.unread_count(reader),
            lambda n: f"{n} unread",
        )
        username = db.session.scalar(select(User.username).where(User.id == reader))
        client = app.test_client()
        token = re.search(
            r'name="csrf_token"[^>]*value="([^"]+)"', client.get("/login").get_data(as_text=True)
        ).group(1)
        signed_in = client.post(
            "/login",
            data={"csrf_token": token, "username": username, "password": "DanVan@2026"},
        )
        assert signed_in.status_code == 302, signed_in.status_code
        measured(
            "the notifications page (test client)",
            rows,
            lambda: client.get("/notifications/"),
            lambda r: f"HTTP {r.status_code}",
        )
        total = db.session.scalar(select(func.count()).select_from(Notification))
        if args.emails:
            from aiosmtpd.controller import Controller

            class Inbox:
                received = 0

                async def handle_DATA(self, server, session, envelope):
                    Inbox.received += 1
                    return "250 OK"

            port = free_port()
            controller = Controller(Inbox(), hostname="127.0.0.1", port=port)
            controller.start()
            try:
                app.config["SMTP_URL"] = f"smtp://127.0.0.1:{port}"
                app.config["BASE_URL"] = "https://lms.example.vn"
                ids = db.session.scalars(
                    select(Notification.id).order_by(Notification.id).limit(args.emails)
                ).all()
                db.session.execute(
                    update(Notification)
                    .where(Notification.id.in_(ids))
                    .values(email_state="pending")
                )
                db.session.execute(
                    update(User)
                    .where(
                        User.id.in_(select(Notification.user_id).where(Notification.id.in_(ids)))
                    )
                    .values(email=User.username + "@example.vn")
                )
                db.session.commit()
                result = measured(
                    f"e-mail of {len(ids):,} notifications (local SMTP)",
                    rows,
                    mail.send_pending,
                    lambda r: f"{r.sent:,} sent, {r.retry} to retry",
                )
                assert result.sent == Inbox.received == len(ids), (result, Inbox.received)
            finally:
                controller.stop()
        db.engine.dispose()
    command, output = run(["notify", "--no-email"], env)
    start_up, _ = run(["--help"], env)
    print(f"Database: {url.split('://')[0]}; {people:,} cadres; {total:,} notifications.")
    print(f"Built with lms init + lms demo --size large in {sum(build):.1f} s.\n")
    print("| step | seconds | SQL statements | result |")
    print("|---|---:|---:|---|")
    for label, seconds, statements, note in rows:
        print(f"| {label} | {seconds:.2f} | {statements} | {note} |")
    print(
        f"| `lms notify --no-email` (a process, start-up included) | {command:.2f} | | {output} |"
    )
    print(f"| `lms --help` (the start-up alone, for comparison) | {start_up:.2f} | | |")


if __name__ == "__main__":
    main()
