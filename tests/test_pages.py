"""Pages as users see them: navigation by role, language, errors, headers, health."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from lms.audit.models import AuditEvent
from lms.extensions import db
from lms.people import services as accounts
from lms.units import services as units
from tests.support import csrf_token, login, post, soup


def nav_links(response) -> set[str]:
    return {a["href"] for a in soup(response).select("nav.mainnav a")}


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        (
            "cadre",
            {"/", "/my-training", "/attendance/mine", "/certificates/mine", "/courses/", "/help/"},
        ),
        ("trainer", {"/", "/courses/", "/authoring/", "/sessions/", "/help/"}),
        (
            "commander",
            {
                "/",
                "/courses/",
                "/units/",
                "/people/",
                "/dashboard/",
                "/attendance/units/",
                "/certificates/units/",
                "/help/",
            },
        ),
        (
            "admin",
            {
                "/",
                "/courses/",
                "/authoring/",
                "/sessions/",
                "/dashboard/",
                "/attendance/units/",
                "/certificates/units/",
                "/units/",
                "/people/",
                "/audit/",
                "/help/",
            },
        ),
    ],
)
def test_navigation_follows_the_role(login_as, role, expected):
    client = login_as(role)
    assert nav_links(client.get("/")) == expected


def test_the_kept_menu_follows_each_persons_roles_and_language(app, client, people):
    """The menu is made once per language and set of links (lms.home.menu): whoever asks
    after whom, each gets their own links, in their language, and a new role shows at once."""
    admin, cadre = app.test_client(), app.test_client()
    login(admin, "quantri")
    login(cadre, "hocvien")
    assert "/audit/" in nav_links(admin.get("/"))
    assert nav_links(cadre.get("/")) == {
        "/",
        "/my-training",
        "/attendance/mine",
        "/certificates/mine",
        "/courses/",
        "/help/",
    }
    post(cadre, "/locale", {"locale": "en", "next": "/"}, token_from="/")
    english = soup(cadre.get("/")).select_one("nav.mainnav-wide").get_text(" ", strip=True)
    assert "My training" in english and "Đào tạo" not in english
    assert "Nhật ký" in soup(admin.get("/")).select_one("nav.mainnav-wide").get_text()
    person = accounts.load_user(people["cadre"].id)
    accounts.update_user(
        person,
        full_name=person.full_name,
        rank=person.rank,
        position=person.position,
        unit=person.unit,
        roles={"cadre", "trainer"},
        email=person.email,
        actor=None,
    )
    db.session.commit()
    assert {"/authoring/", "/sessions/", "/my-training"} <= nav_links(cadre.get("/"))


def test_vietnamese_is_the_default_and_english_can_be_chosen(client, people):
    page = soup(client.get("/login"))
    assert page.html["lang"] == "vi"
    assert page.select_one("h1").get_text(strip=True) == "Đăng nhập"
    # an anonymous visitor's choice is kept in a cookie
    response = client.post(
        "/locale", data={"csrf_token": csrf_token(client), "locale": "en", "next": "/login"}
    )
    assert response.status_code == 302 and response.location == "/login"
    page = soup(client.get("/login"))
    assert page.html["lang"] == "en" and page.select_one("h1").get_text(strip=True) == "Sign in"


def test_a_signed_in_users_choice_is_kept_on_the_account(app, client, people):
    login(client, "hocvien")
    post(client, "/locale", {"locale": "en", "next": "/"}, token_from="/")
    assert accounts.load_user(people["cadre"].id).locale == "en"
    other_device = app.test_client()
    login(other_device, "hocvien")
    assert soup(other_device.get("/")).html["lang"] == "en"


def test_unknown_locale_and_foreign_next_are_ignored(client, people):
    response = client.post(
        "/locale",
        data={"csrf_token": csrf_token(client), "locale": "fr", "next": "https://evil.example/"},
    )
    assert response.location == "/"
    assert soup(client.get("/login")).html["lang"] == "vi"


def test_error_pages_speak_the_users_language(client, people):
    login(client, "hocvien")
    response = client.get("/audit/")
    assert response.status_code == 403
    assert soup(response).select_one("h1").get_text(strip=True) == "Không có quyền truy cập"
    response = client.get("/no/such/page")
    assert response.status_code == 404
    assert soup(response).html["lang"] == "vi"
    post(client, "/locale", {"locale": "en", "next": "/"}, token_from="/")
    response = client.get("/no/such/page")
    assert soup(response).select_one("h1").get_text(strip=True) == "Page not found"


def test_an_unexpected_error_is_a_friendly_500(make_app):
    app = make_app(PROPAGATE_EXCEPTIONS=False)

    @app.get("/boom")
    def boom():
        raise RuntimeError("internal detail 42")

    boom.access_rule = "public"
    response = app.test_client().get("/boom")
    assert response.status_code == 500
    assert "internal detail 42" not in response.get_data(as_text=True)
    assert soup(response).select_one("h1") is not None


def test_security_headers(client):
    response = client.get("/login")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert response.headers["Cache-Control"] == "private, no-store"
    page = soup(response)
    assert not page.select("script:not([src])"), "inline scripts break the CSP"
    assert not page.select("[style]") and not page.select("style")
    for link in page.select("link[href], script[src], img[src]"):
        target = link.get("href") or link.get("src")
        assert target.startswith("/"), f"{target} is fetched from elsewhere"


def test_healthz(client, make_app):
    response = client.get("/healthz")
    assert response.status_code == 200 and response.get_json()["database"] == "up"
    broken = make_app("sqlite:////nonexistent-dir/nope.sqlite")
    response = broken.test_client().get("/healthz")
    assert response.status_code == 503 and response.get_json()["database"] == "down"


def test_admin_creates_a_unit_and_an_account_through_the_forms(client, people, province):
    login(client, "quantri")
    response = post(
        client,
        "/units/new",
        {
            "code": "hs-02",
            "name": "Ban CHQS xã Sơn Hồng",
            "kind": "commune_command",
            "parent_id": province["HS"].id,
        },
        token_from="/units/new",
    )
    assert response.status_code == 302 and response.location == "/units/HS-02"
    unit = units.get_by_code("HS-02")
    assert unit.depth == 3
    response = post(
        client,
        "/people/new",
        {
            "username": "tranvanbay",
            "full_name": "Trần Văn Bảy",
            "rank": "Trung úy",
            "position": "Trợ lý dân vận",
            "unit_id": unit.id,
            "roles": ["cadre"],
        },
        token_from="/people/new",
    )
    assert response.status_code == 200
    temporary = soup(response).select_one("#temporary-password").get_text(strip=True)
    assert len(temporary) == 14
    actions = set(db.session.scalars(select(AuditEvent.action)))
    assert {"unit.create", "user.create"} <= actions
    assert (
        db.session.scalar(
            select(AuditEvent.actor_name).where(
                AuditEvent.action == "unit.create", AuditEvent.target_label == "HS-02"
            )
        )
        == "quantri"
    )


def test_bad_form_input_is_a_400_with_the_reason(client, people, province):
    login(client, "quantri")
    response = post(
        client,
        "/units/new",
        {"code": "HS", "name": "Trùng", "kind": "other", "parent_id": 0},
        token_from="/units/new",
    )
    assert response.status_code == 400
    assert soup(response).select_one(".error")
    response = post(
        client,
        "/units/new",
        {"code": "X9", "name": "Cha không tồn tại", "kind": "other", "parent_id": 999999},
        token_from="/units/new",
    )
    assert response.status_code == 400
    response = post(
        client, "/units/HS/move", {"parent_id": province["HS-01"].id}, token_from="/units/HS/move"
    )
    assert response.status_code == 400  # its own child is not even offered
    response = post(client, "/units/BCHQS/deactivate", token_from="/")
    assert response.status_code == 409
    assert units.get_by_code("BCHQS").active


def test_people_list_filters_and_search(client, people, province):
    login(client, "quantri")
    page = soup(client.get("/people/?q=NGUYEN+van"))
    names = [a.get_text(strip=True) for a in page.select("table.list td a")]
    assert names == ["Nguyễn Văn An"]
    page = soup(client.get("/people/?unit=BDBP"))
    assert [a.get_text(strip=True) for a in page.select("table.list td a")] == ["Lê Thị Hà"]
    response = client.get("/people/?unit=NOPE&page=abc")
    assert response.status_code == 200


def test_commander_sees_people_read_only(client, people):
    login(client, "chihuy.hs")
    page = soup(client.get(f"/people/{people['cadre'].id}"))
    assert "Nguyễn Văn An" in page.get_text()
    assert not page.select("form[action$='reset-password']")
    assert not page.select("a[href$='/edit']")
    listing = soup(client.get("/people/"))
    assert "Lê Thị Hà" not in listing.get_text()  # border post is outside HS


def test_unit_tree_page(client, people):
    login(client, "quantri")
    page = soup(client.get("/units/"))
    assert page.select("details.tree-node")
    assert "Đồn Biên phòng Cầu Treo" in page.get_text()


def test_audit_log_filters(client, people, province):
    login(client, "quantri")
    post(client, f"/people/{people['cadre'].id}/reset-password", token_from="/")
    page = soup(client.get("/audit/?action=user.password_reset"))
    rows = page.select("table.audit tbody tr")
    assert len(rows) == 1 and "hocvien" in rows[0].get_text()
    assert client.get("/audit/?since=not-a-date").status_code == 200
    page = soup(client.get("/audit/?actor=quantri&target=user"))
    assert len(page.select("table.audit tbody tr")) == 1


def test_form_validation_messages_are_vietnamese(client):
    response = post(client, "/login", {"username": "", "password": ""})
    assert response.status_code == 400
    errors = [e.get_text(strip=True) for e in soup(response).select(".error")]
    assert errors == ["Không được để trống mục này."] * 2


def test_audit_log_shows_readable_actions(client, people):
    login(client, "quantri")
    post(client, f"/people/{people['cadre'].id}/deactivate", token_from="/")
    page = soup(client.get("/audit/?action=user.deactivate"))
    [row] = page.select("table.audit tbody tr")
    assert "Khóa tài khoản" in row.get_text()
    assert "Không" in row.get_text()  # active: False, shown in words
