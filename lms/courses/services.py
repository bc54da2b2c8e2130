"""Courses and modules: authoring with revisions, optimistic concurrency, publishing."""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, update
from sqlalchemy.orm import selectinload

from lms.audit import services as audit
from lms.courses.markdown import check_source, render
from lms.courses.models import COURSE_STATUSES, Course, CourseOwner, Module, ModuleRevision
from lms.courses.signals import announce_progress
from lms.errors import InvalidInput
from lms.extensions import db
from lms.people.models import User
from lms.quizzes.models import Quiz
from lms.text import clean, fold, nfc
from lms.timeutil import utcnow

SLUG_PATTERN = re.compile(r"^[a-z0-9][a-z0-9-]{0,79}$")
MAX_BODY_CHARS = 100_000


class EditConflict(Exception):
    """Someone saved the module after the editor opened it; nothing was written."""

    def __init__(self, module: Module, base_revision: int) -> None:
        super().__init__(
            f"module {module.id} is at revision {module.revision}, not {base_revision}"
        )
        self.module = module
        self.base_revision = base_revision


def slugify(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", fold(text)).strip("-")[:80] or "bai-hoc"


def check_slug(slug: str) -> None:
    if not SLUG_PATTERN.match(slug):
        raise InvalidInput(
            _l("A short name is lower-case letters, digits and dashes (e.g. dan-van-kheo).")
        )


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
    owner: Any | None,
    actor: Any | None,
    actor_name: str | None = None,
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
    audit.record(
        "course.create",
        actor=actor,
        actor_name=actor_name,
        target_type="course",
        target_id=course.id,
        target_label=slug,
        after={"title": title},
    )
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


def update_course(
    course: Course, settings: CourseSettings, *, actor: Any | None, actor_name: str | None = None
) -> bool:
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
    audit.record(
        "course.update",
        actor=actor,
        actor_name=actor_name,
        target_type="course",
        target_id=course.id,
        target_label=course.slug,
        before=old,
        after=new,
    )
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


def set_owners(course: Course, usernames: list[str], *, actor: Any | None) -> None:
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
        "course.owners",
        actor=actor,
        target_type="course",
        target_id=course.id,
        target_label=course.slug,
        before={"owners": before},
        after={"owners": wanted},
    )


def owner_usernames(course: Course) -> list[str]:
    if not course.owner_ids:
        return []
    return sorted(db.session.scalars(select(User.username).where(User.id.in_(course.owner_ids))))


def set_status(
    course: Course, status: str, *, actor: Any | None, actor_name: str | None = None
) -> None:
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
        "course.status",
        actor=actor,
        actor_name=actor_name,
        target_type="course",
        target_id=course.id,
        target_label=course.slug,
        before={"status": before},
        after={"status": status},
    )


def module_count(course: Course) -> int:
    return db.session.scalar(select(func.count()).where(Module.course_id == course.id)) or 0


def _apply_body(module: Module, title: str, minutes: int, body_md: str) -> None:
    rendered = render(body_md)
    module.title, module.minutes, module.body_md = title, minutes, body_md
    module.body_html, module.toc_html = rendered.html, rendered.toc_html
    module.search_text = fold(f"{title} {rendered.text}")
    module.updated_at = utcnow()


def check_module(title: str, minutes: int, body_md: str) -> tuple[str, int, str]:
    """The module's fields, cleaned; InvalidInput (with ``field``) when one is wrong."""
    title = clean(title)
    body_md = normalize_body(body_md)
    if not title:
        raise InvalidInput(_l("The module needs a title."), field="title")
    if len(title) > 255:
        raise InvalidInput(_l("A module title has at most 255 characters."), field="title")
    if not 1 <= minutes <= 600:
        raise InvalidInput(_l("Estimated minutes are between 1 and 600."), field="minutes")
    if len(body_md) > MAX_BODY_CHARS:
        raise InvalidInput(
            _l("The text is too long (at most %(n)s characters).", n=MAX_BODY_CHARS),
            field="body_md",
        )
    try:
        check_source(body_md)  # refused when checked, not only when rendered
    except InvalidInput as error:
        raise InvalidInput(error.message, field="body_md") from None
    return title, minutes, body_md


def normalize_body(text: str) -> str:
    """Unix line ends, NFC, no blank lines at either end: the form files and forms agree on."""
    return nfc(text.replace("\r\n", "\n").replace("\r", "\n")).strip("\n")


def _author_name(author: Any | None, fallback: str | None) -> str:
    return author.username if author is not None else (fallback or "system")


def add_module(
    course: Course,
    *,
    title: str,
    minutes: int = 10,
    body_md: str = "",
    slug: str | None = None,
    author: Any | None,
    author_name: str | None = None,
    message: str = "",
    position: int | None = None,
) -> Module:
    title, minutes, body_md = check_module(title, minutes, body_md)
    slug = (slug or slugify(title)).strip().lower()
    check_slug(slug)
    taken = set(db.session.scalars(select(Module.slug).where(Module.course_id == course.id)))
    base, n = slug[:74], 2
    while slug in taken:
        slug, n = f"{base}-{n}", n + 1
    if position is None:
        last = db.session.scalar(
            select(func.max(Module.position)).where(Module.course_id == course.id)
        )
        position = (last or 0) + 1
    module = Module(course_id=course.id, position=position, slug=slug, revision=1)
    _apply_body(module, title, minutes, body_md)
    db.session.add(module)
    db.session.flush()
    db.session.add(
        ModuleRevision(
            module_id=module.id,
            number=1,
            title=title,
            minutes=minutes,
            body_md=body_md,
            author_id=author.id if author is not None else None,
            author_name=_author_name(author, author_name),
            message=clean(message) or str(_l("Created")),
        )
    )
    db.session.flush()
    return module


