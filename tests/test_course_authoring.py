"""Authoring: revisions with history, diff and restore; a second save is never silently lost."""

from __future__ import annotations

import threading

import pytest
from bs4 import BeautifulSoup
from sqlalchemy import func, select

from lms.courses import module_editing, services
from lms.courses.models import ModuleRevision
from lms.extensions import db
from tests.support import login, post


@pytest.fixture
def trainer_course(make_course, people):
    return make_course("soan-bai", owner=people["trainer"], status="draft")


def edit_url(course, module) -> str:
    return f"/authoring/{course.slug}/modules/{module.slug}/edit"


def test_every_save_is_a_revision_with_history_diff_and_restore(trainer_course, people):
    module = trainer_course.modules[0]
    trainer = people["trainer"]
    original = module.body_md
    assert module_editing.save_module(
        module,
        base_revision=1,
        title=module.title,
        minutes=10,
        body_md=original + "\n\nĐoạn thêm.",
        message="Thêm đoạn",
        author=trainer,
    )
    assert not module_editing.save_module(
        module,
        base_revision=2,
        title=module.title,
        minutes=10,
        body_md=original + "\n\nĐoạn thêm.",
        author=trainer,
    )
    db.session.commit()
    history = module_editing.revisions(module)
    assert [r.number for r in history] == [2, 1]
    assert history[0].author_name == "giangvien" and history[0].message == "Thêm đoạn"
    lines = module_editing.diff(history[1].body_md, history[0].body_md)
    assert [line.text for line in lines if line.kind == "added"] == ["", "Đoạn thêm."]
    module_editing.restore_revision(module, 1, author=trainer)
    db.session.commit()
    assert module.revision == 3 and module.body_md == original
    assert "Đoạn thêm" not in module.body_html


def test_a_stale_save_is_refused_and_nothing_is_written(trainer_course):
    module = trainer_course.modules[0]
    module_editing.save_module(
        module,
        base_revision=1,
        title="Của người thứ nhất",
        minutes=10,
        body_md="Bản của người thứ nhất",
        author=None,
    )
    db.session.commit()
    with pytest.raises(module_editing.EditConflict) as conflict:
        module_editing.save_module(
            module,
            base_revision=1,
            title="Của người thứ hai",
            minutes=10,
            body_md="Bản của người thứ hai",
            author=None,
        )
    assert conflict.value.module.revision == 2
    db.session.rollback()
    assert module.title == "Của người thứ nhất"


def test_two_trainers_saving_at_once_through_the_web(
    app, trainer_course, people, make_user, province
):
    from lms.courses.models import CourseOwner

    second = make_user("giangvien2", ("trainer",), province["BCHQS"])
    db.session.add(CourseOwner(course_id=trainer_course.id, user_id=second.id))
    db.session.commit()
    module = trainer_course.modules[0]
    first_client, second_client = app.test_client(), app.test_client()
    login(first_client, "giangvien")
    login(second_client, "giangvien2")
    url = edit_url(trainer_course, module)
    form = {"title": module.title, "minutes": 10, "base_revision": 1, "action": "save"}
    first = post(
        first_client, url, {**form, "body_md": "Văn bản của đồng chí thứ nhất"}, token_from=url
    )
    assert first.status_code == 302
    second_response = post(
        second_client, url, {**form, "body_md": "Văn bản của đồng chí thứ hai"}, token_from=url
    )
    assert second_response.status_code == 409
    page = BeautifulSoup(second_response.get_data(as_text=True), "html.parser")
    assert "Văn bản của đồng chí thứ hai" in page.select_one("textarea[name=body_md]").get_text()
    conflict = page.select_one(".conflict").get_text()
    assert "giangvien" in conflict and "Văn bản của đồng chí thứ nhất" in conflict
    assert page.select_one("input[name=base_revision]")["value"] == "2"
    # resubmitting on top of what the other saved works
    third = post(
        second_client,
        url,
        {**form, "base_revision": 2, "body_md": "Văn bản đã hợp nhất"},
        token_from=url,
    )
    assert third.status_code == 302
    assert (
        db.session.scalar(
            select(func.count())
            .select_from(ModuleRevision)
            .where(ModuleRevision.module_id == module.id)
        )
        == 3
    )


