"""Course settings: the form saves back exactly what it shows; required quizzes are the
course's own quizzes, ticked; bad names are refused everywhere; old corrupted values are
repaired by a data migration."""

from __future__ import annotations

import datetime as dt
import importlib.util
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from flask_migrate import upgrade
from sqlalchemy import MetaData, Table, func, insert, select, update
from werkzeug.datastructures import MultiDict

from lms.audit.models import AuditEvent
from lms.courses import folders, services
from lms.courses.models import Course
from lms.errors import InvalidInput
from lms.extensions import db
from lms.quizzes import services as quiz_services
from tests.support import login, soup

MIGRATION = (
    Path(__file__).resolve().parents[1]
    / "migrations/versions/2026-12-01_repair_required_quizzes_2a1035ac4d8c.py"
)


def browser_fields(page: BeautifulSoup, form_selector: str) -> list[tuple[str, str]]:
    """What a browser would send for the form as shown: every named input with its value
    (checkboxes only when checked), every textarea and select."""
    form = page.select_one(form_selector)
    fields: list[tuple[str, str]] = []
    for element in form.select("input[name], textarea[name], select[name]"):
        name = element["name"]
        if element.name == "textarea":
            # The HTML parser drops the newline that opens a textarea, as browsers do.
            fields.append((name, element.get_text().removeprefix("\n").replace("\n", "\r\n")))
        elif element.name == "select":
            chosen = element.select_one("option[selected]") or element.select_one("option")
            fields.append((name, chosen.get("value", chosen.get_text()) if chosen else ""))
        elif element.get("type") in ("checkbox", "radio"):
            if element.has_attr("checked"):
                fields.append((name, element.get("value", "on")))
        elif element.get("type") not in ("submit", "button", "file"):
            fields.append((name, element.get("value", "")))
    return fields


def save_as_shown(client, url: str, form_selector: str):
    page = soup(client.get(url))
    return client.post(url, data=MultiDict(browser_fields(page, form_selector)))


SETTINGS_FORM = "form[action$='/authoring/dan-van']:has(#title)"


def audit_count(action: str = "course.update") -> int:
    return db.session.scalar(
        select(func.count()).select_from(AuditEvent).where(AuditEvent.action == action)
    )


@pytest.fixture
def course(make_course, people):
    course = make_course("dan-van", owner=people["trainer"])
    quiz_services.create_quiz(course, slug="kiem-tra-cuoi-khoa", title="Kiểm tra cuối khóa")
    quiz_services.create_quiz(course, slug="on-tap", title="Ôn tập", published=True)
    db.session.commit()
    return course


def stored(slug: str = "dan-van") -> dict:
    db.session.expire_all()
    return services.settings_snapshot(services.get_course(slug))


def test_saving_the_settings_unchanged_twice_changes_nothing(client, people, course):
    course = services.get_course("dan-van")
    services.update_course(
        course,
        services.CourseSettings(
            title="Dân vận  khéo",
            summary="Tóm tắt",
            topic="Dân vận",
            description_md="## Mục tiêu\n\nNắm vững\n\n- một\n- hai",
            pass_score=80,
            min_attendance=75,
            required_quizzes=["kiem-tra-cuoi-khoa"],
            certificate_valid_months=24,
        ),
        actor=None,
    )
    db.session.commit()
    before, audits = stored(), audit_count()
    assert before["required_quizzes"] == ["kiem-tra-cuoi-khoa"]
    login(client, "giangvien")
    for _ in range(2):
        response = save_as_shown(client, "/authoring/dan-van", SETTINGS_FORM)
        assert response.status_code == 302, response.get_data(as_text=True)[:2000]
        assert stored() == before
    assert audit_count() == audits  # nothing changed, nothing logged
    page = soup(client.get("/authoring/dan-van"))
    assert "Không có thay đổi nào" in page.select_one(".flash-success").get_text()
    boxes = {b["value"]: b.has_attr("checked") for b in page.select("#required_quizzes input")}
    assert boxes == {"kiem-tra-cuoi-khoa": True, "on-tap": False}
    assert "[" not in page.select_one("#required_quizzes").parent.get_text()


def test_a_course_without_quizzes_says_so_and_saves_unchanged(client, make_course, people):
    make_course("dan-van", owner=people["trainer"])
    login(client, "giangvien")
    page = soup(client.get("/authoring/dan-van"))
    settings = page.select_one(SETTINGS_FORM)
    assert "chưa có bài kiểm tra nào" in settings.get_text()
    assert settings.select_one("a[href='/authoring/dan-van/quizzes']")
    assert not settings.select("input[type=checkbox]")
    for _ in range(2):
        assert save_as_shown(client, "/authoring/dan-van", SETTINGS_FORM).status_code == 302
        assert stored()["required_quizzes"] == []
    assert audit_count() == 0


