"""Denial of service through Markdown: every entry point refuses a costly text fast.

Each pathological text below once took seconds to minutes of CPU (see the measures in
lms/courses/markdown.py). They are fed to every place Markdown enters: the renderer, a
module's save and preview, the live preview, a course's description, a course folder, a GIFT
import, the question editor; and the pages that show a question (an attempt started before
question HTML was kept in the snapshot, its review, the trainers' preview of a quiz). Time is
the process's CPU time, not the wall clock, with a generous bound.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import func, select

from lms.courses import services
from lms.courses.markdown import check_source, render
from lms.errors import ImportRefused, InvalidInput
from lms.extensions import db
from lms.quizzes import attempts, bank
from lms.quizzes import services as quiz_services
from lms.quizzes.models import AttemptQuestion, Question
from tests.support import login, post

CPU_BOUND = 2.0  # seconds; a refusal takes milliseconds

PATHOLOGICAL = {
    "brackets-1400": "[" * 1400 + "a" * 20_000,  # was 10 s per page view
    "brackets-1600": "[" * 1600,  # was a 500 on every attempt page
    "preview-46s": "[" * 1500 + "a" * 98_000,  # was 46 s on POST /authoring/preview
    "spaced-brackets": "[ " * 1400 + "a" * 20_000,
    "unclosed-links": "[a](" * 5000,
    "reference-links": "[a][" * 5000,
    "footnote-refs": "[^1] " * 5000 + "\n\n[^1]: x\n",
    "unclosed-tags": "<a " * 7000,
    "tags-across-paragraphs": "<a \n\n" * 5000,
    "unclosed-fences": "~~~a\n" * 10_000,
    "callouts": "a!!! note\n" * 10_000,
    "headings": "a\n---\n" * 5000,
    "escaped-emphasis": "__\\" * 26_000,
    "code-spans": "`>>`" * 20_000,
    "deep-quotes": ">" * 5000 + " a",
    "deep-lists": "- " * 600 + "a",
    "paragraphs": "a\n\n" * 33_000,
    "too-long": "a " * 60_000,
}
SHAPES = list(PATHOLOGICAL.items())
# The shapes the slower entry points (pages, imports) are fed.
SOME = ["brackets-1400", "preview-46s", "unclosed-tags", "unclosed-fences", "headings"]


def cpu(call: Callable[[], Any]) -> tuple[float, Any]:
    start = time.process_time()
    try:
        result = call()
    except (InvalidInput, ImportRefused) as refused:
        result = refused
    return time.process_time() - start, result


@pytest.mark.parametrize(("name", "source"), SHAPES, ids=[name for name, _ in SHAPES])
def test_the_guard_and_the_renderer_refuse_each_shape_fast(name, source):
    spent, result = cpu(lambda: check_source(source))
    assert isinstance(result, InvalidInput) and spent < 0.5
    spent, result = cpu(lambda: render(source))
    assert isinstance(result, InvalidInput), name
    assert spent < CPU_BOUND


def test_ordinary_long_text_still_renders(app):
    paragraph = (
        "Cán bộ **dân vận** cần [gần dân](https://example.vn), _hiểu dân_, `học dân` và có "
        "trách nhiệm với dân. " * 12
    )
    source = "\n\n".join(f"## Mục {i}\n\n{paragraph}[^{i}]" for i in range(75)) + "".join(
        f"\n\n[^{i}]: Ghi chú {i}." for i in range(75)
    )
    assert 90_000 < len(source) <= 100_000
    spent, result = cpu(lambda: render(source))
    assert not isinstance(result, InvalidInput) and "Mục 74" in result.html
    assert spent < CPU_BOUND


@pytest.fixture
def trainer_course(make_course, people):
    return make_course("chong-ddos", owner=people["trainer"], status="draft")


def test_module_save_preview_and_live_preview_refuse_fast(client, people, trainer_course):
    module = trainer_course.modules[0]
    before = module.body_md
    url = f"/authoring/{trainer_course.slug}/modules/{module.slug}/edit"
    login(client, "giangvien")
    for name in SOME:
        form = {
            "title": module.title,
            "minutes": "10",
            "base_revision": "1",
            "body_md": PATHOLOGICAL[name],
        }
        for action in ("save", "preview"):
            spent, response = cpu(
                lambda form=form, action=action: post(
                    client, url, {**form, "action": action}, token_from=url
                )
            )
            assert response.status_code == 400, (name, action)
            assert "field-error" in response.get_data(as_text=True) or "error" in (
                response.get_data(as_text=True)
            )
            assert spent < CPU_BOUND, (name, action, spent)
        spent, response = cpu(
            lambda name=name: post(
                client, "/authoring/preview", {"body_md": PATHOLOGICAL[name]}, token_from=url
            )
        )
        assert response.status_code in (400, 413) and spent < CPU_BOUND, (name, spent)
    db.session.refresh(module)
    assert module.body_md == before and module.revision == 1


def test_a_course_description_is_refused(trainer_course):
    settings = services.CourseSettings(**services.settings_snapshot(trainer_course))
    settings.description_md = PATHOLOGICAL["brackets-1400"]
    spent, result = cpu(lambda: services.update_course(trainer_course, settings, actor=None))
    assert isinstance(result, InvalidInput) and spent < CPU_BOUND


def test_a_course_folder_module_is_refused_with_its_file_and_line(tmp_path):
    from lms.courses import folders

    folder = tmp_path / "khoa-doc-hai"
    folder.mkdir()
    (folder / "course.md").write_text("---\ntitle: Khóa thử\n---\nMô tả.\n", encoding="utf-8")
    (folder / "01-bai.md").write_text(
        "---\ntitle: Bài một\nminutes: 5\n---\n" + PATHOLOGICAL["brackets-1400"], encoding="utf-8"
    )
    spent, result = cpu(lambda: folders.sync_folders(tmp_path))
    assert spent < CPU_BOUND
    problems = result.refused["khoa-doc-hai"]
    assert [(p.path, p.line) for p in problems] == [("khoa-doc-hai/01-bai.md", 5)]
    assert services.get_course("khoa-doc-hai") is None


def test_a_gift_import_is_refused_with_the_line_of_the_question(trainer_course):
    gift = "::Tốt:: Câu bình thường {T}\n\n// Câu độc hại\n::Xấu::[markdown]{text}{{T}}\n"
    for name in SOME:
        text = gift.replace("{text}", PATHOLOGICAL[name].replace("\n", "\\n"))
        spent, result = cpu(lambda text=text: bank.import_gift(trainer_course, text, actor=None))
        assert isinstance(result, ImportRefused), name
        assert [p.line for p in result.problems] == [4], name
        assert spent < CPU_BOUND, (name, spent)
    assert db.session.scalar(select(func.count()).select_from(Question)) == 0


def test_the_question_editor_refuses_a_costly_markdown_text(client, people, trainer_course):
    url = f"/authoring/{trainer_course.slug}/questions/new?kind=essay"
    login(client, "giangvien")
    spent, response = cpu(
        lambda: post(
            client,
            url,
            {
                "category": "",
                "title": "Tự luận",
                "text": "[" * 1400 + "a" * 18_000,  # within the form's 20,000 characters
                "text_format": "markdown",
                "general_feedback": "",
            },
            token_from=url,
        )
    )
    assert response.status_code == 400 and spent < CPU_BOUND
    assert "“[”" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Question)) == 0


@pytest.fixture
def old_attempt(trainer_course, people, province):
    """An attempt started before question HTML was kept, on a costly bank question written
    before the guard (straight into the database, as an old import would have)."""
    from lms.courses import enrollment

    bank.import_gift(trainer_course, "::Q:: [markdown]Câu **một** {T}\n", actor=None)
    question = db.session.scalar(select(Question))
    question.content = {**question.content, "text": PATHOLOGICAL["brackets-1600"]}
    quiz = quiz_services.create_quiz(
        trainer_course, slug="kiem-tra", title="Kiểm tra", published=True, review="answers"
    )
    services.set_status(trainer_course, "published", actor=None)
    enrollment.assign(trainer_course, province["HS"], dt.date(2027, 1, 31), actor=None)
    now = dt.datetime(2026, 12, 1, 8, tzinfo=dt.UTC)
    attempt = attempts.start_attempt(quiz, people["cadre"], now=now)
    frozen = db.session.get(AttemptQuestion, (attempt.id, 1))
    frozen.snapshot = {k: v for k, v in frozen.snapshot.items() if k != "html"}
    db.session.commit()
    return attempt


def test_an_old_attempt_and_the_quiz_preview_show_a_costly_text_as_plain_text(
    app, client, people, trainer_course, old_attempt
):
    login(client, "hocvien")
    spent, response = cpu(lambda: client.get(f"/attempts/{old_attempt.id}"))
    assert response.status_code == 200 and spent < CPU_BOUND
    assert "[" * 1600 in response.get_data(as_text=True)  # shown as it was typed
    attempts.submit(old_attempt.id, now=dt.datetime(2026, 12, 1, 8, 5, tzinfo=dt.UTC))
    db.session.commit()
    spent, response = cpu(lambda: client.get(f"/attempts/{old_attempt.id}/review"))
    assert response.status_code == 200 and spent < CPU_BOUND
    trainer = app.test_client()
    login(trainer, "giangvien")
    spent, response = cpu(
        lambda: trainer.get(f"/authoring/{trainer_course.slug}/quizzes/kiem-tra/preview")
    )
    assert response.status_code == 200 and spent < CPU_BOUND


def test_a_new_attempt_keeps_its_question_html_and_never_renders_again(
    client, people, trainer_course, province, monkeypatch
):
    from lms.courses import enrollment
    from lms.quizzes import question_text

    bank.import_gift(trainer_course, "::Q:: [markdown]Câu **một**? {T}\n", actor=None)
    quiz = quiz_services.create_quiz(trainer_course, slug="kt", title="Kiểm tra", published=True)
    services.set_status(trainer_course, "published", actor=None)
    enrollment.assign(trainer_course, province["HS"], dt.date(2027, 1, 31), actor=None)
    now = dt.datetime(2026, 12, 1, 8, tzinfo=dt.UTC)
    attempt = attempts.start_attempt(quiz, people["cadre"], now=now)
    db.session.commit()
    assert db.session.get(AttemptQuestion, (attempt.id, 1)).snapshot["html"] == (
        "<p>Câu <strong>một</strong>?</p>"
    )

    def no_rendering(*args, **kwargs):
        raise AssertionError("rendered on a page view")

    monkeypatch.setattr(question_text, "render", no_rendering)
    login(client, "hocvien")
    response = client.get(f"/attempts/{attempt.id}")
    assert "<strong>một</strong>" in response.get_data(as_text=True)
