"""Quizzes defined in course folders: course.md's ``quizzes:`` with questions from
``<quiz>.gift``, synced with the same three-way rule as modules, exported back byte for byte,
and never changing what a cadre has already answered."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from flask_babel import force_locale
from sqlalchemy import func, select

from lms.audit.models import AuditEvent
from lms.courses import enrollment, folders, services
from lms.extensions import db
from lms.quizzes import attempts, bank, drawing
from lms.quizzes import services as quiz_services
from lms.quizzes.models import Attempt, AttemptQuestion, Question, Quiz

T0 = dt.datetime(2026, 12, 1, 8, 0, tzinfo=dt.UTC)

COURSE_MD = """---
title: Khóa thử nghiệm
status: published
quizzes:
  kiem-tra:
    title: Kiểm tra cuối khóa
    questions: 3
    pass_score: 80
    time_limit_minutes: 20
    max_attempts: 3
required_quizzes: [kiem-tra]
---

Mô tả.
"""

GIFT = """::Q1:: Cán bộ dân vận phải "nói đi đôi với làm". {T}

::Q2:: Ai nêu phương châm "dân vận khéo"? {=Chủ tịch Hồ Chí Minh ~Một nhà báo ~Không rõ}

::Q3:: Vận động quần chúng còn gọi là công tác gì? {=dân vận}