def test_a_ticked_quiz_round_trips_and_the_audit_shows_the_lists(client, people, course):
    login(client, "giangvien")
    page = soup(client.get("/authoring/dan-van"))
    labels = [label.get_text(" ", strip=True) for label in page.select("#required_quizzes label")]
    assert labels == [
        "Kiểm tra cuối khóa (kiem-tra-cuoi-khoa), chưa công bố",
        "Ôn tập (on-tap)",
    ]
    fields = [(k, v) for k, v in browser_fields(page, SETTINGS_FORM)]
    fields += [("required_quizzes", "on-tap"), ("required_quizzes", "kiem-tra-cuoi-khoa")]
    response = client.post("/authoring/dan-van", data=MultiDict(fields))
    assert response.status_code == 302
    assert stored()["required_quizzes"] == ["on-tap", "kiem-tra-cuoi-khoa"]
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "course.update")).one()
    assert event.before == {"required_quizzes": []}
    assert event.after == {"required_quizzes": ["on-tap", "kiem-tra-cuoi-khoa"]}
    page = soup(client.get("/authoring/dan-van"))
    checked = [box["value"] for box in page.select("#required_quizzes input[checked]")]
    assert sorted(checked) == ["kiem-tra-cuoi-khoa", "on-tap"]
    # and unticking them all stores an empty list
    fields = [(k, v) for k, v in browser_fields(page, SETTINGS_FORM) if k != "required_quizzes"]
    assert client.post("/authoring/dan-van", data=MultiDict(fields)).status_code == 302
    assert stored()["required_quizzes"] == []


@pytest.mark.parametrize(
    "name", ["[]", "['kiem-tra-cuoi-khoa']", "khong-co", "kiem-tra-cuoi-khoa "]
)
def test_names_that_are_not_quizzes_of_the_course_are_refused(client, people, course, name):
    login(client, "giangvien")
    page = soup(client.get("/authoring/dan-van"))
    fields = [*browser_fields(page, SETTINGS_FORM), ("required_quizzes", name)]
    response = client.post("/authoring/dan-van", data=MultiDict(fields))
    assert response.status_code == 400
    assert soup(response).select_one(".has-error .error")
    assert stored()["required_quizzes"] == [] and audit_count() == 0


def test_the_service_refuses_unknown_names_and_quizzes_of_another_course(
    people, course, make_course
):
    other = make_course("khac")
    quiz_services.create_quiz(other, slug="cua-khoa-khac", title="Của khóa khác")
    db.session.commit()
    course = services.get_course("dan-van")
    settings = services.CourseSettings(**{**stored(), "required_quizzes": ["cua-khoa-khac"]})
    with pytest.raises(InvalidInput) as refused:
        services.update_course(course, settings, actor=None)
    assert refused.value.field == "required_quizzes"
    assert "cua-khoa-khac" in str(refused.value.message)
    # names are trimmed and each kept once
    settings.required_quizzes = [" on-tap", "on-tap", ""]
    assert services.update_course(course, settings, actor=None)
    assert course.required_quizzes == ["on-tap"]


def test_stored_names_that_are_no_quiz_are_shown_and_dropped_on_save(client, people, course):
    db.session.execute(update(Course).values(required_quizzes=["on-tap", "da-xoa"]))
    db.session.commit()
    login(client, "giangvien")
    page = soup(client.get("/authoring/dan-van"))
    assert "da-xoa" in page.select_one(SETTINGS_FORM + " p.error").get_text()
    assert save_as_shown(client, "/authoring/dan-van", SETTINGS_FORM).status_code == 302
    assert stored()["required_quizzes"] == ["on-tap"]


def test_the_other_authoring_forms_save_unchanged_without_change(client, people, course):
    login(client, "quantri")
    owners_before = services.owner_usernames(services.get_course("dan-van"))
    assert (
        save_as_shown(client, "/authoring/dan-van", "form[action$='/owners']")
        .headers["Location"]
        .endswith("/authoring/dan-van")
    )
    assert services.owner_usernames(services.get_course("dan-van")) == owners_before
    assert audit_count("course.owners") == 0
    url = "/authoring/dan-van/modules/mo-dau/edit"
    module = services.get_module(services.get_course("dan-van"), "mo-dau")
    before = (module.revision, module.title, module.minutes, module.body_md)
    for _ in range(2):
        assert save_as_shown(client, url, "form#module-editor").status_code == 302
        db.session.expire_all()
        module = services.get_module(services.get_course("dan-van"), "mo-dau")
        assert (module.revision, module.title, module.minutes, module.body_md) == before


# ---- folders -----------------------------------------------------------------------------------


def write_folder(root: Path, required: str) -> None:
    folder = root / "dan-van"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "course.md").write_text(
        f"---\ntitle: Dân vận\nstatus: published\nrequired_quizzes: {required}\n---\n\nMô tả.\n",
        encoding="utf-8",
    )
    (folder / "01-mo-dau.md").write_text("---\ntitle: Mở đầu\n---\n\nNội dung.\n")


