"""The interface's words follow docs/GLOSSARY.md: one name per role, one meaning per message."""

from __future__ import annotations

from pathlib import Path

from babel.messages.pofile import read_po

CATALOGUE = Path(__file__).parent.parent / "lms/translations/vi/LC_MESSAGES/messages.po"

# Where someone is spoken of as the person being graded, "học viên" is the word (rule 1).
GRADING_MSGIDS = {
    "Cadre",
    "Cadres",
    "Comment for the cadre",
    "of %(n)s graded cadres, by their best attempt",
    "of %(n)s graded cadres, by their last graded attempt",
}


def vietnamese() -> dict[str, str]:
    with CATALOGUE.open("rb") as file:
        catalogue = read_po(file)
    pairs = {}
    for message in catalogue:
        if not message.id:
            continue
        msgid = message.id if isinstance(message.id, str) else message.id[0]
        string = message.string if isinstance(message.string, str) else " ".join(message.string)
        pairs[msgid] = string
    return pairs


def test_hoc_vien_only_where_someone_is_graded():
    outside = {
        msgid: text
        for msgid, text in vietnamese().items()
        if "học viên" in text.lower() and msgid not in GRADING_MSGIDS
    }
    assert outside == {}


def test_the_learner_role_is_named_can_bo_chien_sy():
    assert vietnamese()["Cadre (learner)"] == "Cán bộ, chiến sỹ"


def test_the_awkward_strings_are_gone():
    words = vietnamese()
    assert words["Text only"] == "Đoạn mô tả (không cần trả lời)"
    assert words["Enter the paper sheet"] == "Nhập kết quả từ danh sách ký tên"
    assert words["Assignment closed"] == "Kết thúc đợt giao khóa học"
    assert words["Shown"] == "Số lần ra đề"  # a count, not a state
    for text in words.values():
        assert "Chỉ có nội dung" not in text
        assert "danh sách ký giấy" not in text
        assert "Đóng việc giao" not in text


def test_a_code_and_a_kind_are_named_for_what_they_are():
    words = vietnamese()
    assert words["Code"] == "Mã đơn vị"
    assert words["Check-in code"] == "Mã điểm danh"
    assert words["Kind"] == "Loại đơn vị"
    assert words["Held"] == words["Session format"] == "Hình thức"
    assert words["Question type"] == "Loại câu hỏi"


def test_ty_le_not_ti_le():
    assert not [text for text in vietnamese().values() if "tỉ lệ" in text.lower()]
