"""Courses: the course factory, and an image to upload."""

from __future__ import annotations

import struct
import zlib
from typing import Any

import pytest

from lms.extensions import db


@pytest.fixture
def make_course():
    from lms.courses import module_editing
    from lms.courses import services as courses

    def make(
        slug: str = "dan-van",
        *,
        modules: tuple[str, ...] = ("Mở đầu", "Nội dung", "Kết luận"),
        status: str = "published",
        owner: Any = None,
        title: str | None = None,
    ):
        course = courses.create_course(
            slug=slug, title=title or f"Khóa học {slug}", owner=owner, actor=None
        )
        for index, module_title in enumerate(modules, start=1):
            module_editing.add_module(
                course,
                title=module_title,
                minutes=10,
                body_md=f"## Phần {index}\n\nNội dung **{module_title}** về dân vận.",
                author=None,
            )
        if status != "draft":
            courses.set_status(course, status, actor=None)
        db.session.commit()
        return courses.get_course(slug, with_modules=True)

    return make


def png_bytes(width: int = 2, height: int = 2) -> bytes:
    """A valid red PNG of ``width`` × ``height`` pixels, built by hand."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data))
            + kind
            + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
        )

    raw = b"".join(b"\x00" + b"\xff\x00\x00" * width for _ in range(height))
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )
