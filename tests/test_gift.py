"""GIFT import and export: every kind and syntax element, the round trip, and bad files."""

from __future__ import annotations

import random
import unicodedata
from pathlib import Path

import pytest
from flask_babel import force_locale

from lms.quizzes.gift import (
    QUESTION_KINDS,
    TEXT_FORMATS,
    Choice,
    GiftError,
    MatchPair,
    NumericAnswer,
    Question,
    parse,
    write,
)

CORPUS = Path(__file__).parent / "gift_corpus"
CORPUS_FILES = sorted(CORPUS.glob("*.gift"))


@pytest.fixture(autouse=True)
def english_messages():
    """Problems are checked by their English text."""
    with force_locale("en"):
        yield


def one(text: str) -> Question:
    questions = parse(text)
    assert len(questions) == 1
    return questions[0]


def problems_of(text: str) -> list[tuple[int, str]]:
    with pytest.raises(GiftError) as refused:
        parse(text)
    return refused.value.problems


# ---- each kind ---------------------------------------------------------------------------


def test_single_choice_with_feedback_and_general_feedback():
    question = one(
        "::Nguyên tắc::Đâu là nguyên tắc “dân vận khéo”?{\n"
        "  =Gần dân, hiểu dân # Đúng.\n"
        "  ~Ra lệnh cho dân # Sai.\n"
        "  ~Chỉ tuyên truyền\n"
        "  ####Xem bài 1.\n"
        "}"
    )
    assert question == Question(
        kind="single",
        text="Đâu là nguyên tắc “dân vận khéo”?",
        title="Nguyên tắc",
        choices=[
            Choice("Gần dân, hiểu dân", 1.0, "Đúng."),
            Choice("Ra lệnh cho dân", 0.0, "Sai."),
            Choice("Chỉ tuyên truyền", 0.0),
        ],
        general_feedback="Xem bài 1.",
    )
    assert question.line == 1


def test_weights_make_a_multiple_answer_question_with_partial_and_negative_credit():
    question = one("Chọn các ý đúng.{~%50%a ~%50%b # Nửa điểm. ~%-25%c ~d}")
    assert question.kind == "multiple"
    assert question.choices == [
        Choice("a", 0.5),
        Choice("b", 0.5, "Nửa điểm."),
        Choice("c", -0.25),
        Choice("d", 0.0),
    ]


def test_an_equals_answer_makes_a_single_answer_question_as_in_moodle():
    assert one("Q{~%100%a ~b}").kind == "multiple"  # no "=": multiple answers
    assert one("Q{=a ~%0%b}").kind == "single"
    # Moodle: with an "=" answer the question is single-answer; weights are partial credit.
    partial = one("Q{=a ~%50%b ~%-25%c ~d}")
    assert partial.kind == "single"
    assert [c.fraction for c in partial.choices] == [1.0, 0.5, -0.25, 0.0]
    both = one("Q{=a =b ~c}")
    assert both.kind == "single" and [c.fraction for c in both.choices] == [1.0, 1.0, 0.0]
    # A "%" after "=" that is no weight is text, as Moodle reads it.
    assert one("Q{=%a ~b}").choices[0] == Choice("%a", 1.0)
    assert parse(write([partial])) == [partial]


def test_only_equals_answers_make_a_short_answer_with_weights():
    question = one("Tỉnh nào?{=Hà Tĩnh =%100%tỉnh Hà Tĩnh =%50%Nghệ An # Gần, nhưng chưa đúng.}")
    assert question.kind == "shortanswer"
    assert question.choices == [
        Choice("Hà Tĩnh", 1.0),
        Choice("tỉnh Hà Tĩnh", 1.0),
        Choice("Nghệ An", 0.5, "Gần, nhưng chưa đúng."),
    ]


@pytest.mark.parametrize(
    ("block", "correct", "feedback_true", "feedback_false"),
    [
        ("{T}", True, "", ""),
        ("{TRUE}", True, "", ""),
        ("{F}", False, "", ""),
        ("{FALSE}", False, "", ""),
        ("{true}", True, "", ""),
        ("{f}", False, "", ""),
        # {T#first#second}: the first goes to whoever answered wrong, the second to the right.
        ("{T#Xem lại.#Đúng.}", True, "Đúng.", "Xem lại."),
        ("{F#Xem lại.#Đúng.}", False, "Xem lại.", "Đúng."),
        ("{T#Xem lại.}", True, "", "Xem lại."),
        ("{FALSE##Đúng.}", False, "", "Đúng."),
    ],
)
def test_true_false(block, correct, feedback_true, feedback_false):
    question = one(f"Nhận định cần xét.{block}")  # the same statement keyed both ways
    assert question.kind == "truefalse"
    assert (question.correct, question.feedback_true, question.feedback_false) == (
        correct,
        feedback_true,
        feedback_false,
    )