def save_module(
    module: Module,
    *,
    base_revision: int,
    title: str,
    minutes: int,
    body_md: str,
    message: str = "",
    author: Any | None,
    author_name: str | None = None,
) -> bool:
    """Save a new revision if ``base_revision`` is still the latest; returns whether anything
    changed. Raises EditConflict when someone else saved in between."""
    title, minutes, body_md = check_module(title, minutes, body_md)
    if module.revision != base_revision:
        raise EditConflict(module, base_revision)
    if (title, minutes, body_md) == (module.title, module.minutes, module.body_md):
        return False
    # Compare-and-swap on the revision number: of two saves racing from the same base, the
    # database lets exactly one through.
    claimed = db.session.execute(
        update(Module)
        .where(Module.id == module.id, Module.revision == base_revision)
        .values(revision=base_revision + 1)
        .execution_options(synchronize_session=False)
    ).rowcount
    if claimed != 1:
        db.session.refresh(module)
        raise EditConflict(module, base_revision)
    module.revision = base_revision + 1
    _apply_body(module, title, minutes, body_md)
    db.session.add(
        ModuleRevision(
            module_id=module.id,
            number=module.revision,
            title=title,
            minutes=minutes,
            body_md=body_md,
            author_id=author.id if author is not None else None,
            author_name=_author_name(author, author_name),
            message=clean(message)[:500],
        )
    )
    db.session.flush()
    return True


def revisions(module: Module) -> list[ModuleRevision]:
    return list(
        db.session.scalars(
            select(ModuleRevision)
            .where(ModuleRevision.module_id == module.id)
            .order_by(ModuleRevision.number.desc())
        )
    )


def get_revision(module: Module, number: int) -> ModuleRevision | None:
    return db.session.scalar(
        select(ModuleRevision).where(
            ModuleRevision.module_id == module.id, ModuleRevision.number == number
        )
    )


def restore_revision(module: Module, number: int, *, author: Any | None) -> bool:
    old = get_revision(module, number)
    if old is None:
        raise InvalidInput(_l("There is no revision %(n)s.", n=number))
    return save_module(
        module,
        base_revision=module.revision,
        title=old.title,
        minutes=old.minutes,
        body_md=old.body_md,
        author=author,
        message=str(_l("Restored revision %(n)s", n=number)),
    )


@dataclass(frozen=True)
class DiffLine:
    kind: str  # "same", "added", "removed", "skip"
    text: str
    old_number: int | None
    new_number: int | None


def diff(old: str, new: str, *, context: int = 3) -> list[DiffLine]:
    """A line diff with line numbers, as readers of a review expect."""
    old_lines, new_lines = old.split("\n"), new.split("\n")
    matcher = difflib.SequenceMatcher(a=old_lines, b=new_lines, autojunk=False)
    out: list[DiffLine] = []
    for group in matcher.get_grouped_opcodes(context):
        if out:
            out.append(DiffLine("skip", "…", None, None))
        for tag, i1, i2, j1, j2 in group:
            if tag == "equal":
                out.extend(
                    DiffLine("same", old_lines[i], i + 1, j1 + (i - i1) + 1) for i in range(i1, i2)
                )
                continue
            out.extend(DiffLine("removed", old_lines[i], i + 1, None) for i in range(i1, i2))
            out.extend(DiffLine("added", new_lines[j], None, j + 1) for j in range(j1, j2))
    return out


def move_module(module: Module, offset: int) -> None:
    """Swap a module with its neighbour above (-1) or below (+1)."""
    siblings = list(
        db.session.scalars(
            select(Module).where(Module.course_id == module.course_id).order_by(Module.position)
        )
    )
    index = next(i for i, m in enumerate(siblings) if m.id == module.id)
    target = index + offset
    if not 0 <= target < len(siblings):
        return
    siblings[index], siblings[target] = siblings[target], siblings[index]
    _renumber(siblings)


def _renumber(modules: list[Module]) -> None:
    # Two passes so that a unique index on positions, if one is added, never sees a clash.
    for position, module in enumerate(modules, start=1):
        module.position = position
    db.session.flush()


def delete_module(module: Module, *, actor: Any | None) -> None:
    course_id = module.course_id
    label = f"{module.slug}"
    db.session.delete(module)
    db.session.flush()
    announce_progress(course_id, None)
    _renumber(
        list(
            db.session.scalars(
                select(Module).where(Module.course_id == course_id).order_by(Module.position)
            )
        )
    )
    audit.record(
        "module.delete", actor=actor, target_type="course", target_id=course_id, target_label=label
    )
