"""Serve the LMS with gunicorn on `lms demo --size large` and load two signed-in pages with
wrk, beside a hello-world Flask app served the same way in the same run.

    .venv/bin/python benchmarks/pages.py [--duration 15] [--connections 16] [--workers 3]
    .venv/bin/python benchmarks/pages.py --before /tmp/lms-before   # before/after, one run

With --before DIR (a checkout of an earlier commit: git archive <commit> | tar -x -C DIR),
the LMS of that tree is served too, on the same database, and its pages loaded in the same
run: before and after measured side by side, with hello world, under the same machine load.

Needs wrk (Debian: apt-get install wrk). Everything runs on 127.0.0.1 and stops by itself:
each load lasts --duration seconds. Prints a Markdown table, then a profile of the module page.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from http.cookiejar import CookieJar
from pathlib import Path

HERE = Path(__file__).resolve().parent
BIN = Path(sys.executable).parent
CADRE = ("hocvien", "DanVan@2026")
LOAD_BEFORE = ""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run(args: list[str], env: dict[str, str]) -> str:
    done = subprocess.run(args, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        sys.exit(f"{' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
    return done.stdout


def serve(app: str, port: int, workers: int, env: dict[str, str], cwd: Path) -> subprocess.Popen:
    process = subprocess.Popen(
        [
            str(BIN / "gunicorn"),
            "--workers",
            str(workers),
            "--bind",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
            app,
        ],
        env=env,
        cwd=cwd,
    )
    deadline = time.time() + 30
    while time.time() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=1)
            return process
        except OSError:
            time.sleep(0.2)
        except Exception:  # an HTTP error status still means "up"
            return process
    process.kill()
    sys.exit(f"{app} did not start")


def sign_in(base: str) -> str:
    """Log in as the demo cadre; returns the Cookie header."""
    jar = CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    page = opener.open(f"{base}/login").read().decode()
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    data = urllib.parse.urlencode(
        {"csrf_token": token, "username": CADRE[0], "password": CADRE[1]}
    ).encode()
    opener.open(f"{base}/login", data=data)
    return "; ".join(f"{c.name}={c.value}" for c in jar)


def wrk(url: str, cookie: str | None, duration: int, connections: int) -> dict[str, float]:
    args = [
        "wrk",
        "-t2",
        f"-c{connections}",
        f"-d{duration}s",
        "--timeout",
        "10s",
        "-s",
        str(HERE / "percentiles.lua"),
    ]
    if cookie:
        args += ["-H", f"Cookie: {cookie}"]
    output = subprocess.run([*args, url], capture_output=True, text=True, check=True).stdout
    line = next(ln for ln in output.splitlines() if ln.startswith("RESULT"))
    return {k: float(v) for k, v in (item.split("=") for item in line.split()[1:])}


def profile_module_page(env: dict[str, str], path: str, requests: int = 200) -> str:
    os.environ.update(env)
    from lms import create_app

    app = create_app()
    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    client.post("/login", data={"csrf_token": token, "username": CADRE[0], "password": CADRE[1]})
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(requests):
        client.get(path)
    profiler.disable()
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(25)
    return out.getvalue()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--duration", type=int, default=15)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--before", type=Path, help="an earlier source tree, served beside")
    options = parser.parse_args()
    global LOAD_BEFORE
    LOAD_BEFORE = " ".join(f"{x:.1f}" for x in os.getloadavg())
    if shutil.which("wrk") is None:
        sys.exit("wrk is not installed (apt-get install wrk)")
    with tempfile.TemporaryDirectory() as tmp:
        env = dict(
            os.environ,
            LMS_DATABASE_URL=f"sqlite:///{tmp}/bench.sqlite",
            LMS_SECRET_KEY="benchmark-secret-key-0123456789abcdef",
            LMS_LOGIN_LIMIT_PER_ADDRESS="1000 per minute",
        )
        lms = str(BIN / "lms")
        run([lms, "init"], env)
        run([lms, "demo", "--size", "large"], env)
        slug = "dan-van-kheo"
        run([lms, "courses", "assign", slug, "--unit", "HT", "--due", "2027-12-31"], env)
        lms_port, hello_port, before_port = free_port(), free_port(), free_port()
        servers = [
            serve("lms.wsgi:app", lms_port, options.workers, env, HERE.parent),
            serve("hello:app", hello_port, options.workers, env, HERE),
        ]
        if options.before:
            before_env = dict(env, PYTHONPATH=str(options.before.resolve()))
            servers.append(
                serve("lms:create_app()", before_port, options.workers, before_env, options.before)
            )
        try:
            base = f"http://127.0.0.1:{lms_port}"
            cookie = sign_in(base)
            course_page = urllib.request.Request(
                f"{base}/courses/{slug}", headers={"Cookie": cookie}
            )
            html = urllib.request.urlopen(course_page).read().decode()
            module_path = re.search(rf'href="(/courses/{slug}/modules/[a-z0-9-]+)"', html).group(1)

            def load(url: str, cookie: str | None) -> dict[str, float]:
                return wrk(url, cookie, options.duration, options.connections)

            results = {"hello world": load(f"http://127.0.0.1:{hello_port}/", None)}
            if options.before:
                before = f"http://127.0.0.1:{before_port}"
                before_cookie = sign_in(before)
                results["module page (before)"] = load(before + module_path, before_cookie)
                results["My training (before)"] = load(f"{before}/my-training", before_cookie)
            results["module page"] = load(base + module_path, cookie)
            results["My training"] = load(f"{base}/my-training", cookie)
        finally:
            for server in servers:
                server.send_signal(signal.SIGTERM)
                server.wait(timeout=30)
        hello = results["hello world"]["rps"]
        print(
            f"gunicorn {options.workers} sync workers, wrk 2 threads x {options.connections} "
            f"connections x {options.duration} s, SQLite, {os.cpu_count()} cores, "
            f"load average before the run {LOAD_BEFORE}\n"
        )
        print("| page | requests/s | p50 ms | p95 ms | errors | vs hello world |")
        print("|---|---:|---:|---:|---:|---:|")
        for name, r in results.items():
            print(
                f"| {name} | {r['rps']:.0f} | {r['p50']:.1f} | {r['p95']:.1f} | "
                f"{r['errors']:.0f} | {100 * r['rps'] / hello:.0f}% |"
            )
        print("\nProfile of the module page (200 requests, Flask test client):\n")
        print(profile_module_page(env, module_path))


if __name__ == "__main__":
    main()