def test_true_false_feedback_may_hold_equals_and_tildes():
    question = one("1+1=2 {T#1+1=2 ~ luôn đúng.#Đúng.}")
    assert question.text == "1+1=2"
    assert question.feedback_false == "1+1=2 ~ luôn đúng."


@pytest.mark.parametrize(
    ("block", "answers"),
    [
        ("{#1949}", [NumericAnswer(1949.0)]),
        ("{#3.14:0.01}", [NumericAnswer(3.14, 0.01)]),
        ("{#1..5}", [NumericAnswer(None, minimum=1.0, maximum=5.0)]),
        ("{#-5..-1}", [NumericAnswer(None, minimum=-5.0, maximum=-1.0)]),
        ("{#1.5e3:1e1}", [NumericAnswer(1500.0, 10.0)]),
        ("{#.5:.25}", [NumericAnswer(0.5, 0.25)]),
        ("{#2#Đúng.}", [NumericAnswer(2.0, feedback="Đúng.")]),
        (
            "{#=1822:0 =%50%1822:2}",
            [NumericAnswer(1822.0), NumericAnswer(1822.0, 2.0, fraction=0.5)],
        ),
        (
            "{#\n=1941:0 # Chính xác.\n=%50%1941:1 # Gần.\n~#Xem lại.\n}",
            [
                NumericAnswer(1941.0, feedback="Chính xác."),
                NumericAnswer(1941.0, 1.0, fraction=0.5, feedback="Gần."),
                NumericAnswer(None, fraction=0.0, feedback="Xem lại."),
            ],
        ),
        (
            "{#1941 =%50%1940..1942}",
            [NumericAnswer(1941.0), NumericAnswer(None, 0, 1940, 1942, 0.5)],
        ),
    ],
)
def test_numerical(block, answers):
    question = one(f"Năm nào?{block}")
    assert question.kind == "numerical"
    assert question.numeric == answers


def test_any_other_answer_of_a_numerical_question():
    other = one("Số?{#2 ~#Sai.}").numeric[-1]
    assert other.is_any_other and not other.is_range
    assert other.feedback == "Sai."


def test_matching_with_an_extra_answer_and_an_arrow_on_the_right():
    question = one("Ghép.{\n=Thái -> Xên bản\n=H'Mông -> Gầu Tào\n=khác -> a -> b\n= -> thừa\n}")
    assert question.kind == "matching"
    assert question.pairs == [
        MatchPair("Thái", "Xên bản"),
        MatchPair("H'Mông", "Gầu Tào"),
        MatchPair("khác", "a -> b"),
        MatchPair("", "thừa"),
    ]


def test_two_pairs_are_enough_for_matching():
    assert one("Ghép.{=a -> 1 =b -> 2}").kind == "matching"


def test_an_arrow_in_short_answer_feedback_stays_feedback():
    question = one("Q{=đi # đi -> về}")
    assert question.kind == "shortanswer"
    assert question.choices == [Choice("đi", 1.0, "đi -> về")]


def test_essay_and_description():
    essay = one("::Tự luận::Trình bày kinh nghiệm.{}")
    assert (essay.kind, essay.text, essay.title) == ("essay", "Trình bày kinh nghiệm.", "Tự luận")
    assert one("Bài làm.{####Nhận xét chung.}").general_feedback == "Nhận xét chung."
    description = one("::Giới thiệu::Phần sau gồm các câu hỏi\nvề biên giới.")
    assert description.kind == "description"
    assert description.text == "Phần sau gồm các câu hỏi\nvề biên giới."


def test_every_kind_is_in_the_corpus():
    kinds = {q.kind for path in CORPUS_FILES for q in parse(path.read_text(encoding="utf-8"))}
    assert kinds == set(QUESTION_KINDS)


