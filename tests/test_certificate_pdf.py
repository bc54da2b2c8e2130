"""The certificate PDF: what a reader (and a text extractor, and a QR scanner) finds on it."""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import logging
import os
import re
import shutil
import subprocess
import unicodedata
from pathlib import Path

import pytest
from fpdf import FPDF
from pypdf import PdfReader

from lms.certificates import fonts, layout, pdf
from lms.certificates.pdf import (
    CertificateFace,
    render_certificate,
    render_certificates,
    write_certificates,
)

NORMAL = CertificateFace(
    serial="DV-2026-000123",
    verification_url="https://lms.example.vn/verify/3q2Xk9vB7mYpL0aZc4TnRw8sHd1eUf6GjKo5iV",
    full_name="Nguyễn Thị Hồng Nhung",
    rank="Đại úy",
    position="Chính trị viên",
    unit_chain=["Đồn Biên phòng Cầu Treo", "Bộ Chỉ huy Bộ đội Biên phòng tỉnh Hà Tĩnh"],
    course_title="Công tác dân vận ở vùng đồng bào dân tộc thiểu số",
    score=92.5,
    completed_on=dt.date(2026, 11, 28),
    issued_on=dt.date(2026, 12, 5),
    expires_on=dt.date(2028, 12, 5),
    issuer_name="Bộ Chỉ huy Quân sự tỉnh Hà Tĩnh",
    signer_title="CHỈ HUY TRƯỞNG",
    place="Hà Tĩnh",
    status_note=None,
)
LONG_COURSE = (
    "Bồi dưỡng kiến thức, kỹ năng công tác dân vận, vận động quần chúng tham gia xây dựng "
    "nền quốc phòng toàn dân vững mạnh ở"
)
LONG = dataclasses.replace(
    NORMAL,
    full_name="Tôn Nữ Thị Phương Thảo Nguyễn Hoàng Bảo Ngọc Khánh Linh",
    rank="Thượng tá",
    position="Phó Chính ủy kiêm Trưởng phòng Chính trị",
    unit_chain=[
        "Tổ công tác dân vận số 3",
        "Đội Vận động quần chúng",
        "Đồn Biên phòng Cửa khẩu Quốc tế Cầu Treo",
        "Bộ Chỉ huy Bộ đội Biên phòng tỉnh Hà Tĩnh",
        "Bộ Tư lệnh Bộ đội Biên phòng",
        "Bộ Quốc phòng",
    ],
    course_title=LONG_COURSE,
    score=None,
    expires_on=None,
)
# Every Vietnamese letter, in both cases, with every tone mark.
VIETNAMESE = unicodedata.normalize(
    "NFC",
    "".join(
        base + tone
        for base in "aăâeêioôơuưy"
        for tone in ("", "\u0300", "\u0301", "\u0303", "\u0309", "\u0323")
    )
    + "đ",
)


def text_of(document: bytes, page: int = 0) -> str:
    """The page's text with every run of white space (line breaks included) as one space."""
    reader = PdfReader(io.BytesIO(document))
    return re.sub(r"\s+", " ", reader.pages[page].extract_text())


def test_the_long_texts_are_as_long_as_the_brief_says() -> None:
    assert len(LONG_COURSE) == 120
    assert len(LONG.unit_chain) == 6


@pytest.mark.parametrize("face", [NORMAL, LONG], ids=["normal", "long"])
def test_extracted_text_holds_the_recorded_strings_exactly(face: CertificateFace) -> None:
    document = render_certificate(face)

    reader = PdfReader(io.BytesIO(document))
    assert len(reader.pages) == 1
    assert reader.metadata.title == "Giấy chứng nhận DV-2026-000123"
    box = reader.pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (842, 595)  # A4 landscape
    text = text_of(document)
    assert text == unicodedata.normalize("NFC", text)
    for recorded in (face.full_name, face.rank, face.position, face.course_title):
        assert recorded in text
    assert ", ".join(face.unit_chain) in text
    for expected in (
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Độc lập - Tự do - Hạnh phúc",
        "BỘ CHỈ HUY QUÂN SỰ TỈNH HÀ TĨNH",
        "GIẤY CHỨNG NHẬN",
        "Số: DV-2026-000123",
        "Chứng nhận đồng chí:",
        "Đã hoàn thành khóa bồi dưỡng:",
        "Ngày hoàn thành: 28/11/2026",
        "Hà Tĩnh, ngày 05 tháng 12 năm 2026",
        "CHỈ HUY TRƯỞNG",
        "Quét mã QR để xác minh",
    ):
        assert expected in text


def test_score_expiry_and_their_absence() -> None:
    normal = text_of(render_certificate(NORMAL))
    assert "Kết quả: 92,5%" in normal
    assert "Có giá trị đến ngày 05/12/2028" in normal

    without = text_of(render_certificate(LONG))
    assert "Kết quả: Đạt yêu cầu" in without
    assert "Có giá trị" not in without
    assert "%" not in without


