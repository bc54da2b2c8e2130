"""Audit values as people read them: names instead of ids and codes, labels instead of stored
words, local times, lists as lists, yes and no.

Entries keep what was stored (ids, codes, ISO times): this module translates a page of them
at display time, with one query per kind of thing named (courses, units, accounts), whatever
the number of entries.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from lms.attendance.forms import KIND_LABELS as SESSION_KIND_LABELS
from lms.attendance.forms import STATUS_LABELS as ATTENDANCE_LABELS
from lms.audit.labels import FIELD_LABELS
from lms.audit.models import AuditEvent
from lms.certificates.forms import REASON_LABELS as REVOCATION_LABELS
from lms.courses.models import Course
from lms.extensions import db
from lms.formatting import local_date, local_datetime
from lms.people.forms import ROLE_LABELS
from lms.people.models import User
from lms.quizzes.forms import GRADING_LABELS, REVIEW_LABELS
from lms.quizzes.forms import KIND_LABELS as QUESTION_KIND_LABELS
from lms.units.forms import KIND_LABELS as UNIT_KIND_LABELS
from lms.units.models import Unit

COURSE_STATUS_LABELS = {
    "draft": _l("Draft"),
    "published": _l("Published"),
    "archived": _l("Archived"),
}
ATTEMPT_STATE_LABELS = {
    "in_progress": _l("In progress"),
    "needs_grading": _l("Waiting for grading"),
    "graded": _l("Graded"),
}
# A field whose name means something else in one area than in the others.
AREA_FIELD_LABELS = {
    ("session", "kind"): _l("Held"),
    ("questions", "kind"): _l("Question type"),
    ("session", "title"): _l("Session title"),
    ("session", "units"): _l("Invited units"),
}
DATETIME_FIELDS = {"starts_at", "ends_at", "opens_at", "closes_at", "at"}
DATE_FIELDS = {"due_date"}
USER_ID_FIELDS = {"trainers", "invitees", "owners"}  # lists of account ids (owners: or usernames)
MAX_ITEMS = 30  # items of one list shown; the rest counted


@dataclass
class Shown:
    """One value ready for the page: text, or a list of texts."""

    text: str = ""
    items: list[str] | None = None
    more: int = 0


@dataclass
class Field:
    label: str
    value: Shown


@dataclass
class PresentedEvent:
    event: AuditEvent
    before: list[Field]
    after: list[Field]


class _Names:
    """The names of the courses, units and accounts a page of entries mentions."""

    def __init__(self, events: list[AuditEvent]) -> None:
        course_ids: set[int] = set()
        unit_ids: set[int] = set()
        unit_codes: set[str] = set()
        user_ids: set[int] = set()
        usernames: set[str] = set()
        for event in events:
            for values in (event.before or {}, event.after or {}):
                for key, value in values.items():
                    if key == "course_id" and isinstance(value, int):
                        course_ids.add(value)
                    elif key == "units" and event.target_type == "session":
                        unit_ids.update(v for v in _list(value) if isinstance(v, int))
                    elif key in {"parent", "unit"} and isinstance(value, str):
                        unit_codes.add(value)
                    elif key in USER_ID_FIELDS:
                        user_ids.update(v for v in _list(value) if isinstance(v, int))
                        usernames.update(v for v in _list(value) if isinstance(v, str))
                    elif key in {"people", "username"}:
                        usernames.update(v for v in _list(value) if isinstance(v, str))
        self.courses = _lookup(Course.id, Course.title, course_ids)
        self.units_by_id = _lookup(Unit.id, Unit.name, unit_ids)
        self.units_by_code = _lookup(Unit.code, Unit.name, unit_codes)
        self.users_by_id = _lookup(User.id, User.full_name, user_ids)
        self.users_by_name = _lookup(User.username, User.full_name, usernames)
        self.usernames = _lookup(User.id, User.username, user_ids)

    def unit_code(self, code: str) -> str:
        name = self.units_by_code.get(code)
        return f"{name} ({code})" if name else code

    def user_id(self, user_id: int) -> str:
        name, username = self.users_by_id.get(user_id), self.usernames.get(user_id)
        return f"{name} ({username})" if name else f"#{user_id}"

    def username(self, username: str) -> str:
        name = self.users_by_name.get(username)
        return f"{name} ({username})" if name else username


def _lookup(key: Any, value: Any, wanted: set[Any]) -> dict[Any, str]:
    if not wanted:
        return {}
    return dict(db.session.execute(select(key, value).where(key.in_(wanted))).all())


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def present(events: Iterable[AuditEvent]) -> list[PresentedEvent]:
    events = list(events)
    names = _Names(events)
    return [
        PresentedEvent(
            event,
            _fields(event, event.before, names),
            _fields(event, event.after, names),
        )
        for event in events
    ]


def _fields(event: AuditEvent, values: dict[str, Any] | None, names: _Names) -> list[Field]:
    if not values:
        return []
    area = event.action.split(".", 1)[0]
    return [
        Field(
            str(AREA_FIELD_LABELS.get((area, key)) or FIELD_LABELS.get(key, key)),
            _shown(event, key, value, names),
        )
        for key, value in values.items()
    ]


def _shown(event: AuditEvent, key: str, value: Any, names: _Names) -> Shown:
    if isinstance(value, list):
        items = [_text(event, key, item, names) for item in value]
        if not items:
            return Shown("—")
        return Shown(items=items[:MAX_ITEMS], more=max(0, len(items) - MAX_ITEMS))
    return Shown(_text(event, key, value, names))


def _text(event: AuditEvent, key: str, value: Any, names: _Names) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return str(_("Yes") if value else _("No"))
    if isinstance(value, dict):  # a question's choice, a matching pair
        return _mapping(value)
    area = event.action.split(".", 1)[0]
    labels = _labels_for(area, key)
    if labels is not None and isinstance(value, str):
        return str(labels.get(value, value))
    if key in DATETIME_FIELDS and isinstance(value, str):
        when = _parse(value)
        return local_datetime(when) if when else value
    if key in DATE_FIELDS and isinstance(value, str):
        try:
            return local_date(dt.date.fromisoformat(value[:10]))
        except ValueError:
            return value
    if key == "course_id" and isinstance(value, int):
        return names.courses.get(value, f"#{value}")
    if key == "units" and area == "session" and isinstance(value, int):
        return names.units_by_id.get(value, f"#{value}")
    if key in {"parent", "unit"} and isinstance(value, str):
        return names.unit_code(value)
    if key in USER_ID_FIELDS and isinstance(value, int):
        return names.user_id(value)
    if key in USER_ID_FIELDS | {"people", "username"} and isinstance(value, str):
        return names.username(value)
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)[:300]


def _labels_for(area: str, key: str) -> dict[str, Any] | None:
    if key == "roles":
        return ROLE_LABELS
    if key == "status":
        return COURSE_STATUS_LABELS if area == "course" else ATTENDANCE_LABELS
    if key == "kind":
        return {
            "unit": UNIT_KIND_LABELS,
            "session": SESSION_KIND_LABELS,
            "questions": QUESTION_KIND_LABELS,
        }.get(area)
    if key == "grading":
        return GRADING_LABELS
    if key == "review":
        return REVIEW_LABELS
    if key == "state":
        return ATTEMPT_STATE_LABELS
    if key == "reason" and area == "certificate":
        return REVOCATION_LABELS
    return None


def _mapping(value: dict[str, Any]) -> str:
    if "text" in value:
        fraction = value.get("fraction")
        if isinstance(fraction, int | float) and not isinstance(fraction, bool):
            return f"{value['text']} ({fraction * 100:g}%)"  # credit stored in [-1, 1]
        return str(value["text"])
    if "left" in value and "right" in value:
        return f"{value['left']} → {value['right']}"
    return ", ".join(f"{k}: {v}" for k, v in value.items())[:300]


def _parse(value: str) -> dt.datetime | None:
    try:
        when = dt.datetime.fromisoformat(value)
    except ValueError:
        return None
    return when if when.tzinfo else when.replace(tzinfo=dt.UTC)
