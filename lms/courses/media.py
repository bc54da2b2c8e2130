"""Images uploaded for modules: checked by content, stored in the database, served by hash."""

from __future__ import annotations

import hashlib
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from lms.courses.models import MediaFile
from lms.errors import InvalidInput
from lms.extensions import db

MAX_IMAGE_BYTES = 2 * 1024 * 1024
EXTENSIONS = {"image/png": "png", "image/jpeg": "jpg", "image/webp": "webp"}


def sniff_image_type(data: bytes) -> str | None:
    """The image type from the file's first bytes; the name and the browser's word are ignored."""
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if len(data) >= 12 and data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    return None


def store_image(data: bytes, *, course_id: int | None, uploaded_by: Any | None) -> MediaFile:
    if not data:
        raise InvalidInput(_l("The file is empty."))
    if len(data) > MAX_IMAGE_BYTES:
        raise InvalidInput(_l("Images may be at most %(mb)s MB.", mb=MAX_IMAGE_BYTES // 2**20))
    mime_type = sniff_image_type(data)
    if mime_type is None:
        raise InvalidInput(_l("Only PNG, JPEG and WebP images can be uploaded."))
    digest = hashlib.sha256(data).hexdigest()
    existing = db.session.scalar(select(MediaFile).where(MediaFile.sha256 == digest))
    if existing is not None:
        return existing
    media = MediaFile(
        sha256=digest,
        mime_type=mime_type,
        size=len(data),
        data=data,
        course_id=course_id,
        uploaded_by=uploaded_by.id if uploaded_by is not None else None,
    )
    db.session.add(media)
    db.session.flush()
    return media


def url_path(media: MediaFile) -> str:
    return f"/media/{media.sha256}.{EXTENSIONS[media.mime_type]}"


def find(sha256: str) -> MediaFile | None:
    return db.session.scalar(select(MediaFile).where(MediaFile.sha256 == sha256))