def test_score_and_dates_in_the_vietnamese_forms() -> None:
    assert layout.score_text(100.0) == "100%"
    assert layout.score_text(80) == "80%"
    assert layout.score_text(92.46) == "92,5%"
    assert layout.score_text(None) == "Đạt yêu cầu"
    place = "Hà Tĩnh"
    assert layout.place_and_date(place, dt.date(2026, 3, 7)) == "Hà Tĩnh, ngày 07 tháng 3 năm 2026"
    assert layout.place_and_date(place, dt.date(2027, 2, 1)) == "Hà Tĩnh, ngày 01 tháng 02 năm 2027"
    assert (
        layout.place_and_date(place, dt.date(2027, 1, 31)) == "Hà Tĩnh, ngày 31 tháng 01 năm 2027"
    )
    assert layout.place_and_date("Vinh", dt.date(2026, 11, 20)) == "Vinh, ngày 20 tháng 11 năm 2026"
    assert layout.vietnamese_date(dt.date(2026, 3, 7)) == "07/03/2026"


def test_decomposed_input_prints_composed_letters() -> None:
    face = dataclasses.replace(
        NORMAL,
        full_name=unicodedata.normalize("NFD", NORMAL.full_name),
        unit_chain=[unicodedata.normalize("NFD", unit) for unit in NORMAL.unit_chain],
    )

    text = text_of(render_certificate(face))

    assert NORMAL.full_name in text
    assert ", ".join(NORMAL.unit_chain) in text


def test_every_vietnamese_letter_has_a_glyph(caplog: pytest.LogCaptureFixture) -> None:
    face = dataclasses.replace(
        NORMAL, full_name=VIETNAMESE[:70], position=VIETNAMESE[70:], rank=VIETNAMESE.upper()[:60]
    )

    with caplog.at_level(logging.WARNING, logger="fpdf"):
        text = text_of(render_certificate(face))

    assert not [record for record in caplog.records if "missing" in record.getMessage()]
    assert VIETNAMESE[:70] in text
    assert VIETNAMESE.upper()[:60] in text


def test_rank_or_position_may_be_missing() -> None:
    neither = text_of(render_certificate(dataclasses.replace(NORMAL, rank="", position="")))
    assert "Cấp bậc" not in neither
    assert "Chức vụ" not in neither

    only_position = text_of(render_certificate(dataclasses.replace(NORMAL, rank="")))
    assert "Cấp bậc" not in only_position
    assert "Chức vụ: Chính trị viên" in only_position


def test_empty_texts_leave_their_places_empty() -> None:
    blank = dataclasses.replace(
        NORMAL,
        full_name="",
        rank="",
        position="",
        unit_chain=[],
        course_title=" ",
        issuer_name="",
        signer_title="",
        place="",
        status_note="",
    )

    text = text_of(render_certificate(blank))

    assert "GIẤY CHỨNG NHẬN" in text
    assert "Đơn vị" not in text
    assert "ngày 05 tháng 12 năm 2026" in text


def test_status_note_is_printed_across_the_page_only_when_set() -> None:
    assert "ĐÃ THU HỒI" not in text_of(render_certificate(NORMAL))

    revoked = render_certificate(dataclasses.replace(NORMAL, status_note="ĐÃ THU HỒI"))

    assert "ĐÃ THU HỒI" in text_of(revoked)
    assert NORMAL.full_name in text_of(revoked)


@pytest.mark.parametrize("face", [NORMAL, LONG], ids=["normal", "long"])
def test_long_texts_stay_inside_the_body(face: CertificateFace) -> None:
    """Laid out, no run passes the body's right edge and the body ends above the signature."""
    with pdf._open_document() as document:
        document.add_page()
        check_body_fits(document, face)


def check_body_fits(document: FPDF, face: CertificateFace) -> None:
    lines = layout.fit_body(face)

    assert sum(line.height for line in lines) <= layout.BODY_BOTTOM - layout.BODY_TOP
    for line in lines:
        for x, style, size, text in line.runs:
            document.set_font(pdf.FAMILY, style, size)
            assert x >= layout.BODY_X
            assert x + document.get_string_width(text) <= layout.BODY_X + layout.BODY_W + 0.01
    sizes = [size for line in lines for _, _, size, _ in line.runs]
    assert min(sizes) >= (10 if face is LONG else 15)  # shrunk a little at most, still readable


def test_measured_widths_are_fpdf2s() -> None:
    with pdf._open_document() as document:
        for style in ("", "B", "I"):
            document.set_font(pdf.FAMILY, style, 13.5)
            for text in (LONG_COURSE, LONG.full_name, VIETNAMESE, "Số: DV-2026-000123"):
                assert fonts.text_width(text, style, 13.5) == pytest.approx(
                    document.get_string_width(text), abs=1e-6
                )


