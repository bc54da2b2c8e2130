"""Courses: creating them, their settings and owners, publishing (their modules are in
``module_editing``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from lms.audit import services as audit
from lms.courses.markdown import render
from lms.courses.models import COURSE_STATUSES, Course, CourseOwner, Module
from lms.courses.module_editing import module_count, normalize_body
from lms.courses.signals import announce_progress
from lms.courses.slugs import check_slug
from lms.errors import InvalidInput
from lms.extensions import db
from lms.people.models import User
from lms.quizzes.models import Quiz
from lms.text import clean, fold, nfc
from lms.timeutil import utcnow


def get_course(slug: str, *, with_modules: bool = False, with_owners: bool = True) -> Course | None:
    """``with_owners=False`` saves a query where nobody can be an owner (learners' pages for
    users who are not trainers: can_edit_course then decides without the owner list)."""
    query = select(Course).where(Course.slug == slug)
    if with_owners:
        query = query.options(selectinload(Course.owner_rows))
    if with_modules:
        query = query.options(selectinload(Course.modules))
    # Fresh collections even for a course already in the session (modules added since).
    return db.session.scalar(query.execution_options(populate_existing=True))


def get_module(course: Course, slug: str) -> Module | None:
    return db.session.scalar(
        select(Module).where(Module.course_id == course.id, Module.slug == slug)
    )


def _course_search_text(course: Course, description_text: str) -> str:
    return fold(" ".join([course.title, course.summary, course.topic, description_text]))


def create_course(
    *,
    slug: str,
    title: str,
    summary: str = "",
    topic: str = "",
    owner: User | None,
    actor: audit.Actor,
) -> Course:
    slug = slug.strip().lower()
    title = clean(title)
    check_slug(slug)
    if not title:
        raise InvalidInput(_l("The course needs a title."))
    if get_course(slug) is not None:
        raise InvalidInput(_l("The short name %(slug)s is already used.", slug=slug))
    course = Course(
        slug=slug,
        title=title,
        summary=clean(summary),
        topic=clean(topic),
        status="draft",
        description_md="",
        description_html="",
        required_quizzes=[],
        modules=[],
        owner_rows=[CourseOwner(user_id=owner.id)] if owner is not None else [],
    )
    course.search_text = _course_search_text(course, "")
    db.session.add(course)
    db.session.flush()
    audit.record("course.create", course, actor=actor, after={"title": title})
    return course


@dataclass
class CourseSettings:
    title: str
    summary: str
    topic: str
    description_md: str
    pass_score: int | None
    min_attendance: int | None
    required_quizzes: list[str]
    certificate_valid_months: int | None
    # Who issues the course's certificates and the title of who signs them; "" = the site's
    # (LMS_ISSUER_NAME, LMS_SIGNER_TITLE).
    certificate_issuer: str = ""
    certificate_signer_title: str = ""


MAX_DESCRIPTION_CHARS = 50_000
_LENGTHS = (
    ("title", 255),
    ("summary", 500),
    ("topic", 120),
    ("certificate_issuer", 255),
    ("certificate_signer_title", 120),
)


def settings_problems(settings: CourseSettings) -> list[tuple[str, str]]:
    """(field, message) for everything wrong with course settings."""
    problems: list[tuple[str, str]] = []
    if not clean(settings.title):
        problems.append(("title", str(_l("The course needs a title."))))
    for name, limit in _LENGTHS:
        if len(clean(getattr(settings, name))) > limit:
            problems.append(
                (
                    name,
                    str(_l("The %(field)s has more than %(n)s characters.", field=name, n=limit)),
                )
            )
    if len(settings.description_md) > MAX_DESCRIPTION_CHARS:
        problems.append(
            (
                "description_md",
                str(
                    _l(
                        "The description is too long (at most %(n)s characters).",
                        n=MAX_DESCRIPTION_CHARS,
                    )
                ),
            )
        )
    for name, label in (
        ("pass_score", _l("pass score")),
        ("min_attendance", _l("minimum attendance")),
    ):
        value = getattr(settings, name)
        if value is not None and not 0 <= value <= 100:
            problems.append(
                (name, str(_l("The %(setting)s is a percentage from 0 to 100.", setting=label)))
            )
    months = settings.certificate_valid_months
    if months is not None and not 1 <= months <= 600:
        problems.append(
            (
                "certificate_valid_months",
                str(_l("A certificate is valid for 1 to 600 months, or for ever.")),
            )
        )
    return problems


def check_settings(settings: CourseSettings) -> None:
    problems = settings_problems(settings)
    if problems:
        raise InvalidInput(problems[0][1], field=problems[0][0])


@dataclass(frozen=True)
class QuizOption:
    """A quiz of a course, as the settings list it for ticking."""

    slug: str
    title: str
    published: bool


def quiz_options(course_id: int | None) -> list[QuizOption]:
    """The course's quizzes, by title: what its required quizzes may be chosen from."""
    if course_id is None:
        return []
    return [
        QuizOption(slug, title, published)
        for slug, title, published in db.session.execute(
            select(Quiz.slug, Quiz.title, Quiz.published)
            .where(Quiz.course_id == course_id)
            .order_by(Quiz.title, Quiz.slug)
        )
    ]


