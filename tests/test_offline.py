"""Reading offline, the server's side: what a phone may keep (the manifest), the marks queued on
the phone (sent later with the moment they were pressed, recorded once), the CSRF token they
are sent with, and signing out erasing what the phone kept. The phone's side is in
tests/browser/test_offline_reading.py."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from sqlalchemy import func, select, update

from lms.certificates.models import Certificate
from lms.config import ConfigError, load
from lms.courses import enrollment, media, module_editing, services
from lms.courses.models import Enrollment, ModuleProgress
from lms.extensions import db
from lms.offline.services import estimated_sizes, size_label
from tests.plugins.courses import png_bytes
from tests.support import csrf_token, login, soup

DUE = dt.date(2027, 6, 30)
JSON = {"Accept": "application/json"}


@pytest.fixture
def assigned(make_course, people, province):
    course = make_course("dan-van", owner=people["trainer"])
    enrollment.assign(course, province["HS"], DUE, actor=None)
    # Enrolled a week ago: a mark pressed offline yesterday is a moment in between.
    db.session.execute(
        update(Enrollment)
        .where(Enrollment.course_id == course.id)
        .values(enrolled_at=dt.datetime.now(dt.UTC) - dt.timedelta(days=7))
    )
    db.session.commit()
    return services.get_course("dan-van", with_modules=True)


def progress_rows(user) -> list[ModuleProgress]:
    return list(db.session.scalars(select(ModuleProgress).where(ModuleProgress.user_id == user.id)))


def enrollment_of(user, course) -> Enrollment:
    return db.session.scalar(
        select(Enrollment).where(Enrollment.user_id == user.id, Enrollment.course_id == course.id)
    )


def send_mark(client, url: str, token: str, done_at: int | str | None):
    """What the phone's queue sends (static/sw.js, flush)."""
    data = {"csrf_token": token}
    if done_at is not None:
        data["done_at"] = str(done_at)
    return client.post(url, data=data, headers=JSON)


def session_token(client) -> tuple[int, str]:
    payload = client.get("/offline/token", headers=JSON).get_json()
    return payload["user"], payload["csrf_token"]


# The queued mark --------------------------------------------------------------------------


def test_a_mark_sent_again_is_recorded_once_with_the_moment_it_was_pressed(
    client, people, assigned
):
    cadre = people["cadre"]
    login(client, "hocvien")
    user_id, token = session_token(client)
    assert user_id == cadre.id
    pressed = int((dt.datetime.now(dt.UTC) - dt.timedelta(days=1)).timestamp())
    url = "/courses/dan-van/modules/mo-dau/done"

    first = send_mark(client, url, token, pressed)
    assert first.status_code == 200
    assert first.get_json() == {"recorded": True, "course_completed": False}
    again = send_mark(client, url, token, pressed + 30)  # the queue sent it twice
    assert again.get_json() == {"recorded": False, "course_completed": False}

    rows = progress_rows(cadre)
    assert len(rows) == 1
    assert rows[0].completed_at == dt.datetime.fromtimestamp(pressed, dt.UTC)
    # No message waits for the next page: the queue is not a person reading one.
    assert not soup(client.get("/courses/dan-van")).select(".flash")


def test_the_moment_is_clamped_between_the_enrollment_and_now(client, people, assigned):
    cadre = people["cadre"]
    first, second = (assigned.modules[0].id, assigned.modules[1].id)
    login(client, "hocvien")
    _user, token = session_token(client)
    enrolled_at = enrollment_of(cadre, assigned).enrolled_at
    before = dt.datetime.now(dt.UTC)
    send_mark(client, "/courses/dan-van/modules/mo-dau/done", token, 4_102_444_800)  # 2100
    send_mark(client, "/courses/dan-van/modules/noi-dung/done", token, 946_684_800)  # 2000
    after = dt.datetime.now(dt.UTC)
    moments = {row.module_id: row.completed_at for row in progress_rows(cadre)}
    assert before - dt.timedelta(seconds=1) <= moments[first] <= after  # a clock ahead: now
    assert moments[second] == enrolled_at  # a clock far behind: the enrollment