def test_wrapping_breaks_between_units_before_breaking_a_unit() -> None:
    with pdf._open_document() as document:
        document.add_page()
        document.set_font(pdf.FAMILY, "B", 14)
        chunks = [f"{unit}," for unit in LONG.unit_chain[:-1]] + [LONG.unit_chain[-1]]

        lines = fonts.wrap(chunks, 150, "B", 14)

        assert " ".join(lines) == ", ".join(LONG.unit_chain)
        assert all(line.endswith(",") for line in lines[:-1])
        assert all(document.get_string_width(line) <= 150 for line in lines)
        # A single word wider than the line is cut rather than overflowing.
        cut = fonts.wrap(["x" * 200], 50, "B", 14)
        assert "".join(cut) == "x" * 200
        assert all(document.get_string_width(line) <= 50 for line in cut)


def test_qr_code_decodes_to_the_verification_url(tmp_path: Path) -> None:
    if shutil.which("pdftoppm") is None:
        if os.environ.get("CI"):  # .ci/run installs it: the QR code must be read there
            pytest.fail("pdftoppm (poppler-utils) not found; CI must render the page")
        pytest.skip("pdftoppm (poppler-utils) is not installed: cannot render the page")
    zxingcpp = pytest.importorskip("zxingcpp")
    from PIL import Image

    source = tmp_path / "certificate.pdf"
    source.write_bytes(render_certificate(NORMAL))
    subprocess.run(
        ["pdftoppm", "-r", "150", "-png", "-singlefile", str(source), str(tmp_path / "page")],
        check=True,
    )

    with Image.open(tmp_path / "page.png") as image:
        results = zxingcpp.read_barcodes(image)

    assert [result.text for result in results] == [NORMAL.verification_url]
    assert results[0].format == zxingcpp.BarcodeFormat.QRCode


def test_bulk_pdf_has_a_page_per_face_in_order_and_embeds_each_font_once() -> None:
    faces = [
        dataclasses.replace(NORMAL, serial=f"DV-2026-{n:06d}", full_name=f"Lê Văn Số {n}")
        for n in range(1, 8)
    ]
    out = io.BytesIO()
    seen: list[int] = []

    written = write_certificates(iter(faces), out, progress=seen.append)

    assert written == 7
    assert seen == [1, 2, 3, 4, 5, 6, 7]
    reader = PdfReader(io.BytesIO(out.getvalue()))
    assert len(reader.pages) == 7
    for index, page in enumerate(reader.pages):
        text = re.sub(r"\s+", " ", page.extract_text())
        assert f"Số: DV-2026-{index + 1:06d}" in text
        assert f"Lê Văn Số {index + 1}" in text
    font_files = {
        font.get_object()["/DescendantFonts"][0]
        .get_object()["/FontDescriptor"]["/FontFile2"]
        .indirect_reference.idnum
        for page in reader.pages
        for font in page["/Resources"]["/Font"].values()
    }
    assert len(font_files) == 3  # regular, bold, italic: once for the whole document
    assert render_certificates(faces[:2]).startswith(b"%PDF-")


def test_nothing_to_render_is_an_error_and_writes_nothing() -> None:
    out = io.BytesIO()

    with pytest.raises(ValueError, match="no certificates"):
        write_certificates([], out)
    with pytest.raises(ValueError, match="no certificates"):
        render_certificates([])

    assert out.getvalue() == b""


def test_fonts_are_cut_once_and_reused(monkeypatch: pytest.MonkeyPatch) -> None:
    files = fonts.font_files()
    assert set(files) == {"", "B", "I"}
    assert all(path.stat().st_size < 80_000 for path in files.values())

    def cut_again(*args: object) -> None:
        raise AssertionError("the fonts were cut again")

    monkeypatch.setattr(fonts, "cut_font", cut_again)
    assert render_certificate(NORMAL).startswith(b"%PDF-")


@pytest.mark.parametrize("broken", ["no folder", "folder not writable"])
def test_fonts_are_cut_into_a_private_folder_when_the_cache_is_not_writable(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, broken: str
) -> None:
    cut = fonts.font_files()
    cache = tmp_path / "cache"
    if broken == "no folder":
        cache.write_text("")  # a file where the folder would go: mkdir fails

    def copy_cut(source: Path, wght: int, target: Path) -> None:
        if target.is_relative_to(cache):
            raise PermissionError(13, "Permission denied", str(target))
        style = target.stem.removeprefix(f"{pdf.FAMILY}-").replace("R", "")
        shutil.copy(cut[style], target)

    monkeypatch.setattr(fonts, "_font_files", {})
    monkeypatch.setattr(fonts, "_cache_dir", lambda: cache / "lms" / "fonts")
    monkeypatch.setattr(fonts, "cut_font", copy_cut)

    files = fonts.font_files()

    assert set(files) == {"", "B", "I"}
    for style, path in files.items():
        assert path.parent.name.startswith("lms-fonts-")
        assert path.read_bytes() == cut[style].read_bytes()
