"""The command dashboard at province scale, on a database filled by ``lms demo --size large``:

    LMS_DATABASE_URL=sqlite:////tmp/large.sqlite lms init && lms demo --size large
    .venv/bin/python benchmarks/dashboard.py --database-url sqlite:////tmp/large.sqlite

Signed in as the administrator (``quantri``: the whole province is theirs to see),
each page is loaded ``--repeat`` times in the process (Flask's test client: the time is the
app's and the database's, not the network's) for the current half-year and for the year:
the dashboard, the JSON API, the printable report, its XLSX and CSV, and a commune's page with its
people. Prints p50/p95 in milliseconds, the queries each page took, and the size of the data.
"""

from __future__ import annotations

import argparse
import gc
import statistics
import sys
import time

from sqlalchemy import event, func, select

from lms import create_app
from lms.attendance.models import AttendanceRecord
from lms.certificates.models import Certificate
from lms.courses.models import Enrollment, ModuleProgress
from lms.extensions import db
from lms.people.models import User
from lms.quizzes.models import Attempt
from lms.timeutil import current_half, local_today
from lms.units.models import Unit

COMMANDER = "quantri"
PASSWORD = "DanVan@2026"


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    app = create_app(
        {
            "DATABASE_URL": args.database_url,
            "SECRET_KEY": "benchmark-" + "x" * 40,
            "WTF_CSRF_ENABLED": False,  # the test client signs in without reading the form
        }
    )
    statements: list[str] = []
    with app.app_context():
        sizes = {
            "units": Unit,
            "cadres": User,
            "enrollments": Enrollment,
            "module progress": ModuleProgress,
            "attempts": Attempt,
            "attendance records": AttendanceRecord,
            "certificates": Certificate,
        }
        counts = {
            name: db.session.scalar(select(func.count()).select_from(model))
            for name, model in sizes.items()
        }
        commune = db.session.scalar(
            select(Unit.code).where(Unit.kind == "commune_command").order_by(Unit.code).limit(1)
        )
        root = db.session.scalar(select(Unit.code).where(Unit.parent_id.is_(None)).limit(1))
        zone = app.config["TIMEZONE"]
        year = str(local_today(zone).year)
        event.listen(
            db.engine,
            "before_cursor_execute",
            lambda *a: statements.append(a[2]),
        )
    print(", ".join(f"{n:,} {name}" for name, n in counts.items()))
    gc.freeze()  # as the production entry point does (lms/wsgi.py)
    client = app.test_client()
    response = client.post("/login", data={"username": COMMANDER, "password": PASSWORD})
    if response.status_code != 302:
        sys.exit(f"cannot sign in as {COMMANDER}: is this the large demo?")
    half = current_half(zone)
    pages = [
        ("dashboard, province", f"/dashboard/?unit={root}&period={half}"),
        ("dashboard, province, year", f"/dashboard/?unit={root}&period={year}"),
        ("API, province", f"/api/reports/completion?unit={root}&period={half}"),
        ("reminders, province", f"/dashboard/reminders?unit={root}&period={half}"),
        ("commendations, province", f"/dashboard/commendations?unit={root}&period={half}"),
        ("pilots, province", f"/dashboard/pilots?unit={root}&period={half}"),
        ("report page, province", f"/dashboard/report?unit={root}&period={half}"),
        ("report XLSX, province", f"/dashboard/report.xlsx?unit={root}&period={half}"),
        ("report XLSX, province, year", f"/dashboard/report.xlsx?unit={root}&period={year}"),
        ("report CSV, province", f"/dashboard/report.csv?unit={root}&period={half}"),
        ("a commune and its people", f"/dashboard/?unit={commune}&period={half}"),
    ]
    print(f"\n{args.repeat} loads each, {args.database_url.split(':')[0]}\n")
    print("| page | p50 (ms) | p95 (ms) | queries |")
    print("|---|---:|---:|---:|")
    for label, url in pages:
        timings = []
        for _ in range(args.repeat):
            statements.clear()
            start = time.perf_counter()
            response = client.get(url)
            timings.append((time.perf_counter() - start) * 1000)
            assert response.status_code == 200, (url, response.status_code)
        queries = sum(
            1 for s in statements if not s.lstrip().upper().startswith(("PRAGMA", "SAVEPOINT"))
        )
        print(
            f"| {label} | {statistics.median(timings):.0f} | {percentile(timings, 0.95):.0f} "
            f"| {queries} |"
        )


if __name__ == "__main__":
    main()