def test_the_plain_form_still_records_now(client, people, assigned):
    login(client, "hocvien")
    before = dt.datetime.now(dt.UTC)
    response = client.post(
        "/courses/dan-van/modules/mo-dau/done",
        data={"csrf_token": csrf_token(client, "/courses/dan-van/modules/mo-dau")},
    )
    assert response.status_code == 302
    (row,) = progress_rows(people["cadre"])
    assert row.completed_at >= before - dt.timedelta(seconds=1)


@pytest.mark.parametrize("done_at", ["hier", "-5", "1.5e9", "99999999999", "１７００００００００"])
def test_a_bad_moment_is_refused_and_nothing_is_written(client, people, assigned, done_at):
    login(client, "hocvien")
    _user, token = session_token(client)
    response = send_mark(client, "/courses/dan-van/modules/mo-dau/done", token, done_at)
    assert response.status_code == 400
    assert response.get_json()["detail"] == "Thời điểm đánh dấu hoàn thành bài học không hợp lệ."
    page = client.post(
        "/courses/dan-van/modules/mo-dau/done", data={"csrf_token": token, "done_at": done_at}
    )
    assert page.status_code == 400
    assert "Thời điểm đánh dấu hoàn thành bài học không hợp lệ." in page.get_data(as_text=True)
    assert progress_rows(people["cadre"]) == []


def test_the_last_mark_completes_the_course_and_issues_its_certificate(client, people, assigned):
    cadre = people["cadre"]
    slugs = [module.slug for module in assigned.modules]
    login(client, "hocvien")
    _user, token = session_token(client)
    pressed = int(dt.datetime.now(dt.UTC).timestamp()) - 120
    replies = [
        send_mark(client, f"/courses/dan-van/modules/{slug}/done", token, pressed).get_json()
        for slug in slugs
    ]
    assert [reply["course_completed"] for reply in replies] == [False, False, True]
    assert enrollment_of(cadre, assigned).completed_at is not None
    certificates = db.session.scalars(
        select(Certificate).where(Certificate.user_id == cadre.id)
    ).all()
    assert len(certificates) == 1


def test_a_queued_mark_needs_the_token_of_the_current_session(client, app, people, assigned):
    """The token kept in a page saved offline may be from a session since ended: the phone gets
    a fresh one (/offline/token) and sends a person's marks only under their own session."""
    login(client, "hocvien")
    _user, old_token = session_token(client)
    url = "/courses/dan-van/modules/mo-dau/done"
    assert send_mark(client, url, "", None).status_code == 400  # no token at all
    client.post("/logout", data={"csrf_token": old_token})
    login(client, "hocvien")
    refused = send_mark(client, url, old_token, None)
    assert refused.status_code == 400
    assert progress_rows(people["cadre"]) == []
    # Another account's token on this phone is refused the same way.
    other = app.test_client()
    login(other, "hocvien.bp")
    _other_user, other_token = session_token(other)
    assert send_mark(client, url, other_token, None).status_code == 400
    assert progress_rows(people["cadre"]) == []

    user_id, fresh = session_token(client)
    assert user_id == people["cadre"].id
    assert send_mark(client, url, fresh, None).status_code == 200
    assert len(progress_rows(people["cadre"])) == 1


def test_a_mark_for_a_course_one_is_not_enrolled_in_is_refused(client, people, assigned):
    login(client, "hocvien.bp")  # a border cadre: not under the assigned unit
    _user, token = session_token(client)
    response = send_mark(client, "/courses/dan-van/modules/mo-dau/done", token, None)
    assert response.status_code == 403
    assert progress_rows(people["border_cadre"]) == []


# What the phone keeps ----------------------------------------------------------------------


def manifest(client, *requested: str) -> dict:
    query = "&".join(f"course={slug}" for slug in requested)
    response = client.get(f"/offline/manifest?{query}", headers=JSON)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "private, no-store"
    return response.get_json()


