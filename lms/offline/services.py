"""What a person's phone keeps for reading offline (static/sw.js does the keeping).

The phone keeps, of the courses the person may read: the courses assigned to them and not yet
completed (automatically) and the published courses they asked for (the button on a course
page). Only published courses: a course withdrawn or archived drops out of the list, and the
phone deletes its copy at its next visit online. Each course comes with a revision key that
changes when a module is edited (a new revision), added or removed, or when the person's
progress in it changes: the phone fetches the course's pages again when its key changes.
"""

from __future__ import annotations

import hashlib
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from flask import url_for
from flask_babel import format_decimal
from sqlalchemy import and_, func, or_, select

from lms.courses.models import Course, Enrollment, MediaFile, Module, ModuleProgress
from lms.extensions import db

if TYPE_CHECKING:
    from lms.people.models import User

# What a page adds to the text it shows (the layout, the menus), in bytes, measured on the
# module page; with the UTF-8 weight of Vietnamese text (about 1.28 bytes a character) it gives
# an estimate close to what the phone stores (the phone counts exactly for its limit).
PAGE_OVERHEAD = 4_500
TEXT_BYTES_PER_CHAR = 1.28
# How many courses a person may ask to keep beyond those assigned to them.
MAX_REQUESTED = 50

_MEDIA_URL = re.compile(r"/media/([0-9a-f]{64})\.([a-z0-9]{2,5})\b")


@dataclass
class KeptCourse:
    slug: str
    title: str
    auto: bool  # assigned to the person: kept without asking
    revision: str
    size: int  # estimated bytes
    urls: list[str] = field(default_factory=list)


def estimated_sizes(course_ids: Iterable[int]) -> dict[int, int]:
    """About how many bytes keeping each course takes: its page, its modules' pages and the
    images uploaded to it. One query."""
    ids = list(course_ids)
    if not ids:
        return {}
    images = (
        select(func.coalesce(func.sum(MediaFile.size), 0))
        .where(MediaFile.course_id == Course.id)
        .scalar_subquery()
    )
    rows = db.session.execute(
        select(
            Course.id,
            func.length(Course.description_html),
            func.count(Module.id),
            func.coalesce(
                func.sum(func.length(Module.body_html) + func.length(Module.toc_html)), 0
            ),
            images,
        )
        .outerjoin(Module, Module.course_id == Course.id)
        .where(Course.id.in_(ids))
        .group_by(Course.id, Course.description_html)
    ).all()
    return {
        course_id: int(
            (modules + 1) * PAGE_OVERHEAD
            + TEXT_BYTES_PER_CHAR * ((description or 0) + int(module_text))
            + int(image_bytes)
        )
        for course_id, description, modules, module_text, image_bytes in rows
    }


def size_label(size: int) -> str:
    """“120 kB”, “1,4 MB”: in the user's locale, rounded as a person reads it."""
    if size < 1_000_000:
        return f"{format_decimal(max(1, round(size / 1000)))} kB"
    return f"{format_decimal(round(size / 1_000_000, 1))} MB"


def kept_courses(user: User, requested: Iterable[str]) -> list[KeptCourse]:
    """The courses ``user``'s phone keeps: assigned and open ones (soonest deadline first),
    then those asked for that the user may read. Four queries, whatever the number."""
    slugs = [slug for slug in dict.fromkeys(requested) if slug][:MAX_REQUESTED]
    assigned = and_(Enrollment.id.is_not(None), Enrollment.completed_at.is_(None))
    rows = db.session.execute(
        select(Course.id, Course.slug, Course.title, Course.updated_at, assigned.label("auto"))
        .outerjoin(
            Enrollment, (Enrollment.course_id == Course.id) & (Enrollment.user_id == user.id)
        )
        .where(Course.status == "published", or_(assigned, Course.slug.in_(slugs)))
        .order_by(assigned.desc(), Enrollment.due_date.is_(None), Enrollment.due_date, Course.title)
    ).all()
    if not rows:
        return []
    ids = [row.id for row in rows]
    modules = db.session.execute(
        select(
            Module.id,
            Module.course_id,
            Module.slug,
            Module.revision,
            Module.updated_at,
            Module.body_html,
            ModuleProgress.module_id.label("done"),
        )
        .outerjoin(
            ModuleProgress,
            (ModuleProgress.module_id == Module.id) & (ModuleProgress.user_id == user.id),
        )
        .where(Module.course_id.in_(ids))
        .order_by(Module.course_id, Module.position)
    ).all()
    by_course: dict[int, list[Any]] = defaultdict(list)
    for module in modules:
        by_course[module.course_id].append(module)
    sizes = estimated_sizes(ids)
    kept = []
    for row in rows:
        urls = [url_for("courses.course", slug=row.slug)]
        digest = hashlib.sha256(f"{row.id}|{row.updated_at.isoformat()}".encode())
        for module in by_course[row.id]:
            urls.append(url_for("courses.module", slug=row.slug, module_slug=module.slug))
            digest.update(
                f"|{module.id}:{module.revision}:{module.updated_at.isoformat()}:"
                f"{module.done is not None}".encode()
            )
            for sha256, extension in _MEDIA_URL.findall(module.body_html):
                url = url_for("courses.media_file", sha256=sha256, extension=extension)
                if url not in urls:
                    urls.append(url)
        kept.append(
            KeptCourse(
                slug=row.slug,
                title=row.title,
                auto=bool(row.auto),
                revision=digest.hexdigest()[:32],
                size=sizes.get(row.id, 0),
                urls=urls,
            )
        )
    return kept


def shell_urls(user: User) -> list[str]:
    """Pages and files every offline visit needs: the layout's style and script, the home
    page and My training, and the page that says what needs the server."""
    urls = [
        url_for("home.index"),
        url_for("offline.unavailable"),
        url_for("static", filename="lms.css"),
        url_for("static", filename="offline.js"),
        url_for("static", filename="favicon.svg"),
    ]
    if user.has_role("cadre"):
        urls.insert(1, url_for("courses.my_training"))
    return urls