def test_a_folder_cannot_require_a_quiz_the_course_does_not_have(tmp_path):
    write_folder(tmp_path, "[kiem-tra]")
    result = folders.sync_folders(tmp_path)
    db.session.commit()
    [problem] = result.refused["dan-van"]
    assert (problem.path, problem.line) == ("dan-van/course.md", 4)
    assert "kiem-tra" in problem.message
    assert services.get_course("dan-van") is None  # nothing written
    # without it the course syncs; once the quiz exists on the web, the folder may require it
    write_folder(tmp_path, "[]")
    assert not folders.sync_folders(tmp_path).refused
    quiz_services.create_quiz(services.get_course("dan-van"), slug="kiem-tra", title="Kiểm tra")
    db.session.commit()
    write_folder(tmp_path, "[kiem-tra]")
    assert not folders.sync_folders(tmp_path).refused
    db.session.commit()
    assert stored()["required_quizzes"] == ["kiem-tra"]


# ---- the data migration -----------------------------------------------------------------------


def load_migration():
    spec = importlib.util.spec_from_file_location("repair_required_quizzes", MIGRATION)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize(
    ("value", "names"),
    [
        ([], []),
        (["[]"], []),
        (["['[]']"], []),
        (["['kiem-tra-cuoi-khoa']"], ["kiem-tra-cuoi-khoa"]),
        (['["kiem-tra-cuoi-khoa"]'], ["kiem-tra-cuoi-khoa"]),
        ([" kiem-tra-cuoi-khoa "], ["kiem-tra-cuoi-khoa"]),
        ("['on-tap', 'kiem-tra-cuoi-khoa']", ["on-tap", "kiem-tra-cuoi-khoa"]),
        (["['on-tap'", "'kiem-tra-cuoi-khoa']"], ["on-tap", "kiem-tra-cuoi-khoa"]),
        (["[\"['on-tap'\"", "\"'on-tap']\"]"], ["on-tap"]),
        ([["on-tap"], "on-tap"], ["on-tap"]),
        (None, []),
    ],
)
def test_unwrap_finds_the_names_in_every_corrupted_form(value, names):
    assert load_migration().unwrap(value) == names


@pytest.fixture
def fresh_database_url(database_url, tmp_path):
    if database_url.startswith("sqlite"):
        return f"sqlite:///{tmp_path / 'migration.sqlite'}"
    from tests.conftest import _postgres_database

    return _postgres_database("lms_migration_test")


def test_the_migration_repairs_stored_values(make_app, fresh_database_url):
    from lms.courses.models import Course as CourseModel

    app = make_app(fresh_database_url)
    directory = app.extensions["migrate"].directory
    with app.app_context():
        upgrade(directory=directory, revision="0cd171c295df")
        corrupted = {
            "a": ["[]"],
            "b": ["['[]']"],
            "c": ["['kiem-tra']"],
            "d": ['["kiem-tra"]', "[\"['da-xoa'\"", "'kiem-tra']"],
            "e": ["kiem-tra"],
        }
        # The tables as they were at that revision (the models have grown since): plain rows.
        old = MetaData()
        courses_then = Table("courses", old, autoload_with=db.engine)
        quizzes_then = Table("quizzes", old, autoload_with=db.engine)
        now = dt.datetime(2026, 11, 30, 8, 0)
        for slug, value in corrupted.items():
            course_id = db.session.execute(
                insert(courses_then)
                .values(
                    slug=slug,
                    title=f"Khóa {slug}",
                    summary="",
                    topic="",
                    description_md="",
                    description_html="",
                    status="draft",
                    required_quizzes=value,
                    search_text="",
                    created_at=now,
                    updated_at=now,
                )
                .returning(courses_then.c.id)
            ).scalar_one()
            if slug != "a":
                db.session.execute(
                    insert(quizzes_then).values(
                        course_id=course_id,
                        slug="kiem-tra",
                        title="Kiểm tra",
                        description="",
                        pass_score=70,
                        categories=[],
                        shuffle_questions=True,
                        shuffle_choices=True,
                        grading="highest",
                        review="score",
                        published=False,
                        created_at=now,
                    )
                )
        db.session.commit()
        upgrade(directory=directory)
        db.session.expire_all()
        rows = db.session.execute(select(CourseModel.slug, CourseModel.required_quizzes)).all()
        repaired = {slug: names for slug, names in rows}
        assert repaired == {
            "a": [],
            "b": [],
            "c": ["kiem-tra"],
            "d": ["kiem-tra"],
            "e": ["kiem-tra"],
        }
        events = {
            e.target_label: (e.before, e.after)
            for e in db.session.scalars(
                select(AuditEvent).where(AuditEvent.actor_name == "migration")
            )
        }
        assert events == {
            slug: ({"required_quizzes": corrupted[slug]}, {"required_quizzes": repaired[slug]})
            for slug in "abcd"
        }
        db.session.remove()