def test_the_phone_keeps_the_assigned_open_courses_and_those_asked_for(
    client, app, people, province, make_course, assigned
):
    make_course("ban-nhap", status="draft", owner=people["trainer"])
    make_course("luu-tru", status="archived")
    make_course("tu-chon")
    done = make_course("da-xong", modules=("Một",))
    enrollment.assign(done, province["HS"], DUE, actor=None)
    db.session.commit()
    enrollment.mark_module_done(people["cadre"], done.modules[0])
    db.session.commit()
    assert enrollment_of(people["cadre"], done).completed_at is not None

    login(client, "hocvien")
    listed = manifest(client)
    assert listed["user"] == people["cadre"].id
    assert listed["limit_bytes"] == app.config["OFFLINE_CACHE_MB"] * 1_000_000
    assert listed["shell"] == [
        "/",
        "/my-training",
        "/offline",
        "/static/lms.css",
        "/static/offline.js",
        "/static/favicon.svg",
    ]
    (course,) = listed["courses"]  # the completed one is not kept unless asked for
    assert (course["slug"], course["auto"]) == ("dan-van", True)
    assert course["urls"] == [
        "/courses/dan-van",
        "/courses/dan-van/modules/mo-dau",
        "/courses/dan-van/modules/noi-dung",
        "/courses/dan-van/modules/ket-luan",
    ]
    assert course["size"] > 0

    # Asked for: published ones only; drafts, archived and unknown courses are not listed.
    asked = manifest(client, "tu-chon", "da-xong", "ban-nhap", "luu-tru", "khong-co", "x" * 500)
    assert [(c["slug"], c["auto"]) for c in asked["courses"]] == [
        ("dan-van", True),
        ("da-xong", False),
        ("tu-chon", False),
    ]


def test_the_revision_key_follows_edits_and_progress(client, people, assigned):
    login(client, "hocvien")
    key = manifest(client)["courses"][0]["revision"]
    assert manifest(client)["courses"][0]["revision"] == key  # nothing changed

    course = services.get_course("dan-van", with_modules=True)
    first, module = course.modules[0], course.modules[1]
    module_editing.save_module(
        module,
        base_revision=module.revision,
        title=module.title,
        minutes=module.minutes,
        body_md="## Phần 2\n\nNội dung đã sửa.",
        author=None,
    )
    db.session.commit()
    edited = manifest(client)["courses"][0]["revision"]
    assert edited != key

    enrollment.mark_module_done(people["cadre"], first)
    db.session.commit()
    assert manifest(client)["courses"][0]["revision"] not in (key, edited)


def test_the_images_of_a_module_are_kept_with_it(client, people, assigned):
    image = media.store_image(png_bytes(), course_id=assigned.id, uploaded_by=None)
    module = assigned.modules[0]
    module_editing.save_module(
        module,
        base_revision=module.revision,
        title=module.title,
        minutes=module.minutes,
        body_md=f"![Sơ đồ]({media.url_path(image)})\n\nHai lần: ![lại]({media.url_path(image)})",
        author=None,
    )
    db.session.commit()
    login(client, "hocvien")
    urls = manifest(client)["courses"][0]["urls"]
    assert urls.count(media.url_path(image)) == 1
    assert urls.index(media.url_path(image)) == 2  # after the module that shows it


def test_the_manifest_uses_the_same_number_of_queries_for_1_and_12_courses(
    client, people, province, make_course, count_queries
):
    def add(numbers: range) -> None:
        for n in numbers:
            course = make_course(f"khoa-{n}")
            enrollment.assign(course, province["HS"], DUE, actor=None)
            enrollment.mark_module_done(people["cadre"], course.modules[0])
            make_course(f"chon-{n}")
            db.session.commit()

    def measure() -> int:
        requested = "&".join(f"course=chon-{n}" for n in range(12))
        with count_queries() as counter:
            client.get(f"/offline/manifest?{requested}", headers=JSON)
        return counter.count

    add(range(1))
    login(client, "hocvien")
    few = measure()
    add(range(1, 12))
    many = measure()
    assert len(manifest(client, *[f"chon-{n}" for n in range(12)])["courses"]) == 24
    assert few == many, f"{few} queries for 1 course, {many} for 12"
    assert many <= 6, f"the manifest uses {many} queries"


