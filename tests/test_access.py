"""Who may open what: every endpoint declares a rule, and the rules hold for every role."""

from __future__ import annotations

import pytest

from lms.auth.permissions import PUBLIC, SIGNED_IN, access_rule, require
from tests.plugins.access import CERTIFICATE_MATRIX, MATRIX
from tests.plugins.certificates import DUE, earn, stand_in_pdf
from tests.support import csrf_token, login

# The only endpoints anyone may use without signing in.
PUBLIC_ENDPOINTS = {
    "home.healthz",
    "home.set_locale",
    "auth.login",
    "certificates.verify_code",  # what a certificate's QR code opens
    "certificates.verify_form",
    "offline.worker",  # the service worker's script: nothing personal, updated after sign-out
    "offline.unavailable",  # the page the phone shows for what needs the server
}


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


def test_every_rule_is_a_predicate_the_templates_ask_too(app):
    """One source of truth: a view's rule is a feature's ``can_*``, the function templates call
    to show the same page's buttons, never a list of roles written beside it."""
    rules = {access_rule(app.view_functions[r.endpoint]) for r in app.url_map.iter_rules()}
    predicates = rules - {PUBLIC, SIGNED_IN, None}
    assert predicates, "no view names a predicate"
    for name in predicates:
        assert name.startswith("can_")
        assert callable(app.jinja_env.globals.get(name)), f"{name} is not shared with templates"


def test_a_role_name_is_not_a_rule():
    with pytest.raises(TypeError):
        require("admin")  # type: ignore[arg-type]


def test_an_undeclared_endpoint_is_refused(make_app):
    other = make_app()
    other.add_url_rule("/forgotten-rule", "forgotten", lambda: "open")  # no rule declared
    assert other.test_client().get("/forgotten-rule").status_code == 403


# MATRIX: (method, url, {role: expected status}), in tests/plugins/access.py; "anon" is a
# visitor who has not signed in, and 302 for anon means "sent to the sign-in page".
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


# CERTIFICATE_MATRIX: the cadre's certificate ("mine") and the border cadre's ("theirs").
CERTIFICATE_CASES = [
    (method, url, role, status)
    for method, url, expected in CERTIFICATE_MATRIX
    for role, status in expected.items()
]


@pytest.mark.parametrize(
    ("method", "url", "role", "status"),
    CERTIFICATE_CASES,
    ids=[f"{m} {u} as {r}" for m, u, r, _ in CERTIFICATE_CASES],
)
def test_certificate_access_matrix(
    client, people, province, make_course, monkeypatch, method, url, role, status
):
    from lms.certificates.models import Certificate
    from lms.courses import enrollment
    from lms.extensions import db

    stand_in_pdf(monkeypatch)
    course = make_course("dan-van")
    enrollment.assign(course, province["HT"], DUE, actor=None)
    db.session.commit()
    mine, theirs = earn(people["cadre"], course), earn(people["border_cadre"], course)
    url = url.format(mine=mine.id, theirs=theirs.id, year=mine.issued_on.year)
    if role != "anon":
        login(client, people[role].username)
    if method == "GET":
        response = client.get(url)
    else:
        token = csrf_token(client, "/login" if role == "anon" else "/")
        response = client.post(url, data={"csrf_token": token, "reason": "error"})
    assert response.status_code == status, response.get_data(as_text=True)[:300]
    if role == "anon" and status == 302:
        assert response.location.startswith("/login")
    if method == "POST" and status != 303:  # refused: nothing written
        db.session.expire_all()
        stored = db.session.get(Certificate, mine.id)
        assert stored.revoked_at is None and stored.superseded_at is None
