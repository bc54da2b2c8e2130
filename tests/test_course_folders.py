"""Course folders: sync is idempotent, changes become revisions, errors write nothing, and
sync → export → sync is a fixed point."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from flask_babel import force_locale
from sqlalchemy import func, select

from lms.courses import folders, module_editing, services
from lms.courses.cli import SHIPPED_COURSES_DIR
from lms.courses.models import Course, Module, ModuleRevision
from lms.extensions import db


@pytest.fixture(autouse=True)
def english_messages():
    with force_locale("en"):
        yield


def write_course(
    root: Path,
    slug: str = "thu-nghiem",
    *,
    modules: dict[str, str] | None = None,
    course_md: str | None = None,
) -> Path:
    folder = root / slug
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "course.md").write_text(
        course_md
        or (
            '---\ntitle: Khóa thử nghiệm\nsummary: "Tóm tắt: ngắn"\ntopic: Dân vận\n'
            "status: published\npass_score: 70\ncertificate_valid_months: 24\n---\n\n"
            "Mô tả khóa học.\n"
        ),
        encoding="utf-8",
    )
    for name, text in (
        modules
        if modules is not None
        else {
            "01-mo-dau.md": "---\ntitle: Mở đầu\nminutes: 10\n---\n\n## Phần một\n\nNội dung.\n",
            "02-ky-nang.md": "---\ntitle: Kỹ năng\nminutes: 15\n---\n\n!!! note\n    Lưu ý.\n",
        }
    ).items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


def sync(root: Path) -> folders.FolderSyncResult:
    result = folders.sync_folders(root)
    db.session.commit()
    return result


def counts() -> tuple[int, int, int]:
    return tuple(
        db.session.scalar(select(func.count()).select_from(model))
        for model in (Course, Module, ModuleRevision)
    )


def test_first_sync_creates_then_an_unchanged_folder_writes_nothing(tmp_path, count_queries):
    write_course(tmp_path)
    [report] = sync(tmp_path).reports
    assert report.created and report.modules_added == 2
    course = services.get_course("thu-nghiem", with_modules=True)
    assert course.status == "published" and course.pass_score == 70
    assert course.summary == "Tóm tắt: ngắn"
    assert [m.slug for m in course.modules] == ["mo-dau", "ky-nang"]
    assert course.modules[1].body_html.startswith('<div class="admonition note">')
    before = counts()
    with count_queries() as counter:
        [report] = sync(tmp_path).reports
    assert not report.changed
    assert counts() == before
    writes = [
        s
        for s in counter.statements
        if s.lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE"))
    ]
    assert writes == []


def test_a_changed_module_becomes_a_new_revision_by_the_sync(tmp_path):
    folder = write_course(tmp_path)
    sync(tmp_path)
    (folder / "01-mo-dau.md").write_text(
        "---\ntitle: Mở đầu\nminutes: 12\n---\n\n## Phần một\n\nNội dung mới.\n", encoding="utf-8"
    )
    (folder / "02-ky-nang.md").unlink()
    (folder / "03-doi-thoai.md").write_text(
        "---\ntitle: Đối thoại\nminutes: 20\n---\nBài mới.\n", encoding="utf-8"
    )
    [report] = sync(tmp_path).reports
    assert (report.modules_changed, report.modules_removed, report.modules_added) == (1, 1, 1)
    course = services.get_course("thu-nghiem", with_modules=True)
    first = course.modules[0]
    assert first.revision == 2 and first.minutes == 12 and "Nội dung mới" in first.body_html
    [latest, original] = module_editing.revisions(first)
    assert latest.author_name == folders.SYNC_AUTHOR and original.number == 1
    assert [m.slug for m in course.modules] == ["mo-dau", "doi-thoai"]


@pytest.mark.parametrize(
    ("files", "where", "fragment"),
    [
        ({"course.md": "---\ntitle: [unclosed\n---\n"}, "course.md:2", "not valid YAML"),
        ({"course.md": "---\ntitle: Tên\ncolour: red\n---\n"}, "course.md:3", "unknown setting"),
        ({"course.md": "---\ntitle: Tên\npass_score: high\n---\n"}, "course.md:3", "wrong type"),
        ({"course.md": "---\ntitle: Tên\npass_score: 150\n---\n"}, "course.md:3", "0 to 100"),
        ({"course.md": "---\ntitle: Tên\nstatus: secret\n---\n"}, "course.md:3", "status"),
        ({"course.md": "no front matter\n"}, "course.md:1", "front matter"),
        ({"course.md": "---\ntitle: Tên\n"}, "course.md:1", "not closed"),
        (
            {"01-a.md": "---\ntitle: A\n---\nx\n", "01-b.md": "---\ntitle: B\n---\ny\n"},
            "01-b.md",
            "number 1",
        ),
        ({"1-bad name.md": "---\ntitle: A\n---\n"}, "1-bad name.md", "NN-short-name"),
        ({"01-a.md": "---\ntitle: A\nminutes: 0\n---\n"}, "01-a.md:3", "minutes"),
        ({"01-a.md": "---\ntitle: A\nauthor: me\n---\n"}, "01-a.md:3", "unknown setting"),
        ({"01-a.md": "---\nminutes: 5\n---\n"}, "01-a.md:2", "title"),
        ({"01-a.md": b"---\ntitle: \xff\xfe\n---\n"}, "01-a.md:2", "UTF-8"),
        ({"course.md": "---\ntitle: Tên\ntitle: Lại\n---\n"}, "course.md:3", "twice"),
        ({"course.md": "---\ntitle: " + "T" * 300 + "\n---\n"}, "course.md:2", "255"),
        ({"02-b.MD": "---\ntitle: B\n---\n"}, "02-b.MD", "unexpected"),
        ({"notes.txt": "ghi chú"}, "notes.txt", "unexpected"),
    ],
)
def test_a_folder_with_an_error_changes_nothing_of_its_course(tmp_path, files, where, fragment):
    folder = write_course(tmp_path)
    sync(tmp_path)
    before = counts()
    good_change = "---\ntitle: Mở đầu đã sửa\nminutes: 10\n---\nĐã sửa.\n"
    (folder / "01-mo-dau.md").write_text(good_change, encoding="utf-8")
    for name, content in files.items():
        path = folder / name
        path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
    result = sync(tmp_path)
    assert result.reports == []
    problems = [str(p) for p in result.refused["thu-nghiem"]]
    assert any(where in p and fragment in p for p in problems), problems
    assert counts() == before
    assert services.get_course("thu-nghiem", with_modules=True).modules[0].title == "Mở đầu"


def test_other_courses_still_sync_when_one_is_refused(tmp_path):
    write_course(tmp_path, "tot")
    write_course(tmp_path, "hong", course_md="---\ntitle: Hỏng\nbogus: 1\n---\n")
    result = sync(tmp_path)
    assert [r.slug for r in result.reports] == ["tot"]
    assert set(result.refused) == {"hong"}
    assert services.get_course("hong") is None


def test_sync_export_sync_is_a_fixed_point(tmp_path):
    source = tmp_path / "source"
    write_course(source)
    sync(source)
    first, second = tmp_path / "first", tmp_path / "second"
    course = services.get_course("thu-nghiem", with_modules=True)
    folders.export_course(course, list(course.modules), first)
    [report] = sync(first).reports
    assert not report.changed  # the export says exactly what the database holds
    course = services.get_course("thu-nghiem", with_modules=True)
    folders.export_course(course, list(course.modules), second)
    names = sorted(p.name for p in (first / "thu-nghiem").iterdir())
    assert names == sorted(p.name for p in (second / "thu-nghiem").iterdir())
    for name in names:
        assert (first / "thu-nghiem" / name).read_bytes() == (
            second / "thu-nghiem" / name
        ).read_bytes()
    assert (
        (first / "thu-nghiem" / "course.md")
        .read_text(encoding="utf-8")
        .startswith("---\ntitle: Khóa thử nghiệm\nsummary: 'Tóm tắt: ngắn'\n")
    )


def test_web_edits_export_and_sync_back(tmp_path, make_course):
    course = make_course("web")
    module = course.modules[0]
    module_editing.save_module(
        module,
        base_revision=module.revision,
        title="Tiêu đề: có hai chấm",
        minutes=7,
        body_md="Dòng một\r\n\r\nDòng hai  \n\n\n",
        author=None,
    )
    db.session.commit()
    folders.export_course(course, list(course.modules), tmp_path)
    [report] = sync(tmp_path).reports
    assert not report.changed


def test_the_shipped_courses_sync_cleanly(tmp_path):
    shutil.copytree(SHIPPED_COURSES_DIR, tmp_path / "courses")
    result = sync(tmp_path / "courses")
    assert result.refused == {}
    assert result.reports and all(r.created for r in result.reports)
    for report in result.reports:
        course = services.get_course(report.slug, with_modules=True)
        assert course.status == "published" and len(course.modules) >= 3


def test_sync_and_export_commands(cli, tmp_path):
    write_course(tmp_path / "src")
    result = cli("courses", "sync", str(tmp_path / "src"))
    assert result.exit_code == 0, result.output
    result = cli("courses", "export", "thu-nghiem", str(tmp_path / "out"))
    assert result.exit_code == 0, result.output
    assert (tmp_path / "out" / "thu-nghiem" / "01-mo-dau.md").exists()
    (tmp_path / "src" / "thu-nghiem" / "course.md").write_text("---\nbad: 1\n---\n")
    result = cli("courses", "sync", str(tmp_path / "src"))
    assert result.exit_code == 1 and "course.md:2" in result.output
    assert cli("courses", "export", "nope", str(tmp_path)).exit_code == 1
    (tmp_path / "blocked").mkdir()
    (tmp_path / "blocked" / "thu-nghiem").write_text("a file where the folder should be")
    result = cli("courses", "export", "thu-nghiem", str(tmp_path / "blocked"))
    assert result.exit_code == 1 and "Traceback" not in result.output


def test_web_edits_survive_a_sync_of_an_unchanged_folder(tmp_path, people):
    write_course(tmp_path)
    sync(tmp_path)
    course = services.get_course("thu-nghiem", with_modules=True)
    module = course.modules[0]
    module_editing.save_module(
        module,
        base_revision=1,
        title="Mở đầu (sửa trên web)",
        minutes=10,
        body_md="Bản sửa trên web",
        author=people["trainer"],
    )
    services.set_status(course, "draft", actor=None)
    added = module_editing.add_module(course, title="Bài viết trên web", author=people["trainer"])
    db.session.commit()
    [report] = sync(tmp_path).reports
    assert not report.changed
    course = services.get_course("thu-nghiem", with_modules=True)
    assert course.status == "draft"
    assert course.modules[0].title == "Mở đầu (sửa trên web)"
    assert added.slug in [m.slug for m in course.modules]


def test_a_change_on_both_sides_is_refused(tmp_path, people):
    folder = write_course(tmp_path)
    sync(tmp_path)
    course = services.get_course("thu-nghiem", with_modules=True)
    module_editing.save_module(
        course.modules[0],
        base_revision=1,
        title="Mở đầu",
        minutes=10,
        body_md="Sửa trên web",
        author=people["trainer"],
    )
    db.session.commit()
    (folder / "01-mo-dau.md").write_text(
        "---\ntitle: Mở đầu\nminutes: 10\n---\nSửa trong tệp\n", encoding="utf-8"
    )
    result = sync(tmp_path)
    [problem] = result.refused["thu-nghiem"]
    assert "01-mo-dau.md" in str(problem) and "changed on the web" in str(problem)
    course = services.get_course("thu-nghiem", with_modules=True)
    assert "Sửa trên web" in course.modules[0].body_html


def test_a_course_made_on_the_web_is_not_overwritten_by_a_folder(tmp_path, make_course):
    make_course("thu-nghiem", modules=("Bài trên web",))
    write_course(tmp_path)
    result = sync(tmp_path)
    assert "thu-nghiem" in result.refused
    course = services.get_course("thu-nghiem", with_modules=True)
    assert [m.title for m in course.modules] == ["Bài trên web"]


def test_a_published_course_needs_a_module(tmp_path):
    write_course(tmp_path, modules={})
    result = sync(tmp_path)
    assert any("needs a module" in str(p) for p in result.refused["thu-nghiem"])


def test_directories_links_and_huge_files_are_refused(tmp_path):
    folder = write_course(tmp_path)
    (folder / "03-thu-muc.md").mkdir()
    (folder / "04-lien-ket.md").symlink_to(folder / "01-mo-dau.md")
    (folder / "05-lon.md").write_text("---\ntitle: Lớn\n---\n" + "a" * (2 * 1024 * 1024))
    result = sync(tmp_path)
    problems = " ".join(str(p) for p in result.refused["thu-nghiem"])
    assert "03-thu-muc.md" in problems and "04-lien-ket.md" in problems
    assert "05-lon.md" in problems and "larger" in problems
    assert services.get_course("thu-nghiem") is None


GIFT = "::A:: Đúng hay sai? {T}\n\n::B:: Chọn {=Một ~Hai}\n"


def test_gift_files_fill_the_question_bank_and_follow_the_folder(tmp_path):
    from lms.quizzes import bank

    folder = write_course(tmp_path)
    (folder / "kiem-tra.gift").write_text(GIFT, encoding="utf-8")
    [report] = sync(tmp_path).reports
    assert report.questions_added == 2
    course = services.get_course("thu-nghiem")
    assert [q.title for q in bank.bank(course)] == ["A", "B"]
    [report] = sync(tmp_path).reports
    assert not report.changed
    ids = [q.id for q in bank.bank(course)]
    (folder / "kiem-tra.gift").write_text(
        "::B:: Chọn {=Một ~Hai}\n\n::C:: Số? {#3}\n", encoding="utf-8"
    )
    [report] = sync(tmp_path).reports
    assert (report.questions_added, report.questions_removed) == (1, 1)
    assert [q.title for q in bank.bank(course)] == ["B", "C"]
    assert bank.bank(course)[0].id == ids[1]  # unchanged, it keeps its row and its results


def test_a_broken_gift_file_is_reported_with_its_line(tmp_path):
    folder = write_course(tmp_path)
    (folder / "kiem-tra.gift").write_text("::A:: Tốt {T}\n\n::B:: Hỏng {=Một\n")
    result = sync(tmp_path)
    assert any("kiem-tra.gift:3" in str(p) for p in result.refused["thu-nghiem"])
    assert services.get_course("thu-nghiem") is None


def test_questions_edited_on_the_web_and_in_the_file_conflict(tmp_path):
    from lms.quizzes import bank

    folder = write_course(tmp_path)
    (folder / "kiem-tra.gift").write_text(GIFT, encoding="utf-8")
    sync(tmp_path)
    course = services.get_course("thu-nghiem")
    question = bank.bank(course)[0]
    question.content = {**question.content, "text": "Sửa trên web"}
    db.session.commit()
    [report] = sync(tmp_path).reports  # file unchanged: the web edit stands
    assert not report.changed
    (folder / "kiem-tra.gift").write_text(GIFT + "\n::C:: Số? {#3}\n", encoding="utf-8")
    result = sync(tmp_path)
    assert any("kiem-tra.gift" in str(p) for p in result.refused["thu-nghiem"])


def test_export_writes_the_bank_and_stays_a_fixed_point(tmp_path, make_course):
    from lms.quizzes import bank

    source = tmp_path / "source"
    folder = write_course(source)
    (folder / "kiem-tra.gift").write_text(GIFT, encoding="utf-8")
    sync(source)
    course = services.get_course("thu-nghiem", with_modules=True)
    bank.import_gift(course, "::W:: Viết trên web {}\n", actor=None)
    db.session.commit()
    first, second = tmp_path / "first", tmp_path / "second"
    folders.export_course(course, list(course.modules), first)
    db.session.commit()
    assert sorted(p.name for p in (first / "thu-nghiem").glob("*.gift")) == [
        "kiem-tra.gift",
        "questions.gift",
    ]
    [report] = sync(first).reports
    assert not report.changed
    course = services.get_course("thu-nghiem", with_modules=True)
    folders.export_course(course, list(course.modules), second)
    for path in (first / "thu-nghiem").iterdir():
        assert path.read_bytes() == (second / "thu-nghiem" / path.name).read_bytes()


def test_a_folder_names_the_issuer_and_signer_of_its_certificates(tmp_path):
    source = tmp_path / "source"
    write_course(
        source,
        course_md=(
            "---\ntitle: Khóa thử nghiệm\nstatus: published\n"
            "certificate_issuer: Bộ Chỉ huy Bộ đội Biên phòng tỉnh Hà Tĩnh\n"
            "certificate_signer_title: CHÍNH ỦY\n---\n\nMô tả.\n"
        ),
    )
    sync(source)
    course = services.get_course("thu-nghiem", with_modules=True)
    assert course.certificate_issuer == "Bộ Chỉ huy Bộ đội Biên phòng tỉnh Hà Tĩnh"
    assert course.certificate_signer_title == "CHÍNH ỦY"
    out = tmp_path / "out"
    folders.export_course(course, list(course.modules), out)
    written = (out / "thu-nghiem" / "course.md").read_text(encoding="utf-8")
    assert "certificate_issuer: Bộ Chỉ huy Bộ đội Biên phòng tỉnh Hà Tĩnh\n" in written
    assert "certificate_signer_title: CHÍNH ỦY\n" in written
    [report] = sync(out).reports
    assert not report.changed
    write_course(source, course_md="---\ntitle: X\ncertificate_issuer: [1, 2]\n---\n")
    problems = [str(p) for p in sync(source).refused["thu-nghiem"]]
    assert any("course.md" in p and "certificate_issuer" in p for p in problems), problems
