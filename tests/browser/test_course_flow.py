"""A trainer writes and publishes a module; a cadre reads it on a phone and marks it done."""

from __future__ import annotations

import datetime as dt
import re

from playwright.sync_api import expect

from lms.courses import enrollment, services
from lms.extensions import db
from tests.plugins.courses import png_bytes
from tests.support import TEST_PASSWORD, page_width, sign_in


def test_trainer_publishes_and_cadre_reads_on_a_phone(
    live_server, new_page, people, province, artifacts
):
    trainer = new_page()
    sign_in(trainer, live_server, "giangvien", TEST_PASSWORD)
    trainer.goto(f"{live_server}/authoring/new")
    trainer.fill("#title", "Kỹ năng đối thoại với Nhân dân")
    trainer.fill("#slug", "doi-thoai")
    trainer.click("button.primary")
    expect(trainer).to_have_url(re.compile(r"/authoring/doi-thoai$"))

    trainer.fill("form[action$='/modules'] #title", "Chuẩn bị buổi đối thoại")
    trainer.click("form[action$='/modules'] button")
    expect(trainer).to_have_url(re.compile(r"/modules/chuan-bi-buoi-doi-thoai/edit$"))

    body = trainer.locator("textarea[name=body_md]")
    body.fill(
        "## Trước buổi gặp\n\nNắm tình hình địa bàn.\n\n!!! note\n"
        "    Lắng nghe trước, trả lời sau.\n\n"
    )
    # the live preview renders the callout as the trainer types
    expect(trainer.locator("#live-preview .admonition-title")).to_have_text("Lưu ý")
    trainer.set_input_files(
        "#image",
        files=[{"name": "so-do.png", "mimeType": "image/png", "buffer": png_bytes(40, 20)}],
    )
    trainer.fill("#alt", "Sơ đồ buổi đối thoại")
    trainer.click("#image-upload button")
    expect(body).to_have_value(re.compile(r"!\[Sơ đồ buổi đối thoại\]\(/media/[0-9a-f]{64}\.png\)"))
    expect(trainer.locator("#live-preview img")).to_have_attribute("alt", "Sơ đồ buổi đối thoại")
    trainer.screenshot(path=str(artifacts / "editor-preview.png"), full_page=True)
    trainer.click("button[value=save]")
    expect(trainer.locator(".flash-success")).to_be_visible()

    trainer.goto(f"{live_server}/authoring/doi-thoai")
    trainer.get_by_role("button", name="Công bố").click()
    expect(trainer.locator(".flash-success")).to_be_visible()
    course = services.get_course("doi-thoai")
    assert course.status == "published"
    enrollment.assign(course, province["HS"], dt.date(2027, 6, 30), actor=None)
    db.session.commit()

    phone = new_page(width=360, height=740)
    sign_in(phone, live_server, "hocvien", TEST_PASSWORD)
    phone.goto(f"{live_server}/my-training")
    bar = phone.locator(".course-card .progress")
    expect(bar).to_have_attribute("aria-valuenow", "0")
    phone.locator(".course-card a.button").click()
    expect(phone.locator("h1")).to_have_text("Chuẩn bị buổi đối thoại")
    expect(phone.locator(".prose .admonition-title")).to_have_text("Lưu ý")
    # the image is served and decodes (waiting for it: loading is asynchronous)
    phone.wait_for_function(
        "() => { const i = document.querySelector('.prose img'); return i && i.complete "
        "&& i.naturalWidth > 0; }"
    )
    assert phone.evaluate("document.querySelector('.prose img').naturalWidth") == 40
    width = page_width(phone)
    assert width <= 360, f"module page is {width}px wide"
    phone.screenshot(path=str(artifacts / "module-360px.png"), full_page=True)
    phone.get_by_role("button", name="Hoàn thành bài học").click()
    expect(phone).to_have_url(re.compile(r"/courses/doi-thoai$"))
    expect(phone.locator(".progress")).to_have_attribute("aria-valuenow", "100")
    phone.goto(f"{live_server}/my-training")
    expect(bar).to_have_attribute("aria-valuenow", "100")
    phone.screenshot(path=str(artifacts / "my-training-360px.png"), full_page=True)


def test_preview_catches_up_with_text_typed_before_the_editor_script_arrived(
    live_server, new_page, people, make_course
):
    """On a slow link the trainer can type before editor.js runs; the preview still follows."""
    make_course("cham-script", modules=("Mở đầu",), owner=people["trainer"])
    # page.route does not see what a service worker fetches
    trainer = new_page(service_workers="block")
    sign_in(trainer, live_server, "giangvien", TEST_PASSWORD)
    expect(trainer.locator("h1")).to_be_visible()
    held = []
    trainer.route("**/static/editor.js*", lambda route: held.append(route))
    trainer.goto(f"{live_server}/authoring/cham-script/modules/mo-dau/edit", wait_until="commit")
    body = trainer.locator("textarea[name=body_md]")
    body.fill("!!! note\n    Gõ trước khi trang tải xong.\n")
    expect(trainer.locator("#live-preview .admonition-title")).to_have_count(0)
    for _ in range(200):  # the route handler runs while Playwright waits
        if held:
            break
        trainer.wait_for_timeout(50)
    held[0].continue_()
    expect(trainer.locator("#live-preview .admonition-title")).to_have_text("Lưu ý")