def corpus_question(file: str, title: str) -> Question:
    questions = parse((CORPUS / file).read_text(encoding="utf-8"))
    return next(q for q in questions if q.title == title)


def test_the_corpus_keys_agree_with_their_feedback():
    # A border post does mobilize the people: true, and the feedback for a wrong answer says so.
    border_post = corpus_question("moodle_export.gift", "Đúng sai")
    assert border_post.correct is True
    assert border_post.feedback_false.startswith("Chưa đúng")
    # Partial credit goes to an answer that is partly right (the district), never to a wrong
    # province whose feedback says it is wrong.
    province = corpus_question("every_kind.gift", "Trả lời ngắn")
    assert [(c.text, c.fraction) for c in province.choices] == [
        ("Hà Tĩnh", 1.0),
        ("tỉnh Hà Tĩnh", 1.0),
        ("Hương Sơn", 0.5),
    ]
    assert province.choices[2].feedback.startswith("Gần đúng")


# ---- missing words, titles, formats, categories, comments, lines --------------------------


@pytest.mark.parametrize(
    ("gift", "kind", "text", "after"),
    [
        (
            "Grant is {~buried =entombed ~living} in Grant's tomb.",
            "single",
            "Grant is",
            "in Grant's tomb.",
        ),
        ("{=Hà Nội ~Huế} là thủ đô.", "single", "", "là thủ đô."),
        ("Năm {#1945} là năm độc lập.", "numerical", "Năm", "là năm độc lập."),
        ("Ngày {=2 =hai} tháng 9.", "shortanswer", "Ngày", "tháng 9."),
        ("Câu này {T} đúng.", "truefalse", "Câu này", "đúng."),
        ("Điền {} vào.", "essay", "Điền", "vào."),
        ("Ghép {=a -> 1 =b -> 2} nhé.", "matching", "Ghép", "nhé."),
        ("Nhiều {~%50%a ~%50%b ~c} đáp án.", "multiple", "Nhiều", "đáp án."),
    ],
)
def test_missing_word(gift, kind, text, after):
    question = one(gift)
    assert (question.kind, question.text, question.text_after) == (kind, text, after)


@pytest.mark.parametrize("name", TEXT_FORMATS)
def test_text_formats(name):
    question = one(f"::Tiêu đề:: [{name}]<b>Chữ</b> đậm?{{T}}")
    assert (question.text_format, question.text, question.title) == (
        name,
        "<b>Chữ</b> đậm?",
        "Tiêu đề",
    )


def test_format_names_in_capitals_and_brackets_that_are_not_a_format():
    assert one("[HTML]<p>x</p>{T}").text_format == "html"
    assert one("[Hình 1] Bản đồ xã.{T}").text == "[Hình 1] Bản đồ xã."
    assert one("[Chú ý] Đọc kỹ.{T}").text == "[Chú ý] Đọc kỹ."  # not ASCII: not a format


def test_categories_comments_and_line_numbers():
    questions = parse(
        "// Đề kiểm tra\n"
        "$CATEGORY: $course$/top/Dân vận\n"
        "\n"
        "Câu một {T}\n"
        "\n"
        "\n"
        "// nhận xét\n"
        "::Hai::Câu hai\n"
        "// chú thích giữa câu hỏi không kết thúc nó\n"
        "{F}\n"
        "$CATEGORY: Biên giới/Đồn\n"
        "Câu ba {T}\n"
    )
    assert [(q.line, q.category, q.text) for q in questions] == [
        (4, "$course$/top/Dân vận", "Câu một"),
        (8, "$course$/top/Dân vận", "Câu hai"),
        (12, "Biên giới/Đồn", "Câu ba"),
    ]


def test_an_empty_file_and_a_file_of_comments_have_no_questions():
    assert parse("") == []
    assert parse("\ufeff// chỉ có chú thích\n\n   \n// nữa\n") == []


# ---- escapes and Vietnamese ---------------------------------------------------------------


def test_escapes_in_title_text_answers_and_feedback():
    question = one(
        r"::Ký tự\: đặc biệt:: Dấu \{ \} \~ \= \# \: đặc biệt.\nDòng hai \q. {"
        "\n"
        r"=Dấu \= đúng # Viết \\\= để có \=."
        "\n"
        r"~C\# và F\# # Dấu \~ và \{\}."
        "\n}"
    )
    assert question.title == "Ký tự: đặc biệt"
    assert question.text == "Dấu { } ~ = # : đặc biệt.\nDòng hai \\q."
    assert question.choices == [
        Choice("Dấu = đúng", 1.0, "Viết \\= để có =."),
        Choice("C# và F#", 0.0, "Dấu ~ và {}."),
    ]


