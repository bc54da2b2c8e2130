"""Reading offline on the border-post phone: the service worker (static/sw.js) keeps the
cadre's assigned course, the pages open with the network gone and say they are copies, a module
marked done offline is sent when the connection returns and recorded once, a course can be kept
on request (its size shown first), a new revision replaces the old copy, the oldest course goes
first past the size limit, and signing out leaves nothing readable."""

from __future__ import annotations

import datetime as dt
import re
import time

from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import expect
from sqlalchemy import select

from lms.courses import enrollment, media, module_editing, services
from lms.courses.models import ModuleProgress
from lms.extensions import db
from tests.plugins.courses import png_bytes
from tests.support import TEST_PASSWORD, sign_in

DUE = dt.date(2027, 6, 30)
KEPT_PATHS = """async () => {
  const cache = await caches.open('lms-offline-pages-v1');
  return (await cache.keys()).map(request => new URL(request.url).pathname);
}"""
ALL_CACHED = """async () => {
  const found = [];
  for (const name of await caches.keys()) {
    const cache = await caches.open(name);
    for (const request of await cache.keys()) found.push(new URL(request.url).pathname);
  }
  return found;
}"""


def wait_until_kept(page, paths: list[str], timeout: float = 30) -> None:
    """The worker saves in the background after a page loads: wait for these paths."""
    deadline = time.monotonic() + timeout
    kept: list[str] = []
    while time.monotonic() < deadline:
        try:
            kept = page.evaluate(KEPT_PATHS)
        except PlaywrightError:  # the page navigated meanwhile
            kept = []
        if all(path in kept for path in paths):
            return
        time.sleep(0.2)
    raise AssertionError(f"not kept: {sorted(set(paths) - set(kept))}; kept: {kept}")


def progress_rows(user_id: int) -> list[ModuleProgress]:
    db.session.expire_all()
    return list(db.session.scalars(select(ModuleProgress).where(ModuleProgress.user_id == user_id)))


def wait_for(predicate, timeout: float = 30):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError("timed out")


def with_text(course, position: int, body_md: str):
    module = course.modules[position]
    module_editing.save_module(
        module,
        base_revision=module.revision,
        title=module.title,
        minutes=module.minutes,
        body_md=body_md,
        author=None,
    )


def sign_out(phone) -> None:
    phone.locator("details.menu-compact summary").click()
    phone.locator(".menu-account").get_by_role("button", name="Đăng xuất").click()
    expect(phone.locator(".flash-info")).to_have_text("Đã đăng xuất.")


