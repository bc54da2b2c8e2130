"""Hostile and malformed requests get a clear 4xx, never a 500, and change nothing."""

from __future__ import annotations

import pytest
from bs4 import BeautifulSoup
from sqlalchemy import func, select

from lms.errors import InvalidInput
from lms.extensions import db
from lms.people import services as accounts
from lms.people.models import User
from lms.units import services as units
from tests.support import TEST_PASSWORD, csrf_token, login, post


@pytest.mark.parametrize(
    "url",
    [
        "/people/?page=9223372036854775807",
        "/people/?page=99999999999999999999999",
        "/people/?page=-3",
        "/people/?page=abc",
        "/audit/?page=10000000000000",
        "/audit/?until=9999-12-31",
        "/audit/?since=0001-01-01",
        "/audit/?since=2026-02-30",
        "/audit/?endpoint=x&_external=1&_anchor=y",
        "/people/?active=maybe&role=general",
        "/people/?q=" + "đ" * 500,
        "/people/?unit=" + "X" * 300,
    ],
)
def test_odd_query_strings_are_harmless(client, people, url):
    login(client, "quantri")
    response = client.get(url)
    assert response.status_code == 200
    assert "http://localhost" not in response.get_data(as_text=True)  # no _external links


def test_huge_ids_are_404(client, people):
    login(client, "quantri")
    assert client.get("/people/99999999999999999999999").status_code == 404
    assert client.get("/people/2147483648").status_code == 404


@pytest.mark.parametrize(
    ("url", "field"),
    [
        ("/login", "username"),
        ("/people/?q=a%00b", None),
        ("/people/?unit=%00", None),
    ],
)
def test_nul_characters_are_refused(client, people, url, field):
    if field:
        response = client.post(
            url,
            data={
                "csrf_token": csrf_token(client),
                "username": "ab\x00c",
                "password": TEST_PASSWORD,
            },
        )
    else:
        login(client, "quantri")
        response = client.get(url)
    assert response.status_code == 400


def test_an_invalid_role_choice_is_a_400(client, people, province):
    login(client, "quantri")
    before = db.session.scalar(select(func.count()).select_from(User))
    response = post(
        client,
        "/people/new",
        {
            "username": "moi",
            "full_name": "Người Mới",
            "unit_id": province["HS"].id,
            "roles": ["bogus"],
        },
        token_from="/people/new",
    )
    assert response.status_code == 400
    assert "bogus" in response.get_data(as_text=True)  # WTForms' message, translated
    response = post(
        client,
        "/people/new",
        {"username": "moi", "full_name": "Người Mới", "unit_id": province["HS"].id},
        token_from="/people/new",
    )
    assert response.status_code == 400  # no role at all
    assert db.session.scalar(select(func.count()).select_from(User)) == before


def test_unknown_unit_ids_in_forms(client, people, province):
    login(client, "quantri")
    response = post(
        client,
        "/people/new",
        {"username": "moi", "full_name": "Người Mới", "unit_id": 999999, "roles": ["cadre"]},
        token_from="/people/new",
    )
    assert response.status_code == 400
    response = post(
        client, "/units/HS/move", {"parent_id": "not-a-number"}, token_from="/units/HS/move"
    )
    assert response.status_code == 400


def test_a_unit_with_active_people_cannot_be_deactivated(client, people, province):
    with pytest.raises(InvalidInput, match="HS-01"):
        units.set_active(province["HS-01"], False, actor=None)
    db.session.rollback()
    login(client, "quantri")
    response = post(client, "/units/HS-01/deactivate", token_from="/")
    assert response.status_code == 409
    assert units.get_by_code("HS-01").active


def test_a_person_in_a_since_deactivated_unit_can_still_be_edited(client, people, province):
    cadre = people["cadre"]
    accounts.set_active(cadre, False, actor=None)
    units.set_active(province["HS-01"], False, actor=None)
    db.session.commit()
    login(client, "quantri")
    page = client.get(f"/people/{cadre.id}/edit")
    assert page.status_code == 200
    selected = BeautifulSoup(page.get_data(as_text=True), "html.parser").select_one(
        "#unit_id option[selected]"
    )
    assert selected["value"] == str(province["HS-01"].id)
    # saving in place keeps the (inactive) unit; moving into an inactive unit is refused
    form = {"full_name": "Nguyễn Văn An", "roles": ["cadre"], "rank": "Trung úy"}
    token_page = f"/people/{cadre.id}/edit"
    response = post(
        client, token_page, {**form, "unit_id": province["HS-01"].id}, token_from=token_page
    )
    assert response.status_code == 302
    response = post(
        client, token_page, {**form, "unit_id": province["HK"].id}, token_from=token_page
    )
    assert response.status_code == 302
    assert accounts.load_user(cadre.id).unit_id == province["HK"].id


def test_admin_cannot_reset_own_password(client, people):
    login(client, "quantri")
    response = post(client, f"/people/{people['admin'].id}/reset-password", token_from="/")
    assert response.status_code == 409
    assert client.get("/").status_code == 200  # still signed in


def test_login_limit_counts_the_real_address_behind_a_proxy(make_app, people):
    app = make_app(PROXY_COUNT=1)
    for index in range(30):
        client = app.test_client()
        post(
            client,
            "/login",
            {"username": f"guess{index}", "password": "wrong"},
            headers={"X-Forwarded-For": "203.0.113.7"},
        )
    blocked = app.test_client()
    response = post(
        blocked,
        "/login",
        {"username": "hocvien", "password": TEST_PASSWORD},
        headers={"X-Forwarded-For": "203.0.113.7"},
    )
    assert response.status_code == 429
    other = app.test_client()
    response = post(
        other,
        "/login",
        {"username": "hocvien", "password": TEST_PASSWORD},
        headers={"X-Forwarded-For": "198.51.100.20"},
    )
    assert response.status_code == 302


def test_unknown_and_temporary_password_accounts_cost_the_same_check(monkeypatch, people):
    from lms.auth import passwords

    checked: list[str] = []
    original = passwords.check_password_hash
    monkeypatch.setattr(
        passwords,
        "check_password_hash",
        lambda h, p: checked.append(h.split("$")[0]) or original(h, p),
    )
    temporary_hash = passwords.hash_temporary("abcdefghjkmnpq")
    passwords.verify_password(temporary_hash, "wrong")
    passwords.verify_password(None, "wrong")
    # the slow dummy check runs in both cases
    assert checked.count(passwords._DUMMY_HASH.split("$")[0]) == 2
