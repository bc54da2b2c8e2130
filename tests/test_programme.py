"""The shipped programme (``courses/``) meets the bar issue 15 sets for every course: it syncs
into an empty database without a problem; each course is published with 4–6 modules of at
least 600 words, each module with a case study and a key-points callout; each course has one
quiz, required for completion, of at least 15 questions of at least 4 kinds; the text is NFC,
every module renders cleanly and every quiz file reads back the same after being written.

One test per expectation and per course folder, so that a new course is checked as soon as it
is added and a course that falls short shows exactly where.
"""

from __future__ import annotations

import logging
import re
import shutil
import unicodedata
import warnings
from pathlib import Path

import pytest
from flask_babel import force_locale

from lms.courses import folders, services
from lms.courses.cli import SHIPPED_COURSES_DIR
from lms.courses.markdown import render
from lms.extensions import db
from lms.quizzes import bank, drawing, gift
from lms.quizzes import services as quiz_services

COURSES = [folder.name for folder in folders.course_folders(SHIPPED_COURSES_DIR)]

MIN_WORDS = 600


@pytest.fixture(autouse=True)
def english_messages():
    with force_locale("en"):
        yield


def parsed(slug: str) -> folders.ParsedCourse:
    return folders.parse_folder(SHIPPED_COURSES_DIR / slug)


def callouts(body: str, kind: str) -> int:
    return len(re.findall(rf"^!!! {kind}\b", body, flags=re.MULTILINE))


def test_the_programme_syncs_into_an_empty_database_without_a_problem(cli, tmp_path):
    assert len(COURSES) >= 6  # the six courses of the programme (issue 15)
    shutil.copytree(SHIPPED_COURSES_DIR, tmp_path / "courses")
    result = cli("courses", "sync", str(tmp_path / "courses"))
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert len(lines) >= len(COURSES)
    assert all(
        re.fullmatch(
            r"[a-z0-9-]+: (created with \d+ modules\.|quizzes: \d+ added, 0 changed, 0 removed\."
            r"|question bank: \d+ questions added, 0 removed\.)",
            line,
        )
        for line in lines
    ), result.output
    for slug in COURSES:
        assert services.get_course(slug) is not None


@pytest.mark.parametrize("slug", COURSES)
def test_each_course_is_published_with_four_to_six_modules(slug):
    course = parsed(slug)
    assert course.settings.get("status") == "published"
    assert 4 <= len(course.modules) <= 6, [m.slug for m in course.modules]


@pytest.mark.parametrize("slug", COURSES)
def test_each_module_has_at_least_600_words(slug):
    short = {m.slug: len(m.body.split()) for m in parsed(slug).modules}
    assert short and all(words >= MIN_WORDS for words in short.values()), short


@pytest.mark.parametrize("slug", COURSES)
def test_each_module_has_a_case_study_and_key_points(slug):
    missing = [
        (module.slug, kind)
        for module in parsed(slug).modules
        for kind in ("case", "remember")
        if not callouts(module.body, kind)
    ]
    assert missing == []


@pytest.mark.parametrize("slug", COURSES)
def test_each_course_requires_one_quiz_of_15_questions_of_4_kinds(slug, tmp_path):
    shutil.copytree(SHIPPED_COURSES_DIR / slug, tmp_path / slug)
    result = folders.sync_folders(tmp_path)
    db.session.commit()
    assert result.refused == {}
    course = services.get_course(slug)
    [quiz] = quiz_services.published_quizzes(course)
    assert course.required_quizzes == [quiz.slug]
    assert quiz.question_file == f"{quiz.slug}.gift"
    pool = drawing.question_pool(quiz)
    assert len(pool) >= 15 and len({q.kind for q in pool}) >= 4
    assert (quiz.question_count or len(pool)) <= len(pool)


