"""Helpers for every feature's tests: the test app, signing in and posting forms with a CSRF
token as a browser would, reading pages, counting a page's queries, threads that race, moving a
person between units, and driving a real browser's page.

A feature's own fixtures and helpers are in tests/plugins/<feature>.py."""

from __future__ import annotations

import contextvars
import re
import threading
from collections.abc import Callable
from typing import Any

from bs4 import BeautifulSoup
from flask import Flask, has_app_context
from flask.testing import FlaskClient

from lms import create_app
from lms.extensions import db

TEST_PASSWORD = "Mat-khau-thu-2026"
TEST_SECRET = "test-secret-key-not-for-production-0123456789"


class IsolatedClient(FlaskClient):
    """Runs each request in its own context, as a server would.

    The tests keep an app context pushed (to call services directly); without this, requests
    would reuse it and share ``g`` (the signed-in user, the CSRF token) and the DB session.
    """

    def open(self, *args: Any, **kwargs: Any):
        response = contextvars.Context().run(super().open, *args, **kwargs)
        if has_app_context():
            db.session.expire_all()  # the request committed through its own session
        return response


def make_test_app(database_url: str, **overrides: Any) -> Flask:
    application = create_app(
        {
            "TESTING": True,
            "DATABASE_URL": database_url,
            "SECRET_KEY": TEST_SECRET,
            "RATELIMIT_STORAGE_URI": "memory://",
            **overrides,
        }
    )
    application.test_client_class = IsolatedClient
    return application


_TOKEN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def csrf_token(client: FlaskClient, url: str = "/login") -> str:
    """The session's CSRF token, read from a page as a browser would."""
    response = client.get(url)
    match = _TOKEN.search(response.get_data(as_text=True))
    assert match, f"no CSRF token on {url}"
    return match.group(1)


def post(
    client: FlaskClient,
    url: str,
    data: dict[str, Any] | None = None,
    token_from: str = "/login",
    **kwargs: Any,
):
    payload = {"csrf_token": csrf_token(client, token_from), **(data or {})}
    return client.post(url, data=payload, **kwargs)


def login(client: FlaskClient, username: str, password: str = TEST_PASSWORD):
    response = post(client, "/login", {"username": username, "password": password})
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    return response


def soup(response) -> BeautifulSoup:
    """A response's page, parsed."""
    return BeautifulSoup(response.get_data(as_text=True), "html.parser")


def queries_for(client: FlaskClient, count_queries: Any, url: str) -> int:
    """How many SQL statements a GET of ``url`` runs (it must answer 200); ``count_queries`` is
    the fixture of that name."""
    with count_queries() as counter:
        response = client.get(url)
    assert response.status_code == 200
    return counter.count


def run_together(
    app: Flask, jobs: list[Callable[[], Any]]
) -> tuple[list[Any], list[BaseException]]:
    barrier = threading.Barrier(len(jobs))
    results: list[Any] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def worker(job: Callable[[], Any]) -> None:
        with app.app_context():
            try:
                barrier.wait(timeout=60)
                result = job()
                db.session.commit()
                with lock:
                    results.append(result)
            except BaseException as error:
                db.session.rollback()
                with lock:
                    errors.append(error)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=worker, args=(job,)) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads)
    return results, errors


def sums_drift() -> list[str]:
    """Where the review's kept sums differ from a rebuild from scratch (nothing: exact)."""
    from sqlalchemy import exists, select

    from lms.courses.models import Enrollment
    from lms.reports import kept_sums
    from lms.reports.models import CompletionSum

    # Most tests have no enrollment at all: one cheap query says so.
    if not db.session.scalar(select(exists(Enrollment.id) | exists(CompletionSum.unit_id))):
        return []
    return kept_sums.drift()


def transfer(user: Any, unit: Any, *, actor: Any = None, roles: set[str] | None = None) -> None:
    """Move a person to ``unit`` (None: out of every unit) through the service, everything else
    about them unchanged (their roles too, unless given); not committed."""
    from lms.people import services as accounts

    accounts.update_user(
        user,
        full_name=user.full_name,
        rank=user.rank,
        position=user.position,
        unit=unit,
        roles=roles or set(user.roles),
        email=user.email,
        actor=actor,
    )


def sign_in(page: Any, base: str, username: str, password: str) -> None:
    """Sign in on a real browser's page (Playwright) at the app served on ``base``."""
    page.goto(f"{base}/login")
    page.fill("#username", username)
    page.fill("#password", password)
    page.click("button.primary")


def page_width(page: Any) -> int:
    """A page's laid-out width, measured once its stylesheets have loaded: an element's text
    can be on the page before the CSS that lays it out (a phone test then saw 520 px)."""
    page.wait_for_load_state("load")
    return page.evaluate("document.documentElement.scrollWidth")


BEYOND_COLUMN_JS = """() => {
    const main = document.querySelector("main");
    const box = main.getBoundingClientRect();
    const right = box.right - parseFloat(getComputedStyle(main).paddingRight) + 0.5;
    const out = [];
    for (const element of main.querySelectorAll("*")) {
        const edge = element.getBoundingClientRect();
        // Wide tables and code blocks scroll inside their own box on purpose.
        const scrolls = element.closest("pre, .prose table, .report-table");
        if (edge.width && edge.right > right && !scrolls) {
            const name = `${element.tagName.toLowerCase()}.${element.className}`;
            out.push(`${name} ${Math.round(edge.right)}`);
        }
    }
    return out;
}"""


def beyond_column(page: Any) -> list[str]:
    """The elements of the page's main column that stick out of it (into its margin or past the
    screen, which the page may clip without a sideways scroll): none on a well laid-out page."""
    page.wait_for_load_state("load")
    return page.evaluate(BEYOND_COLUMN_JS)
