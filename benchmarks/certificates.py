"""Completion and certificates at scale, on a scratch SQLite database (or --database-url):

    .venv/bin/python benchmarks/certificates.py [--people 500] [--quizzes 2]

A course with three modules and ``--quizzes`` required quizzes is assigned to a unit of
``--people`` cadres who have all read every module and passed every quiz. Timed: completing
them all at once (the rule and the issue of their certificates, one transaction), the unit's
certificate list page, its CSV export, and, when ``lms/certificates/pdf.py`` is installed,
the combined PDF of the unit (streamed) and one certificate's PDF. Prints a Markdown table.
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib.util
import os
import sys
import tempfile
import time

from flask_migrate import upgrade
from sqlalchemy import insert, select

from lms import create_app
from lms.certificates import services
from lms.courses import enrollment, module_editing
from lms.courses import services as courses
from lms.courses.models import ModuleProgress
from lms.extensions import db
from lms.people.models import User, UserRole
from lms.people.services import create_user
from lms.quizzes import services as quiz_services
from lms.quizzes.models import Attempt, Quiz
from lms.units import services as units


def timed(label: str, rows: list[tuple[str, float]], action):
    start = time.perf_counter()
    result = action()
    rows.append((label, time.perf_counter() - start))
    return result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--people", type=int, default=500)
    parser.add_argument("--quizzes", type=int, default=2)
    parser.add_argument("--database-url")
    args = parser.parse_args()
    url = args.database_url or "sqlite:///" + os.path.join(tempfile.mkdtemp(), "bench.sqlite")
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "benchmark-" + "x" * 40})
    rows: list[tuple[str, float]] = []
    with app.app_context():
        upgrade(directory=app.extensions["migrate"].directory)
        unit = units.create_unit(
            code="BENCH", name="Đơn vị đo", kind="other", parent=None, actor=None
        )
        now = dt.datetime.now(dt.UTC)
        user_ids = db.session.scalars(
            insert(User).returning(User.id),
            [
                {
                    "username": f"cb{i}",
                    "full_name": f"Cán bộ số {i}",
                    "search_key": f"cb{i}",
                    "rank": "Trung úy",
                    "position": "Trợ lý dân vận",
                    "unit_id": unit.id,
                    "password_hash": "x",
                }
                for i in range(args.people)
            ],
        ).all()
        db.session.execute(insert(UserRole), [{"user_id": u, "role": "cadre"} for u in user_ids])
        course = courses.create_course(
            slug="do-luong", title="Khóa đo lường", owner=None, actor=None
        )
        for title in ("Một", "Hai", "Ba"):
            module_editing.add_module(course, title=title, minutes=5, body_md=title, author=None)
        courses.set_status(course, "published", actor=None)
        slugs = [f"q{i}" for i in range(args.quizzes)]
        for slug in slugs:
            quiz_services.create_quiz(course, slug=slug, title=slug, published=True)
        settings = courses.CourseSettings(**courses.settings_snapshot(course))
        settings.required_quizzes = slugs
        courses.update_course(course, settings, actor=None)
        enrollment.assign(course, unit, dt.date(2099, 1, 1), actor=None)
        modules = courses.get_course("do-luong", with_modules=True).modules
        db.session.execute(
            insert(ModuleProgress),
            [{"user_id": u, "module_id": m.id} for u in user_ids for m in modules],
        )
        quiz_ids = db.session.scalars(select(Quiz.id).where(Quiz.course_id == course.id)).all()
        if quiz_ids:
            db.session.execute(
                insert(Attempt),
                [
                    {
                        "quiz_id": q,
                        "user_id": u,
                        "number": 1,
                        "state": "graded",
                        "started_at": now,
                        "submitted_at": now,
                        "score": 90.0,
                        "passed": True,
                    }
                    for q in quiz_ids
                    for u in user_ids
                ],
            )
        db.session.commit()
        issued = timed(
            f"complete {args.people} people and issue their certificates",
            rows,
            lambda: services.complete_and_issue(course.id),
        )
        db.session.commit()
        assert len(issued) == args.people
        period = str(issued[0].issued_on.year)
    admin_client = app.test_client()
    with app.app_context():
        create_user(
            username="quantri",
            full_name="Quản trị",
            unit=None,
            roles={"admin"},
            password="DanVan@2026-bench",
            actor=None,
        )
        db.session.commit()
    app.config["WTF_CSRF_ENABLED"] = False  # a script signing in, not a browser
    admin_client.post("/login", data={"username": "quantri", "password": "DanVan@2026-bench"})
    admin_client.get(f"/certificates/units/BENCH?period={period}")  # templates compiled
    for label, path in (
        ("unit certificate list (first page)", f"/certificates/units/BENCH?period={period}"),
        ("unit CSV export", f"/certificates/units/BENCH/certificates.csv?period={period}"),
    ):
        response = timed(label, rows, lambda p=path: admin_client.get(p))
        assert response.status_code == 200, (path, response.status_code)
    if importlib.util.find_spec("lms.certificates.pdf") is not None:
        response = timed(
            f"unit PDF, {args.people} certificates (streamed, read to the end)",
            rows,
            lambda: admin_client.get(
                f"/certificates/units/BENCH/certificates.pdf?period={period}"
            ).get_data(),
        )
        timed(
            "one certificate PDF",
            rows,
            lambda: admin_client.get(f"/certificates/{issued[0].id}/certificate.pdf"),
        )
    else:
        print("(lms/certificates/pdf.py is not installed: no PDF timings)", file=sys.stderr)
    print("| step | seconds |\n|---|---|")
    for label, seconds in rows:
        print(f"| {label} | {seconds:.2f} |")


if __name__ == "__main__":
    main()
