"""What learners' pages show, each loaded in a fixed number of queries."""

from __future__ import annotations

import datetime as dt
import threading
from collections import OrderedDict, defaultdict
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import ColumnElement, and_, bindparam, false, func, or_, select, true
from sqlalchemy.orm import load_only, selectinload

from lms.courses.models import Course, CourseOwner, Enrollment, Module, ModuleProgress
from lms.extensions import db

if TYPE_CHECKING:
    from flask_login import AnonymousUserMixin

    from lms.people.models import User


def visible_courses_filter(user: User | AnonymousUserMixin) -> ColumnElement[bool]:
    """Courses ``user`` may find in lists and search: the same rule as can_view_course
    (published ones; archived ones they are enrolled in; drafts only for their editors)."""
    if not user.is_authenticated:
        return false()
    if user.has_role("admin"):
        return true()
    enrolled = Course.id.in_(select(Enrollment.course_id).where(Enrollment.user_id == user.id))
    visible = or_(Course.status == "published", and_(Course.status == "archived", enrolled))
    if user.has_role("trainer"):
        owned = Course.id.in_(select(CourseOwner.course_id).where(CourseOwner.user_id == user.id))
        return or_(visible, owned)
    return visible


@dataclass
class ModuleStatus:
    id: int
    slug: str
    title: str
    minutes: int
    position: int
    done: bool


@dataclass
class CourseProgress:
    course: Course
    enrollment: Enrollment | None
    modules: list[ModuleStatus]

    @property
    def total(self) -> int:
        return len(self.modules)

    @property
    def done(self) -> int:
        return sum(1 for m in self.modules if m.done)

    @property
    def percent(self) -> int:
        return round(100 * self.done / self.total) if self.total else 0

    @property
    def next_module(self) -> ModuleStatus | None:
        return next((m for m in self.modules if not m.done), None)

    @property
    def completed(self) -> bool:
        return bool(self.enrollment and self.enrollment.completed_at)

    def overdue(self, today: dt.date) -> bool:
        return bool(
            self.enrollment
            and self.enrollment.due_date
            and not self.completed
            and today > self.enrollment.due_date
        )


def _module_statuses(user_id: int, course_ids: list[int]) -> dict[int, list[ModuleStatus]]:
    """Modules of these courses with the user's done flags: one query."""
    if not course_ids:
        return {}
    rows = db.session.execute(
        select(
            Module.id,
            Module.course_id,
            Module.slug,
            Module.title,
            Module.minutes,
            Module.position,
            ModuleProgress.module_id.label("done"),
        )
        .outerjoin(
            ModuleProgress,
            (ModuleProgress.module_id == Module.id) & (ModuleProgress.user_id == user_id),
        )
        .where(Module.course_id.in_(course_ids))
        .order_by(Module.course_id, Module.position)
    ).all()
    by_course: dict[int, list[ModuleStatus]] = defaultdict(list)
    for row in rows:
        by_course[row.course_id].append(
            ModuleStatus(
                id=row.id,
                slug=row.slug,
                title=row.title,
                minutes=row.minutes,
                position=row.position,
                done=row.done is not None,
            )
        )
    return by_course


def my_training(user: User) -> list[CourseProgress]:
    """The user's enrollments with progress, soonest deadline first: three queries."""
    rows = db.session.execute(
        select(Enrollment, Course)
        .join(Course, Course.id == Enrollment.course_id)
        .where(Enrollment.user_id == user.id, Course.status != "draft")
        .options(
            load_only(
                Course.id,
                Course.slug,
                Course.title,
                Course.summary,
                Course.topic,
                Course.status,
                # what completing it asks, for "what is left" (lms.courses.standing)
                Course.required_quizzes,
                Course.min_attendance,
            )
        )
        .order_by(
            Enrollment.completed_at.is_not(None),
            Enrollment.due_date.is_(None),
            Enrollment.due_date,
            Course.title,
        )
    ).all()
    statuses = _module_statuses(user.id, [course.id for _, course in rows])
    return [
        CourseProgress(course=course, enrollment=enrollment, modules=statuses.get(course.id, []))
        for enrollment, course in rows
    ]


def course_progress(user: User, course: Course, enrollment: Enrollment | None) -> CourseProgress:
    """``enrollment``: the user's in this course, already looked up by the caller, or None."""
    return CourseProgress(
        course=course,
        enrollment=enrollment,
        modules=_module_statuses(user.id, [course.id]).get(course.id, []),
    )


@dataclass
class CatalogueEntry:
    course: Course
    modules: int
    percent: int | None  # the reader's progress, when enrolled


def catalogue(user: User) -> list[CatalogueEntry]:
    """Courses the user may see, with module counts and the user's progress: two queries."""
    counts = (
        select(Module.course_id, func.count().label("modules"))
        .group_by(Module.course_id)
        .subquery()
    )
    rows = db.session.execute(
        select(Course, counts.c.modules, Enrollment.id)
        .outerjoin(counts, counts.c.course_id == Course.id)
        .outerjoin(
            Enrollment, (Enrollment.course_id == Course.id) & (Enrollment.user_id == user.id)
        )
        .where(visible_courses_filter(user))
        .options(
            load_only(
                Course.id, Course.slug, Course.title, Course.summary, Course.topic, Course.status
            )
        )
        .order_by(Course.status, Course.title)
    ).all()
    done = dict(
        db.session.execute(
            select(Module.course_id, func.count())
            .join(ModuleProgress, ModuleProgress.module_id == Module.id)
            .where(ModuleProgress.user_id == user.id)
            .group_by(Module.course_id)
        ).all()
    )
    return [
        CatalogueEntry(
            course,
            modules or 0,
            round(100 * done.get(course.id, 0) / modules)
            if enrolled and modules
            else (0 if enrolled else None),
        )
        for course, modules, enrolled in rows
    ]


