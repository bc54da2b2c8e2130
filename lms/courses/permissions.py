"""Who may see, edit and assign courses; shared by views and templates."""

from __future__ import annotations

from lms.auth.permissions import Viewer
from lms.courses.models import Course


def can_author(user: Viewer) -> bool:
    return user.is_authenticated and user.has_role("trainer", "admin")


def can_take_training(user: Viewer) -> bool:
    """Cadres are the ones trained: the menu leads them to their own training, attendance and
    certificates (any signed-in person may open those pages, empty for the others)."""
    return user.is_authenticated and user.has_role("cadre")


def can_choose_editors(user: Viewer) -> bool:
    """Who edits a course (its trainers) is an admin's choice."""
    return user.is_authenticated and user.has_role("admin")


def can_edit_course(user: Viewer, course: Course) -> bool:
    if not user.is_authenticated:
        return False
    return user.has_role("admin") or (user.has_role("trainer") and user.id in course.owner_ids)


def can_view_course(user: Viewer, course: Course, *, enrolled: bool = False) -> bool:
    """Published courses are open to every signed-in user; drafts only to their editors;
    an archived course stays readable by those enrolled in it."""
    if not user.is_authenticated:
        return False
    if course.status == "published":
        return True
    if course.status == "archived" and enrolled:
        return True
    return can_edit_course(user, course)


def can_assign(user: Viewer) -> bool:
    return user.is_authenticated and user.has_role("commander", "admin")