def test_a_cadre_reads_offline_marks_a_module_done_and_it_is_recorded_once(
    live_server, new_page, people, province, make_course, artifacts
):
    course = make_course("dan-van", owner=people["trainer"])
    image = media.store_image(png_bytes(40, 30), course_id=course.id, uploaded_by=None)
    with_text(course, 0, f"## Mở đầu\n\n![Sơ đồ bố trí]({media.url_path(image)})\n\nNội dung.")
    enrollment.assign(course, province["HS"], DUE, actor=None)
    db.session.commit()
    cadre_id = people["cadre"].id
    course = services.get_course("dan-van", with_modules=True)
    pages = ["/", "/my-training", "/offline", "/courses/dan-van", media.url_path(image)] + [
        f"/courses/dan-van/modules/{module.slug}" for module in course.modules
    ]

    phone = new_page(width=360, height=740)
    sign_in(phone, live_server, "hocvien", TEST_PASSWORD)
    expect(phone.locator("h1")).to_have_text("Khóa học được giao")
    wait_until_kept(phone, pages)  # read online once: the assigned course is kept
    phone.goto(f"{live_server}/courses/dan-van")
    expect(phone.locator("[data-offline-keep] [data-offline-status]")).to_contain_text(
        "Đã lưu trên điện thoại này để đọc khi mất mạng, lúc"
    )
    expect(phone.locator("[data-offline-keep] button")).to_have_count(0)  # kept without asking

    phone.context.set_offline(True)
    phone.goto(f"{live_server}/my-training")
    expect(phone.locator("h1")).to_have_text("Khóa học được giao")
    banner = phone.locator("[data-offline-banner]")
    expect(banner).to_be_visible()
    expect(banner).to_have_text(
        re.compile(r"^Mất mạng: đây là bản lưu trên điện thoại này, lưu lúc .*[0-9]{2}/[0-9]{4}")
    )
    phone.screenshot(path=str(artifacts / "offline-my-training-360px.png"), full_page=True)
    phone.locator(".course-card h2 a").click()
    expect(phone.locator("h1")).to_have_text("Khóa học dan-van")
    expect(banner).to_be_visible()
    phone.locator("ol.modules a").first.click()
    expect(phone.locator("h1")).to_have_text("Mở đầu")
    picture = phone.locator(".prose img")
    expect(picture).to_have_attribute("alt", "Sơ đồ bố trí")
    assert picture.evaluate("img => img.complete && img.naturalWidth") == 40  # the image too

    pressed = dt.datetime.now(dt.UTC)
    phone.get_by_role("button", name="Hoàn thành bài học").click()
    # Back on the module's copy: the mark waits on the phone.
    note = phone.locator("[data-offline-pending]")
    expect(note).to_contain_text("Đã đánh dấu hoàn thành trên điện thoại lúc")
    expect(phone.get_by_role("button", name="Hoàn thành bài học")).to_have_count(0)
    phone.screenshot(path=str(artifacts / "offline-module-marked-360px.png"), full_page=True)
    assert progress_rows(cadre_id) == []

    # What needs the server says so, rather than the browser's error.
    phone.goto(f"{live_server}/checkin")
    expect(phone.locator("h1")).to_have_text("Không dùng được khi mất mạng")
    phone.goto(f"{live_server}/courses/dan-van/modules/mo-dau")
    expect(note).to_be_visible()

    time.sleep(1.5)  # so that the moment pressed and the moment sent differ plainly
    back_online = dt.datetime.now(dt.UTC)
    phone.context.set_offline(False)
    (row,) = wait_for(lambda: progress_rows(cadre_id))
    assert pressed - dt.timedelta(seconds=2) <= row.completed_at < back_online
    # The page reloads from the server, which now has the mark.
    expect(phone.locator(".reader .meta .ok")).to_contain_text("đã học")
    expect(banner).to_be_hidden()
    # A later visit sends nothing more: recorded exactly once.
    phone.goto(f"{live_server}/my-training")
    expect(phone.locator(".course-card .meta").first).to_contain_text("1/3")
    assert len(progress_rows(cadre_id)) == 1

    sign_out(phone)
    personal = [
        path
        for path in phone.evaluate(ALL_CACHED)
        if path.startswith(("/courses/", "/media/")) or path in ("/", "/my-training")
    ]
    assert personal == []
    phone.context.set_offline(True)
    for path in ("/my-training", "/courses/dan-van", "/courses/dan-van/modules/mo-dau"):
        try:
            phone.goto(f"{live_server}{path}")
        except PlaywrightError:
            continue  # the browser's own offline error: nothing was there to read
        assert "Khóa học dan-van" not in phone.content()
        assert "Mở đầu" not in phone.content()


