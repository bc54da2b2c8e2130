"""Time the bulk commands on generated data: demo --size large, and imports of 5,000 units and
20,000 accounts (without passwords, as a roster usually comes).

    .venv/bin/python benchmarks/imports.py [--database-url URL]

Each step runs the real `lms` command in a fresh database (SQLite in a temporary folder unless
a PostgreSQL URL is given; that database is emptied first). Prints a Markdown table.
"""

from __future__ import annotations

import argparse
import csv
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

LMS = str(Path(sys.executable).with_name("lms"))


def run(args: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    completed = subprocess.run([LMS, *args], env=env, capture_output=True, text=True,
                               check=False)
    elapsed = time.perf_counter() - start
    if completed.returncode != 0:
        sys.exit(f"lms {' '.join(args)} failed:\n{completed.stdout}\n{completed.stderr}")
    return elapsed


def write_units(path: Path) -> None:
    with path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(["code", "name", "parent_code", "kind"])
        writer.writerow(["HT", "Tỉnh Hà Tĩnh", "", "province"])
        for d in range(50):
            writer.writerow([f"H{d:02d}", f"Ban CHQS huyện số {d}", "HT", "district_command"])
            for c in range(99):
                writer.writerow([f"H{d:02d}-X{c:02d}", f"Ban CHQS xã số {c} huyện {d}",
                                 f"H{d:02d}", "commune_command"])


def write_users(path: Path) -> None:
    with path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(["username", "full_name", "unit_code", "rank", "position", "roles"])
        for n in range(20_000):
            d, c = n % 50, (n // 50) % 99
            writer.writerow([f"canbo{n:05d}", f"Nguyễn Văn Số {n}", f"H{d:02d}-X{c:02d}",
                             "Hạ sĩ", "Chiến sĩ", "cadre"])


def fresh_env(database_url: str | None, folder: Path, name: str) -> dict[str, str]:
    env = dict(os.environ)
    env["LMS_DATABASE_URL"] = database_url or f"sqlite:///{folder / name}.sqlite"
    env["LMS_SECRET_KEY"] = "benchmark-secret-key-0123456789abcdef"
    if database_url:
        reset = ("from lms import create_app; from lms.extensions import db; "
                 "from sqlalchemy import text\n"
                 "app = create_app()\n"
                 "with app.app_context():\n"
                 "    db.session.execute(text('DROP SCHEMA public CASCADE'))\n"
                 "    db.session.execute(text('CREATE SCHEMA public'))\n"
                 "    db.session.commit()\n")
        subprocess.run([sys.executable, "-c", reset], env=env, check=True)
    run(["init"], env)
    return env


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database-url", help="PostgreSQL URL (emptied first); default SQLite")
    options = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        env = fresh_env(options.database_url, folder, "demo")
        rows.append(("lms demo --size large (≈1,000 units, 20,000 accounts)",
                     run(["demo", "--size", "large"], env)))
        units_file, users_file = folder / "units.csv", folder / "users.csv"
        write_units(units_file)
        write_users(users_file)
        env = fresh_env(options.database_url, folder, "imports")
        rows.append(("lms units import (5,001 new units)", run(["units", "import",
                                                                  str(units_file)], env)))
        rows.append(("lms units import (same file again: no change)",
                     run(["units", "import", str(units_file)], env)))
        rows.append(("lms users import (20,000 new accounts, temporary passwords)",
                     run(["users", "import", str(users_file)], env)))
        rows.append(("lms users import (same file again: no change)",
                     run(["users", "import", str(users_file)], env)))
    backend = "PostgreSQL" if options.database_url else "SQLite"
    print(f"| command ({backend}) | seconds |\n|---|---:|")
    for label, seconds in rows:
        print(f"| {label} | {seconds:.1f} |")


if __name__ == "__main__":
    main()
