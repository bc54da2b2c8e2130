"""What one certificate shows, as the page prints it: built by ``printing`` from a stored
certificate, laid out by ``layout`` and drawn by ``pdf``."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass


@dataclass(frozen=True)
class CertificateFace:
    """What one certificate shows, exactly as recorded at issue time."""

    serial: str  # "DV-2026-000123"
    verification_url: str  # absolute URL of /verify/<code> (the QR encodes it)
    full_name: str
    rank: str  # may be ""
    position: str  # may be ""
    unit_chain: list[str]  # the unit itself first, then the units above it up to the top
    course_title: str
    score: float | None  # percent, or None when the course has no quiz
    completed_on: dt.date  # local date
    issued_on: dt.date  # local date (the date after the place, above the signer's title)
    expires_on: dt.date | None
    issuer_name: str  # "Bộ Chỉ huy Quân sự tỉnh Hà Tĩnh"
    signer_title: str  # "CHỈ HUY TRƯỞNG"
    place: str  # "Hà Tĩnh"
    status_note: str | None  # e.g. "ĐÃ THU HỒI" printed across a revoked copy; None normally
