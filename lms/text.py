"""Vietnamese text: NFC normalization and diacritic folding for search."""

from __future__ import annotations

import unicodedata

# Đ/đ is a letter of its own, not D plus a combining mark, so NFD does not split it.
_SPECIAL = str.maketrans({"đ": "d", "Đ": "d"})


def nfc(value: str) -> str:
    return unicodedata.normalize("NFC", value)


def clean(value: str | None) -> str:
    """NFC, trimmed, inner runs of whitespace collapsed to one space."""
    return " ".join(nfc(value or "").split())


def fold(value: str | None) -> str:
    """Lower case without diacritics: "Nguyễn Văn Đức" -> "nguyen van duc"."""
    decomposed = unicodedata.normalize("NFD", clean(value).translate(_SPECIAL))
    stripped = "".join(ch for ch in decomposed if unicodedata.category(ch) != "Mn")
    return stripped.lower()
