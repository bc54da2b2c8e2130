"""Issue 11 for quizzes: matching graded without its distractors (and `lms quizzes regrade`
for attempts graded before), and the review page's key for every kind of question."""

from __future__ import annotations

import datetime as dt

import pytest
from bs4 import BeautifulSoup
from sqlalchemy import select

from lms.audit.models import AuditEvent
from lms.courses import enrollment, services
from lms.extensions import db
from lms.quizzes import attempts, bank, drawing, essay_grading, grading, regrading
from lms.quizzes import services as quiz_services
from lms.quizzes.models import Answer, Attempt
from tests.support import login, post

NOW = dt.datetime(2026, 12, 1, 8, tzinfo=dt.UTC)

MATCHING = {
    "kind": "matching",
    "pairs": [
        {"left": "Thái", "right": "Xên bản"},
        {"left": "H'Mông", "right": "Gầu Tào"},
        {"left": "", "right": "Lễ hội không thuộc dân tộc nào"},  # a distractor
    ],
}


def test_a_fully_correct_matching_answer_with_a_distractor_earns_full_credit():
    assert grading.credit(MATCHING, {"pairs": {"0": 0, "1": 1}}) == 1.0  # was 2/3
    assert grading.credit(MATCHING, {"pairs": {"0": 0, "1": 2}}) == 0.5
    assert grading.credit(MATCHING, {"pairs": {"0": 2, "1": 2}}) == 0.0
    assert grading.credit({"kind": "matching", "pairs": MATCHING["pairs"][2:]}, {"pairs": {}}) == 0


@pytest.fixture
def matching_course(make_course, people, province):
    course = make_course("ghep-doi")
    bank.import_gift(
        course,
        "::G:: Ghép dân tộc với lễ hội. {=Thái -> Xên bản =H'Mông -> Gầu Tào "
        "= -> Lễ hội không thuộc dân tộc nào}\n",
        actor=None,
    )
    quiz_services.create_quiz(
        course, slug="cuoi-khoa", title="Cuối khóa", published=True, pass_score=100
    )
    settings = services.CourseSettings(**services.settings_snapshot(course))
    settings.required_quizzes = ["cuoi-khoa"]
    services.update_course(course, settings, actor=None)
    enrollment.assign(course, province["HS"], dt.date(2027, 1, 31), actor=None)
    for module in course.modules:
        enrollment.mark_module_done(people["cadre"], module)
    db.session.commit()
    return course


def graded_as_before_the_fix(course, cadre, monkeypatch) -> Attempt:
    """A fully correct attempt, submitted while the grader counted the distractor (2 of 3)."""
    quiz = quiz_services.get_quiz(course, "cuoi-khoa")
    attempt = attempts.start_attempt(quiz, cadre, now=NOW)
    question = attempts.questions_of(attempt)[0]
    shown = {index: position for position, index in enumerate(question.choice_order)}
    attempts.save_answer(attempt, 1, {"pairs": {"0": shown[0], "1": shown[1]}}, now=NOW)
    fixed = grading.credit
    with monkeypatch.context() as patch:
        patch.setattr(
            grading,
            "credit",
            lambda snapshot, response: (
                2 / 3 if snapshot["kind"] == "matching" else fixed(snapshot, response)
            ),
        )
        attempts.submit(attempt.id, now=NOW)
    db.session.commit()
    return attempt


def test_regrade_reports_fixes_and_completes_then_changes_nothing(
    cli, matching_course, people, monkeypatch
):
    cadre = people["cadre"]
    attempt = graded_as_before_the_fix(matching_course, cadre, monkeypatch)
    assert db.session.get(Answer, (attempt.id, 1)).credit == pytest.approx(2 / 3)
    assert enrollment.enrollment_for(cadre, matching_course).completed_at is None

    dry = cli("quizzes", "regrade", "--dry-run")
    assert dry.exit_code == 0, dry.output
    assert f"{attempt.id} (ghep-doi/cuoi-khoa, hocvien): 66.67% → 100%" in dry.output
    assert db.session.get(Attempt, attempt.id).score == 66.67  # nothing written
    assert enrollment.enrollment_for(cadre, matching_course).completed_at is None

    done = cli("quizzes", "regrade")
    assert done.exit_code == 0, done.output
    regraded = db.session.get(Attempt, attempt.id)
    assert (regraded.score, regraded.passed, regraded.state) == (100.0, True, "graded")
    assert db.session.get(Answer, (attempt.id, 1)).credit == 1.0
    # The pass completes the course through the same path as a submission.
    assert enrollment.enrollment_for(cadre, matching_course).completed_at is not None
    entry = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "quiz.regrade"))
    assert entry.before == {"score": 66.67, "passed": False}
    assert entry.after == {"score": 100.0, "passed": True}

    again = cli("quizzes", "regrade")
    assert again.exit_code == 0 and "(ghep-doi/cuoi-khoa" not in again.output


def test_regrade_keeps_hand_grades_and_attempts_in_progress(matching_course, people):
    quiz = quiz_services.get_quiz(matching_course, "cuoi-khoa")
    open_attempt = attempts.start_attempt(quiz, people["cadre"], now=NOW)
    db.session.commit()
    assert regrading.regrade_submitted() == []
    assert db.session.get(Attempt, open_attempt.id).state == "in_progress"


# ---- the review page's key ---------------------------------------------------------------------

