"""The question bank: GIFT files in and out of a course, all or nothing."""

from __future__ import annotations

import pytest
from flask_babel import force_locale
from sqlalchemy import func, select

from lms.errors import ImportRefused
from lms.extensions import db
from lms.quizzes import bank, gift
from lms.quizzes.models import Question

GIFT = """$CATEGORY: dan-van/co-ban

::Q1:: Phương châm "dân vận khéo" do ai nêu ra? {=Chủ tịch Hồ Chí Minh ~Một nhà báo ~Không rõ}

::Q2:: Cán bộ dân vận cần "nói đi đôi với làm". {T}

::Q3:: Chọn các việc nên làm khi đến thăm một gia đình đồng bào: {
  ~%50%Hỏi trước phong tục của gia đình
  ~%50%Lắng nghe người lớn tuổi
  ~%-100%Tự ý chụp ảnh nơi thờ cúng
}

::Q4:: Nêu cảm nghĩ của đồng chí về vai trò của người có uy tín. {}
"""


def count() -> int:
    return db.session.scalar(select(func.count()).select_from(Question))


def test_import_then_export_gives_the_same_questions(make_course):
    course = make_course()
    assert bank.import_gift(course, GIFT, actor=None) == 4
    db.session.commit()
    questions = bank.bank(course)
    assert [q.kind for q in questions] == ["single", "truefalse", "multiple", "essay"]
    assert questions[0].category == "dan-van/co-ban"
    assert questions[0].content["choices"][0]["text"] == "Chủ tịch Hồ Chí Minh"
    exported = bank.export_gift(course)
    assert gift.parse(exported) == gift.parse(GIFT)
    other = make_course("khac")
    bank.import_gift(other, exported, actor=None)
    assert [bank.from_content(q.content) for q in bank.bank(other)] == gift.parse(GIFT)


def test_a_bad_file_adds_nothing_and_says_where(make_course):
    course = make_course()
    broken = GIFT + "\n::Q5:: Câu hỏi hỏng {=Đúng ~Sai\n"
    with force_locale("en"), pytest.raises(ImportRefused) as refused:
        bank.import_gift(course, broken, actor=None)
    db.session.rollback()
    assert [p.line for p in refused.value.problems] == [15]
    assert count() == 0


@pytest.mark.parametrize(
    ("data", "line"),
    [
        (b"::Q:: Cau {T}\n\xff", 2),
        (b"", 1),
        (b"::Q:: a\x00 {T}", 1),
    ],
)
def test_unreadable_files(make_course, data, line):
    course = make_course()
    with pytest.raises(ImportRefused) as refused:
        bank.import_gift(course, bank.decode_gift(data), actor=None)
    assert refused.value.problems[0].line == line
    assert count() == 0


def test_commands(cli, make_course, tmp_path):
    make_course()
    source = tmp_path / "ngan-hang.gift"
    source.write_text(GIFT, encoding="utf-8")
    result = cli("quizzes", "import", str(source), "--course", "dan-van")
    assert result.exit_code == 0, result.output
    assert count() == 4
    target = tmp_path / "ra.gift"
    result = cli("quizzes", "export", "--course", "dan-van", str(target))
    assert result.exit_code == 0, result.output
    assert gift.parse(target.read_text(encoding="utf-8")) == gift.parse(GIFT)
    source.write_text("::X:: {=\n", encoding="utf-8")
    result = cli("quizzes", "import", str(source), "--course", "dan-van")
    assert result.exit_code == 1 and "1:" in result.output
    assert cli("quizzes", "import", str(target), "--course", "nope").exit_code == 1
    assert count() == 4
