"""What a dashboard request asks for (``unit``, ``period``/``year``, ``course``), checked
against what exists and what the viewer may see. Pages, the API and the command line share it,
so a link's arguments mean the same everywhere."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from flask_babel import gettext as _
from sqlalchemy import select

from lms.courses.models import Course, Enrollment
from lms.extensions import db
from lms.periods import PeriodChoice, choose_period
from lms.reports.cohort import Scope
from lms.timeutil import local_today
from lms.units import services as units
from lms.units.models import Unit
from lms.units.scope import can_see_unit, scope_root_id, sees_everything

if TYPE_CHECKING:
    from lms.people.models import User


class OutsideScope(Exception):
    """The unit exists but is not within the viewer's subtree."""


class UnknownUnit(Exception):
    pass


@dataclass
class Selection:
    unit: Unit | None
    choice: PeriodChoice
    course: Course | None
    courses: list[tuple[str, str]] = field(default_factory=list)  # (slug, title) to pick from
    errors: list[str] = field(default_factory=list)
    scope: Scope | None = None  # None when ``errors``

    def args(self, **extra: Any) -> dict[str, Any]:
        """The query arguments that keep this selection on another page of the dashboard."""
        out: dict[str, Any] = {}
        if self.unit is not None:
            out["unit"] = self.unit.code
        if self.choice.period is not None:
            out["period"] = self.choice.period.label
        if self.course is not None:
            out["course"] = self.course.slug
        for name, value in extra.items():  # None or "" drops an argument
            if value in (None, ""):
                out.pop(name, None)
            else:
                out[name] = value
        return out


def home_unit(user: User) -> Unit | None:
    """Where a viewer's dashboard opens: a commander's unit; the province (None) for an admin."""
    if sees_everything(user):
        return None
    root = scope_root_id(user)
    return db.session.get(Unit, root) if root is not None else None


def resolve_unit(user: User, code: str) -> Unit | None:
    """The unit ``code`` names (the viewer's home unit when empty). UnknownUnit if none has
    that code; OutsideScope if it is not within the viewer's reach."""
    code = code.strip()[:64]
    if not code:
        unit = home_unit(user)
        if unit is None and not sees_everything(user):
            raise OutsideScope(code)
        return unit
    unit = units.get_by_code(code)
    if unit is None:
        raise UnknownUnit(code)
    if not can_see_unit(user, unit.id):
        raise OutsideScope(code)
    return unit


def course_options() -> list[tuple[str, str]]:
    """Courses anyone was ever enrolled in, and every published one."""
    enrolled = select(Enrollment.course_id).distinct()
    return [
        (slug, title)
        for slug, title in db.session.execute(
            select(Course.slug, Course.title)
            .where((Course.status == "published") | Course.id.in_(enrolled))
            .order_by(Course.title)
        )
    ]


def select_review(user: User, args: Mapping[str, str], *, zone: str, now: dt.datetime) -> Selection:
    """Raises UnknownUnit/OutsideScope for the unit; a bad period or course comes back as
    ``errors`` (the page answers 400 and shows its filters again)."""
    unit = resolve_unit(user, args.get("unit") or "")
    choice = choose_period(args, zone)
    selection = Selection(unit, choice, None, course_options())
    if choice.error:
        selection.errors.append(choice.error)
    slug = (args.get("course") or "").strip()[:80]
    if slug:
        selection.course = db.session.scalar(select(Course).where(Course.slug == slug))
        if selection.course is None:
            selection.errors.append(_("There is no course “%(slug)s”.", slug=slug))
    if not selection.errors and choice.period is not None:
        selection.scope = Scope(unit, choice.period, selection.course, zone, local_today(zone), now)
    return selection
