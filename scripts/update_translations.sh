#!/usr/bin/env bash
# Refresh the message catalogues after source strings changed, then compile them.
#
#   scripts/update_translations.sh
#
# 1. extracts every _(), gettext, ngettext, _l / lazy_gettext string of lms/ into
#    lms/translations/messages.pot (sorted, without source locations: stable diffs);
# 2. merges it into lms/translations/{vi,en}/LC_MESSAGES/messages.po, with no fuzzy
#    matching (a changed msgid comes back empty, never as a guessed "fuzzy" entry) and
#    without obsolete entries (earlier translations stay in the git history);
# 3. fills the English msgstr of each new entry with its msgid (both plural forms);
# 4. compiles both catalogues to the messages.mo files that ship with the package.
#
# New Vietnamese entries are left empty: translate them in vi/LC_MESSAGES/messages.po, then
# run this script again to compile. tests/test_translations.py fails until every entry is
# translated and the committed .mo files match their .po files.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

VENV_BIN="${VENV_BIN:-.venv/bin}"
PYBABEL="$VENV_BIN/pybabel"
PYTHON="$VENV_BIN/python"
CATALOGUES=lms/translations
POT="$CATALOGUES/messages.pot"
LOCALES=(vi en)
# Any word in capitals that Babel substitutes (PROJECT, VERSION, YEAR, ORGANIZATION) is
# avoided here, so the header does not change from one year to the next.
HEADER_COMMENT="# Messages of the cadre-training LMS; source strings are English.
# Regenerate with scripts/update_translations.sh."

new_pot="$(mktemp)"
trap 'rm -f "$new_pot"' EXIT

"$PYBABEL" -q extract \
    --mapping-file=babel.cfg \
    --keyword=_l --keyword=lazy_gettext --keyword=lazy_ngettext:1,2 \
    --add-comments=TRANSLATORS: \
    --no-location --sort-output \
    --project=lms \
    --header-comment="$HEADER_COMMENT" \
    --output-file="$new_pot" \
    .

# Keep the committed template when only its creation date would change.
if [[ -f "$POT" ]] && cmp -s \
    <(grep -v '^"POT-Creation-Date: ' "$POT") \
    <(grep -v '^"POT-Creation-Date: ' "$new_pot"); then
    echo "messages.pot: no new or changed strings"
else
    cat "$new_pot" >"$POT"
    echo "messages.pot: written"
fi

for locale in "${LOCALES[@]}"; do
    "$PYBABEL" -q update \
        --input-file="$POT" \
        --output-dir="$CATALOGUES" \
        --locale="$locale" \
        --init-missing \
        --no-fuzzy-matching \
        --ignore-obsolete \
        --ignore-pot-creation-date
done

# English is the source language: show each new entry's msgid as its translation, so that
# the catalogue is visibly complete and plural entries have both forms.
"$PYTHON" - "$CATALOGUES/en/LC_MESSAGES/messages.po" <<'PY'
import sys

from babel.messages.pofile import read_po, write_po

path = sys.argv[1]
with open(path, "rb") as f:
    catalog = read_po(f, locale="en")
filled = 0
for message in catalog:
    if not message.id:
        continue
    if message.pluralizable:
        forms = list(message.string)
        if not all(forms):
            message.string = tuple(form or message.id[min(i, 1)] for i, form in enumerate(forms))
            filled += 1
    elif not message.string:
        message.string = message.id
        filled += 1
    message.flags.discard("fuzzy")
if filled:
    with open(path, "wb") as f:
        write_po(f, catalog, width=76, ignore_obsolete=True)
print(f"en: {filled} new entries filled with their English source text")
PY

"$PYBABEL" compile --directory="$CATALOGUES" --statistics

# Untranslated Vietnamese entries are only a warning here; the test suite makes them an error.
"$PYTHON" - "$CATALOGUES/vi/LC_MESSAGES/messages.po" <<'PY'
import sys

from babel.messages.pofile import read_po

with open(sys.argv[1], "rb") as f:
    catalog = read_po(f)
todo = [m.id for m in catalog if m.id and (m.fuzzy or not all(m.string if m.pluralizable else [m.string]))]
for msgid in todo:
    print(f"vi: untranslated: {msgid!r}", file=sys.stderr)
if todo:
    print(f"vi: {len(todo)} entries still to translate in {sys.argv[1]}", file=sys.stderr)
PY
