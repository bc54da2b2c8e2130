"""Short names (slugs) of courses, modules and quizzes: what they may be, and one made from a
title."""

from __future__ import annotations

import re

from flask_babel import lazy_gettext as _l

from lms.errors import InvalidInput
from lms.text import fold

SLUG_PATTERN = re.compile(r"^[a-z0-9][a-z0-9-]{0,79}$")


def slugify(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", fold(text)).strip("-")[:80] or "bai-hoc"


def check_slug(slug: str) -> None:
    if not SLUG_PATTERN.match(slug):
        raise InvalidInput(
            _l("A short name is lower-case letters, digits and dashes (e.g. dan-van-kheo).")
        )
