"""Time the certificate PDF: one certificate (median of 50) and a 500-certificate unit PDF.

    .venv/bin/python benchmarks/certificate_pdf.py [--count 500] [--repeat 50]

Pure layout, no database: the faces are generated (Vietnamese names, ranks and unit chains of
one to six levels, one course title in five of 120 characters). Also times cutting the fonts
from the variable Noto Serif once (what the first PDF on a machine pays). Prints Markdown.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import io
import os
import resource
import statistics
import tempfile
import time
from pathlib import Path

import fontpkg
from pypdf import PdfReader

from lms.certificates import fonts
from lms.certificates.pdf import CertificateFace, render_certificate, write_certificates

FAMILY_NAMES = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Võ", "Đặng", "Bùi", "Đỗ"]
MIDDLE = ["Văn", "Thị", "Hữu", "Đức", "Minh", "Thị Thanh", "Quốc", "Ngọc"]
GIVEN = ["An", "Bình", "Cường", "Dũng", "Hạnh", "Hương", "Khánh Linh", "Phương Thảo", "Tuấn"]
RANKS = ["Thiếu úy", "Trung úy", "Thượng úy", "Đại úy", "Thiếu tá", "Trung tá", ""]
POSITIONS = ["Trợ lý dân vận", "Chính trị viên", "Đồn trưởng", "Phó Chính ủy", ""]
CHAIN = [
    "Tổ công tác dân vận số 3",
    "Đội Vận động quần chúng",
    "Đồn Biên phòng Cửa khẩu Quốc tế Cầu Treo",
    "Bộ Chỉ huy Bộ đội Biên phòng tỉnh Hà Tĩnh",
    "Bộ Tư lệnh Bộ đội Biên phòng",
    "Bộ Quốc phòng",
]
COURSES = [
    "Công tác dân vận ở vùng đồng bào dân tộc thiểu số",
    "Kỹ năng tuyên truyền, vận động quần chúng",
    "Quy chế dân chủ ở cơ sở",
    "Phòng, chống diễn biến hòa bình trên không gian mạng",
    "Bồi dưỡng kiến thức, kỹ năng công tác dân vận, vận động quần chúng tham gia xây dựng "
    "nền quốc phòng toàn dân vững mạnh ở",
]


def face(n: int) -> CertificateFace:
    return CertificateFace(
        serial=f"DV-2026-{n:06d}",
        verification_url=f"https://lms.example.vn/verify/{n:04d}q2Xk9vB7mYpL0aZc4TnRw8sHd1eUf6G",
        full_name=f"{FAMILY_NAMES[n % 10]} {MIDDLE[n % 8]} {GIVEN[n % 9]}",
        rank=RANKS[n % 7],
        position=POSITIONS[n % 5],
        unit_chain=CHAIN[n % 6 :],
        course_title=COURSES[n % 5],
        score=None if n % 4 == 0 else 70 + (n % 300) / 10,
        completed_on=dt.date(2026, 11, 1) + dt.timedelta(days=n % 28),
        issued_on=dt.date(2026, 12, 5),
        expires_on=dt.date(2028, 12, 5) if n % 3 == 0 else None,
        issuer_name="Bộ Chỉ huy Quân sự tỉnh Hà Tĩnh",
        signer_title="CHỈ HUY TRƯỞNG",
        place="Hà Tĩnh",
        status_note=None,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=500)
    parser.add_argument("--repeat", type=int, default=50)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as scratch:
        start = time.perf_counter()
        for style, (source_style, wght) in fonts.STYLES.items():
            source = fontpkg.path("Noto Serif", 400, source_style)
            fonts.cut_font(source, wght, Path(scratch) / f"{style or 'R'}.ttf")
        cut = time.perf_counter() - start

    one = dataclasses.replace(face(7), unit_chain=CHAIN[3:])
    render_certificate(one)  # fonts cut or found in the cache, modules warm
    timings, cpu_timings = [], []
    for _ in range(args.repeat):
        start, cpu = time.perf_counter(), time.process_time()
        single = render_certificate(one)
        timings.append(time.perf_counter() - start)
        cpu_timings.append(time.process_time() - cpu)
    longest = dataclasses.replace(one, unit_chain=CHAIN, course_title=COURSES[4])
    long_timings = []
    for _ in range(args.repeat):
        start = time.perf_counter()
        render_certificate(longest)
        long_timings.append(time.perf_counter() - start)

    faces = [face(n) for n in range(1, args.count + 1)]
    out = io.BytesIO()
    start, cpu = time.perf_counter(), time.process_time()
    pages = write_certificates(iter(faces), out)
    bulk, bulk_cpu = time.perf_counter() - start, time.process_time() - cpu
    assert pages == len(PdfReader(io.BytesIO(out.getvalue())).pages) == args.count
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    def ms(values: list[float]) -> str:
        ordered = sorted(values)
        p95 = ordered[int(len(ordered) * 0.95) - 1]
        return f"{statistics.median(values) * 1000:.0f} ms (p95 {p95 * 1000:.0f} ms)"

    load = os.getloadavg()[0]
    print(f"Load average when done: {load:.1f} on {os.cpu_count()} cores.\n")
    print("| measure | result |")
    print("|---|---|")
    print(f"| cutting the three fonts (first PDF on a machine only) | {cut:.1f} s |")
    print(
        f"| one certificate, median of {args.repeat} | {ms(timings)}; CPU "
        f"{statistics.median(cpu_timings) * 1000:.0f} ms; {len(single):,} bytes |"
    )
    print(f"| one certificate, 6-level chain and 120-character course | {ms(long_timings)} |")
    print(
        f"| {args.count} certificates in one PDF | {bulk:.1f} s "
        f"({bulk / args.count * 1000:.0f} ms a page; {bulk_cpu:.1f} s of CPU), "
        f"{out.tell() / 1_000_000:.1f} MB |"
    )
    print(f"| peak memory of the process | {peak_mb:.0f} MB |")


if __name__ == "__main__":
    main()