EVERY_KIND = """::S:: Ai nêu phương châm dân vận khéo? {=Chủ tịch Hồ Chí Minh ~%50%Bác Hồ ~Nhà báo}

::M:: Chọn các việc nên làm. {~%50%Hỏi phong tục ~%50%Lắng nghe ~%-100%Chụp ảnh nơi thờ}

::T:: Cán bộ cần nói đi đôi với làm. {F}

::SA:: Viết tắt của Bộ đội Biên phòng? {=BĐBP =%50%BDBP}

::N:: Năm Bác viết bài Dân vận? {#=1949:1 =%50%1940..1960}

::MA:: Ghép tỉnh với vùng. {=Hà Tĩnh -> Bắc Trung Bộ =Lai Châu -> Tây Bắc = -> Nam Bộ}

::E:: Nêu cảm nghĩ về người có uy tín. {}
"""


@pytest.fixture
def reviewed(make_course, people, province):
    course = make_course("xem-lai")
    bank.import_gift(course, EVERY_KIND, actor=None)
    quiz = quiz_services.create_quiz(
        course,
        slug="kt",
        title="Kiểm tra",
        published=True,
        review="correct_after_last",
        max_attempts=1,
    )
    enrollment.assign(course, province["HS"], dt.date(2027, 1, 31), actor=None)
    attempt = attempts.start_attempt(quiz, people["cadre"], now=NOW)
    essay = next(q for q in attempts.questions_of(attempt) if q.snapshot["kind"] == "essay")
    attempts.save_answer(attempt, essay.position, {"text": "Người được tin cậy."}, now=NOW)
    attempts.submit(attempt.id, now=NOW)
    essay_grading.grade_essay(
        attempt, essay.position, 0.75, grader=people["trainer"], comment="Cần ví dụ."
    )
    db.session.commit()
    return attempt


def keys_by_title(client, attempt) -> dict[str, str]:
    login(client, "hocvien")
    post(client, "/locale", {"locale": "en", "next": "/"}, token_from="/")
    response = client.get(f"/attempts/{attempt.id}/review")
    assert response.status_code == 200
    soup = BeautifulSoup(response.get_data(as_text=True), "html.parser")
    keys = {}
    for section in soup.select("section.question"):
        text = section.select_one(".prose").get_text(" ", strip=True)
        box = section.select_one(".admonition")
        keys[text.split("?")[0].split(".")[0]] = " ".join(box.get_text(" ").split())
    # "Back" goes to the course, not to the catalogue.
    keys["_back"] = soup.find("a", string="Back to the course")["href"]
    return keys


def reviewed_course_slug(attempt) -> str:
    from lms.courses.models import Course
    from lms.quizzes.models import Quiz

    quiz = db.session.get(Quiz, attempt.quiz_id)
    return db.session.get(Course, quiz.course_id).slug


def test_the_review_shows_each_kinds_real_key(client, reviewed):
    keys = keys_by_title(client, reviewed)
    single = keys["Ai nêu phương châm dân vận khéo"]
    assert "Chủ tịch Hồ Chí Minh" in single and "Bác Hồ (50% credit)" in single
    assert "Nhà báo" not in single
    multiple = keys["Chọn các việc nên làm"]
    assert "Hỏi phong tục (50% credit)" in multiple and "Chụp ảnh" not in multiple
    assert "False" in keys["Cán bộ cần nói đi đôi với làm"]
    short = keys["Viết tắt của Bộ đội Biên phòng"]
    assert "Accepted answers: BĐBP BDBP (50% credit)" in short
    numerical = keys["Năm Bác viết bài Dân vận"]
    assert "1949 ± 1" in numerical and "from 1940 to 1960 (50% credit)" in numerical
    matching = keys["Ghép tỉnh với vùng"]
    assert "Hà Tĩnh → Bắc Trung Bộ" in matching and "Lai Châu → Tây Bắc" in matching
    assert "Nam Bộ" not in matching  # a distractor is no pair
    essay = keys["Nêu cảm nghĩ về người có uy tín"]
    assert keys["_back"] == f"/courses/{reviewed_course_slug(reviewed)}"
    assert "Graded by hand by a trainer" in essay and "Score: 75%" in essay
    # "False" is the key of the true/false question only (it was shown for every kind).
    for title, key in keys.items():
        if title not in ("Cán bộ cần nói đi đôi với làm", "_back"):
            assert "False" not in key, title


def test_the_question_editor_takes_a_single_answer_question_with_partial_credit(
    client, make_course, people
):
    from lms.quizzes.models import Question

    course = make_course("soan", owner=people["trainer"], status="draft")
    url = f"/authoring/{course.slug}/questions/new?kind=single"
    login(client, "giangvien")
    form = {
        "category": "",
        "title": "S",
        "text": "Ai nêu phương châm dân vận khéo?",
        "text_format": "moodle",
        "general_feedback": "",
        "partial_credit": "y",  # the form's "Cho điểm từng phần" toggle
        "choices-0-text": "Chủ tịch Hồ Chí Minh",
        "choices-0-credit": "100",
        "choices-1-text": "Bác Hồ",
        "choices-1-credit": "50",
        "choices-2-text": "Nhà báo",
        "choices-2-credit": "",
    }
    response = post(client, url, form, token_from=url)
    assert response.status_code == 302, response.get_data(as_text=True)[-2000:]
    question = db.session.scalar(select(Question).where(Question.course_id == course.id))
    assert question.kind == "single"
    assert [c["fraction"] for c in question.content["choices"]] == [1.0, 0.5, 0.0]


def test_matching_right_hand_sides_are_never_shown_in_the_pairs_order():
    import random

    snapshot = {"kind": "matching", "pairs": MATCHING["pairs"]}
    orders = {
        tuple(drawing.shuffled_order(snapshot, shuffle=False, rng=random.Random(seed)))
        for seed in range(200)
    }
    assert (0, 1, 2) not in orders and len(orders) == 5  # every other order still occurs
