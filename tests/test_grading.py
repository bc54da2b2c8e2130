"""Automatic grading of each question kind, on the snapshot shape a GIFT import produces."""

from __future__ import annotations

import dataclasses

import pytest

from lms.quizzes import gift
from lms.quizzes.grading import credit, parse_number


def snapshot(source: str, **extra) -> dict:
    [question] = gift.parse(source)
    return {**dataclasses.asdict(question), **extra}


@pytest.mark.parametrize(
    ("source", "response", "expected"),
    [
        ("Thủ đô? {=Hà Nội ~Huế ~Đà Nẵng}", {"choice": 0}, 1.0),
        ("Thủ đô? {=Hà Nội ~Huế ~Đà Nẵng}", {"choice": 1}, 0.0),
        ("Thủ đô? {=Hà Nội ~Huế ~Đà Nẵng}", {"choice": 9}, 0.0),
        ("Chọn? {~%50%A ~%50%B ~%-50%C ~%-50%D}", {"choices": [0, 1]}, 1.0),
        ("Chọn? {~%50%A ~%50%B ~%-50%C ~%-50%D}", {"choices": [0, 2]}, 0.0),
        ("Chọn? {~%50%A ~%50%B ~%-50%C ~%-50%D}", {"choices": [2, 3]}, 0.0),
        ("Chọn? {~%50%A ~%50%B ~%-50%C ~%-50%D}", {"choices": [0]}, 0.5),
        ("Đúng không? {T}", {"value": True}, 1.0),
        ("Đúng không? {T}", {"value": False}, 0.0),
        ("Đúng không? {T}", {"value": "true"}, 0.0),
        ("Năm? {#1945}", {"text": "1945"}, 1.0),
        ("Pi? {#3.14:0.01}", {"text": "3,145"}, 1.0),
        ("Pi? {#3.14:0.01}", {"text": "3.2"}, 0.0),
        ("Khoảng? {#1..5}", {"text": " 4 "}, 1.0),
        ("Khoảng? {#1..5}", {"text": "inf"}, 0.0),
        ("Tên? {=dân vận =%50%dan van}", {"text": "  DÂN   Vận "}, 1.0),
        ("Tên? {=dân vận =%50%dan van}", {"text": "dan van"}, 0.5),
        ("Ghép {=A -> 1 =B -> 2 =C -> 3}", {"pairs": {"0": 0, "1": 1, "2": 0}}, 2 / 3),
        ("Viết cảm nghĩ {}", {"text": "..."}, None),
        ("Chỉ là mô tả", {}, 0.0),
    ],
)
def test_credit(source, response, expected):
    assert (
        credit(snapshot(source), response) == pytest.approx(expected)
        if expected is not None
        else credit(snapshot(source), response) is None
    )


def test_short_answers_may_ignore_diacritics_when_the_trainer_says_so():
    question = snapshot("Tên? {=dân vận}", ignore_diacritics=True)
    assert credit(question, {"text": "Dan Van"}) == 1.0
    assert credit({**question, "ignore_diacritics": False}, {"text": "Dan Van"}) == 0.0


def test_numbers_as_cadres_type_them():
    assert parse_number("1 822") == 1822.0
    assert parse_number("3,14") == 3.14
    assert parse_number("1,822.5") is None
    assert parse_number("nan") is None
