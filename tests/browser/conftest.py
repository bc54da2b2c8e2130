"""Real-browser fixtures: the app served on 127.0.0.1 in a thread, driven by headless Chromium.

Chromium is Debian's (/usr/bin/chromium, or LMS_TEST_CHROMIUM). Without it these tests skip
on a developer machine, but fail under CI (CI=true), where .ci/run installs it.
"""

from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import expect
from werkzeug.serving import make_server

CHROMIUM = os.environ.get("LMS_TEST_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
# A loaded 2-core CI machine can take seconds to answer a background fetch (the live preview,
# autosave): assertions wait up to 15 s, like actions do, instead of Playwright's 5 s.
expect.set_options(timeout=15_000)

LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
    "--disable-dev-shm-usage",
]


# When a page closes while a static file is still being sent, the development server drops
# the connection and leaves that file for the garbage collector to close: harmless here, and
# not the app's doing (gunicorn serves differently in production), so not an error.
_DROPPED_STATIC_FILE = [
    pytest.mark.filterwarnings(r"ignore:unclosed file .*/static/:ResourceWarning"),
    pytest.mark.filterwarnings(
        r"ignore:Exception ignored in. <_io.FileIO name='.*/static/"
        r":pytest.PytestUnraisableExceptionWarning"
    ),
]


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/browser/" in str(item.fspath):
            item.add_marker(pytest.mark.browser)
            for mark in _DROPPED_STATIC_FILE:
                item.add_marker(mark)


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI"):
            pytest.fail(f"Chromium not found at {CHROMIUM}; CI must run the browser tests")
        pytest.skip("Chromium is not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=LAUNCH_ARGS
        )
        yield chromium
        chromium.close()


@pytest.fixture
def live_server(app) -> Iterator[str]:
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)


@pytest.fixture
def new_page(browser):
    contexts = []

    def open_page(width: int = 1280, height: int = 800, **options):
        context = browser.new_context(
            viewport={"width": width, "height": height}, locale="vi-VN", **options
        )
        context.set_default_timeout(15_000)
        contexts.append(context)
        return context.new_page()

    yield open_page
    for context in contexts:
        context.close()


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS
