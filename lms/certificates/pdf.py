"""The certificate as a printed page: one A4-landscape PDF page per certificate, never stored.

Pure layout: the caller builds a `CertificateFace` from a stored certificate (what was true at
issue time) and gets bytes back. The page follows the Vietnamese official-document layout
(Nghị định 30/2020/NĐ-CP): issuing authority and number top left, national heading and motto
top right, the title, the recorded details, place and date above the signer's title with room
for signature and seal, and a QR code that opens the public verification page.

The typeface is Noto Serif from the `fontpkg-noto-serif` package (it covers Vietnamese). The
package ships variable fonts; fpdf2 embeds static ones, so the regular, bold and italic faces
are cut once (Latin and Vietnamese only, then instanced) and kept in a cache directory keyed by
the source font, so only the first PDF on a machine pays for it (a few seconds).
"""

from __future__ import annotations

import datetime as dt
import io
import unicodedata
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, fields
from typing import TYPE_CHECKING, cast

import segno
from fpdf import FPDF
from fpdf.fonts import TTFFont

from lms.certificates.fonts import FAMILY, font_files, text_width, wrap

if TYPE_CHECKING:
    from _typeshed import SupportsWrite

__all__ = ["CertificateFace", "render_certificate", "render_certificates", "write_certificates"]


@dataclass(frozen=True)
class CertificateFace:
    """What one certificate shows, exactly as recorded at issue time."""

    serial: str  # "DV-2026-000123"
    verification_url: str  # absolute URL of /verify/<code> (the QR encodes it)
    full_name: str
    rank: str  # may be ""
    position: str  # may be ""
    unit_chain: list[str]  # the unit itself first, then the units above it up to the top
    course_title: str
    score: float | None  # percent, or None when the course has no quiz
    completed_on: dt.date  # local date
    issued_on: dt.date  # local date (the date after the place, above the signer's title)
    expires_on: dt.date | None
    issuer_name: str  # "Bộ Chỉ huy Quân sự tỉnh Hà Tĩnh"
    signer_title: str  # "CHỈ HUY TRƯỞNG"
    place: str  # "Hà Tĩnh"
    status_note: str | None  # e.g. "ĐÃ THU HỒI" printed across a revoked copy; None normally


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

PAGE_W, PAGE_H = 297.0, 210.0
INK = (20, 20, 20)
RED = (160, 22, 22)
FRAME = (150, 30, 30)
PT = 25.4 / 72  # millimetres per point

# The two heading columns (official-document layout) and the body column.
LEFT_X, LEFT_W = 20.0, 118.0
RIGHT_X, RIGHT_W = 146.0, 132.0
BODY_X, BODY_W = 34.0, 229.0
BODY_TOP, BODY_BOTTOM = 76.0, 146.0


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


def vietnamese_date(day: dt.date) -> str:
    """`05/12/2026`, the short form used in the body."""
    return f"{day.day:02d}/{day.month:02d}/{day.year}"


def place_and_date(place: str, day: dt.date) -> str:
    """`Hà Tĩnh, ngày 05 tháng 12 năm 2026`. As Nghị định 30/2020 asks, a day below 10 and the
    months 1 and 2 take a leading zero (so that "tháng 1" cannot become "tháng 11"); the other
    months do not: "ngày 07 tháng 3", "ngày 01 tháng 02"."""
    month = f"{day.month:02d}" if day.month <= 2 else str(day.month)
    return f"{place}, ngày {day.day:02d} tháng {month} năm {day.year}"


def score_text(score: float | None) -> str:
    """`92,5%` (Vietnamese decimal comma); a course without a quiz is simply passed."""
    if score is None:
        return "Đạt yêu cầu"
    rounded = round(score, 1)
    text = f"{rounded:.0f}" if rounded == int(rounded) else f"{rounded:.1f}".replace(".", ",")
    return f"{text}%"


def _set(document: FPDF, style: str, size: float, color: tuple[int, int, int] = INK) -> None:
    document.set_font(FAMILY, style, size)
    document.set_text_color(*color)


