"""The question editor: every kind of bank question created and edited through a form."""

from __future__ import annotations

import pytest
from bs4 import BeautifulSoup
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
        correct_choice="0",
        **rows(
            "choices",
            {"text": "Hà Nội", "credit": "", "feedback": "Đúng"},
            # Hidden and unused while a radio button marks the correct answer.
            {"text": "Huế", "credit": "100", "feedback": ""},
            {"text": "", "credit": "", "feedback": ""},
            {"text": "Đà Nẵng", "credit": "abc", "feedback": ""},
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
        correct_choice="1",
        **rows(
            "choices",
            {"text": "Huế"},
            {"text": "Hà Nội", "feedback": "Chính xác"},
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
    ("kind", "form", "message", "where"),
    [
        (
            "single",
            common("S", "Câu hỏi?", **rows("choices", {"text": "A"}, {"text": "B"})),
            "Choose the correct answer.",
            "#answers ~ p.error",
        ),
        (
            "single",
            common(
                "S",
                "Câu hỏi?",
                correct_choice="2",
                **rows("choices", {"text": "A"}, {"text": "B"}, {"text": ""}),
            ),
            "Write the correct answer, or mark another one.",
            "#choices-2-text ~ .error",
        ),
        (
            "single",
            common("S", "Câu hỏi?", correct_choice="0", **rows("choices", {"text": "A"})),
            "Write at least two answers.",
            "#answers ~ p.error",
        ),
        (
            "multiple",
            common(
                "M",
                "Câu hỏi?",
                **rows("choices", {"text": "A", "credit": "50"}, {"text": "B", "credit": "30"}),
            ),
            "The credits of the correct answers add up to 80 percent; they must add up to 100.",
            "#answers ~ p.error",
        ),
        (
            "multiple",
            common(
                "M",
                "Câu hỏi?",
                **rows("choices", {"text": "A", "credit": "100"}, {"text": "B", "credit": "0"}),
            ),
            "Only one answer is correct: share the 100 percent among several correct answers",
            "#answers ~ p.error",
        ),
        (
            "multiple",
            common(
                "M",
                "Câu hỏi?",
                **rows(
                    "choices",
                    {"text": "A", "credit": "50"},
                    {"text": "", "credit": "50", "feedback": "Đúng"},
                    {"text": "C", "credit": "50"},
                ),
            ),
            "Write the answer, or empty this row.",
            "#choices-1-text ~ .error",
        ),
        (
            "single",
            common(
                "S",
                "Câu hỏi?",
                partial_credit="y",
                **rows("choices", {"text": "A", "credit": "50"}, {"text": "B", "credit": "50"}),
            ),
            "Give the correct answer 100 percent.",
            "#answers ~ p.error",
        ),
        (
            "single",
            common(
                "S",
                "Câu hỏi?",
                partial_credit="y",
                **rows("choices", {"text": "A", "credit": "100"}, {"text": "B", "credit": "100"}),
            ),
            "Only one answer can get 100 percent.",
            "#answers ~ p.error",
        ),
        (
            "shortanswer",
            common("A", "Câu hỏi?", **rows("choices", {"text": "x", "credit": "50"})),
            "Give at least one answer full credit: leave its credit empty, or write 100.",
            "#answers ~ p.error",
        ),
        (
            "shortanswer",
            common("A", "Câu hỏi?", **rows("choices", {"text": ""})),
            "Write at least one accepted answer.",
            "#answers ~ p.error",
        ),
        (
            "numerical",
            common("N", "Câu hỏi?", **rows("numeric", {"value": "1", "minimum": "0"})),
            "Give a value or a range, not both.",
            "#numeric-0-value ~ .error",
        ),
        (
            "numerical",
            common("N", "Câu hỏi?", **rows("numeric", {"minimum": "5", "maximum": "1"})),
            "The range starts above its end.",
            "#numeric-0-minimum ~ .error",
        ),
        (
            "numerical",
            common("N", "Câu hỏi?", **rows("numeric", {"value": "2", "credit": "50"})),
            "Give at least one number full credit",
            "#answers ~ p.error",
        ),
        (
            "numerical",
            common("N", "Câu hỏi?", **rows("numeric", {"feedback": "Sai"})),
            "Enter at least one accepted number.",
            "#answers ~ p.error",
        ),
        (
            "matching",
            common("G", "Câu hỏi?", **rows("pairs", {"left": "a", "right": "b"})),
            "Write at least two pairs.",
            "#answers ~ p.error",
        ),
        (
            "matching",
            common(
                "G",
                "Câu hỏi?",
                **rows("pairs", {"left": "a", "right": "b"}, {"left": "c", "right": ""}),
            ),
            "Write what this matches.",
            "#pairs-1-right ~ .error",
        ),
    ],
)
def test_what_gift_refuses_is_said_in_plain_words_at_the_field(
    client, course, kind, form, message, where
):
    sign_in(client)
    response = create(client, course, kind, form)
    assert response.status_code == 400
    soup = BeautifulSoup(response.get_data(as_text=True), "html.parser")
    assert any(message in error.get_text() for error in soup.select(where)), soup.select(".error")
    # Said where the trainer looks, not in GIFT's words.
    errors = " ".join(error.get_text() for error in soup.select(".error"))
    for jargon in ("GIFT", "weight", "=", "~", "->", "%"):
        assert jargon not in errors, jargon
    assert "The question was not saved" in soup.select_one("[role=alert]").get_text()
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


def as_browser_sends(html: str) -> dict[str, list[str]]:
    """The question form's fields as a browser posts them when Save is pressed unchanged."""
    form = BeautifulSoup(html, "html.parser").select_one("form#question-form")
    sent: dict[str, list[str]] = {}
    for element in form.select("input[name], textarea[name], select[name]"):
        name, kind = element["name"], element.get("type", "text")
        if element.name == "input" and kind in ("submit", "button"):
            continue
        if kind in ("checkbox", "radio"):
            if element.has_attr("checked"):
                sent.setdefault(name, []).append(element.get("value", "on"))
        elif element.name == "textarea":
            text = element.get_text()
            # A browser drops the one line break that follows <textarea>.
            sent.setdefault(name, []).append(text[2:] if text.startswith("\r\n") else text)
        elif element.name == "select":
            chosen = element.select_one("option[selected]") or element.select_one("option")
            sent.setdefault(name, []).append(chosen["value"])
        else:
            sent.setdefault(name, []).append(element.get("value", ""))
    return sent


ROUND_TRIP_GIFT = """$CATEGORY: dan-van/on-tap

::Một đáp án:: [markdown]Chọn **một** phương án đúng: {
=Hà Nội#Chính xác
~Huế#Cố đô
~Đà Nẵng
~Cần Thơ
~Hải Phòng
~Nha Trang
~Vinh
~Quy Nhơn
~Đà Lạt#Không phải
~Buôn Ma Thuột
####Thủ đô từ năm 1945.
}

::Nhiều đáp án:: [html]<p>Chọn các phẩm chất</p> {
~%33.33333%Gần dân
~%33.33333%Trọng dân#Đúng
~%33.33334%Hiểu dân
~%-50%Xa dân#Sai
~%-100%Hách dịch
}

::Đúng sai:: Câu khẳng định sai. {FALSE#Chưa đúng#Đúng vậy}

::Trả lời ngắn:: [plain]Dân biết, dân bàn, dân làm, dân ...? {
=kiểm tra#Chính xác
=%50%giám sát#Gần đúng
=%0%theo dõi
}

::Số:: Số π với hai chữ số thập phân? {#
=3.14:0.005#Đúng
=%50%3..3.2#Gần đúng
~#Xem lại
}

::Ghép đôi:: Ghép năm với sự kiện. {
=1945 -> Cách mạng Tháng Tám
=1954 -> Điện Biên Phủ
=1975 -> Thống nhất đất nước
= -> Đổi mới
}

::Tự luận:: Nêu cảm nghĩ về
người có uy tín. {}
"""


def test_every_kind_opened_and_saved_unchanged_stays_the_same(client, course):
    """Open each kind's form, save it as it is, reopen: nothing changes (credits, formats,
    order), even for a question with more rows than a new form shows."""
    bank.import_gift(course, ROUND_TRIP_GIFT, actor=None)
    short = next(q for q in stored(course) if q.kind == "shortanswer")
    short.ignore_diacritics = True
    db.session.commit()
    sign_in(client)
    questions = stored(course)
    assert sorted(q.kind for q in questions) == sorted(FORMS)
    for question in questions:
        url = edit_url(course, question.id)
        before = (
            question.kind,
            question.category,
            question.title,
            question.content,
            question.ignore_diacritics,
            question.position,
        )
        opened = client.get(url)
        assert opened.status_code == 200, question.kind
        form = as_browser_sends(opened.get_data(as_text=True))
        saved = post(
            client, url, {k: v for k, v in form.items() if k != "csrf_token"}, token_from=url
        )
        assert saved.status_code == 302, (question.kind, saved.get_data(as_text=True))
        db.session.expire_all()
        again = db.session.get(Question, question.id)
        after = (
            again.kind,
            again.category,
            again.title,
            again.content,
            again.ignore_diacritics,
            again.position,
        )
        assert after == before, question.kind
        reopened = as_browser_sends(client.get(url).get_data(as_text=True))
        assert {k: v for k, v in reopened.items() if k != "csrf_token"} == {
            k: v for k, v in form.items() if k != "csrf_token"
        }, question.kind
    single = next(q for q in stored(course) if q.kind == "single")
    page = BeautifulSoup(client.get(edit_url(course, single.id)).data, "html.parser")
    assert len(page.select("fieldset.question-row")) == 10  # all of them, not the first 8
    assert page.select_one("input[name=correct_choice][checked]")["value"] == "0"
    assert not page.select_one("#partial_credit").has_attr("checked")


def test_a_new_question_starts_with_four_answers_in_markdown(client, course):
    sign_in(client)
    for kind in ("single", "multiple"):
        page = BeautifulSoup(client.get(new_url(course, kind)).data, "html.parser")
        assert len(page.select("fieldset.question-row")) == 4, kind
        assert page.select_one("select[name=text_format] option[selected]")["value"] == "markdown"
        assert page.select_one("button[name=add_row]") is not None
    single = BeautifulSoup(client.get(new_url(course, "single")).data, "html.parser")
    # One "correct answer" radio per answer, none chosen yet; credits behind the toggle.
    radios = single.select("input[name=correct_choice]")
    assert [r["value"] for r in radios] == ["0", "1", "2", "3"]
    assert not any(r.has_attr("checked") for r in radios)
    assert single.select_one("#partial_credit")["type"] == "checkbox"
    assert not single.select_one("#partial_credit").has_attr("checked")
    assert len(single.select(".credit-field input")) == 4
    # A several-answers question keeps its credit fields, without radio or toggle.
    multiple = BeautifulSoup(client.get(new_url(course, "multiple")).data, "html.parser")
    assert multiple.select("input[name=correct_choice]") == []
    assert multiple.select_one("#partial_credit") is None
    assert len(multiple.select("input[name$=-credit]")) == 4
    # Markdown is what a new question is saved in.
    essay = common("E", "Viết **đậm**.", text_format="markdown")
    assert create(client, course, "essay", essay).status_code == 302
    assert stored(course)[0].content["text_format"] == "markdown"


def test_add_an_answer_without_script_keeps_everything_typed(client, course):
    sign_in(client)
    typed = common(
        "S",
        "Câu hỏi?",
        correct_choice="2",
        add_row="1",
        **rows(
            "choices",
            {"text": "A", "feedback": "phản hồi A"},
            {"text": "B"},
            {"text": "C"},
            {"text": "D"},
        ),
    )
    response = create(client, course, "single", typed)
    assert response.status_code == 200
    assert question_count() == 0  # shown again, not saved
    page = BeautifulSoup(response.get_data(as_text=True), "html.parser")
    assert page.select(".error") == [] and page.select_one("[role=alert]") is None
    assert len(page.select("fieldset.question-row")) == 5
    assert page.select_one("#choices-4-text")["value"] == ""
    assert page.select_one("#choices-0-feedback")["value"] == "phản hồi A"
    assert page.select_one("input[name=correct_choice][checked]")["value"] == "2"
    assert page.select_one("#title")["value"] == "S"
    # Filled in and saved, the fifth row is kept.
    sent = as_browser_sends(str(page))
    sent["choices-4-text"] = ["E"]
    url = new_url(course, "single")
    assert (
        post(
            client, url, {k: v for k, v in sent.items() if k != "csrf_token"}, token_from=url
        ).status_code
        == 302
    )
    (question,) = stored(course)
    assert [c["text"] for c in question.content["choices"]] == ["A", "B", "C", "D", "E"]
    assert [c["fraction"] for c in question.content["choices"]] == [0, 0, 1, 0, 0]


def test_a_one_answer_question_may_still_be_given_by_credits(client, course):
    sign_in(client)
    form = common(
        "S",
        "Câu hỏi?",
        partial_credit="y",
        correct_choice="0",  # ignored: the credits say
        **rows("choices", {"text": "A", "credit": "0"}, {"text": "B", "credit": "100"}),
    )
    assert create(client, course, "single", form).status_code == 302
    (question,) = stored(course)
    assert [c["fraction"] for c in question.content["choices"]] == [0, 1]


def test_the_question_type_is_not_called_a_unit_kind(client, course):
    bank.import_gift(course, ROUND_TRIP_GIFT, actor=None)
    db.session.commit()
    login(client, "giangvien")  # in Vietnamese
    page = BeautifulSoup(client.get(f"/authoring/{course.slug}/questions").data, "html.parser")
    headers = [th.get_text() for th in page.select("table.list th")]
    assert "Loại câu hỏi" in headers and "Loại đơn vị" not in page.get_text()