def test_racing_saves_from_the_same_base_let_exactly_one_through(make_app, trainer_course):
    """Two requests that both read revision 1 race to save: the database decides."""
    app = make_app()
    module_id = trainer_course.modules[0].id
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def save(text: str) -> None:
        with app.app_context():
            module = db.session.get(type(trainer_course.modules[0]), module_id)
            barrier.wait()
            try:
                module_editing.save_module(
                    module,
                    base_revision=1,
                    title=module.title,
                    minutes=10,
                    body_md=text,
                    author=None,
                )
                db.session.commit()
                outcomes.append("saved")
            except module_editing.EditConflict:
                db.session.rollback()
                outcomes.append("conflict")
            except Exception as error:  # SQLite may refuse the second writer outright
                db.session.rollback()
                outcomes.append(type(error).__name__)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=save, args=(f"Bản {n}",)) for n in (1, 2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert outcomes.count("saved") == 1, outcomes
    db.session.expire_all()
    assert (
        db.session.scalar(
            select(func.count())
            .select_from(ModuleRevision)
            .where(ModuleRevision.module_id == module_id)
        )
        == 2
    )


def test_preview_without_javascript_and_the_live_preview(client, trainer_course, people):
    module = trainer_course.modules[0]
    url, title = edit_url(trainer_course, module), module.title
    login(client, "giangvien")
    response = post(
        client,
        url,
        {
            "title": title,
            "minutes": 10,
            "base_revision": 1,
            "body_md": "!!! note\n    Thử xem trước\n<script>x</script>",
            "action": "preview",
        },
        token_from=url,
    )
    assert response.status_code == 200
    page = BeautifulSoup(response.get_data(as_text=True), "html.parser")
    preview = page.select_one("#live-preview")
    assert preview.select_one(".admonition-title").get_text() == "Lưu ý"
    assert not preview.select("script")
    assert services.get_course(trainer_course.slug, with_modules=True).modules[0].revision == 1
    response = post(client, "/authoring/preview", {"body_md": "**đậm**"}, token_from=url)
    assert response.get_json()["html"] == "<p><strong>đậm</strong></p>"


def test_reorder_rename_delete_and_publish(client, trainer_course, people):
    login(client, "giangvien")
    base = f"/authoring/{trainer_course.slug}"
    modules = trainer_course.modules
    post(client, f"{base}/modules/{modules[2].slug}/move", {"direction": "up"}, token_from=base)
    course = services.get_course(trainer_course.slug, with_modules=True)
    assert [m.title for m in course.modules] == ["Mở đầu", "Kết luận", "Nội dung"]
    post(client, f"{base}/modules/{modules[0].slug}/delete", token_from=base)
    course = services.get_course(trainer_course.slug, with_modules=True)
    assert [(m.position, m.title) for m in course.modules] == [(1, "Kết luận"), (2, "Nội dung")]
    response = post(client, f"{base}/modules", {"title": "Bài mới: đối thoại"}, token_from=base)
    assert response.status_code == 302 and "/modules/bai-moi-doi-thoai/edit" in response.location
    response = post(client, f"{base}/status", {"status": "published"}, token_from=base)
    assert response.status_code == 302
    assert services.get_course(trainer_course.slug).status == "published"
    assert post(client, f"{base}/status", {"status": "deleted"}, token_from=base).status_code == 400


def test_an_empty_course_cannot_be_published(client, make_course, people):
    make_course("rong", modules=(), status="draft", owner=people["trainer"])
    login(client, "giangvien")
    response = post(
        client, "/authoring/rong/status", {"status": "published"}, token_from="/authoring/rong"
    )
    assert response.status_code == 409
    assert services.get_course("rong").status == "draft"


def test_history_and_diff_pages(client, trainer_course, people):
    module = trainer_course.modules[0]
    module_editing.save_module(
        module,
        base_revision=1,
        title=module.title,
        minutes=10,
        body_md="Dòng mới <b>&</b>",
        author=people["trainer"],
    )
    db.session.commit()
    login(client, "giangvien")
    base = f"/authoring/{trainer_course.slug}/modules/{module.slug}"
    history = BeautifulSoup(client.get(f"{base}/history").get_data(as_text=True), "html.parser")
    assert len(history.select("table.list tbody tr")) == 2
    diff = client.get(f"{base}/diff?from=1&to=2")
    assert diff.status_code == 200
    page = BeautifulSoup(diff.get_data(as_text=True), "html.parser")
    assert page.select_one("tr.diff-added td.text").get_text() == "Dòng mới <b>&</b>"
    assert client.get(f"{base}/diff?from=1&to=99").status_code == 404
    assert client.get(f"{base}/diff?from=x&to=2").status_code == 400
    response = post(client, f"{base}/restore/1", token_from=f"{base}/history")
    assert response.status_code == 302
    assert services.get_course(trainer_course.slug, with_modules=True).modules[0].revision == 3