def test_backslashes_of_latex_stay():
    question = one(r"Giải \(x^2 = 4\) trong C:\\tmp.{#2}")
    assert question.text == r"Giải \(x^2 = 4\) trong C:\tmp."


VIETNAMESE = "Đâu là nguyên tắc “dân vận khéo”? Ưu tiên đồng bào Mường, Thái, H'Mông ở bản Phù Lá."


def test_vietnamese_survives_exactly_and_decomposed_input_is_normalized():
    gift = f"::Câu hỏi 1::{VIETNAMESE}{{=Gần dân, hiểu dân # Đúng ~Xa dân}}\n"
    decomposed = unicodedata.normalize("NFD", gift)
    assert decomposed != gift
    for source in (gift, decomposed):
        question = one(source)
        assert question.text == VIETNAMESE
        assert question.title == "Câu hỏi 1"
        assert question.choices[0] == Choice("Gần dân, hiểu dân", 1.0, "Đúng")
    assert VIETNAMESE in write(parse(decomposed))


@pytest.mark.parametrize("path", CORPUS_FILES, ids=lambda path: path.name)
@pytest.mark.parametrize(
    "encode",
    [
        pytest.param(lambda text: text.replace("\n", "\r\n"), id="crlf"),
        pytest.param(lambda text: text.replace("\n", "\r"), id="cr"),
        pytest.param(lambda text: "\ufeff" + text, id="bom"),
        pytest.param(lambda text: "\ufeff" + text.replace("\n", "\r\n"), id="bom-crlf"),
    ],
)
def test_line_endings_and_bom_read_the_same(path, encode):
    text = path.read_text(encoding="utf-8")
    plain, encoded = parse(text), parse(encode(text))
    assert encoded == plain
    assert [q.line for q in encoded] == [q.line for q in plain]


def test_line_numbers_count_crlf_and_cr_lines():
    assert [q.line for q in parse("// c\r\n\r\nA {T}\r\n\r\nB {F}")] == [3, 5]
    assert [q.line for q in parse("// c\r\rA {T}\r\rB {F}")] == [3, 5]
    assert [p[0] for p in problems_of("// c\r\n\r\nA {T\r\n")] == [3]


# ---- writing and the round trip -----------------------------------------------------------


@pytest.mark.parametrize("path", CORPUS_FILES, ids=lambda path: path.name)
def test_round_trip_of_the_corpus(path):
    questions = parse(path.read_text(encoding="utf-8"))
    written = write(questions)
    assert parse(written) == questions
    assert write(parse(written)) == written


def test_round_trip_of_each_question_alone():
    for path in CORPUS_FILES:
        for question in parse(path.read_text(encoding="utf-8")):
            assert parse(write([question])) == [question]
            assert write(parse(write([question]))) == write([question])


def test_the_written_file_is_canonical_and_readable():
    questions = parse(
        "$CATEGORY: Dân vận\n"
        "\n"
        "::Q1::Chọn{=a#tốt ~b}\n"
        "\n"
        "Điền {=x =%50%y} vào.\n"
        "\n"
        "1+1=2 {T#Xem lại.#Đúng.####Chung.}\n"
        "\n"
        "$CATEGORY: Dân vận\n"
        "\n"
        "[markdown]**Số**{#3.14:0.01}\n"
        "\n"
        "Số khác{#=1 =%50%1..2 # gần ~#sai}\n"
        "\n"
        "Ghép{=a -> 1 =b -> 2}\n"
        "\n"
        "$CATEGORY: Khác\n"
        "\n"
        "Nói đi{}\n"
        "\n"
        "::Mô tả::Chỉ là lời dẫn: \\{không\\} phải câu hỏi?\n"
    )
    assert write(questions) == (
        "$CATEGORY: Dân vận\n"
        "\n"
        "::Q1:: Chọn {\n"
        "\t=a # tốt\n"
        "\t~b\n"
        "}\n"
        "\n"
        "Điền {=x =%50%y} vào.\n"
        "\n"
        "1+1=2 {TRUE#Xem lại.#Đúng.####Chung.}\n"
        "\n"
        "[markdown]**Số** {#3.14:0.01}\n"
        "\n"
        "Số khác {#\n"
        "\t=1\n"
        "\t=%50%1..2 # gần\n"
        "\t~#sai\n"
        "}\n"
        "\n"
        "Ghép {\n"
        "\t=a -> 1\n"
        "\t=b -> 2\n"
        "}\n"
        "\n"
        "$CATEGORY: Khác\n"
        "\n"
        "Nói đi {}\n"
        "\n"
        "::Mô tả:: Chỉ là lời dẫn: \\{không\\} phải câu hỏi?\n"
    )
    assert write([]) == ""


