"""HTTP response headers that every page carries."""

from __future__ import annotations

from flask import Flask, Response, request

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)

NOT_STORED = "private, no-store"


def register(app: Flask) -> None:
    @app.after_request
    def add_headers(response: Response) -> Response:
        headers = response.headers
        headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        headers.setdefault("X-Frame-Options", "DENY")
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("Referrer-Policy", "same-origin")
        headers.setdefault("Permissions-Policy", "geolocation=(), microphone=(), camera=(self)")
        if app.config["SESSION_COOKIE_SECURE"]:
            headers.setdefault("Strict-Transport-Security", "max-age=31536000")
        # Pages and downloads (attendance lists, quiz results, question banks with their answer
        # keys) carry personal or secret data: no cache, shared or private, keeps a copy. Only
        # the static assets are cacheable; a view that knows better (uploaded images) says so.
        # Reading offline does not need this relaxed: the service worker keeps its copies in
        # its own Cache Storage (static/sw.js), which no-store does not govern and which it
        # fills only with the signed-in person's readable pages, checks against the account,
        # and empties at sign-out. The browser's HTTP cache, shared by every account on the
        # phone and emptied by no sign-out, keeps on holding nothing.
        if request.endpoint != "static":
            headers.setdefault("Cache-Control", NOT_STORED)
        return response
