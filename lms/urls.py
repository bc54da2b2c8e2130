"""Addresses the application hands out: absolute links and ``next=`` targets.

Absolute links (the check-in QR code, the printed sign-in sheet) are built from the configured
``LMS_BASE_URL``, never from the request's ``Host`` header, which the client chooses.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from flask import current_app, request, url_for


def absolute_url(endpoint: str, **values: Any) -> str:
    """``url_for(endpoint, **values)`` on the site's configured address. Without one
    (development only: production refuses to start) the address the request came to."""
    base = current_app.config["BASE_URL"] or request.host_url
    return base.rstrip("/") + url_for(endpoint, **values)


def safe_next(target: str | None, default: str) -> str:
    """Only same-site paths: a crafted ``next`` must not send users elsewhere, and a control
    character (a CR/LF that would split the ``Location`` header, a tab or NUL that browsers
    drop to turn ``/\\t/evil.example`` into ``//evil.example``) makes it unusable."""
    if not target or any(ord(char) < 0x20 or 0x7F <= ord(char) < 0xA0 for char in target):
        return default
    if "\\" in target:  # browsers read a backslash as a slash: /\\evil.example is another site
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return default
    return target
