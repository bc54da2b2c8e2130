"""Learners' pages: who sees what, My training, the reader, search, images, weight, queries."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from sqlalchemy import update

from lms.courses import enrollment, media, module_editing, services
from lms.errors import InvalidInput
from lms.extensions import db
from tests.plugins.courses import png_bytes
from tests.support import login, post, soup


@pytest.fixture
def courses(make_course, people, province):
    published = make_course("cong-khai", owner=people["trainer"])
    draft = make_course("ban-nhap", status="draft", owner=people["trainer"])
    other = make_course("cua-nguoi-khac", status="draft")
    enrollment.assign(published, province["HS"], dt.date(2027, 1, 31), actor=None)
    db.session.commit()
    return {"published": published, "draft": draft, "other": other}


@pytest.mark.parametrize(
    ("role", "url", "status"),
    [
        ("cadre", "/courses/cong-khai", 200),
        ("cadre", "/courses/ban-nhap", 404),
        ("cadre", "/courses/ban-nhap/modules/mo-dau", 404),
        ("cadre", "/authoring/", 403),
        ("cadre", "/authoring/cong-khai", 403),
        ("cadre", "/courses/cong-khai/assign", 403),
        ("trainer", "/courses/ban-nhap", 200),
        ("trainer", "/authoring/ban-nhap", 200),
        ("trainer", "/authoring/cua-nguoi-khac", 404),
        ("trainer", "/courses/cua-nguoi-khac", 404),
        ("admin", "/authoring/cua-nguoi-khac", 200),
        ("commander", "/courses/ban-nhap", 404),
        ("commander", "/courses/cong-khai/assign", 200),
        ("commander", "/courses/ban-nhap/assign", 404),
    ],
)
def test_who_sees_what(client, people, courses, role, url, status):
    login(client, people[role].username)
    assert client.get(url).status_code == status


def test_a_trainer_cannot_change_a_course_they_do_not_own(client, people, courses):
    login(client, "giangvien")
    base = "/authoring/cua-nguoi-khac"
    for path, data in [
        (f"{base}/status", {"status": "published"}),
        (f"{base}/modules", {"title": "Chen vao"}),
        (f"{base}/modules/mo-dau/delete", {}),
        (
            f"{base}/modules/mo-dau/edit",
            {"title": "x", "minutes": 1, "base_revision": 1, "action": "save"},
        ),
    ]:
        assert post(client, path, data, token_from="/").status_code == 404
    assert services.get_course("cua-nguoi-khac", with_modules=True).status == "draft"


def test_catalogue_and_search_hide_drafts_from_cadres(client, people, courses):
    login(client, "hocvien")
    titles = [a.get_text() for a in soup(client.get("/courses/")).select(".course-card h2 a")]
    assert titles == ["Khóa học cong-khai"]
    hits = soup(client.get("/search?q=DAN VAN")).select(".hit h2 a")
    assert hits and all("cong-khai" in a["href"] for a in hits)


def test_search_ignores_diacritics_and_highlights(client, people, courses):
    login(client, "hocvien")
    page = soup(client.get("/search?q=noi+dung"))
    marks = [m.get_text() for m in page.select(".hit mark")]
    assert "Nội" in marks and "dung" in marks
    assert client.get("/search?q=" + "%25_" * 50).status_code == 200


def test_my_training_shows_progress_due_dates_and_next_step(client, people, courses):
    course = courses["published"]
    enrollment.mark_module_done(people["cadre"], course.modules[0])
    db.session.commit()
    login(client, "hocvien")
    page = soup(client.get("/my-training"))
    card = page.select_one(".course-card")
    assert "1" in card.select_one(".meta").get_text() and "3" in card.select_one(".meta").get_text()
    assert card.select_one(".progress")["aria-valuenow"] == "33"
    assert "nội-dung" not in card.get_text()
    assert card.select_one("a.button")["href"].endswith("/modules/noi-dung")


def test_overdue_is_marked(client, people, courses):
    from lms.courses.models import Enrollment

    db.session.execute(update(Enrollment).values(due_date=dt.date(2020, 1, 1)))
    db.session.commit()
    login(client, "hocvien")
    page = soup(client.get("/my-training"))
    assert page.select_one(".course-card.overdue .badge.danger")


def test_reading_and_marking_done_moves_the_progress_bar(client, people, courses):
    login(client, "hocvien")
    page = soup(client.get("/courses/cong-khai/modules/mo-dau"))
    assert page.select_one("form.done-form")
    assert page.select_one("a[rel=next]")["href"].endswith("/noi-dung")
    response = post(
        client,
        "/courses/cong-khai/modules/mo-dau/done",
        token_from="/courses/cong-khai/modules/mo-dau",
    )
    assert response.location.endswith("/courses/cong-khai/modules/noi-dung")
    post(client, "/courses/cong-khai/modules/mo-dau/done", token_from="/")  # twice: harmless
    bar = soup(client.get("/courses/cong-khai")).select_one(".progress")
    assert bar["aria-valuenow"] == "33"


def test_a_reader_not_enrolled_cannot_record_progress(client, people, courses):
    login(client, "hocvien.bp")
    assert not soup(client.get("/courses/cong-khai/modules/mo-dau")).select_one("form.done-form")
    response = post(client, "/courses/cong-khai/modules/mo-dau/done", token_from="/")
    assert response.status_code == 403


def test_a_module_page_is_light(client, people, courses):
    login(client, "hocvien")
    page = client.get("/courses/cong-khai/modules/mo-dau")
    with client.get("/static/lms.css") as css, client.get("/static/offline.js") as script:
        total = len(page.data) + len(css.data) + len(script.data)
    assert total < 50_000, f"{total} bytes"
    # The reader needs no JavaScript: the one script (keeping pages for reading offline) is an
    # optional extra, loaded after the page.
    scripts = soup(page).select("script")
    assert [(tag["src"], tag.has_attr("defer")) for tag in scripts] == [
        ("/static/offline.js", True)
    ]


def test_image_upload_checks_content_and_serves_with_caching(client, people, courses):
    login(client, "giangvien")
    url = "/authoring/cong-khai/images"
    headers = {"Accept": "application/json"}
    fake = post(
        client,
        url,
        {"image": (io.BytesIO(b"<svg onload=alert(1)>"), "x.png")},
        token_from="/authoring/cong-khai",
        headers=headers,
    )
    assert fake.status_code == 400
    # The size limit is checked on the service: Werkzeug's test client leaves the temporary
    # file of a multi-megabyte upload open, which this suite's warnings-as-errors refuses.
    with pytest.raises(InvalidInput):
        media.store_image(
            b"\x89PNG\r\n\x1a\n" + b"0" * media.MAX_IMAGE_BYTES, course_id=None, uploaded_by=None
        )
    good = post(
        client,
        url,
        {"image": (io.BytesIO(png_bytes()), "ảnh.png"), "alt": "Sơ đồ"},
        token_from="/authoring/cong-khai",
        headers=headers,
    )
    assert good.status_code == 200
    payload = good.get_json()
    assert payload["markdown"].startswith("![Sơ đồ](/media/") and payload["url"].endswith(".png")
    served = client.get(payload["url"])
    assert served.status_code == 200 and served.mimetype == "image/png"
    assert "immutable" in served.headers["Cache-Control"]
    # What is served is the upload re-encoded from its pixels (no metadata), not its bytes.
    assert served.data.startswith(b"\x89PNG") and served.data == media.reencoded_image(
        png_bytes(), "image/png"
    )
    assert client.get(payload["url"].replace(".png", ".jpg")).status_code == 404
    anonymous = client.application.test_client()
    assert anonymous.get(payload["url"]).status_code == 302


@pytest.mark.parametrize(
    "url",
    [
        "/my-training",
        "/courses/cong-khai",
        "/courses/cong-khai/modules/noi-dung",
        "/courses/",
        "/authoring/",
    ],
)
def test_learner_pages_use_a_fixed_number_of_queries(
    client, make_course, people, province, count_queries, url
):
    role_user = "giangvien" if url.startswith("/authoring") else "hocvien"
    make_course("cong-khai", owner=people["trainer"])
    enrollment.assign(
        services.get_course("cong-khai"), province["HS"], dt.date(2027, 1, 1), actor=None
    )
    db.session.commit()
    login(client, role_user)
    client.get(url)  # a module's text is cached by the first reader (see the test below)
    with count_queries() as few:
        assert client.get(url).status_code == 200
    for n in range(12):
        course = make_course(
            f"khoa-{n}", modules=tuple(f"Bài {i}" for i in range(8)), owner=people["trainer"]
        )
        enrollment.assign(course, province["HS"], dt.date(2027, 1, 1), actor=None)
        for module in course.modules[:3]:
            enrollment.mark_module_done(people["cadre"], module)
    db.session.commit()
    with count_queries() as many:
        assert client.get(url).status_code == 200
    assert few.count == many.count, (few.statements, many.statements)
    assert many.count <= 8


def test_the_catalogue_shows_the_readers_progress(client, people, courses):
    enrollment.mark_module_done(people["cadre"], courses["published"].modules[0])
    db.session.commit()
    login(client, "hocvien")
    page = soup(client.get("/courses/"))
    assert page.select_one(".course-card .progress")["aria-valuenow"] == "33"
    assert "Không tìm thấy" in soup(client.get("/search?q=khongcotu")).get_text()


def test_a_module_page_shows_each_save_at_once_and_reads_its_text_once(
    client, people, courses, count_queries
):
    """The module's text is the same for every reader of a revision: kept per process, under
    the moment of its last save, so a save shows at once and readers after the first do not
    load it again."""
    login(client, "hocvien")
    url = "/courses/cong-khai/modules/noi-dung"
    with count_queries() as first:
        client.get(url)
    with count_queries() as again:
        html = client.get(url).get_data(as_text=True)
    assert again.count == first.count - 1
    assert not any("body_html" in statement for statement in again.statements)
    module = services.get_module(courses["published"], "noi-dung")
    assert "Cán bộ đi cơ sở" not in html
    module_editing.save_module(
        module,
        base_revision=module.revision,
        title="Nội dung mới",
        minutes=12,
        body_md="Cán bộ đi cơ sở **ba cùng** với dân.",
        author=people["trainer"],
    )
    db.session.commit()
    article = soup(client.get(url)).select_one("article.reader")
    assert article.h1.get_text() == "Nội dung mới"
    assert (
        "Cán bộ đi cơ sở" in article.get_text() and article.select_one("strong").text == "ba cùng"
    )
    assert "Khoảng 12 phút" in article.get_text()
