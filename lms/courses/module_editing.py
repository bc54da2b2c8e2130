"""A course's modules: adding, saving with a revision each time (optimistic concurrency: a
save based on an older revision is refused with EditConflict), restoring and comparing
revisions, moving and deleting."""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from typing import TYPE_CHECKING

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, update

from lms.audit import services as audit
from lms.courses.markdown import check_source, render
from lms.courses.models import Course, Module, ModuleRevision
from lms.courses.signals import announce_progress
from lms.courses.slugs import check_slug, slugify
from lms.errors import InvalidInput
from lms.extensions import db
from lms.text import clean, fold, nfc
from lms.timeutil import utcnow
from lms.writes import rows_changed

if TYPE_CHECKING:
    from lms.people.models import User

MAX_BODY_CHARS = 100_000


class EditConflict(Exception):
    """Someone saved the module after the editor opened it; nothing was written."""

    def __init__(self, module: Module, base_revision: int) -> None:
        super().__init__(
            f"module {module.id} is at revision {module.revision}, not {base_revision}"
        )
        self.module = module
        self.base_revision = base_revision


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


def add_module(
    course: Course,
    *,
    title: str,
    minutes: int = 10,
    body_md: str = "",
    slug: str | None = None,
    author: audit.Actor,
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
    author_id, author_name = audit.actor_fields(author)
    db.session.add(
        ModuleRevision(
            module_id=module.id,
            number=1,
            title=title,
            minutes=minutes,
            body_md=body_md,
            author_id=author_id,
            author_name=author_name,
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
    author: audit.Actor,
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
    claimed = rows_changed(
        update(Module)
        .where(Module.id == module.id, Module.revision == base_revision)
        .values(revision=base_revision + 1)
        .execution_options(synchronize_session=False)
    )
    if claimed != 1:
        db.session.refresh(module)
        raise EditConflict(module, base_revision)
    module.revision = base_revision + 1
    _apply_body(module, title, minutes, body_md)
    author_id, author_name = audit.actor_fields(author)
    db.session.add(
        ModuleRevision(
            module_id=module.id,
            number=module.revision,
            title=title,
            minutes=minutes,
            body_md=body_md,
            author_id=author_id,
            author_name=author_name,
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


def restore_revision(module: Module, number: int, *, author: audit.Actor) -> bool:
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


def delete_module(module: Module, *, actor: User | None) -> None:
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
    audit.record("module.delete", audit.Target("course", course_id, label), actor=actor)