::Q4:: Bao nhiêu dân tộc anh em sống trên đất Việt Nam? {#54}
"""


@pytest.fixture(autouse=True)
def english_messages():
    with force_locale("en"):
        yield


def write_course(
    root: Path, course_md: str = COURSE_MD, gift: str | None = GIFT, slug: str = "thu-nghiem"
) -> Path:
    folder = root / slug
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "course.md").write_text(course_md, encoding="utf-8")
    (folder / "01-mo-dau.md").write_text("---\ntitle: Mở đầu\n---\n\nNội dung.\n", "utf-8")
    if gift is not None:
        (folder / "kiem-tra.gift").write_text(gift, encoding="utf-8")
    return folder


def sync(root: Path) -> folders.FolderSyncResult:
    result = folders.sync_folders(root)
    db.session.commit()
    return result


def the_quiz(slug: str = "thu-nghiem") -> Quiz:
    return quiz_services.get_quiz(services.get_course(slug), "kiem-tra")


def row_counts() -> tuple[int, ...]:
    return tuple(
        db.session.scalar(select(func.count()).select_from(model))
        for model in (Quiz, Question, AuditEvent)
    )


def problems_of(result: folders.FolderSyncResult, slug: str = "thu-nghiem") -> list[str]:
    return [str(p) for p in result.refused.get(slug, [])]


def test_sync_creates_the_quiz_from_course_md_and_its_file(tmp_path, count_queries):
    write_course(tmp_path)
    [report] = sync(tmp_path).reports
    assert (report.quizzes_added, report.questions_added) == (1, 4)
    course = services.get_course("thu-nghiem")
    quiz = the_quiz()
    assert (quiz.title, quiz.question_count, quiz.pass_score) == ("Kiểm tra cuối khóa", 3, 80)
    assert (quiz.time_limit_minutes, quiz.max_attempts) == (20, 3)
    assert (quiz.grading, quiz.review, quiz.shuffle_questions, quiz.shuffle_choices) == (
        "highest",
        "score",
        True,
        True,
    )
    assert quiz.published and quiz.question_file == "kiem-tra.gift"
    assert course.required_quizzes == ["kiem-tra"]
    assert [q.title for q in drawing.question_pool(quiz)] == ["Q1", "Q2", "Q3", "Q4"]
    # An unchanged folder writes nothing.
    before = row_counts()
    with count_queries() as counter:
        [report] = sync(tmp_path).reports
    assert not report.changed
    assert row_counts() == before
    writes = [
        s
        for s in counter.statements
        if s.lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE"))
    ]
    assert writes == []


def test_a_folder_quiz_draws_only_from_its_own_file(tmp_path, people):
    folder = write_course(tmp_path)
    (folder / "on-tap.gift").write_text("::X:: Câu của tệp khác {T}\n", encoding="utf-8")
    sync(tmp_path)
    quiz = the_quiz()
    assert {q.title for q in drawing.question_pool(quiz)} == {"Q1", "Q2", "Q3", "Q4"}
    attempt = attempts.start_attempt(quiz, people["cadre"], now=T0)
    titles = {q.snapshot["title"] for q in attempts.questions_of(attempt)}
    assert len(titles) == 3 and titles <= {"Q1", "Q2", "Q3", "Q4"}


def test_changes_in_the_folder_update_the_quiz(tmp_path):
    folder = write_course(tmp_path)
    sync(tmp_path)
    quiz_id = the_quiz().id
    (folder / "course.md").write_text(
        COURSE_MD.replace("questions: 3", "questions: 4\n    grading: last\n    shuffle: false"),
        encoding="utf-8",
    )
    [report] = sync(tmp_path).reports
    assert (report.quizzes_added, report.quizzes_changed) == (0, 1)
    quiz = the_quiz()
    assert quiz.id == quiz_id
    assert (quiz.question_count, quiz.grading) == (4, "last")
    assert not quiz.shuffle_questions and not quiz.shuffle_choices
    events = db.session.scalars(
        select(AuditEvent).where(
            AuditEvent.action == "quiz.update", AuditEvent.target_id == quiz_id
        )
    ).all()
    assert [e.actor_name for e in events] == [folders.SYNC_AUTHOR]
    assert events[0].after == {
        "question_count": 4,
        "grading": "last",
        "shuffle_questions": False,
        "shuffle_choices": False,
    }
    # The quiz's questions follow the file.
    (folder / "kiem-tra.gift").write_text(
        GIFT.replace("{#54}", "{#54}\n\n::Q5:: Câu mới {F}"), encoding="utf-8"
    )
    [report] = sync(tmp_path).reports
    assert (report.questions_added, report.questions_removed) == (1, 0)
    assert [q.title for q in drawing.question_pool(the_quiz())][-1] == "Q5"


def test_web_edits_of_a_quiz_and_its_questions_are_kept(tmp_path, people):
    write_course(tmp_path)
    sync(tmp_path)
    course = services.get_course("thu-nghiem")
    quiz = the_quiz()
    quiz_services.update_quiz(quiz, course, actor=people["trainer"], pass_score=60, published=False)
    question = bank.bank(course)[0]
    question.content = {**question.content, "text": "Sửa trên web"}
    db.session.commit()
    [report] = sync(tmp_path).reports
    assert not report.changed
    quiz = the_quiz()
    assert quiz.pass_score == 60 and not quiz.published
    assert bank.bank(course)[0].content["text"] == "Sửa trên web"


def test_a_change_on_both_sides_is_a_conflict_at_its_line(tmp_path, people):
    folder = write_course(tmp_path)
    sync(tmp_path)
    course = services.get_course("thu-nghiem")
    quiz_services.update_quiz(the_quiz(), course, actor=people["trainer"], pass_score=60)
    question = bank.bank(course)[2]
    question.content = {**question.content, "text": "Sửa trên web"}
    db.session.commit()
    last_question = dict(bank.bank(course)[3].content)
    (folder / "course.md").write_text(
        COURSE_MD.replace("pass_score: 80", "pass_score: 90"), "utf-8"
    )
    (folder / "kiem-tra.gift").write_text(GIFT.replace("{#54}", "{#54:1}"), encoding="utf-8")
    before = row_counts()
    result = sync(tmp_path)
    problems = problems_of(result)
    assert any(p.startswith("thu-nghiem/course.md:5: quiz kiem-tra was changed") for p in problems)
    assert any(p.startswith("thu-nghiem/kiem-tra.gift:7: questions") for p in problems), problems
    assert row_counts() == before
    assert the_quiz().pass_score == 60
    assert bank.bank(course)[3].content == last_question


def test_a_web_quiz_of_the_same_name_is_not_taken_over(tmp_path, make_course):
    course = make_course("thu-nghiem")
    quiz_services.create_quiz(course, slug="kiem-tra", title="Bài của web")
    db.session.commit()
    write_course(tmp_path)
    result = sync(tmp_path)
    assert any("made on the web" in p for p in problems_of(result))
    assert the_quiz().title == "Bài của web" and the_quiz().synced_hash is None


def test_export_writes_the_quiz_back_and_is_a_fixed_point(tmp_path, make_course):
    source = tmp_path / "source"
    write_course(
        source,
        COURSE_MD.replace(
            "    max_attempts: 3\n",
            "    max_attempts: 3\n    categories: [co-ban]\n    review: answers\n"
            "    shuffle: {questions: false, choices: true}\n",
        ),
        "$CATEGORY: co-ban\n\n" + GIFT,
    )
    sync(source)
    # A quiz and questions made on the web stay out of course.md's quizzes:
    course = services.get_course("thu-nghiem", with_modules=True)
    quiz_services.create_quiz(course, slug="on-tap", title="Ôn tập")
    bank.import_gift(course, "::W:: Viết trên web {T}\n", actor=None)
    db.session.commit()
    first, second = tmp_path / "first", tmp_path / "second"
    folders.export_course(course, list(course.modules), first)
    db.session.commit()
    course_md = (first / "thu-nghiem" / "course.md").read_text(encoding="utf-8")
    assert (
        "quizzes:\n  kiem-tra:\n    title: Kiểm tra cuối khóa\n    questions: 3\n"
        "    categories: [co-ban]\n    pass_score: 80\n    time_limit_minutes: 20\n"
        "    max_attempts: 3\n    review: answers\n"
        "    shuffle: {choices: true, questions: false}\nrequired_quizzes: [kiem-tra]\n"
    ) in course_md
    assert "on-tap" not in course_md
    assert sorted(p.name for p in (first / "thu-nghiem").glob("*.gift")) == [
        "kiem-tra.gift",
        "questions.gift",
    ]
    [report] = sync(first).reports
    assert not report.changed
    course = services.get_course("thu-nghiem", with_modules=True)
    folders.export_course(course, list(course.modules), second)
    names = sorted(p.name for p in (first / "thu-nghiem").iterdir())
    assert names == sorted(p.name for p in (second / "thu-nghiem").iterdir())
    for name in names:
        assert (first / "thu-nghiem" / name).read_bytes() == (
            second / "thu-nghiem" / name
        ).read_bytes(), name


def test_an_attempt_keeps_its_questions_when_a_later_sync_changes_them(tmp_path, people):
    folder = write_course(tmp_path, COURSE_MD.replace("questions: 3", "questions: 4"))
    sync(tmp_path)
    attempt = attempts.start_attempt(the_quiz(), people["cadre"], now=T0)
    db.session.commit()
    frozen = {q.position: dict(q.snapshot) for q in attempts.questions_of(attempt)}
    [truefalse] = [p for p, snapshot in frozen.items() if snapshot["kind"] == "truefalse"]
    attempts.save_answer(attempt, truefalse, {"value": True}, now=T0)
    db.session.commit()
    # Every question of the file rewritten: the true/false one is now false.
    (folder / "kiem-tra.gift").write_text(
        GIFT.replace("{T}", "{F}")
        .replace("Ai nêu", "Ai đã nêu")
        .replace("{#54}", "{#53}")
        .replace("{=dân vận}", "{=vận động}"),
        encoding="utf-8",
    )
    [report] = sync(tmp_path).reports
    assert (report.questions_added, report.questions_removed) == (4, 4)
    db.session.expire_all()
    rows = db.session.scalars(
        select(AttemptQuestion).where(AttemptQuestion.attempt_id == attempt.id)
    ).all()
    assert {q.position: q.snapshot for q in rows} == frozen
    assert all(q.question_id is None for q in rows)  # the bank rows went, the snapshots stay
    graded = attempts.submit(attempt.id, now=T0 + dt.timedelta(minutes=5))
    # Graded against the questions as they were asked: the "true" answer is still right.
    assert graded.state == "graded" and graded.score == 25
    new_attempt = attempts.start_attempt(the_quiz(), people["cadre"], now=T0 + dt.timedelta(1))
    texts = {q.snapshot["text"] for q in attempts.questions_of(new_attempt)}
    assert any("Ai đã nêu" in text for text in texts)


def test_a_quiz_gone_from_course_md_goes_unless_cadres_took_it(tmp_path, people):
    folder = write_course(tmp_path)
    sync(tmp_path)
    without = COURSE_MD.split("quizzes:")[0] + "---\n\nMô tả.\n"
    attempts.start_attempt(the_quiz(), people["cadre"], now=T0)
    db.session.commit()
    (folder / "course.md").write_text(without, encoding="utf-8")
    result = sync(tmp_path)
    assert any("cadres have taken it" in p for p in problems_of(result))
    assert the_quiz() is not None
    db.session.execute(Attempt.__table__.delete())
    db.session.commit()
    [report] = sync(tmp_path).reports
    assert report.quizzes_removed == 1 and the_quiz() is None
    assert services.get_course("thu-nghiem").required_quizzes == []


def test_a_required_quiz_defined_in_the_folder_counts_for_completion(tmp_path, people):
    write_course(tmp_path)
    result = sync(tmp_path)
    assert result.refused == {}
    course = services.get_course("thu-nghiem", with_modules=True)
    assert course.required_quizzes == ["kiem-tra"]
    # A name that is neither in the folder nor in the course is still refused.
    other = write_course(
        tmp_path / "other", COURSE_MD.replace("[kiem-tra]", "[kiem-tra, khong-co]"), slug="khac"
    )
    result = sync(other.parent)
    [problem] = problems_of(result, "khac")
    assert problem.startswith("khac/course.md:11: required_quizzes names quizzes")
    assert "khong-co" in problem and services.get_course("khac") is None


def test_passing_the_folder_quiz_completes_the_course(tmp_path, people, province):
    write_course(tmp_path, COURSE_MD.replace("questions: 3", "questions: 4"))
    sync(tmp_path)
    course = services.get_course("thu-nghiem", with_modules=True)
    cadre = people["cadre"]
    enrollment.assign(course, province["HS"], dt.date(2026, 12, 31), actor=None)
    enrollment.mark_module_done(cadre, course.modules[0])
    db.session.commit()
    assert enrollment.enrollment_for(cadre, course).completed_at is None
    attempt = attempts.start_attempt(the_quiz(), cadre, now=T0)
    for question in attempts.questions_of(attempt):
        kind = question.snapshot["kind"]
        if kind == "single":  # the right choice is the first written; pages number as shown
            response = {"choice": question.choice_order.index(0)}
        else:
            response = {
                "truefalse": {"value": True},
                "shortanswer": {"text": "dân vận"},
                "numerical": {"text": "54"},
            }[kind]
        attempts.save_answer(attempt, question.position, response, now=T0)
    assert attempts.submit(attempt.id, now=T0).passed
    db.session.commit()
    assert enrollment.enrollment_for(cadre, course).completed_at is not None


@pytest.mark.parametrize(
    ("course_md", "gift", "where", "fragment"),
    [
        (COURSE_MD.replace("pass_score: 80", "pass_score: 180"), GIFT, "course.md:8", "0 to 100"),
        (COURSE_MD.replace("questions: 3", "questions: many"), GIFT, "course.md:7", "wrong type"),
        (COURSE_MD.replace("questions: 3", "questions: 9"), GIFT, "course.md:7", "holds 4"),
        (COURSE_MD.replace("max_attempts: 3", "max_attempts: 0"), GIFT, "course.md:10", "attempts"),
        (COURSE_MD.replace("max_attempts: 3", "grading: best"), GIFT, "course.md:10", "grading"),
        (COURSE_MD.replace("max_attempts: 3", "review: always"), GIFT, "course.md:10", "review"),
        (COURSE_MD.replace("max_attempts: 3", "shuffle: maybe"), GIFT, "course.md:10", "wrong"),
        (COURSE_MD.replace("max_attempts: 3", "colour: red"), GIFT, "course.md:10", "unknown quiz"),
        (COURSE_MD.replace("max_attempts: 3", "title: Lại"), GIFT, "course.md:5", "twice"),
        (COURSE_MD.replace("    title: Kiểm tra cuối khóa\n", ""), GIFT, "course.md:5", "title"),
        (COURSE_MD.replace("  kiem-tra:", "  Kiem Tra:"), GIFT, "course.md:5", "short name"),
        (COURSE_MD.replace("  kiem-tra:\n", "  kiem-tra: 3\n  x:\n"), GIFT, "course.md:5", "key"),
        (COURSE_MD, None, "course.md:5", "kiem-tra.gift, which is not in the folder"),
        (COURSE_MD, GIFT + "\n::Q9:: Hỏng {=Một\n", "kiem-tra.gift:9", ""),
        ("---\ntitle: T\nquizzes: [kiem-tra]\n---\n", GIFT, "course.md:3", "wrong type"),
    ],
)
def test_bad_quiz_settings_or_questions_write_nothing(tmp_path, course_md, gift, where, fragment):
    write_course(tmp_path)
    sync(tmp_path)
    folder = write_course(tmp_path, course_md, gift)
    if gift is None:
        (folder / "kiem-tra.gift").unlink()
    (folder / "01-mo-dau.md").write_text("---\ntitle: Đã sửa\n---\n\nĐã sửa.\n", "utf-8")
    before = row_counts()
    result = sync(tmp_path)
    assert result.reports == []
    problems = problems_of(result)
    assert any(p.startswith(f"thu-nghiem/{where}: ") and fragment in p for p in problems), problems
    assert row_counts() == before
    assert services.get_course("thu-nghiem", with_modules=True).modules[0].title == "Mở đầu"
    assert the_quiz().pass_score == 80


def test_the_sync_command_reports_the_quizzes(cli, tmp_path):
    write_course(tmp_path)
    result = cli("courses", "sync", str(tmp_path))
    assert result.exit_code == 0, result.output
    assert "thu-nghiem: quizzes: 1 added, 0 changed, 0 removed." in result.output
    assert "question bank: 4 questions added" in result.output


def test_the_quiz_page_says_where_the_questions_come_from_and_saves_unchanged(
    tmp_path, client, people
):
    from bs4 import BeautifulSoup

    from tests.support import login, post

    write_course(tmp_path)
    sync(tmp_path)
    course = services.get_course("thu-nghiem")
    services.set_owners(course, [people["trainer"].username], actor=None)
    db.session.commit()
    login(client, people["trainer"].username)
    url = "/authoring/thu-nghiem/quizzes/kiem-tra"
    page = BeautifulSoup(client.get(url).data, "html.parser")
    assert "câu hỏi lấy từ tệp kiem-tra.gift" in page.get_text(" ")
    form = page.select_one("form.card")
    data = {
        field["name"]: field.get("value", "")
        for field in form.select("input")
        if field["name"] != "csrf_token"
        and (field.get("type") != "checkbox" or field.has_attr("checked"))
    }
    data |= {t["name"]: t.get_text() for t in form.select("textarea")}
    for select_field in form.select("select"):
        chosen = select_field.select_one("option[selected]") or select_field.select_one("option")
        data[select_field["name"]] = chosen["value"]
    saved = post(client, url, data, token_from=url)
    assert saved.status_code == 302, saved.get_data(as_text=True)
    db.session.expire_all()
    [report] = sync(tmp_path).reports
    assert not report.changed  # saving the form unchanged changed nothing the folder says