def quiz_names(names: list[Any]) -> list[str]:
    """Required quiz short names as stored: trimmed, NFC, no blanks, each once, in order."""
    out: list[str] = []
    for name in names:
        name = nfc(str(name)).strip()
        if name and name not in out:
            out.append(name)
    return out


def unknown_quizzes(course_id: int | None, names: list[str]) -> list[str]:
    """The names that are not short names of the course's quizzes."""
    known = {option.slug for option in quiz_options(course_id)} if names else set()
    return [name for name in names if name not in known]


def check_required_quizzes(course_id: int | None, names: list[str]) -> None:
    """Refuse names that are not quizzes of the course: a course requiring a quiz that does
    not exist could never be completed."""
    unknown = unknown_quizzes(course_id, names)
    if unknown:
        raise InvalidInput(
            _l(
                "Not quizzes of this course: %(names)s. Create the quiz first, then require it.",
                names=", ".join(unknown),
            ),
            field="required_quizzes",
        )


def update_course(course: Course, settings: CourseSettings, *, actor: audit.Actor) -> bool:
    """Apply settings; returns whether anything changed. The required quizzes must be quizzes
    of the course (InvalidInput with ``field="required_quizzes"`` otherwise)."""
    check_settings(settings)
    required = quiz_names(settings.required_quizzes)
    check_required_quizzes(course.id, required)
    before = settings_snapshot(course)
    description = normalize_body(settings.description_md)
    rendered = render(description)
    course.title = clean(settings.title)
    course.summary = clean(settings.summary)
    course.topic = clean(settings.topic)
    course.description_md, course.description_html = description, rendered.html
    course.pass_score = settings.pass_score
    course.min_attendance = settings.min_attendance
    course.required_quizzes = required
    course.certificate_valid_months = settings.certificate_valid_months
    course.certificate_issuer = clean(settings.certificate_issuer)
    course.certificate_signer_title = clean(settings.certificate_signer_title)
    old, new = audit.changed_fields(before, settings_snapshot(course))
    if not new:
        return False
    course.search_text = _course_search_text(course, rendered.text)
    course.updated_at = utcnow()
    db.session.flush()
    audit.record("course.update", course, actor=actor, before=old, after=new)
    if {"pass_score", "min_attendance", "required_quizzes"} & set(new):
        announce_progress(course.id, None)  # an easier rule may complete some now
    return True


def settings_snapshot(course: Course) -> dict[str, Any]:
    return {
        "title": course.title,
        "summary": course.summary,
        "topic": course.topic,
        "description_md": course.description_md,
        "pass_score": course.pass_score,
        "min_attendance": course.min_attendance,
        "required_quizzes": list(course.required_quizzes or []),
        "certificate_valid_months": course.certificate_valid_months,
        "certificate_issuer": course.certificate_issuer,
        "certificate_signer_title": course.certificate_signer_title,
    }


def set_owners(course: Course, usernames: list[str], *, actor: User | None) -> None:
    """The trainers who may edit the course, by username."""
    wanted = sorted({u.strip().lower() for u in usernames if u.strip()})
    found = {
        user.username: user
        for user in db.session.scalars(
            select(User).where(User.username.in_(wanted)).options(selectinload(User.role_rows))
        )
    }
    unknown = [u for u in wanted if u not in found or not found[u].has_role("trainer")]
    if unknown:
        raise InvalidInput(_l("Not trainers' usernames: %(names)s", names=", ".join(unknown)))
    before = sorted(course.owner_ids)
    after = sorted(found[u].id for u in wanted)
    if before == after:
        return
    course.owner_rows = [CourseOwner(user_id=user_id) for user_id in after]
    db.session.flush()
    audit.record(
        "course.owners", course, actor=actor, before={"owners": before}, after={"owners": wanted}
    )


def owner_usernames(course: Course) -> list[str]:
    if not course.owner_ids:
        return []
    return sorted(db.session.scalars(select(User.username).where(User.id.in_(course.owner_ids))))


def set_status(course: Course, status: str, *, actor: audit.Actor) -> None:
    if status not in COURSE_STATUSES:
        raise InvalidInput(_l("Unknown status %(status)s.", status=status))
    if status == course.status:
        return
    if status == "published" and not module_count(course):
        raise InvalidInput(_l("Add at least one module before publishing."))
    before = course.status
    course.status = status
    course.updated_at = utcnow()
    db.session.flush()
    audit.record(
        "course.status", course, actor=actor, before={"status": before}, after={"status": status}
    )