@dataclass
class _Line:
    """One laid-out line: its height and the (x, style, size, text) runs on its baseline."""

    height: float
    runs: list[tuple[float, str, float, str]]


def _centred(text: str, style: str, size: float, centre: float) -> float:
    return centre - text_width(text, style, size) / 2


def _line_height(size: float) -> float:
    return size * PT * 1.5


def _fitted(
    chunks: list[str], style: str, sizes: Iterable[float], width: float, most: int
) -> tuple[float, list[str]]:
    """The largest size at which the chunks take at most `most` lines (else the smallest)."""
    for size in sizes:
        lines = wrap(chunks, width, style, size)
        if len(lines) <= most:
            return size, lines
    return size, lines


def _steps(start: float, stop: float) -> Iterator[float]:
    size = start
    while size > stop:
        yield size
        size -= 0.5
    yield stop


def _labelled(
    label: str,
    chunks: list[str],
    size: float,
    smallest: float,
    most: int,
    x: float = BODY_X,
    width: float = BODY_W,
) -> list[_Line]:
    """`Label: value` with the value in bold, wrapped under itself (hanging indent)."""
    label_width = text_width(label + " ", "", size)
    value_size, lines = _fitted(chunks, "B", _steps(size, smallest), width - label_width, most)
    height = _line_height(max(size, value_size))
    result = [_Line(height, [(x, "", size, label), (x + label_width, "B", value_size, lines[0])])]
    result += [
        _Line(_line_height(value_size), [(x + label_width, "B", value_size, line)])
        for line in lines[1:]
    ]
    return result


def _body(face: CertificateFace, scale: float) -> list[_Line]:
    """The recorded details, at a given scale (1 = the normal sizes)."""
    size = 15 * scale
    lines = _labelled("Chứng nhận đồng chí:", [face.full_name], size, 13 * scale, 1)
    name_size = lines[0].runs[1][2]
    if name_size == size:  # room to spare: the name a little larger, as the eye looks for it
        label_end = lines[0].runs[1][0]
        for bigger in _steps(19 * scale, size):
            if text_width(face.full_name, "B", bigger) <= BODY_X + BODY_W - label_end:
                lines = [
                    _Line(
                        _line_height(bigger),
                        [lines[0].runs[0], (label_end, "B", bigger, face.full_name)],
                    )
                ]
                break

    rank_lines: list[_Line] = []
    if face.rank and face.position:
        half = BODY_W * 0.38
        rank = _labelled("Cấp bậc:", [face.rank], size, size, 1, width=half)
        rank_end = rank[0].runs[1][0] + text_width(face.rank, "B", size)
        if len(rank) == 1 and rank_end <= BODY_X + half:
            position = _labelled(
                "Chức vụ:",
                [face.position],
                size,
                12 * scale,
                2,
                x=BODY_X + half,
                width=BODY_W - half,
            )
            rank_lines = [
                _Line(max(rank[0].height, position[0].height), rank[0].runs + position[0].runs),
                *position[1:],
            ]
        else:
            rank_lines = [
                *_labelled("Cấp bậc:", [face.rank], size, 12 * scale, 2),
                *_labelled("Chức vụ:", [face.position], size, 12 * scale, 2),
            ]
    elif face.rank:
        rank_lines = _labelled("Cấp bậc:", [face.rank], size, 12 * scale, 2)
    elif face.position:
        rank_lines = _labelled("Chức vụ:", [face.position], size, 12 * scale, 2)
    lines += rank_lines

    if face.unit_chain:
        chunks = [f"{unit}," for unit in face.unit_chain[:-1]] + [face.unit_chain[-1]]
        units = _labelled("Đơn vị:", chunks, size, 13 * scale, 2)
        if len(units) > 2:  # a deep chain: three lines rather than small print
            units = _labelled("Đơn vị:", chunks, size, 11 * scale, 3)
        lines += units

    lines.append(_Line(_line_height(size), [(BODY_X, "", size, "Đã hoàn thành khóa bồi dưỡng:")]))
    course_size, course = _fitted(
        face.course_title.split(), "B", _steps(18 * scale, 13 * scale), BODY_W, 2
    )
    for text in course:
        x = _centred(text, "B", course_size, BODY_X + BODY_W / 2)
        lines.append(_Line(_line_height(course_size) * 1.05, [(x, "B", course_size, text)]))

    result = "Kết quả: "
    completed = "Ngày hoàn thành: "
    score = score_text(face.score)
    runs = [(BODY_X, "", size, result)]
    runs.append((BODY_X + text_width(result, "", size), "B", size, score))
    runs.append((BODY_X + BODY_W * 0.38, "", size, completed))
    completed_x = BODY_X + BODY_W * 0.38 + text_width(completed, "", size)
    runs.append((completed_x, "B", size, vietnamese_date(face.completed_on)))
    lines.append(_Line(_line_height(size), runs))
    if face.expires_on is not None:
        expiry = f"Có giá trị đến ngày {vietnamese_date(face.expires_on)}"
        lines.append(_Line(_line_height(size), [(BODY_X, "I", size, expiry)]))
    return lines


