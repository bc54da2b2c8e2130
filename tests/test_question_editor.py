"""The question editor: every kind of bank question created and edited through a form."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from lms.extensions import db
from lms.quizzes import bank, gift
from lms.quizzes.models import Question
from tests.support import login, post


def sign_in(client, username: str = "giangvien"):
    """Sign in and read the pages in English, the source language of the messages checked."""
    login(client, username)
    post(client, "/locale", {"locale": "en", "next": "/"}, token_from="/")


@pytest.fixture
def course(make_course, people):
    return make_course("soan-cau-hoi", owner=people["trainer"], status="draft")


def new_url(course, kind: str) -> str:
    return f"/authoring/{course.slug}/questions/new?kind={kind}"


def edit_url(course, question_id: int) -> str:
    return f"/authoring/{course.slug}/questions/{question_id}/edit"


def delete_url(course, question_id: int) -> str:
    return f"/authoring/{course.slug}/questions/{question_id}/delete"


def common(title: str, text: str, **fields: str) -> dict[str, str]:
    return {
        "category": "dan-van/co-ban",
        "title": title,
        "text": text,
        "text_format": "moodle",
        "general_feedback": "",
        **fields,
    }


def rows(name: str, *values: dict[str, str]) -> dict[str, str]:
    """Form rows as the browser names them: choices-0-text, choices-0-credit, ..."""
    return {
        f"{name}-{index}-{key}": value
        for index, row in enumerate(values)
        for key, value in row.items()
    }


def question_count() -> int:
    return db.session.scalar(select(func.count()).select_from(Question))


def stored(course) -> list[Question]:
    return list(
        db.session.scalars(
            select(Question).where(Question.course_id == course.id).order_by(Question.position)
        )
    )


FORMS = {
    "single": common(
        "S1",
        "Thủ đô của Việt Nam là?",
        **rows(
            "choices",
            {"text": "Hà Nội", "credit": "100", "feedback": "Đúng"},
            {"text": "Huế", "credit": "0", "feedback": ""},
            {"text": "", "credit": "", "feedback": ""},
            {"text": "Đà Nẵng", "credit": "", "feedback": ""},
        ),
    ),
    "multiple": common(
        "M1",
        "Những phẩm chất của cán bộ dân vận?",
        general_feedback="Xem bài 2.",
        **rows(
            "choices",
            {"text": "Gần dân", "credit": "50"},
            {"text": "Trọng dân", "credit": "50", "feedback": "Đúng {quan trọng}"},
            {"text": "Xa dân", "credit": "-100", "feedback": "Sai"},
        ),
    ),
    "truefalse": common(
        "T1",
        "Dân vận chỉ là việc của cán bộ dân vận.",
        correct="false",
        feedback_true="Mọi cán bộ đều làm dân vận.",
        feedback_false="Đúng vậy.",
    ),
    "shortanswer": common(
        "A1",
        "Phương châm: dân biết, dân bàn, dân làm, dân ...?",
        ignore_diacritics="y",
        **rows(
            "choices",
            {"text": "kiểm tra", "credit": "", "feedback": ""},
            {"text": "giám sát", "credit": "50", "feedback": "Gần đúng"},
        ),
    ),
    "numerical": common(
        "N1",
        "Số π, với hai chữ số thập phân?",
        text_format="markdown",
        **rows(
            "numeric",
            {"value": "3,14", "tolerance": "0.005"},
            {"minimum": "3", "maximum": "3.2", "credit": "50", "feedback": "Gần đúng"},
            {"feedback": "Xem lại định nghĩa"},
        ),
    ),
    "matching": common(
        "G1",
        "Ghép năm với sự kiện.",
        **rows(
            "pairs",
            {"left": "1945", "right": "Cách mạng Tháng Tám"},
            {"left": "1954", "right": "Chiến thắng Điện Biên Phủ"},
            {"left": "", "right": ""},
            {"left": "", "right": "Đổi mới"},
        ),
    ),
    "essay": common("E1", "Nêu cảm nghĩ về\r\nngười có uy tín.", general_feedback="Tự do."),
}


def expected(kind: str) -> gift.Question:
    category = "dan-van/co-ban"
    return {
        "single": gift.Question(
            "single",
            "Thủ đô của Việt Nam là?",
            title="S1",
            category=category,
            choices=[
                gift.Choice("Hà Nội", 1.0, "Đúng"),
                gift.Choice("Huế", 0.0),
                gift.Choice("Đà Nẵng", 0.0),
            ],
        ),
        "multiple": gift.Question(
            "multiple",
            "Những phẩm chất của cán bộ dân vận?",
            title="M1",
            category=category,
            general_feedback="Xem bài 2.",
            choices=[
                gift.Choice("Gần dân", 0.5),
                gift.Choice("Trọng dân", 0.5, "Đúng {quan trọng}"),
                gift.Choice("Xa dân", -1.0, "Sai"),
            ],
        ),
        "truefalse": gift.Question(
            "truefalse",
            "Dân vận chỉ là việc của cán bộ dân vận.",
            title="T1",
            category=category,
            correct=False,
            feedback_true="Mọi cán bộ đều làm dân vận.",
            feedback_false="Đúng vậy.",
        ),
        "shortanswer": gift.Question(
            "shortanswer",
            "Phương châm: dân biết, dân bàn, dân làm, dân ...?",
            title="A1",
            category=category,
            choices=[gift.Choice("kiểm tra", 1.0), gift.Choice("giám sát", 0.5, "Gần đúng")],
        ),
        "numerical": gift.Question(
            "numerical",
            "Số π, với hai chữ số thập phân?",
            title="N1",
            category=category,
            text_format="markdown",
            numeric=[
                gift.NumericAnswer(3.14, 0.005),
                gift.NumericAnswer(
                    None, minimum=3.0, maximum=3.2, fraction=0.5, feedback="Gần đúng"
                ),
                gift.NumericAnswer(None, fraction=0.0, feedback="Xem lại định nghĩa"),
            ],
        ),
        "matching": gift.Question(
            "matching",
            "Ghép năm với sự kiện.",
            title="G1",
            category=category,
            pairs=[
                gift.MatchPair("1945", "Cách mạng Tháng Tám"),
                gift.MatchPair("1954", "Chiến thắng Điện Biên Phủ"),
                gift.MatchPair("", "Đổi mới"),
            ],
        ),
        "essay": gift.Question(
            "essay",
            "Nêu cảm nghĩ về\nngười có uy tín.",
            title="E1",
            category=category,
            general_feedback="Tự do.",
        ),
    }[kind]


def create(client, course, kind: str, form: dict[str, str] | None = None):
    return post(
        client, new_url(course, kind), form or FORMS[kind], token_from=new_url(course, kind)
    )


def test_every_kind_is_created_through_its_form(client, course):
    sign_in(client)
    chooser = client.get(f"/authoring/{course.slug}/questions/new")
    assert chooser.status_code == 200
    assert new_url(course, "matching").replace("&", "&amp;") in chooser.get_data(as_text=True)

    for kind in FORMS:
        page = client.get(new_url(course, kind))
        assert page.status_code == 200, kind
        response = create(client, course, kind)
        assert response.status_code == 302, (kind, response.get_data(as_text=True))
        assert response.headers["Location"].endswith(f"/authoring/{course.slug}/questions")

    questions = stored(course)
    assert [q.kind for q in questions] == list(FORMS)
    assert [q.position for q in questions] == list(range(1, len(FORMS) + 1))
    for question in questions:
        assert question.content == bank.to_content(expected(question.kind)), question.kind
        assert question.category == "dan-van/co-ban"
        assert question.title == expected(question.kind).title
        assert question.ignore_diacritics == (question.kind == "shortanswer")

    read_back = gift.parse(bank.export_gift(course))
    assert read_back == [bank.from_content(q.content) for q in bank.bank(course)]
    assert sorted(q.kind for q in read_back) == sorted(FORMS)

    bank_page = client.get(f"/authoring/{course.slug}/questions").get_data(as_text=True)
    assert "Thủ đô của Việt Nam là?" in bank_page


def test_a_question_is_edited_and_deleted(client, course):
    sign_in(client)
    assert create(client, course, "single").status_code == 302
    assert create(client, course, "numerical").status_code == 302
    single, numerical = stored(course)

    page = client.get(edit_url(course, single.id))
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'value="Hà Nội"' in html and 'value="100"' in html

    # The numerical form shows what it stored, and saving it unchanged keeps it.
    numeric_page = client.get(edit_url(course, numerical.id)).get_data(as_text=True)
    assert 'value="3.14"' in numeric_page and 'value="0.005"' in numeric_page
    unchanged = {**FORMS["numerical"], "numeric-0-value": "3.14"}
    assert (
        post(
            client,
            edit_url(course, numerical.id),
            unchanged,
            token_from=edit_url(course, single.id),
        ).status_code
        == 302
    )

    changed = common(
        "S1 sửa",
        "Thành phố nào là thủ đô?",
        category="dan-van/nang-cao",
        **rows(
            "choices",
            {"text": "Huế"},
            {"text": "Hà Nội", "credit": "100", "feedback": "Chính xác"},
        ),
    )
    saved = post(
        client, edit_url(course, single.id), changed, token_from=edit_url(course, single.id)
    )
    assert saved.status_code == 302, saved.get_data(as_text=True)
    db.session.expire_all()
    single, numerical = stored(course)
    assert (single.title, single.category, single.kind, single.position) == (
        "S1 sửa",
        "dan-van/nang-cao",
        "single",
        1,
    )
    assert bank.from_content(single.content).choices == [
        gift.Choice("Huế", 0.0),
        gift.Choice("Hà Nội", 1.0, "Chính xác"),
    ]
    assert numerical.content == bank.to_content(expected("numerical"))
    assert question_count() == 2

    single_id, numerical_id = single.id, numerical.id
    deleted = post(client, delete_url(course, single_id), token_from=edit_url(course, single_id))
    assert deleted.status_code == 302
    assert [q.id for q in stored(course)] == [numerical_id]
    assert client.get(edit_url(course, single_id)).status_code == 404


@pytest.mark.parametrize(
    ("kind", "form", "message"),
    [
        (
            "single",
            common("S", "Câu hỏi?", **rows("choices", {"text": "A"}, {"text": "B"})),
            "no correct answer",
        ),
        (
            "multiple",
            common(
                "M",
                "Câu hỏi?",
                **rows("choices", {"text": "A", "credit": "50"}, {"text": "B", "credit": "30"}),
            ),
            "the positive weights add up to 80%",
        ),
        (
            "single",
            common(
                "S",
                "Câu hỏi?",
                **rows("choices", {"text": "A", "credit": "50"}, {"text": "B", "credit": "50"}),
            ),
            "With these credits the question has several answers",
        ),
        (
            "numerical",
            common("N", "Câu hỏi?", **rows("numeric", {"value": "1", "minimum": "0"})),
            "Give a value or a range, not both.",
        ),
        (
            "matching",
            common("G", "Câu hỏi?", **rows("pairs", {"left": "a", "right": "b"})),
            "a matching question needs at least two pairs",
        ),
    ],
)
def test_what_gift_refuses_is_not_saved(client, course, kind, form, message):
    sign_in(client)
    response = create(client, course, kind, form)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert question_count() == 0


def test_an_edit_gift_refuses_changes_nothing(client, course):
    sign_in(client)
    assert create(client, course, "matching").status_code == 302
    (question,) = stored(course)
    before = question.content
    refused = post(
        client,
        edit_url(course, question.id),
        common("G1", "Ghép.", **rows("pairs", {"left": "a", "right": "b"})),
        token_from=edit_url(course, question.id),
    )
    assert refused.status_code == 400
    db.session.expire_all()
    assert stored(course)[0].content == before


def test_cadres_are_refused_and_other_trainers_do_not_see_the_course(
    client, course, make_course, make_user, province, people
):
    sign_in(client)
    assert create(client, course, "essay").status_code == 302
    (question,) = stored(course)
    urls = [new_url(course, "single"), edit_url(course, question.id)]

    cadre = client.application.test_client()
    sign_in(cadre, "hocvien")
    assert [cadre.get(url).status_code for url in urls] == [403, 403]
    assert post(cadre, delete_url(course, question.id), token_from="/").status_code == 403
    assert post(cadre, urls[0], FORMS["single"], token_from="/").status_code == 403

    make_user("giangvien2", ("trainer",), province["BCHQS"])
    other = client.application.test_client()
    sign_in(other, "giangvien2")
    assert [other.get(url).status_code for url in urls] == [404, 404]
    assert post(other, delete_url(course, question.id), token_from="/").status_code == 404
    assert post(other, urls[0], FORMS["single"], token_from="/").status_code == 404

    # A question of another course is not reachable through this course's address.
    make_course("khoa-khac", owner=people["trainer"], status="draft")
    assert client.get(f"/authoring/khoa-khac/questions/{question.id}/edit").status_code == 404
    assert question_count() == 1


def test_infinite_numbers_are_refused(client, people, make_course):
    from tests.support import login, post

    make_course("vo-cuc", owner=people["trainer"])
    login(client, "giangvien")
    url = "/authoring/vo-cuc/questions/new?kind=numerical"
    response = post(client, url, {"text": "Số?", "numeric-0-value": "inf"}, token_from=url)
    assert response.status_code == 400
