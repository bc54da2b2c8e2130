"""The base of every form: WTForms' own messages go through our catalogue.

WTForms ships no Vietnamese translation, so its built-in messages ("This field is required.")
are listed here for extraction and translated in lms/translations like every other string.

The integer and date fields of every form are the ones below: they read their input by the
rules of ``lms.inputs`` (ASCII digits within bounds; years 2000-2100).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from flask_babel import get_translations, lazy_ngettext
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectMultipleField, fields
from wtforms.widgets import CheckboxInput, ListWidget

from lms.inputs import DATE_RANGE_MESSAGE, MAX_INT, in_date_range, parse_int

# The WTForms messages our forms can show, marked for extraction (never called here).
WTFORMS_MESSAGES = (
    _l("This field is required."),
    _l("Field must be at least %(min)d characters long."),
    _l("Field cannot be longer than %(max)d characters."),
    _l("Field must be between %(min)d and %(max)d characters long."),
    _l("Field must be exactly %(max)d characters long."),
    _l("Not a valid choice."),
    _l("Invalid Choice: could not coerce."),
    _l("Choices cannot be None."),
    _l("Invalid choice(s): one or more data inputs could not be coerced."),
    _l("Field must be equal to %(other_name)s."),
    _l("Invalid email address."),
    _l("Invalid input."),
    _l("Not a valid integer value."),
    _l("Number must be at least %(min)s."),
    _l("Number must be at most %(max)s."),
    _l("Number must be between %(min)s and %(max)s."),
    _l("Not a valid date value."),
)
WTFORMS_PLURAL_MESSAGES = (
    lazy_ngettext(
        "'%(value)s' is not a valid choice for this field.",
        "'%(value)s' are not valid choices for this field.",
        1,
    ),
)


# What <input type="datetime-local"> sends, and what people type where it is not supported.
DATETIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S"]
DATETIME_MESSAGE = _l("Enter a date and time, e.g. 2026-12-01 08:00.")


class _Translations:
    """The raw catalogue lookups: WTForms fills the placeholders itself."""

    def gettext(self, message: str) -> str:
        return str(get_translations().gettext(message))

    def ngettext(self, singular: str, plural: str, count: int) -> str:
        return str(get_translations().ngettext(singular, plural, count))


class Form(FlaskForm):
    class Meta:
        def get_translations(self, form: Any) -> _Translations:
            return _Translations()


class CheckboxesField(SelectMultipleField):
    """A multiple choice shown as a list of checkboxes (``_form.html`` wraps it in a fieldset)."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class IntegerField(fields.IntegerField):
    """A whole number in ASCII digits (a leading minus allowed) within ``low``..``high``."""

    def __init__(self, *args: Any, low: int = -MAX_INT, high: int = MAX_INT, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.low, self.high = low, high

    def process_formdata(self, valuelist: list[Any]) -> None:
        if not valuelist:
            return
        self.data = parse_int(str(valuelist[0]), low=self.low, high=self.high)
        if self.data is None:
            raise ValueError(
                # WTForms 3.3's invalid_value_message: types-WTForms (3.2) does not know it yet.
                self.invalid_value_message  # type: ignore[attr-defined]
                or self.gettext("Not a valid integer value.")
            )


def choice_int(value: Any) -> int:
    """``coerce`` for a select of ids: the same integer rule (WTForms calls it with the
    choices' own ints too)."""
    if isinstance(value, int):
        return value
    parsed = parse_int(str(value))
    if parsed is None:
        raise ValueError(value)
    return parsed


# The mixin below goes before a WTForms field, and the type checker is told so.
if TYPE_CHECKING:
    _DateRangeBase = fields.Field
else:
    _DateRangeBase = object


class _DateRange(_DateRangeBase):
    """Dates and date-times typed in ASCII digits, in the years 2000-2100."""

    def process_formdata(self, valuelist: list[Any]) -> None:
        if valuelist and not all(str(value).isascii() for value in valuelist):
            self.data = None
            raise ValueError(
                # WTForms 3.3's invalid_value_message: types-WTForms (3.2) does not know it yet.
                self.invalid_value_message  # type: ignore[attr-defined]
                or self.gettext("Not a valid date value.")
            )
        super().process_formdata(valuelist)
        if self.data is not None and not in_date_range(self.data):
            self.data = None
            raise ValueError(str(DATE_RANGE_MESSAGE))


class DateField(_DateRange, fields.DateField):
    pass


class DateTimeLocalField(_DateRange, fields.DateTimeLocalField):
    pass