@dataclass(frozen=True)
class ModuleText:
    """What every reader of a module sees the same, as its last save left it."""

    id: int
    slug: str
    title: str
    minutes: int
    toc_html: str
    body_html: str


@dataclass
class ModulePage:
    module: ModuleText
    progress: CourseProgress
    index: int

    @property
    def previous_module(self) -> ModuleStatus | None:
        return self.progress.modules[self.index - 1] if self.index > 0 else None

    @property
    def next_module(self) -> ModuleStatus | None:
        modules = self.progress.modules
        return modules[self.index + 1] if self.index + 1 < len(modules) else None

    @property
    def done(self) -> bool:
        return self.progress.modules[self.index].done


# Module texts by (id, updated_at): every save of a module (lms.courses.services._apply_body)
# sets updated_at, so a changed module is a new key and an entry is never stale. Per process,
# bounded; several processes each keep their own.
_TEXTS: OrderedDict[tuple[int, dt.datetime], ModuleText] = OrderedDict()
_TEXTS_KEPT = 256
_TEXTS_LOCK = threading.Lock()


def _module_text(module_id: int, updated_at: dt.datetime) -> ModuleText | None:
    """None if the module was deleted since its row was read."""
    key = (module_id, updated_at)
    with _TEXTS_LOCK:  # threaded workers share it
        text = _TEXTS.get(key)
        if text is not None:
            _TEXTS.move_to_end(key)
            return text
    row = (
        db.session.connection()
        .execute(
            select(
                Module.id,
                Module.slug,
                Module.title,
                Module.minutes,
                Module.toc_html,
                Module.body_html,
            ).where(Module.id == module_id)
        )
        .first()
    )
    if row is None:
        return None
    text = ModuleText(*row)
    with _TEXTS_LOCK:
        _TEXTS[key] = text
        while len(_TEXTS) > _TEXTS_KEPT:
            _TEXTS.popitem(last=False)
    return text


def module_page(
    user: User, course: Course, module_slug: str, enrollment: Enrollment | None
) -> ModulePage | None:
    """A module with its neighbours and the reader's progress: one query of plain columns
    (the course's modules with the reader's done flags, and when each was last saved); the
    module's text comes from a per-process cache, or one more query after a save."""
    # Core: the rows as they are, without the ORM's per-statement work.
    rows = (
        db.session.connection()
        .execute(
            select(
                Module.id,
                Module.slug,
                Module.title,
                Module.minutes,
                Module.position,
                Module.updated_at,
                ModuleProgress.module_id.label("done"),
            )
            .outerjoin(
                ModuleProgress,
                (ModuleProgress.module_id == Module.id) & (ModuleProgress.user_id == user.id),
            )
            .where(Module.course_id == course.id)
            .order_by(Module.position)
        )
        .all()
    )
    index = next((i for i, row in enumerate(rows) if row.slug == module_slug), None)
    if index is None:
        return None
    modules = [
        ModuleStatus(
            id=row.id,
            slug=row.slug,
            title=row.title,
            minutes=row.minutes,
            position=row.position,
            done=row.done is not None,
        )
        for row in rows
    ]
    progress = CourseProgress(course=course, enrollment=enrollment, modules=modules)
    text = _module_text(rows[index].id, rows[index].updated_at)
    if text is None:
        return None
    return ModulePage(module=text, progress=progress, index=index)


def editable_courses(user: User) -> list[tuple[Course, int]]:
    """Courses ``user`` may edit (all for admins, owned ones for trainers), with module counts."""
    counts = (
        select(Module.course_id, func.count().label("modules"))
        .group_by(Module.course_id)
        .subquery()
    )
    query = (
        select(Course, counts.c.modules)
        .outerjoin(counts, counts.c.course_id == Course.id)
        .options(load_only(Course.id, Course.slug, Course.title, Course.status))
        .order_by(Course.title)
    )
    if not user.has_role("admin"):
        query = query.where(
            Course.id.in_(select(CourseOwner.course_id).where(CourseOwner.user_id == user.id))
        )
    return [(course, modules or 0) for course, modules in db.session.execute(query).all()]


# Built once (every course, module and quiz page asks it): a statement remembers its cache key.
_COURSE_FOR_READER = (
    select(Course, Enrollment)
    .outerjoin(
        Enrollment,
        (Enrollment.course_id == Course.id) & (Enrollment.user_id == bindparam("user_id")),
    )
    .where(Course.slug == bindparam("slug"))
)
_COURSE_FOR_TRAINER = _COURSE_FOR_READER.options(selectinload(Course.owner_rows))


def course_for_reader(user: User, slug: str) -> tuple[Course | None, Enrollment | None]:
    """The course and the reader's enrollment in it, in one query (two for trainers, whose
    ownership matters)."""
    query = _COURSE_FOR_TRAINER if user.has_role("trainer") else _COURSE_FOR_READER
    row = db.session.execute(query, {"user_id": user.id, "slug": slug}).first()
    return (row[0], row[1]) if row else (None, None)


def course_slug(course_id: int) -> str | None:
    """A course's short name, for links back to it from pages that know only its id."""
    return db.session.scalar(select(Course.slug).where(Course.id == course_id))