def test_a_course_kept_on_request_shows_its_size_and_follows_new_revisions(
    live_server, new_page, people, make_course
):
    make_course("tu-chon", title="Kỹ năng vận động quần chúng")
    phone = new_page(width=360, height=740)
    sign_in(phone, live_server, "hocvien", TEST_PASSWORD)
    phone.goto(f"{live_server}/courses/tu-chon")
    button = phone.locator("[data-offline-keep] button")
    expect(button).to_have_text(re.compile(r"^Tải về để đọc khi mất mạng \([0-9]+ kB\)$"))
    button.click()
    status = phone.locator("[data-offline-keep] [data-offline-status]")
    expect(status).to_contain_text("Đã lưu trên điện thoại này để đọc khi mất mạng, lúc")
    expect(button).to_be_hidden()

    # A new revision while the phone is away: replaced at the next visit online, without
    # opening the module.
    course = services.get_course("tu-chon", with_modules=True)
    with_text(course, 1, "## Nội dung\n\nBản sửa lần hai của bài học.")
    db.session.commit()
    phone.context.set_offline(True)
    phone.context.set_offline(False)  # the connection returns: the worker checks the list
    phone.goto(f"{live_server}/courses/tu-chon/modules/mo-dau")
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        phone.context.set_offline(True)
        phone.goto(f"{live_server}/courses/tu-chon/modules/noi-dung")
        if "Bản sửa lần hai" in phone.locator(".prose").inner_text():
            break
        phone.context.set_offline(False)
        time.sleep(0.5)
    expect(phone.locator(".prose")).to_contain_text("Bản sửa lần hai của bài học.")
    expect(phone.locator("[data-offline-banner]")).to_be_visible()


def test_past_the_size_limit_the_course_saved_longest_ago_goes_first(
    live_server, new_page, people, make_course, app, monkeypatch
):
    monkeypatch.setitem(app.config, "OFFLINE_CACHE_MB", 1)
    long_text = "## Phần\n\n" + ("Đồng bào các dân tộc thiểu số ở vùng biên giới. " * 1900)
    for slug in ("khoa-a", "khoa-b", "khoa-c"):
        course = make_course(slug, modules=("Một", "Hai", "Ba"))
        for position in range(3):
            with_text(course, position, long_text)  # about 120 kB a page, 370 kB a course
        db.session.commit()
    phone = new_page()
    sign_in(phone, live_server, "hocvien", TEST_PASSWORD)
    for slug in ("khoa-a", "khoa-b", "khoa-c"):
        phone.goto(f"{live_server}/courses/{slug}")
        phone.locator("[data-offline-keep] button").click()
        expect(phone.locator("[data-offline-keep] [data-offline-status]")).to_contain_text(
            "Đã lưu trên điện thoại"
        )
    kept = phone.evaluate(KEPT_PATHS)
    assert "/courses/khoa-a/modules/mot" not in kept  # saved first, dropped first
    assert "/courses/khoa-b/modules/mot" in kept and "/courses/khoa-c/modules/mot" in kept
    phone.goto(f"{live_server}/courses/khoa-a")
    expect(phone.locator("[data-offline-keep] button")).to_be_visible()  # may be kept again


def test_signing_out_offline_erases_the_copies_and_ends_the_session_once_back_online(
    live_server, new_page, people, province, make_course
):
    make_course("dan-van")
    enrollment.assign(services.get_course("dan-van"), province["HS"], DUE, actor=None)
    db.session.commit()
    phone = new_page(width=360, height=740)
    sign_in(phone, live_server, "hocvien", TEST_PASSWORD)
    wait_until_kept(phone, ["/my-training", "/courses/dan-van/modules/mo-dau"])

    phone.context.set_offline(True)
    phone.goto(f"{live_server}/my-training")
    expect(phone.locator("[data-offline-banner]")).to_be_visible()
    phone.locator("details.menu-compact summary").click()
    phone.locator(".menu-account").get_by_role("button", name="Đăng xuất").click()
    expect(phone.locator("[data-offline-signed-out]")).to_have_text(
        re.compile(r"^Các bản lưu trên điện thoại này đã được xóa\. Việc đăng xuất cần")
    )
    assert [path for path in phone.evaluate(ALL_CACHED) if path.startswith("/courses/")] == []
    phone.goto(f"{live_server}/courses/dan-van/modules/mo-dau")
    expect(phone.locator("h1")).to_have_text("Không dùng được khi mất mạng")

    # Back online, the session the server still holds is ended, and the page open shows it.
    token_before = people["cadre"].session_token
    phone.context.set_offline(False)
    expect(phone.locator("h1")).to_have_text("Đăng nhập")
    db.session.expire_all()
    assert people["cadre"].session_token != token_before  # ended on the server too
    phone.goto(f"{live_server}/my-training")
    expect(phone).to_have_url(re.compile(r"/login\?next="))
