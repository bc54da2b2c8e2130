"""Moodle interop: every example of Moodle's GIFT documentation imports as Moodle reads it,
grades as Moodle grades it, and is written back to the same questions.

The corpus is tests/gift_corpus/moodle_docs.gift (the documentation's examples as written
there). What Moodle does with each is read from its importer (question/format/gift/format.php):
a multiple-choice block with an "=" answer is a single-answer question whose "~%n%" answers
earn that share; without one it is a multiple-answer question; in a numerical block the
first "~" starts the feedback for any other answer.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from lms.extensions import db
from lms.quizzes import bank, grading
from lms.quizzes.gift import Choice, NumericAnswer, parse, write
from lms.quizzes.models import Question

CORPUS = Path(__file__).parent / "gift_corpus" / "moodle_docs.gift"


@pytest.fixture(scope="module")
def questions():
    return parse(CORPUS.read_text(encoding="utf-8"))


def find(questions, start: str, kind: str | None = None):
    found = [q for q in questions if q.text.startswith(start) and kind in (None, q.kind)]
    assert found, start
    return found[0]


def snapshot(question) -> dict:
    return {**bank.to_content(question), "ignore_diacritics": False}


def test_every_documented_example_imports(questions):
    assert len(questions) == 42
    kinds = {q.kind for q in questions}
    assert kinds == {
        "single",
        "multiple",
        "truefalse",
        "shortanswer",
        "numerical",
        "matching",
        "essay",
        "description",
    }


def test_one_right_answer_and_weighted_wrong_ones_is_single_answer_with_partial_credit(
    questions,
):
    hometown = find(questions, "Jesus Christ was from", "single")
    assert hometown.choices == [
        Choice("Jerusalem", 0.0, "This was an important city, but the wrong answer."),
        Choice("Bethlehem", 0.25, "He was born here, but not raised here."),
        Choice("Galilee", 0.5, "You need to be more specific."),
        Choice("Nazareth", 1.0, "Yes! That's right!"),
    ]
    assert hometown.text_after == "."
    # Moodle's single-answer grade is the chosen answer's fraction.
    credits = [grading.credit(snapshot(hometown), {"choice": i}) for i in range(4)]
    assert credits == [0.0, 0.25, 0.5, 1.0]
    difficult = find(questions, "Difficult question", "single")
    assert [c.fraction for c in difficult.choices] == [0.0, 0.5, 1.0]


def test_without_an_equals_answer_it_is_multiple_answer(questions):
    entombed = [q for q in questions if q.text.startswith("What two people are entombed")]
    assert [q.kind for q in entombed] == ["multiple", "multiple"]
    plain, negative = (snapshot(q) for q in entombed)
    assert grading.credit(plain, {"choices": [1, 2]}) == 1.0
    assert grading.credit(negative, {"choices": [1, 2]}) == 1.0
    assert grading.credit(negative, {"choices": [0, 1]}) == 0.0  # 50% - 50%, never below 0
    assert grading.credit(negative, {"choices": [1]}) == 0.5


def test_numerical_feedback_for_any_other_answer_right_after_the_number(questions):
    number = next(q for q in questions if q.text == "What is a number from 1 to 5?" and not q.title)
    assert number.numeric == [
        NumericAnswer(3.0, 2.0),
        NumericAnswer(None, fraction=0.0, feedback="Completely wrong"),
    ]
    assert grading.credit(snapshot(number), {"text": "4,5"}) == 1.0
    assert grading.credit(snapshot(number), {"text": "6"}) == 0.0
    born = next(q for q in questions if q.text == "When was Ulysses S. Grant born?")
    assert [(a.value, a.tolerance, a.fraction) for a in born.numeric] == [(1822.0, 0.0, 1.0)]
    partial = [q for q in questions if q.text.startswith("When was Ulysses")][1]
    assert grading.credit(snapshot(partial), {"text": "1823"}) == 0.5
    pi = find(questions, "What is the value of pi", "numerical")
    assert grading.credit(snapshot(pi), {"text": "3.1419"}) == 1.0


def test_short_answer_matching_truefalse_and_escapes_as_moodle_reads_them(questions):
    hometown = find(questions, "Jesus Christ was from", "shortanswer")
    assert [(c.text, c.fraction) for c in hometown.choices] == [
        ("Nazareth", 1.0),
        ("Nazereth", 0.75),
        ("Bethlehem", 0.25),
    ]
    assert grading.credit(snapshot(hometown), {"text": "nazereth"}) == 0.75
    capitals = find(questions, "Match the following countries with their corresponding\n")
    assert [(p.left, p.right) for p in capitals.pairs] == [
        ("Canada", "Ottawa"),
        ("Italy", "Rome"),
        ("Japan", "Tokyo"),
    ]
    equals = find(questions, "Which answer equals 5?")
    assert [c.text for c in equals.choices] == ["= 2 + 2", "= 2 + 3", "= 2 + 4"]
    control = find(questions, "Which of the following is NOT a control character")
    assert [c.text for c in control.choices] == ["~", "=", "#", "{", "}", "\\"]
    assert control.choices[-1].fraction == 1.0 and control.kind == "single"
    assert find(questions, "1+1=2").correct is True


def test_the_corpus_round_trips_and_imports_into_a_bank(questions, make_course):
    assert parse(write(questions)) == questions
    course = make_course("moodle-docs")
    added = bank.import_gift(course, CORPUS.read_text(encoding="utf-8"), actor=None)
    db.session.commit()
    assert added == 42
    stored = [
        bank.from_content(q.content)
        for q in db.session.scalars(
            select(Question).where(Question.course_id == course.id).order_by(Question.position)
        )
    ]
    assert stored == questions
    assert parse(bank.export_gift(course)) == questions