@pytest.mark.parametrize(
    "text",
    [
        "[Hình 1] bản đồ",
        "// không phải chú thích",
        "::không phải tiêu đề",
        "$CATEGORY: không phải danh mục",
        ":dấu hai chấm",
        "kết thúc bằng \\",
        "\\n không phải dòng mới, \\{ cũng không",
        "{ngoặc} và #dấu# =bằng ~ngã",
    ],
)
def test_texts_that_look_like_syntax_are_written_so_they_stay_text(text):
    for title in ("", "Tiêu đề: có ::"):
        for kind, extra in (
            ("description", {}),
            ("essay", {"text_after": text}),
            ("single", {"choices": [Choice(text, 1.0, text), Choice("%" + text, 0.0)]}),
            ("multiple", {"choices": [Choice("%" + text, 0.5), Choice(text, 0.5), Choice("x", 0)]}),
            ("shortanswer", {"choices": [Choice("%" + text, 1.0, text)]}),
            ("truefalse", {"correct": True, "feedback_true": text, "feedback_false": text}),
            ("matching", {"pairs": [MatchPair(text, text), MatchPair("b", "->" + text)]}),
            ("numerical", {"numeric": [NumericAnswer(1.0, feedback=text)]}),
        ):
            question = Question(kind=kind, text=text, title=title, **extra)
            if kind != "description":
                question.general_feedback = text
            assert parse(write([question])) == [question], write([question])


def test_weights_are_written_so_they_read_back_exactly():
    for fraction in (1 / 3, 2 / 3, 0.1, 0.125, 1 / 7, 0.333333, -1 / 6):
        rest = 1 - fraction if fraction > 0 else 1.0
        question = Question(
            kind="multiple",
            text="Q",
            choices=[Choice("a", fraction), Choice("b", rest), Choice("c", 0.0)],
        )
        assert parse(write([question])) == [question], write([question])
    assert "~%33.33333%a" in write(parse("Q{~%33.33333%a ~%66.66667%b}"))


def _random_text(rng: random.Random, empty: bool = False, arrows: bool = True) -> str:
    pieces = ["a", "đ", "ờ", "Ư", " ", "{", "}", "=", "~", "#", ":", "\\", "\n", "%", "[", "]"]
    pieces += ["/", "-", ">", "$", "n", "T", "::", "//", "####", "\\n", "$CATEGORY:", "[html]"]
    while True:
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(1, 9))).strip()
        if (text or empty) and (arrows or "->" not in text):
            return text


def _random_question(rng: random.Random) -> Question:
    def text(**options) -> str:
        return _random_text(rng, **options)

    kind = rng.choice(QUESTION_KINDS)
    question = Question(
        kind=kind,
        text=text(),
        title=text(empty=True),
        text_format=rng.choice(TEXT_FORMATS),
        category=rng.choice(["", "Dân vận", "$course$/top/Biên giới"]),
    )
    if kind == "description":
        return question
    question.text_after = rng.choice(["", text()])
    question.general_feedback = text(empty=True)
    if kind == "single":
        question.choices = [Choice(text(), 1.0, text(empty=True)), Choice(text(), 0.0)]
    elif kind == "multiple":
        weights = rng.choice(
            [[0.5, 0.5, -1.0], [1 / 3, 1 / 3, 1 / 3, 0.0], [0.7, 0.3], [1.0, -0.25]]
        )
        question.choices = [Choice(text(), w, text(empty=True)) for w in weights]
    elif kind == "shortanswer":
        weights = [1.0, *rng.sample([1.0, 0.5, 0.0, 0.125], 2)]
        question.choices = [Choice(text(arrows=False), w, text(empty=True)) for w in weights]
    elif kind == "truefalse":
        question.correct = rng.random() < 0.5
        question.feedback_true, question.feedback_false = text(empty=True), text(empty=True)
    elif kind == "numerical":
        question.numeric = [
            NumericAnswer(
                rng.choice([0.0, -2.5, 1e-05, 123456789.125, 1 / 3]), rng.choice([0, 0.5])
            ),
            NumericAnswer(None, minimum=-1.5, maximum=2e20, fraction=0.5, feedback=text()),
        ]
        if rng.random() < 0.5:
            question.numeric.append(NumericAnswer(None, fraction=0.0, feedback=text(empty=True)))
    elif kind == "matching":
        question.pairs = [MatchPair(text(arrows=False), text()) for _ in range(2)]
        question.pairs.append(MatchPair("", text()))
    return question


