"""The certificate as a printed page: one A4-landscape PDF page per certificate, never stored.

Pure drawing: the caller builds a `CertificateFace` from a stored certificate (what was true at
issue time) and gets bytes back; `layout` measures the words and places the body's lines. The
page follows the Vietnamese official-document layout (Nghị định 30/2020/NĐ-CP): issuing
authority and number top left, national heading and motto top right, the title, the recorded
details, place and date above the signer's title with room for signature and seal, and a QR
code that opens the public verification page.

The typeface is Noto Serif from the `fontpkg-noto-serif` package (it covers Vietnamese). The
package ships variable fonts; fpdf2 embeds static ones, so the regular, bold and italic faces
are cut once (Latin and Vietnamese only, then instanced) and kept in a cache directory keyed by
the source font, so only the first PDF on a machine pays for it (a few seconds).
"""

from __future__ import annotations

import io
import unicodedata
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import fields
from typing import TYPE_CHECKING, cast

import segno
from fpdf import FPDF
from fpdf.fonts import TTFFont

from lms.certificates.face import CertificateFace
from lms.certificates.fonts import FAMILY, font_files, text_width, wrap
from lms.certificates.layout import (
    BODY_BOTTOM,
    BODY_TOP,
    LEFT_W,
    LEFT_X,
    PAGE_H,
    PAGE_W,
    PT,
    RIGHT_W,
    RIGHT_X,
    centred,
    fit_body,
    fitted,
    line_height,
    place_and_date,
    steps,
)

if TYPE_CHECKING:
    from _typeshed import SupportsWrite

__all__ = ["CertificateFace", "render_certificate", "render_certificates", "write_certificates"]


def render_certificate(face: CertificateFace) -> bytes:
    """One certificate as a one-page PDF."""
    return render_certificates([face])


def render_certificates(faces: Iterable[CertificateFace]) -> bytes:
    """One page per face, in order, in a single document (fonts embedded once)."""
    out = io.BytesIO()
    write_certificates(faces, out)
    return out.getvalue()


def write_certificates(
    faces: Iterable[CertificateFace],
    out: SupportsWrite[bytearray],  # what FPDF.output() gives
    progress: Callable[[int], None] | None = None,
) -> int:
    """Write one combined PDF of every face to `out`; return the number of pages.

    `progress` is called with the number of pages laid out so far, after each page. The faces
    are consumed one at a time; the document (each font embedded once, as a subset) is written
    to `out` when the last page is laid out. Nothing is written when there are no faces.
    """
    with _open_document() as document:
        count, serial = 0, ""
        for face in faces:
            _draw_page(document, face)
            count += 1
            serial = face.serial
            if progress is not None:
                progress(count)
        if not count:
            raise ValueError("no certificates to render")
        document.set_title(f"Giấy chứng nhận {serial}" if count == 1 else "Giấy chứng nhận")
        out.write(document.output())
    return count


# --- Layout ----------------------------------------------------------------------------------

INK = (20, 20, 20)
RED = (160, 22, 22)
FRAME = (150, 30, 30)


@contextmanager
def _open_document() -> Iterator[FPDF]:
    """A new document with the fonts added; their files are closed when it is done with."""
    document = FPDF(orientation="L", unit="mm", format="A4")
    try:
        _prepare(document)
        yield document
    finally:
        for font in document.fonts.values():  # TrueType fonts only, as _prepare adds
            cast(TTFFont, font).close()


def _prepare(document: FPDF) -> None:
    document.set_auto_page_break(False)
    document.set_margins(0, 0, 0)
    document.set_lang("vi")
    document.set_creator("LMS")
    for style, path in font_files().items():
        document.add_font(FAMILY, style, path)
    for font in document.fonts.values():
        # The cut fonts carry their glyph bounds already: keeping them spares recompiling
        # every outline when fpdf2 subsets the fonts at output (most of a page's time).
        cast(TTFFont, font).ttfont.recalcBBoxes = False


def _nfc(face: CertificateFace) -> CertificateFace:
    """Composed characters throughout: the font has a glyph for each composed letter."""
    values = {}
    for field in fields(face):
        value = getattr(face, field.name)
        if isinstance(value, str):
            value = unicodedata.normalize("NFC", value).strip()
        elif isinstance(value, list):
            value = [unicodedata.normalize("NFC", item).strip() for item in value]
        values[field.name] = value
    return CertificateFace(**values)


def _set(document: FPDF, style: str, size: float, color: tuple[int, int, int] = INK) -> None:
    document.set_font(FAMILY, style, size)
    document.set_text_color(*color)


