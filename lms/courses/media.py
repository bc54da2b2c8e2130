"""Images uploaded for modules: decoded in full, re-encoded, stored in the database, served
by hash.

An upload is taken only if Pillow decodes every pixel of it as the PNG, JPEG or WebP its first
bytes announce, and nothing follows the image's end (a "polyglot" that is also an HTML page or
an archive is refused). What is stored is not the upload but the image encoded again from its
pixels: metadata goes (EXIF with the GPS position of a photo taken at a border post, camera
serials, comments, colour profiles, any payload hidden in ancillary chunks), a photo's EXIF
orientation is applied first so it does not turn sideways, and JPEG and WebP are written at
quality 90 (PNG stays lossless). The cost is a small loss on photos (and wide-gamut colours
shown as sRGB), and one decode per upload.
"""

from __future__ import annotations

import hashlib
import io
import struct
import warnings
from typing import Any

from flask_babel import lazy_gettext as _l
from PIL import Image, ImageOps, UnidentifiedImageError
from sqlalchemy import select

from lms.courses.models import MediaFile
from lms.errors import InvalidInput
from lms.extensions import db

MAX_IMAGE_BYTES = 2 * 1024 * 1024
MAX_IMAGE_PIXELS = 40_000_000  # a 2 MB file may unpack to far more: a decompression bomb
EXTENSIONS = {"image/png": "png", "image/jpeg": "jpg", "image/webp": "webp"}
_PILLOW_FORMATS = {"image/png": "PNG", "image/jpeg": "JPEG", "image/webp": "WEBP"}


def sniff_image_type(data: bytes) -> str | None:
    """The image type from the file's first bytes; the name and the browser's word are ignored."""
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if len(data) >= 12 and data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    return None


def _ends_where_the_image_ends(data: bytes, mime_type: str) -> bool:
    """Nothing after the image: PNG's IEND chunk, JPEG's end-of-image marker, WebP's RIFF
    length are the last bytes of the file."""
    if mime_type == "image/png":
        return data.endswith(b"\x00\x00\x00\x00IEND\xaeB`\x82")
    if mime_type == "image/jpeg":
        return data.endswith(b"\xff\xd9")
    return len(data) >= 12 and struct.unpack("<I", data[4:8])[0] + 8 == len(data)


def reencoded_image(data: bytes, mime_type: str) -> bytes:
    """The image decoded in full and encoded again without metadata; InvalidInput if it does
    not decode completely as ``mime_type``."""
    broken = InvalidInput(_l("The image is damaged or not what its type says; it was not saved."))
    if not _ends_where_the_image_ends(data, mime_type):
        raise broken
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data), formats=[_PILLOW_FORMATS[mime_type]]) as image:
                if image.width * image.height > MAX_IMAGE_PIXELS:
                    raise InvalidInput(
                        _l(
                            "The image has more than %(n)s million pixels.",
                            n=MAX_IMAGE_PIXELS // 1_000_000,
                        )
                    )
                if getattr(image, "n_frames", 1) > 1:
                    raise InvalidInput(_l("Animated images cannot be uploaded."))
                image.load()  # every pixel: a truncated or corrupt file fails here
                upright = ImageOps.exif_transpose(image)
                upright.info.clear()  # Pillow would write the comment, EXIF, ICC back out
                if upright.mode not in ("RGB", "RGBA", "L", "LA", "P", "1"):
                    upright = upright.convert("RGBA" if "A" in upright.getbands() else "RGB")
                out = io.BytesIO()
                if mime_type == "image/png":
                    upright.save(out, "PNG", optimize=True)
                elif mime_type == "image/jpeg":
                    if upright.mode not in ("RGB", "L"):
                        upright = upright.convert("RGB")
                    upright.save(out, "JPEG", quality=90, optimize=True)
                else:
                    upright.save(out, "WEBP", quality=90)
                return out.getvalue()
    except InvalidInput:
        raise
    except (
        UnidentifiedImageError,
        Image.DecompressionBombError,
        Image.DecompressionBombWarning,
        OSError,
        SyntaxError,
        ValueError,
        EOFError,
        struct.error,
    ):
        raise broken from None


def store_image(data: bytes, *, course_id: int | None, uploaded_by: Any | None) -> MediaFile:
    if not data:
        raise InvalidInput(_l("The file is empty."))
    if len(data) > MAX_IMAGE_BYTES:
        raise InvalidInput(_l("Images may be at most %(mb)s MB.", mb=MAX_IMAGE_BYTES // 2**20))
    mime_type = sniff_image_type(data)
    if mime_type is None:
        raise InvalidInput(_l("Only PNG, JPEG and WebP images can be uploaded."))
    data = reencoded_image(data, mime_type)
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