def test_round_trip_of_random_questions_full_of_special_characters():
    rng = random.Random(20240611)
    questions = [_random_question(rng) for _ in range(400)]
    written = write(questions)
    assert parse(written) == questions
    assert write(parse(written)) == written


# ---- malformed files ----------------------------------------------------------------------

MALFORMED = [
    pytest.param("::Q:: Câu hỏi\n{\n=a\n~b", [(2, "is not closed with }")], id="unclosed-brace"),
    pytest.param(
        "Dòng một\ndòng hai } thừa", [(2, "“}” without an opening “{”")], id="stray-brace"
    ),
    pytest.param("Thủ đô?{Hà Nội}", [(1, "“Hà Nội” has no answer marker")], id="no-marker"),
    pytest.param(
        "Thủ đô?{Hà Nội =Hà Nội}", [(1, "“Hà Nội” has no answer marker")], id="text-first"
    ),
    pytest.param("Chọn\n{\n~a\n~b\n~c\n}", [(2, "no correct answer")], id="no-correct"),
    pytest.param("Q{\n~%abc%a\n~%100%b\n}", [(2, "unknown weight “%abc%”")], id="weight-unknown"),
    pytest.param("Q{\n~%50a\n=b\n}", [(2, "unknown weight “%50a”")], id="weight-unclosed"),
    pytest.param(
        "Q{\n=a\n~%150%b\n}", [(3, "weight 150% is outside -100% to 100%")], id="weight-range"
    ),
    pytest.param(
        "Q{\n~%50%a\n~%30%b\n~c\n}",
        [(1, "the positive weights add up to 80%; in a multiple-answer question")],
        id="weights-not-100",
    ),
    pytest.param(
        "Q{\n=%50%a\n=%50%b\n~c\n}",
        [(2, "a weight after “=”: Moodle"), (3, "a weight after “=”: Moodle")],
        id="weight-after-equals",
    ),
    pytest.param("Q{#3 # well~done}", [(1, "“~” inside an answer")], id="numerical-tilde-text"),
    pytest.param("Q{#3 # x=3}", [(1, "“=” inside an answer")], id="numerical-equals-feedback"),
    pytest.param("Q{~%100%a}", [(1, "needs at least two answers")], id="one-choice"),
    pytest.param("Q{=a =%-50%b}", [(1, "weight -50% is outside 0% to 100%")], id="negative-short"),
    pytest.param("Q{=%50%a}", [(1, "no answer gets full credit")], id="short-no-full-credit"),
    pytest.param(
        "Năm?{#\n=1945\n=%50%năm 1946\n}", [(3, "“năm 1946” is not a number")], id="not-a-number"
    ),
    pytest.param("Pi?{#3,14}", [(1, "“3,14” is not a number")], id="decimal-comma"),
    pytest.param("Q{#inf}", [(1, "“inf” is not a number")], id="infinity"),
    pytest.param("Q{#5..1}", [(1, "the range 5..1 starts above its end")], id="range-reversed"),
    pytest.param("Q{#1..}", [(1, "“1..” is not a number")], id="range-open"),
    pytest.param("Q{#5:-1}", [(1, "the tolerance -1 is negative")], id="tolerance-negative"),
    pytest.param("Q{#}", [(1, "the numerical question has no answer")], id="numerical-empty"),
    pytest.param("Q{#5 ~6}", [(1, "after “~” a numerical question takes only")], id="other-text"),
    pytest.param("Q{#\n~#sai\n=5\n}", [(2, "must come last")], id="other-not-last"),
    pytest.param("Q{#=%50%5}", [(1, "no answer gets full credit")], id="numerical-no-full"),
    pytest.param("Ghép.{=a -> b}", [(1, "needs at least two pairs")], id="matching-one-pair"),
    pytest.param(
        "Ghép.{\n=a -> 1\n=b 2\n=c -> 3\n}", [(3, "“b 2” has no “->”")], id="matching-no-arrow"
    ),
    pytest.param(
        "Ghép.{=a -> =b -> 2 =c -> 3}", [(1, "nothing after “->”")], id="matching-no-right"
    ),
    pytest.param(
        "Câu {=a ~b}\nvà {=c ~d}", [(2, "a second answer block in one question")], id="two-blocks"
    ),
    pytest.param("Câu {=a {~b}", [(1, "“{” inside an answer block")], id="nested-brace"),
    pytest.param(
        "// c\n\n::Tiêu đề câu hỏi {T}", [(3, "the title is not closed")], id="title-open"
    ),
    pytest.param("::Tiêu đề:: {=a ~b}", [(1, "the question has no text")], id="no-text"),
    pytest.param("::Chỉ tiêu đề::", [(1, "the question has no text")], id="title-only"),
    pytest.param(
        "::T::\n[latex]x^2 {T}", [(2, "unknown text format [latex]: use [moodle]")], id="format"
    ),
    pytest.param("Q{Tx}", [(1, "“Tx” is not a true/false answer")], id="truefalse-junk"),
    pytest.param("Q{Fasle#sai}", [(1, "“Fasle” is not a true/false answer")], id="truefalse-typo"),
    pytest.param("Q{=}", [(1, "an answer is empty")], id="empty-answer"),
    pytest.param("Q{\n=a\n~\n}", [(3, "an answer is empty")], id="empty-choice"),
    pytest.param(
        "Tính?{=1+1=2 ~1+1=3}",
        [(1, "“=” inside an answer: write \\=")] * 2,
        id="unescaped-equals",
    ),
    pytest.param(
        "Q{=khoảng~10 ~20}", [(1, "“~” inside an answer: write \\~")], id="unescaped-tilde"
    ),
    pytest.param("Q{=a#tốt~b}", [(1, "“~” inside an answer")], id="tight-answers"),
    pytest.param(
        "Q{=a ####chung ~b}", [(1, "general feedback (####) must come last")], id="general-first"
    ),
    pytest.param(
        "Câu?{\n=a\n\n~b\n}",
        [(1, "is not closed with }"), (5, "“}” without an opening “{”")],
        id="blank-line-inside",
    ),
]


