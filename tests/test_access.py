"""Who may open what: every endpoint declares a rule, and the rules hold for every role."""

from __future__ import annotations

import pytest

from lms.auth.permissions import PUBLIC, access_rule
from tests.support import csrf_token, login

# The only endpoints anyone may use without signing in.
PUBLIC_ENDPOINTS = {"core.healthz", "core.set_locale", "auth.login"}


def test_every_endpoint_declares_an_access_rule(app):
    undeclared, public = [], set()
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        declared = access_rule(app.view_functions[rule.endpoint])
        if declared is None:
            undeclared.append(rule.endpoint)
        elif declared == PUBLIC:
            public.add(rule.endpoint)
    assert undeclared == []
    assert public == PUBLIC_ENDPOINTS


def test_an_undeclared_endpoint_is_refused(make_app):
    other = make_app()
    other.add_url_rule("/forgotten-rule", "forgotten", lambda: "open")  # no rule declared
    assert other.test_client().get("/forgotten-rule").status_code == 403


# (method, url, {role: expected status}); "anon" is a visitor who has not signed in.
# 302 for anon means "sent to the sign-in page".
MATRIX = [
    ("GET", "/", {"anon": 302, "cadre": 200, "trainer": 200, "commander": 200, "admin": 200}),
    ("GET", "/units/", {"anon": 302, "cadre": 403, "trainer": 403, "commander": 200, "admin": 200}),
    (
        "GET",
        "/units/HS-01",
        {"anon": 302, "cadre": 403, "trainer": 403, "commander": 200, "admin": 200},
    ),
    ("GET", "/units/DBP-CT", {"commander": 404, "admin": 200}),  # outside the commander's tree
    (
        "GET",
        "/units/new",
        {"anon": 302, "cadre": 403, "trainer": 403, "commander": 403, "admin": 200},
    ),
    ("GET", "/units/HS/edit", {"cadre": 403, "commander": 403, "admin": 200}),
    ("GET", "/units/HS/move", {"cadre": 403, "commander": 403, "admin": 200}),
    (
        "POST",
        "/units/HK/deactivate",
        {"anon": 302, "cadre": 403, "commander": 403, "admin": 302},
    ),
    (
        "GET",
        "/people/",
        {"anon": 302, "cadre": 403, "trainer": 403, "commander": 200, "admin": 200},
    ),
    ("GET", "/people/{cadre}", {"cadre": 403, "commander": 200, "admin": 200}),
    ("GET", "/people/{border_cadre}", {"commander": 404, "admin": 200}),
    ("GET", "/people/new", {"cadre": 403, "commander": 403, "admin": 200}),
    ("GET", "/people/{cadre}/edit", {"cadre": 403, "trainer": 403, "commander": 403, "admin": 200}),
    ("POST", "/people/{cadre}/reset-password", {"cadre": 403, "commander": 403, "admin": 200}),
    ("POST", "/people/{cadre}/deactivate", {"commander": 403, "admin": 302}),
    ("GET", "/audit/", {"anon": 302, "cadre": 403, "trainer": 403, "commander": 403, "admin": 200}),
    (
        "GET",
        "/imports/",
        {"anon": 302, "cadre": 403, "trainer": 403, "commander": 403, "admin": 200},
    ),
    # Posted without a file or a confirmation: an admin gets the form back with the message.
    ("POST", "/imports/preview", {"anon": 302, "cadre": 403, "commander": 403, "admin": 400}),
    ("POST", "/imports/apply", {"anon": 302, "trainer": 403, "commander": 403, "admin": 400}),
    ("POST", "/imports/passwords", {"anon": 302, "cadre": 403, "commander": 403, "admin": 410}),
    ("GET", "/account/password", {"anon": 302, "cadre": 200, "admin": 200}),
    ("GET", "/healthz", {"anon": 200, "cadre": 200}),
    ("GET", "/help/", {"anon": 302, "cadre": 302, "trainer": 302, "commander": 302, "admin": 302}),
    (
        "GET",
        "/help/admin",
        {"anon": 302, "cadre": 200, "trainer": 200, "commander": 200, "admin": 200},
    ),
    ("GET", "/login", {"anon": 200, "cadre": 302}),
    (
        "GET",
        "/sessions/",
        {"anon": 302, "cadre": 403, "trainer": 200, "commander": 403, "admin": 200},
    ),
    ("GET", "/sessions/new", {"cadre": 403, "trainer": 200, "commander": 403, "admin": 200}),
    (
        "GET",
        "/checkin",
        {"anon": 302, "cadre": 200, "trainer": 200, "commander": 200, "admin": 200},
    ),
    ("GET", "/attendance/mine", {"anon": 302, "cadre": 200, "trainer": 200}),
    (
        "GET",
        "/attendance/units/HS",
        {"anon": 302, "cadre": 403, "trainer": 403, "commander": 200, "admin": 200},
    ),
    ("GET", "/attendance/units/BDBP", {"commander": 404, "admin": 200}),
    ("GET", "/attendance/people/hocvien", {"cadre": 403, "trainer": 403, "commander": 200}),
    ("GET", "/attendance/people/hocvien.bp", {"commander": 404, "admin": 200}),
]

CASES = [
    (method, url, role, status)
    for method, url, expected in MATRIX
    for role, status in expected.items()
]


@pytest.mark.parametrize(
    ("method", "url", "role", "status"), CASES, ids=[f"{m} {u} as {r}" for m, u, r, _ in CASES]
)
def test_access_matrix(client, people, method, url, role, status):
    url = url.format(**{key: user.id for key, user in people.items()})
    if role != "anon":
        login(client, people[role].username)
    if method == "GET":
        response = client.get(url)
    else:
        token = csrf_token(client, "/login" if role == "anon" else "/")
        response = client.post(url, data={"csrf_token": token})
    assert response.status_code == status, response.get_data(as_text=True)[:300]
    if role == "anon" and status == 302:
        assert response.location.startswith("/login")