@pytest.mark.parametrize("slug", COURSES)
def test_the_text_is_nfc(slug):
    for path in sorted((SHIPPED_COURSES_DIR / slug).iterdir()):
        text = path.read_text(encoding="utf-8")
        assert text == unicodedata.normalize("NFC", text), path.name


# Common words typed without their diacritics ("nguoi" for "người"): none of them is a
# Vietnamese word as written, so each is a stand-in.
ASCII_STAND_INS = re.compile(
    r"(?<![\w-])("
    + "|".join(
        [
            "nguoi",
            "khong",
            "duoc",
            "nhung",
            "chung ta",
            "dan van",
            "can bo",
            "chien si",
            "chien sy",
            "ton giao",
            "dan toc",
            "viet nam",
            "ha tinh",
            "huong dan",
            "quan su",
            "cong an",
            "bien phong",
            "nhan dan",
            "bai hoc",
            "khoa hoc",
            "kiem tra",
            "dong bao",
        ]
    )
    + r")(?![\w-])",
    re.IGNORECASE,
)


@pytest.mark.parametrize("slug", COURSES)
def test_no_ascii_stand_ins_for_vietnamese_letters(slug):
    """Module and question text has its diacritics. A short answer's accepted variants
    (``=…`` lines of a .gift file) may list the unaccented spelling on purpose."""
    found = []
    for path in sorted((SHIPPED_COURSES_DIR / slug).iterdir()):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if path.suffix == ".gift" and line.lstrip().startswith(("=", "~", "$CATEGORY")):
                continue
            text = re.sub(r"https?://\S+|\w+(?:-\w+)+", " ", line)  # links and short names
            found += [f"{path.name}:{number}: {m.group(0)}" for m in ASCII_STAND_INS.finditer(text)]
    assert not found


@pytest.mark.parametrize("slug", COURSES)
def test_every_module_renders_without_warnings(slug, caplog):
    course = parsed(slug)
    for module in course.modules:
        with warnings.catch_warnings(record=True) as caught, caplog.at_level(logging.WARNING):
            warnings.simplefilter("always")
            rendered = render(module.body)
        assert caught == [] and caplog.records == [], module.slug
        # Every callout and footnote was understood, not left as source text.
        assert "!!!" not in rendered.text and "[^" not in rendered.text, module.slug
        written = len(re.findall(r"^\s*!!! ", module.body, flags=re.MULTILINE))
        assert rendered.html.count('<div class="admonition ') == written, module.slug


@pytest.mark.parametrize("slug", COURSES)
def test_every_quiz_file_reads_back_the_same_after_being_written(slug):
    for name, questions in parsed(slug).gift_files.items():
        again = gift.parse(gift.write(questions))
        assert [bank.to_content(q) for q in again] == [bank.to_content(q) for q in questions], name
        assert gift.write(again) == gift.write(questions), name


def test_the_shipped_folders_are_the_ones_checked():
    on_disk = sorted(p.name for p in Path(SHIPPED_COURSES_DIR).iterdir() if p.is_dir())
    assert [name for name in on_disk if not name.startswith((".", "_"))] == COURSES


@pytest.mark.parametrize("slug", COURSES)
def test_export_sync_export_of_each_course_is_byte_identical(slug, tmp_path):
    shutil.copytree(SHIPPED_COURSES_DIR / slug, tmp_path / "shipped" / slug)
    assert folders.sync_folders(tmp_path / "shipped").refused == {}
    course = services.get_course(slug, with_modules=True)
    folders.export_course(course, list(course.modules), tmp_path / "first")
    [report] = folders.sync_folders(tmp_path / "first").reports
    assert not report.changed
    folders.export_course(course, list(course.modules), tmp_path / "second")
    first = sorted((tmp_path / "first" / slug).iterdir())
    assert [p.name for p in first] == sorted(p.name for p in (tmp_path / "second" / slug).iterdir())
    for path in first:
        assert path.read_bytes() == (tmp_path / "second" / slug / path.name).read_bytes()