@pytest.mark.parametrize(("gift", "expected"), MALFORMED)
def test_malformed_questions_are_refused_with_their_line(gift, expected):
    problems = problems_of(gift)
    assert [line for line, _ in problems] == [line for line, _ in expected], problems
    for (_, message), (_, fragment) in zip(problems, expected, strict=True):
        assert fragment in message


def test_a_bad_question_among_good_ones_refuses_the_file_and_reports_only_it():
    gift = (
        "Câu một {T}\n"
        "\n"
        "Câu hai {=a ~b}\n"
        "\n"
        "Câu ba\n"
        "{\n"
        "=a\n"
        "=%abc%b\n"
        "}\n"
        "\n"
        "Câu bốn {#4}\n"
        "\n"
        "Câu năm {}\n"
    )
    with pytest.raises(GiftError) as refused:
        parse(gift)
    assert refused.value.problems == [
        (8, "unknown weight “%abc%”: write a percentage such as %50%"),
    ]


def test_every_problem_of_a_file_is_listed_in_line_order():
    gift = "::Một:: {=a ~b}\n\nHai {#x}\n\nBa {=a\n~%200%b\n~}\n\nBốn } {\n"
    problems = problems_of(gift)
    assert [line for line, _ in problems] == [1, 3, 6, 7, 9]
    assert problems[0] == (1, "the question has no text")
    assert problems[2] == (6, "weight 200% is outside -100% to 100%")
    assert problems[3] == (7, "an answer is empty")


def test_the_error_text_names_the_lines():
    with pytest.raises(GiftError) as refused:
        parse("Q {#x}\n\nR {T")
    assert str(refused.value).startswith("line 1: “x” is not a number")
    assert "; line 3: the answer block opened here is not closed with }" in str(refused.value)
