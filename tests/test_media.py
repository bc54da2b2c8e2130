"""Uploaded images: decoded in full by Pillow, refused unless they parse completely, stored
re-encoded without their metadata."""

from __future__ import annotations

import io

import pytest
from flask_babel import force_locale
from PIL import Image
from sqlalchemy import func, select

from lms.courses import media
from lms.courses.models import MediaFile
from lms.errors import InvalidInput
from lms.extensions import db


@pytest.fixture(autouse=True)
def english_messages():
    """Refusals are checked by their English text."""
    with force_locale("en"):
        yield


def encoded(fmt: str, size=(40, 30), color=(200, 30, 30), mode="RGB", **options) -> bytes:
    out = io.BytesIO()
    Image.new(mode, size, color if mode != "1" else 1).save(out, fmt, **options)
    return out.getvalue()


def stored_count() -> int:
    return db.session.scalar(select(func.count()).select_from(MediaFile))


def refused(data: bytes) -> str:
    with pytest.raises(InvalidInput) as error:
        media.store_image(data, course_id=None, uploaded_by=None)
    assert stored_count() == 0
    return str(error.value.message)


PNG, JPEG, WEBP = encoded("PNG"), encoded("JPEG", quality=95), encoded("WEBP")


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(PNG[: len(PNG) // 2], id="png-cut-in-half"),
        pytest.param(PNG[:33] + PNG[-12:], id="png-header-and-end-only"),
        pytest.param(JPEG[: len(JPEG) // 2], id="jpeg-cut-in-half"),
        pytest.param(JPEG[: len(JPEG) // 2] + b"\xff\xd9", id="jpeg-cut-with-an-end-marker"),
        pytest.param(WEBP[:-10], id="webp-cut"),
        pytest.param(b"\x89PNG\r\n\x1a\n" + b"<html><script>alert(1)</script>", id="magic-only"),
        pytest.param(PNG + b"<html><script>alert(1)</script></html>", id="png-html-polyglot"),
        pytest.param(PNG + b"PK\x05\x06" + b"\x00" * 18, id="png-zip-polyglot"),
        pytest.param(JPEG + b"<?php system($_GET['c']); ?>", id="jpeg-php-polyglot"),
        pytest.param(WEBP + b"\x00" * 8, id="webp-trailing-bytes"),
        pytest.param(b"\xff\xd8\xff" + PNG[3:], id="png-claiming-to-be-jpeg"),
    ],
)
def test_damaged_and_polyglot_files_are_refused(data):
    assert "damaged" in refused(data)
    # The same images whole are taken.
    for whole in (PNG, JPEG, WEBP):
        media.store_image(whole, course_id=None, uploaded_by=None)


def test_an_image_too_large_in_pixels_is_refused_before_decoding():
    bomb = encoded("PNG", size=(9000, 5000), mode="1")
    assert len(bomb) < media.MAX_IMAGE_BYTES
    assert "million pixels" in refused(bomb)


def test_animated_images_are_refused():
    frames = [Image.new("RGB", (10, 10), c) for c in ((255, 0, 0), (0, 255, 0))]
    out = io.BytesIO()
    frames[0].save(out, "WEBP", save_all=True, append_images=frames[1:])
    assert "Animated" in refused(out.getvalue())


def test_metadata_is_stripped_and_the_photo_turned_upright():
    exif = Image.Exif()
    exif[0x0112] = 6  # orientation: turn 90° clockwise to show
    exif[0x8825] = {1: "N", 2: (18.0, 20.0, 44.0), 3: "E", 4: (105.0, 54.0, 3.0)}  # GPS
    exif[0x010F] = "Camera-Serial-ABC123"
    photo = encoded("JPEG", size=(40, 30), exif=exif.tobytes(), comment=b"SECRET-COMMENT")
    assert b"Camera-Serial-ABC123" in photo and b"SECRET-COMMENT" in photo
    stored = media.store_image(photo, course_id=None, uploaded_by=None)
    assert b"Camera-Serial-ABC123" not in stored.data and b"SECRET-COMMENT" not in stored.data
    with Image.open(io.BytesIO(stored.data)) as image:
        assert image.format == "JPEG" and image.size == (30, 40)  # upright
        assert not image.getexif()
    assert stored.sha256 == media.hashlib.sha256(stored.data).hexdigest()
    # The same upload again is the same stored file.
    assert media.store_image(photo, course_id=None, uploaded_by=None).id == stored.id


def test_png_stays_lossless_and_text_chunks_go():
    from PIL import PngImagePlugin

    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", "HIDDEN-PAYLOAD")
    source = Image.new("RGBA", (16, 16), (10, 20, 30, 128))
    out = io.BytesIO()
    source.save(out, "PNG", pnginfo=info)
    stored = media.store_image(out.getvalue(), course_id=None, uploaded_by=None)
    assert b"HIDDEN-PAYLOAD" not in stored.data
    with Image.open(io.BytesIO(stored.data)) as image:
        assert image.getpixel((3, 3)) == (10, 20, 30, 128)