def _draw_heading(document: FPDF, face: CertificateFace) -> None:
    left_centre = LEFT_X + LEFT_W / 2
    right_centre = RIGHT_X + RIGHT_W / 2
    top = 24.0

    # Issuing authority, top left: bold capitals, a short rule, then the number.
    issuer = face.issuer_name.upper()
    size, lines = fitted(issuer.split(), "B", steps(13, 10.5), LEFT_W, 2)
    y = top
    widest = 0.0
    for line in lines:
        _set(document, "B", size)
        document.text(centred(line, "B", size, left_centre), y, line)
        widest = max(widest, text_width(line, "B", size))
        y += line_height(size) * 0.95
    rule = widest * 0.4
    document.set_draw_color(*INK)
    document.set_line_width(0.3)
    y_rule = y - line_height(size) * 0.95 + 3.2
    document.line(left_centre - rule / 2, y_rule, left_centre + rule / 2, y_rule)
    number = f"Số: {face.serial}"
    _set(document, "", 13)
    document.text(centred(number, "", 13, left_centre), y_rule + 7, number)

    # National heading, top right: the motto underlined by a rule as long as itself.
    nation = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
    motto = "Độc lập - Tự do - Hạnh phúc"
    _set(document, "B", 13)
    document.text(centred(nation, "B", 13, right_centre), top, nation)
    _set(document, "B", 14)
    document.text(centred(motto, "B", 14, right_centre), top + 6.5, motto)
    width = text_width(motto, "B", 14)
    document.line(right_centre - width / 2, top + 9, right_centre + width / 2, top + 9)

    title = "GIẤY CHỨNG NHẬN"
    _set(document, "B", 34, RED)
    document.text(centred(title, "B", 34, PAGE_W / 2), 66, title)


def _draw_body(document: FPDF, face: CertificateFace) -> None:
    available = BODY_BOTTOM - BODY_TOP
    lines = fit_body(face)
    spare = max(0.0, available - sum(line.height for line in lines))
    extra = min(spare / len(lines), 2.5)
    y = BODY_TOP
    for line in lines:
        y += line.height + extra
        for x, style, size, text in line.runs:
            _set(document, style, size)
            document.text(x, y - line.height * 0.3, text)


def _draw_signature(document: FPDF, face: CertificateFace) -> None:
    centre = RIGHT_X + RIGHT_W / 2
    when = place_and_date(face.place, face.issued_on)
    size, lines = fitted(when.split(), "I", steps(13.5, 11), RIGHT_W, 1)
    y = 156.0
    for line in lines:
        _set(document, "I", size)
        document.text(centred(line, "I", size, centre), y, line)
        y += line_height(size)
    for part in face.signer_title.upper().splitlines() or [""]:
        size, title_lines = fitted(part.split(), "B", steps(13.5, 11), RIGHT_W, 1)
        for line in title_lines:
            _set(document, "B", size)
            document.text(centred(line, "B", size, centre), y, line)
            y += line_height(size) * 0.95


def _draw_qr(document: FPDF, face: CertificateFace) -> None:
    code = segno.make(face.verification_url, error="m", micro=False)
    matrix = code.matrix
    side = 30.0
    x0, y0 = 24.0, 163.0
    module = side / len(matrix)
    document.set_fill_color(0, 0, 0)
    for row, modules in enumerate(matrix):
        column = 0
        while column < len(modules):
            if not modules[column] & 1:
                column += 1
                continue
            start = column
            while column < len(modules) and modules[column] & 1:
                column += 1
            # A hair taller than the module, so that no seam shows between rows on screen.
            document.rect(
                x0 + start * module,
                y0 + row * module,
                (column - start) * module,
                module + 0.02,
                style="F",
            )

    caption_x = x0 + side + 5
    _set(document, "I", 10.5)
    document.text(caption_x, y0 + 9, "Quét mã QR để xác minh")
    document.text(caption_x, y0 + 14, "giấy chứng nhận này tại:")
    document.set_font(FAMILY, "", 8)
    y = y0 + 19
    for line in wrap([face.verification_url], RIGHT_X - caption_x - 6, "", 8)[:4]:
        document.text(caption_x, y, line)
        y += 3.6


def _draw_frame(document: FPDF) -> None:
    document.set_draw_color(*FRAME)
    document.set_line_width(1.4)
    document.rect(8, 8, PAGE_W - 16, PAGE_H - 16)
    document.set_line_width(0.35)
    document.rect(11, 11, PAGE_W - 22, PAGE_H - 22)
    for x, y in ((11, 11), (PAGE_W - 11, 11), (11, PAGE_H - 11), (PAGE_W - 11, PAGE_H - 11)):
        document.set_fill_color(*FRAME)
        document.rect(x - 1.6, y - 1.6, 3.2, 3.2, style="F")


def _draw_status(document: FPDF, note: str) -> None:
    size = 84.0
    while text_width(note, "B", size) > 235 and size > 24:
        size -= 2
    width = text_width(note, "B", size)
    with document.local_context(fill_opacity=0.3):
        _set(document, "B", size, RED)
        with document.rotation(22, PAGE_W / 2, PAGE_H / 2):
            document.text(PAGE_W / 2 - width / 2, PAGE_H / 2 + size * PT * 0.35, note)


def _draw_page(document: FPDF, face: CertificateFace) -> None:
    face = _nfc(face)
    document.add_page()
    _draw_frame(document)
    _draw_heading(document, face)
    _draw_body(document, face)
    _draw_signature(document, face)
    _draw_qr(document, face)
    if face.status_note:
        _draw_status(document, face.status_note)