def _draw_heading(document: FPDF, face: CertificateFace) -> None:
    left_centre = LEFT_X + LEFT_W / 2
    right_centre = RIGHT_X + RIGHT_W / 2
    top = 24.0

    # Issuing authority, top left: bold capitals, a short rule, then the number.
    issuer = face.issuer_name.upper()
    size, lines = _fitted(issuer.split(), "B", _steps(13, 10.5), LEFT_W, 2)
    y = top
    widest = 0.0
    for line in lines:
        _set(document, "B", size)
        document.text(_centred(line, "B", size, left_centre), y, line)
        widest = max(widest, text_width(line, "B", size))
        y += _line_height(size) * 0.95
    rule = widest * 0.4
    document.set_draw_color(*INK)
    document.set_line_width(0.3)
    y_rule = y - _line_height(size) * 0.95 + 3.2
    document.line(left_centre - rule / 2, y_rule, left_centre + rule / 2, y_rule)
    number = f"Số: {face.serial}"
    _set(document, "", 13)
    document.text(_centred(number, "", 13, left_centre), y_rule + 7, number)

    # National heading, top right: the motto underlined by a rule as long as itself.
    nation = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
    motto = "Độc lập - Tự do - Hạnh phúc"
    _set(document, "B", 13)
    document.text(_centred(nation, "B", 13, right_centre), top, nation)
    _set(document, "B", 14)
    document.text(_centred(motto, "B", 14, right_centre), top + 6.5, motto)
    width = text_width(motto, "B", 14)
    document.line(right_centre - width / 2, top + 9, right_centre + width / 2, top + 9)

    title = "GIẤY CHỨNG NHẬN"
    _set(document, "B", 34, RED)
    document.text(_centred(title, "B", 34, PAGE_W / 2), 66, title)


def _fit_body(face: CertificateFace) -> list[_Line]:
    """The body at the largest scale (down to 0.7) at which it fits between title and signature."""
    available = BODY_BOTTOM - BODY_TOP
    scale = 1.0
    lines = _body(face, scale)
    while sum(line.height for line in lines) > available and scale > 0.7:
        scale -= 0.05
        lines = _body(face, scale)
    return lines


def _draw_body(document: FPDF, face: CertificateFace) -> None:
    available = BODY_BOTTOM - BODY_TOP
    lines = _fit_body(face)
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
    size, lines = _fitted(when.split(), "I", _steps(13.5, 11), RIGHT_W, 1)
    y = 156.0
    for line in lines:
        _set(document, "I", size)
        document.text(_centred(line, "I", size, centre), y, line)
        y += _line_height(size)
    for part in face.signer_title.upper().splitlines() or [""]:
        size, title_lines = _fitted(part.split(), "B", _steps(13.5, 11), RIGHT_W, 1)
        for line in title_lines:
            _set(document, "B", size)
            document.text(_centred(line, "B", size, centre), y, line)
            y += _line_height(size) * 0.95


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
