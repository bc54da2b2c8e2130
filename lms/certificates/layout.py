"""The certificate page's geometry and words: where the columns are, the dates and score as
the page writes them, and the recorded details laid out as lines (sizes chosen so that a long
name, rank or unit chain still fits) for ``pdf`` to draw. Measuring only: no document here."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from lms.certificates.face import CertificateFace
from lms.certificates.fonts import text_width, wrap

PAGE_W, PAGE_H = 297.0, 210.0  # A4 landscape, in millimetres
PT = 25.4 / 72  # millimetres per point

# The two heading columns (official-document layout) and the body column.
LEFT_X, LEFT_W = 20.0, 118.0
RIGHT_X, RIGHT_W = 146.0, 132.0
BODY_X, BODY_W = 34.0, 229.0
BODY_TOP, BODY_BOTTOM = 76.0, 146.0


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


@dataclass
class Line:
    """One laid-out line: its height and the (x, style, size, text) runs on its baseline."""

    height: float
    runs: list[tuple[float, str, float, str]]


def centred(text: str, style: str, size: float, centre: float) -> float:
    return centre - text_width(text, style, size) / 2


def line_height(size: float) -> float:
    return size * PT * 1.5


def fitted(
    chunks: list[str], style: str, sizes: Iterable[float], width: float, most: int
) -> tuple[float, list[str]]:
    """The largest size at which the chunks take at most `most` lines (else the smallest)."""
    for size in sizes:
        lines = wrap(chunks, width, style, size)
        if len(lines) <= most:
            return size, lines
    return size, lines


def steps(start: float, stop: float) -> Iterator[float]:
    size = start
    while size > stop:
        yield size
        size -= 0.5
    yield stop


def labelled(
    label: str,
    chunks: list[str],
    size: float,
    smallest: float,
    most: int,
    x: float = BODY_X,
    width: float = BODY_W,
) -> list[Line]:
    """`Label: value` with the value in bold, wrapped under itself (hanging indent)."""
    label_width = text_width(label + " ", "", size)
    value_size, lines = fitted(chunks, "B", steps(size, smallest), width - label_width, most)
    height = line_height(max(size, value_size))
    result = [Line(height, [(x, "", size, label), (x + label_width, "B", value_size, lines[0])])]
    result += [
        Line(line_height(value_size), [(x + label_width, "B", value_size, line)])
        for line in lines[1:]
    ]
    return result


def body_lines(face: CertificateFace, scale: float) -> list[Line]:
    """The recorded details, at a given scale (1 = the normal sizes)."""
    size = 15 * scale
    lines = labelled("Chứng nhận đồng chí:", [face.full_name], size, 13 * scale, 1)
    name_size = lines[0].runs[1][2]
    if name_size == size:  # room to spare: the name a little larger, as the eye looks for it
        label_end = lines[0].runs[1][0]
        for bigger in steps(19 * scale, size):
            if text_width(face.full_name, "B", bigger) <= BODY_X + BODY_W - label_end:
                lines = [
                    Line(
                        line_height(bigger),
                        [lines[0].runs[0], (label_end, "B", bigger, face.full_name)],
                    )
                ]
                break

    rank_lines: list[Line] = []
    if face.rank and face.position:
        half = BODY_W * 0.38
        rank = labelled("Cấp bậc:", [face.rank], size, size, 1, width=half)
        rank_end = rank[0].runs[1][0] + text_width(face.rank, "B", size)
        if len(rank) == 1 and rank_end <= BODY_X + half:
            position = labelled(
                "Chức vụ:",
                [face.position],
                size,
                12 * scale,
                2,
                x=BODY_X + half,
                width=BODY_W - half,
            )
            rank_lines = [
                Line(max(rank[0].height, position[0].height), rank[0].runs + position[0].runs),
                *position[1:],
            ]
        else:
            rank_lines = [
                *labelled("Cấp bậc:", [face.rank], size, 12 * scale, 2),
                *labelled("Chức vụ:", [face.position], size, 12 * scale, 2),
            ]
    elif face.rank:
        rank_lines = labelled("Cấp bậc:", [face.rank], size, 12 * scale, 2)
    elif face.position:
        rank_lines = labelled("Chức vụ:", [face.position], size, 12 * scale, 2)
    lines += rank_lines

    if face.unit_chain:
        chunks = [f"{unit}," for unit in face.unit_chain[:-1]] + [face.unit_chain[-1]]
        units = labelled("Đơn vị:", chunks, size, 13 * scale, 2)
        if len(units) > 2:  # a deep chain: three lines rather than small print
            units = labelled("Đơn vị:", chunks, size, 11 * scale, 3)
        lines += units

    lines.append(Line(line_height(size), [(BODY_X, "", size, "Đã hoàn thành khóa bồi dưỡng:")]))
    course_size, course = fitted(
        face.course_title.split(), "B", steps(18 * scale, 13 * scale), BODY_W, 2
    )
    for text in course:
        x = centred(text, "B", course_size, BODY_X + BODY_W / 2)
        lines.append(Line(line_height(course_size) * 1.05, [(x, "B", course_size, text)]))

    result = "Kết quả: "
    completed = "Ngày hoàn thành: "
    score = score_text(face.score)
    runs = [(BODY_X, "", size, result)]
    runs.append((BODY_X + text_width(result, "", size), "B", size, score))
    runs.append((BODY_X + BODY_W * 0.38, "", size, completed))
    completed_x = BODY_X + BODY_W * 0.38 + text_width(completed, "", size)
    runs.append((completed_x, "B", size, vietnamese_date(face.completed_on)))
    lines.append(Line(line_height(size), runs))
    if face.expires_on is not None:
        expiry = f"Có giá trị đến ngày {vietnamese_date(face.expires_on)}"
        lines.append(Line(line_height(size), [(BODY_X, "I", size, expiry)]))
    return lines


def fit_body(face: CertificateFace) -> list[Line]:
    """The body at the largest scale (down to 0.7) at which it fits between title and signature."""
    available = BODY_BOTTOM - BODY_TOP
    scale = 1.0
    lines = body_lines(face, scale)
    while sum(line.height for line in lines) > available and scale > 0.7:
        scale -= 0.05
        lines = body_lines(face, scale)
    return lines
