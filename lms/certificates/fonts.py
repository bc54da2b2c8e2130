"""The certificate's typeface: Noto Serif, cut once to what Vietnamese needs (static regular,
bold and italic faces from the packaged variable fonts) and kept in a cache directory; and text
measured and wrapped with its metrics, without a document."""

from __future__ import annotations

import atexit
import hashlib
import os
import shutil
import tempfile
import threading
from importlib import metadata
from pathlib import Path
from typing import cast

import fontpkg
from fontTools import subset, ttLib
from fontTools.varLib import instancer
from fpdf import FPDF
from fpdf.fonts import TTFFont

FAMILY = "NotoSerif"
# style -> (source style, wght); wdth stays at its default, 100 (normal width).
STYLES = {"": ("normal", 400), "B": ("normal", 700), "I": ("italic", 400)}
# What Vietnamese text needs (and a little more): Basic Latin, Latin-1, Latin Extended-A (Đ đ
# Ĩ ĩ Ũ ũ), Ơ ơ Ư ư, the combining tone marks, the Vietnamese block of Latin Extended
# Additional, dashes, quotes and ellipsis, ₫ and №. Fewer glyphs parse faster on every PDF.
_CODEPOINTS = [
    *range(0x20, 0x7F),
    *range(0xA0, 0x180),
    0x1A0,
    0x1A1,
    0x1AF,
    0x1B0,
    *range(0x300, 0x304),
    0x309,
    0x323,
    *range(0x1EA0, 0x1EFA),
    *range(0x2010, 0x2027),
    0x2030,
    0x2039,
    0x203A,
    0x20AB,
    0x2116,
]
_RECIPE = "2"  # bump when the cutting below changes, to rebuild cached fonts
_fonts_lock = threading.RLock()
_font_files: dict[str, Path] = {}
_metrics: FPDF | None = None  # the fonts' widths, for measuring text without a document
_char_widths: dict[tuple[str, str], float] = {}


def _cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "lms" / "fonts"


def cut_font(source: Path, wght: int, target: Path) -> None:
    """Keep the Latin and Vietnamese glyphs of a variable font, then fix it at one weight."""
    with ttLib.TTFont(source, recalcTimestamp=False) as font:
        _cut(font, wght)
        fd, tmp = tempfile.mkstemp(dir=target.parent, suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as stream:
                font.save(stream)
            os.replace(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise


def _cut(font: ttLib.TTFont, wght: int) -> None:
    """Latin and Vietnamese only, no layout tables (fpdf2 drops them), one weight, one cmap."""
    options = subset.Options()
    options.layout_features = []
    options.drop_tables += ["GSUB", "GPOS", "GDEF", "STAT", "MVAR", "HVAR", "DSIG"]
    options.name_IDs = ["*"]
    options.notdef_outline = True
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=_CODEPOINTS)
    subsetter.subset(font)
    instancer.instantiateVariableFont(font, {"wght": wght, "wdth": 100}, inplace=True, static=True)
    cmap = font["cmap"]
    cmap.tables = [table for table in cmap.tables if (table.platformID, table.platEncID) == (3, 1)]


def font_files() -> dict[str, Path]:
    """The static regular, bold and italic faces, cut once per machine (per process at worst)."""
    if _font_files:
        return _font_files
    with _fonts_lock:
        if _font_files:
            return _font_files
        sources = {style: fontpkg.path("Noto Serif", 400, style) for style in ("normal", "italic")}
        digest = hashlib.sha256(_RECIPE.encode())
        for style in ("normal", "italic"):
            digest.update(sources[style].read_bytes())
        digest.update(metadata.version("fonttools").encode())
        key = digest.hexdigest()[:16]
        try:
            files = _cut_into(_cache_dir() / key, sources)
        except OSError:  # no writable cache: cut into a folder of this process
            directory = Path(tempfile.mkdtemp(prefix="lms-fonts-"))
            atexit.register(shutil.rmtree, directory, ignore_errors=True)
            files = _cut_into(directory, sources)
        _font_files.update(files)
    return _font_files


def _cut_into(directory: Path, sources: dict[str, Path]) -> dict[str, Path]:
    """The three faces in `directory`, cut there unless a previous process did."""
    directory.mkdir(parents=True, exist_ok=True)
    files = {}
    for style, (source_style, wght) in STYLES.items():
        target = directory / f"{FAMILY}-{style or 'R'}.ttf"
        if not target.exists():
            cut_font(sources[source_style], wght, target)
        files[style] = target
    return files


def _char_width(style: str, char: str) -> float:
    """Advance of one character at 1 pt, in mm, read once from the font's metrics."""
    global _metrics
    with _fonts_lock:
        if _metrics is None:
            metrics = FPDF()
            for font_style, path in font_files().items():
                metrics.add_font(FAMILY, font_style, path)
            for font in metrics.fonts.values():  # TrueType fonts only, as added above
                # The widths are read; the file is not needed any more.
                cast(TTFFont, font).close()
            _metrics = metrics
        _metrics.set_font(FAMILY, style, 1)
        width = _metrics.get_string_width(char)
    if len(_char_widths) < 10_000:
        _char_widths[style, char] = width
    return width


def text_width(text: str, style: str, size: float) -> float:
    """Width in mm of `text` at `size` points: the sum of the characters' advances, as fpdf2
    sets text without shaping or kerning (what `FPDF.get_string_width` gives, much faster)."""
    total = 0.0
    for char in text:
        width = _char_widths.get((style, char))
        total += _char_width(style, char) if width is None else width
    return total * size


def _split_long(word: str, width: float, style: str, size: float) -> list[str]:
    """A word wider than the line, cut where it must be (a URL, say)."""
    pieces, current, used = [], "", 0.0
    for char in word:
        advance = text_width(char, style, size)
        if current and used + advance > width:
            pieces.append(current)
            current, used = "", 0.0
        current += char
        used += advance
    return [*pieces, current]


def wrap(chunks: list[str], width: float, style: str, size: float) -> list[str]:
    """Greedy lines of `chunks` joined by spaces, breaking between chunks when it can, between
    the words of a chunk too wide for a line by itself, and inside a word only as a last resort.
    """
    lines: list[str] = []
    current = ""

    def fits(text: str) -> bool:
        return text_width(text, style, size) <= width

    for chunk in chunks:
        if fits(f"{current} {chunk}" if current else chunk):
            current = f"{current} {chunk}" if current else chunk
            continue
        if current:
            lines.append(current)
            current = ""
        if fits(chunk):
            current = chunk
            continue
        for word in chunk.split():
            if fits(f"{current} {word}" if current else word):
                current = f"{current} {word}" if current else word
                continue
            if current:
                lines.append(current)
            *full, current = _split_long(word, width, style, size)
            lines.extend(full)
    if current:
        lines.append(current)
    return lines or [""]
