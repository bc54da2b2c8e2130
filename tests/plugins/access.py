"""Access: the matrices of who may open what, which tests/test_access.py walks and
tests/test_access_everywhere.py checks, with its own rows, to reach every endpoint."""

from __future__ import annotations

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
    (
        "GET",
        "/certificates/mine",
        {"anon": 302, "cadre": 200, "trainer": 200, "commander": 200, "admin": 200},
    ),
    (
        "GET",
        "/certificates/units/",
        {"anon": 302, "cadre": 403, "trainer": 403, "commander": 302, "admin": 200},
    ),
    (
        "GET",
        "/certificates/units/HS",
        {"anon": 302, "cadre": 403, "trainer": 403, "commander": 200, "admin": 200},
    ),
    ("GET", "/certificates/units/BDBP", {"commander": 404, "admin": 200}),
    (
        "GET",
        "/certificates/units/HS/certificates.csv",
        {"anon": 302, "cadre": 403, "trainer": 403, "commander": 200, "admin": 200},
    ),
    ("GET", "/certificates/units/BDBP/certificates.csv", {"commander": 404, "admin": 200}),
    (
        "GET",
        "/certificates/units/HS/certificates.xlsx",
        {"anon": 302, "cadre": 403, "trainer": 403, "commander": 200, "admin": 200},
    ),
    ("GET", "/certificates/units/BDBP/certificates.xlsx", {"commander": 404, "admin": 200}),
    (
        "GET",
        "/certificates/units/HS/certificates.pdf",
        {"anon": 302, "cadre": 403, "trainer": 403},
    ),
    ("GET", "/verify", {"anon": 200, "cadre": 200}),
    ("GET", "/verify/not-a-code", {"anon": 404, "admin": 404}),
    # Everyone signed in reads their own notifications and chooses their own e-mail.
    (
        "GET",
        "/notifications/",
        {"anon": 302, "cadre": 200, "trainer": 200, "commander": 200, "admin": 200},
    ),
    (
        "GET",
        "/account/notifications",
        {"anon": 302, "cadre": 200, "trainer": 200, "commander": 200, "admin": 200},
    ),
    ("POST", "/account/notifications", {"anon": 302, "cadre": 302, "admin": 302}),
    ("GET", "/sw.js", {"anon": 200, "cadre": 200}),
    ("GET", "/offline", {"anon": 200, "cadre": 200, "commander": 200}),
    (
        "GET",
        "/offline/manifest",
        {"anon": 302, "cadre": 200, "trainer": 200, "commander": 200, "admin": 200},
    ),
    ("GET", "/offline/token", {"anon": 302, "cadre": 200, "admin": 200}),
]

# Certificates: the cadre's (unit HS-01, under the commander's HS) and the border cadre's
# (DBP-CT, outside it). "mine"/"theirs" stand for their ids.
CERTIFICATE_MATRIX = [
    (
        "GET",
        "/certificates/{mine}",
        {
            "anon": 302,
            "cadre": 200,
            "border_cadre": 404,
            "trainer": 404,
            "commander": 200,
            "admin": 200,
        },
    ),
    (
        "GET",
        "/certificates/{theirs}",
        {"cadre": 404, "border_cadre": 200, "commander": 404, "admin": 200},
    ),
    (
        "GET",
        "/certificates/{mine}/certificate.pdf",
        {
            "anon": 302,
            "cadre": 200,
            "border_cadre": 404,
            "trainer": 404,
            "commander": 200,
            "admin": 200,
        },
    ),
    (
        "GET",
        "/certificates/{theirs}/certificate.pdf",
        {"cadre": 404, "commander": 404, "admin": 200},
    ),
    (
        "GET",
        "/certificates/units/HS/certificates.pdf?period={year}",
        {"commander": 200, "admin": 200},
    ),
    (
        "GET",
        "/certificates/units/BDBP/certificates.pdf?period={year}",
        {"commander": 404, "admin": 200},
    ),
    (
        "POST",
        "/certificates/{mine}/revoke",
        {"anon": 302, "cadre": 403, "trainer": 403, "commander": 403, "admin": 303},
    ),
    (
        "POST",
        "/certificates/{mine}/reissue",
        {"anon": 302, "cadre": 403, "trainer": 403, "commander": 403, "admin": 303},
    ),
]