# The pages ---------------------------------------------------------------------------------


def test_the_course_page_offers_to_keep_a_course_with_its_size(client, people, make_course):
    course = make_course("tu-chon")
    login(client, "hocvien")
    box = soup(client.get("/courses/tu-chon")).select_one("[data-offline-keep]")
    assert box.has_attr("hidden")  # shown by the script, where a service worker can keep it
    assert box["data-offline-keep"] == "tu-chon"
    button = box.select_one("button")
    size = size_label(estimated_sizes([course.id])[course.id])
    assert re.fullmatch(r"[0-9]+ kB", size)
    assert button.get_text(strip=True) == f"Tải về để đọc khi mất mạng ({size})"


def test_an_assigned_course_is_kept_without_asking(client, people, assigned):
    login(client, "hocvien")
    box = soup(client.get("/courses/dan-van")).select_one("[data-offline-keep]")
    assert box.select_one("button") is None
    assert box["data-auto-text"].startswith("Khóa học được giao cho đồng chí: tự động lưu")


def test_a_draft_course_is_not_offered_for_offline_reading(client, people, make_course):
    make_course("ban-nhap", status="draft", owner=people["trainer"])
    login(client, "giangvien")
    assert soup(client.get("/courses/ban-nhap")).select_one("[data-offline-keep]") is None


def test_sizes_read_as_a_person_reads_them(app):
    from flask_babel import force_locale

    with app.test_request_context(), force_locale("vi"):
        assert size_label(400) == "1 kB"
        assert size_label(14_300) == "14 kB"
        assert size_label(1_450_000) == "1,4 MB"


def test_the_worker_is_served_from_the_root_as_a_script(client):
    response = client.get("/sw.js")
    assert response.status_code == 200
    assert response.mimetype == "text/javascript"
    assert response.headers["Cache-Control"] == "private, no-store"  # checked at every visit
    assert "addEventListener('fetch'" in response.get_data(as_text=True)


def test_the_page_for_what_needs_the_server(client, people):
    page = soup(client.get("/offline"))
    assert page.select_one("h1").get_text() == "Không dùng được khi mất mạng"
    assert "Bài kiểm tra do máy chủ chấm điểm" in page.get_text()
    assert page.select_one("[data-offline-signed-out]").has_attr("hidden")


def test_every_page_carries_the_banner_and_whose_page_it_is(client, people):
    anonymous = soup(client.get("/login")).select_one("[data-offline-banner]")
    assert anonymous["data-offline-user"] == "" and anonymous.has_attr("hidden")
    login(client, "hocvien")
    banner = soup(client.get("/")).select_one("[data-offline-banner]")
    assert banner["data-offline-user"] == str(people["cadre"].id)
    assert banner["data-worker"] == "/sw.js"
    assert "{time}" in banner["data-text"]


def test_signing_out_tells_the_browser_to_erase_what_the_phone_kept(client, people):
    login(client, "hocvien")
    response = client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
    assert response.status_code == 302
    assert response.headers["Clear-Site-Data"] == '"cache", "storage"'
    # Pages are still kept by no HTTP cache.
    assert client.get("/login").headers["Cache-Control"] == "private, no-store"


@pytest.mark.parametrize("value", ["0", "2001"])
def test_the_offline_size_limit_is_checked(tmp_path, monkeypatch, value):
    monkeypatch.setenv("LMS_OFFLINE_CACHE_MB", value)
    with pytest.raises(ConfigError, match="LMS_OFFLINE_CACHE_MB"):
        load(str(tmp_path))


def test_nothing_is_queued_twice_in_the_database(people, assigned):
    """The primary key (person, module) is what makes a mark count once, whatever races."""
    cadre, module = people["cadre"], assigned.modules[0]
    assert enrollment.mark_module_done(cadre, module) is True
    assert enrollment.mark_module_done(cadre, module) is False
    db.session.commit()
    count = db.session.scalar(
        select(func.count()).select_from(ModuleProgress).where(ModuleProgress.user_id == cadre.id)
    )
    assert count == 1
