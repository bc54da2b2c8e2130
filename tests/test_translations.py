"""The message catalogues: Vietnamese complete, placeholders intact, compiled files up to date.

When a test here fails, run ``scripts/update_translations.sh``, translate the new entries of
``lms/translations/vi/LC_MESSAGES/messages.po``, and run the script again to compile.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog, Message
from babel.messages.frontend import CommandLineInterface
from babel.messages.mofile import read_mo, write_mo
from babel.messages.pofile import read_po
from babel.support import Translations

ROOT = Path(__file__).resolve().parent.parent
TRANSLATIONS = ROOT / "lms" / "translations"
LOCALES = ("vi", "en")
# A printf-style named placeholder: %(name)s, %(kind)r, %(count)d, %(ratio).1f ...
PLACEHOLDER = re.compile(r"%\((\w+)\)[#0 +-]*\d*(?:\.\d+)?[diouxXeEfFgGcrsa]")


@pytest.fixture(autouse=True)
def app_context() -> Iterator[None]:
    """Replaces the suite's autouse fixture of this name: no app or database is needed here."""
    yield


def po_path(locale: str) -> Path:
    return TRANSLATIONS / locale / "LC_MESSAGES" / "messages.po"


def mo_path(locale: str) -> Path:
    return TRANSLATIONS / locale / "LC_MESSAGES" / "messages.mo"


def load_po(locale: str) -> Catalog:
    with po_path(locale).open("rb") as f:
        return read_po(f, locale=locale)


def entries(catalog: Catalog) -> list[Message]:
    return [m for m in catalog if m.id]


def forms(message: Message) -> list[str]:
    """The msgstr of an entry, as a list of its plural forms (one for a singular entry)."""
    return list(message.string) if message.pluralizable else [message.string]


def placeholders(text: str) -> set[str]:
    return {match.group(0) for match in PLACEHOLDER.finditer(text)}


def label(message: Message) -> str:
    return repr(message.id[0] if message.pluralizable else message.id)


@pytest.fixture(scope="module")
def extracted(tmp_path_factory: pytest.TempPathFactory) -> Catalog:
    """A fresh extraction from the sources, with the options of scripts/update_translations.sh."""
    pot = tmp_path_factory.mktemp("i18n") / "messages.pot"
    CommandLineInterface().run(
        [
            "pybabel",
            "--quiet",
            "extract",
            f"--mapping-file={ROOT / 'babel.cfg'}",
            "--keyword=_l",
            "--keyword=lazy_gettext",
            "--keyword=lazy_ngettext:1,2",
            "--no-location",
            "--sort-output",
            f"--output-file={pot}",
            str(ROOT),
        ]
    )
    with pot.open("rb") as f:
        return read_po(f)


def test_extraction_finds_the_strings(extracted: Catalog) -> None:
    # Guards the checks below against an extraction that silently finds nothing.
    ids = {m.id for m in entries(extracted)}
    assert "Sign in" in ids  # a template
    assert "Province" in ids  # lazy_gettext as _l
    assert ("%(num)s account found", "%(num)s accounts found") in ids  # ngettext


def test_every_source_string_is_in_the_vietnamese_catalogue(extracted: Catalog) -> None:
    vi = load_po("vi")
    missing = []
    for message in entries(extracted):
        entry = vi.get(message.id, message.context)
        # A plural entry is looked up by its singular: its plural msgid must match too.
        if entry is None or entry.id != message.id:
            missing.append(label(message))
    assert not missing, (
        f"{len(missing)} source strings are not in vi/messages.po; run "
        "scripts/update_translations.sh and translate them:\n" + "\n".join(missing)
    )


def test_vietnamese_entries_are_translated_and_not_fuzzy() -> None:
    vi = load_po("vi")
    assert not vi.fuzzy, "the header of vi/messages.po is marked fuzzy: nothing would compile"
    problems = [
        f"{'fuzzy' if m.fuzzy else 'empty'}: {label(m)}"
        for m in entries(vi)
        if m.fuzzy or not all(form.strip() for form in forms(m))
    ]
    assert not problems, "vi/messages.po is incomplete:\n" + "\n".join(problems)


def test_vietnamese_has_one_plural_form() -> None:
    vi = load_po("vi")
    assert vi.num_plurals == 1
    assert vi.plural_expr == "0"
    for message in entries(vi):
        if message.pluralizable:
            assert len(forms(message)) == 1, label(message)


@pytest.mark.parametrize("locale", LOCALES)
def test_translations_keep_the_placeholders(locale: str) -> None:
    problems = []
    for message in entries(load_po(locale)):
        ids = list(message.id) if message.pluralizable else [message.id]
        expected = set().union(*(placeholders(i) for i in ids))
        for form in forms(message):
            if not form:
                continue  # English may fall back to the msgid; Vietnamese is checked above
            found = placeholders(form)
            if found != expected:
                problems.append(
                    f"{label(message)}: missing {sorted(expected - found)}, "
                    f"unexpected {sorted(found - expected)}"
                )
                continue
            try:  # as flask_babel does it: msgstr % variables
                form % dict.fromkeys(re.findall(r"%\((\w+)\)", form), 1)
            except (TypeError, ValueError, KeyError) as error:
                problems.append(f"{label(message)}: cannot be formatted ({error})")
    assert not problems, f"{locale}/messages.po:\n" + "\n".join(problems)


def test_english_plural_entries_have_both_forms() -> None:
    en = load_po("en")
    assert en.num_plurals == 2
    problems = [
        label(m)
        for m in entries(en)
        if m.fuzzy or (m.pluralizable and not (len(forms(m)) == 2 and all(forms(m))))
    ]
    assert not problems, "en/messages.po: fuzzy or incomplete plural entries:\n" + "\n".join(
        problems
    )


def _contents(catalog: Catalog) -> dict[object, object]:
    """What gettext serves from a catalogue: its translations and its plural rule."""

    def plain(value: object) -> object:  # read_mo gives plural ids and forms as lists
        return tuple(value) if isinstance(value, list | tuple) else value

    messages = {(plain(m.id), m.context): plain(m.string) for m in entries(catalog)}
    return {"plural_forms": catalog.plural_forms, "messages": messages}


@pytest.mark.parametrize("locale", LOCALES)
def test_compiled_catalogue_is_up_to_date(locale: str) -> None:
    assert mo_path(locale).is_file(), f"{locale}/messages.mo is missing; compile the catalogues"
    fresh = io.BytesIO()
    write_mo(fresh, load_po(locale))
    fresh.seek(0)
    with mo_path(locale).open("rb") as f:
        committed = read_mo(f)
    assert _contents(committed) == _contents(read_mo(fresh)), (
        f"{locale}/messages.mo is out of date with messages.po; run "
        "scripts/update_translations.sh (or pybabel compile -d lms/translations)"
    )


def test_the_installed_catalogues_answer_in_each_language() -> None:
    vi = Translations.load(str(TRANSLATIONS), ["vi"])
    en = Translations.load(str(TRANSLATIONS), ["en"])
    assert vi.gettext("Sign in") == "Đăng nhập"
    assert vi.gettext("Mass mobilization training") == "Bồi dưỡng công tác dân vận"
    assert vi.ngettext("%(num)s account found", "%(num)s accounts found", 3) % {"num": 3} == (
        "Tìm thấy 3 tài khoản"
    )
    assert en.gettext("Sign in") == "Sign in"
    assert en.ngettext("%(num)s account found", "%(num)s accounts found", 1) % {"num": 1} == (
        "1 account found"
    )
