"""Signing in and out, throttling, forced password change, the KDF, CSRF."""

from __future__ import annotations

import pytest
from bs4 import BeautifulSoup

from lms.auth import passwords
from lms.extensions import db
from lms.people import services as accounts
from tests.support import TEST_PASSWORD, csrf_token, login, post


def flash_text(response) -> str:
    soup = BeautifulSoup(response.get_data(as_text=True), "html.parser")
    return " ".join(p.get_text(" ", strip=True) for p in soup.select(".flash"))


def test_login_and_logout(client, people):
    response = login(client, "HocVien")  # usernames are case-insensitive
    assert response.location == "/"
    page = client.get("/")
    assert "Nguyễn Văn An" in page.get_data(as_text=True)
    [session_cookie] = [
        c for c in response.headers.getlist("Set-Cookie") if c.startswith("lms_session=")
    ]
    assert "HttpOnly" in session_cookie and "SameSite=Lax" in session_cookie
    assert client.get("/logout").status_code == 405  # signing out takes a POST with a token
    response = post(client, "/logout", token_from="/")
    assert response.status_code == 302
    assert client.get("/").status_code == 302


def test_wrong_password_unknown_user_and_inactive_get_the_same_answer(client, people):
    accounts.set_active(people["border_cadre"], False, actor=None)
    db.session.commit()
    answers = []
    for username, password in [
        ("hocvien", "wrong-password"),
        ("nobody", TEST_PASSWORD),
        ("hocvien.bp", TEST_PASSWORD),
    ]:
        response = post(client, "/login", {"username": username, "password": password})
        assert response.status_code == 401
        answers.append(flash_text(response))
    assert len(set(answers)) == 1


def test_failed_logins_are_throttled_per_account(client, people):
    for _ in range(5):
        post(client, "/login", {"username": "hocvien", "password": "wrong"})
    response = post(client, "/login", {"username": "hocvien", "password": TEST_PASSWORD})
    assert response.status_code == 429  # even the right password waits now
    # another account from the same address is still allowed
    assert (
        post(client, "/login", {"username": "giangvien", "password": TEST_PASSWORD}).status_code
        == 302
    )


def test_failed_logins_are_throttled_per_address(app, client, people):
    for index in range(30):
        post(client, "/login", {"username": f"guess{index}", "password": "wrong"})
    response = post(client, "/login", {"username": "hocvien", "password": TEST_PASSWORD})
    assert response.status_code == 429
    other_address = app.test_client()
    response = post(
        other_address,
        "/login",
        {"username": "hocvien", "password": TEST_PASSWORD},
        environ_base={"REMOTE_ADDR": "10.9.8.7"},
    )
    assert response.status_code == 302, response.get_data(as_text=True)


def test_success_clears_the_account_counter(client, people):
    for _ in range(4):
        post(client, "/login", {"username": "hocvien", "password": "wrong"})
    login(client, "hocvien")
    post(client, "/logout", token_from="/")
    for _ in range(4):
        post(client, "/login", {"username": "hocvien", "password": "wrong"})
    login(client, "hocvien")


def test_forced_password_change_at_first_login(client, people):
    temporary = accounts.reset_password(people["cadre"], actor=None)
    db.session.commit()
    login(client, "hocvien", temporary)
    assert client.get("/").location == "/account/password"
    assert client.get("/people/").location == "/account/password"
    response = post(
        client,
        "/account/password",
        {"current": temporary, "new": "hocvien-mat-khau", "confirm": "hocvien-mat-khau"},
        token_from="/account/password",
    )
    assert response.status_code == 400  # contains the username
    new = "Rung-xanh-bien-bac-7"
    response = post(
        client,
        "/account/password",
        {"current": temporary, "new": new, "confirm": new},
        token_from="/account/password",
    )
    assert response.status_code == 302
    assert client.get("/").status_code == 200
    post(client, "/logout", token_from="/")
    login(client, "hocvien", new)


def test_password_policy():
    for weak in ["short", "1234567890", "aaaaaaaaaaaa", "x" * 300]:
        with pytest.raises(Exception):  # noqa: B017 - InvalidInput with a message
            passwords.check_policy(weak, username="someone", min_length=10)
    passwords.check_policy("Nui-cao-song-dai-2026", username="someone", min_length=10)


def test_chosen_passwords_use_scrypt(monkeypatch):
    monkeypatch.setattr(passwords, "CHOSEN_METHOD", "scrypt")
    hashed = passwords.hash_password("Mat-khau-that-dai-1")
    assert hashed.startswith("scrypt:32768:8:1$")
    assert passwords.verify_password(hashed, "Mat-khau-that-dai-1")
    assert not passwords.verify_password(hashed, "mat-khau-that-dai-1")
    assert not passwords.verify_password(None, "anything")


def test_temporary_passwords_are_random_and_unambiguous():
    generated = {passwords.new_temporary_password() for _ in range(200)}
    assert len(generated) == 200
    assert all(len(p) == 14 and not set(p) & set("0o1li") for p in generated)


def test_posts_without_csrf_token_are_refused(client, people):
    response = client.post("/login", data={"username": "hocvien", "password": TEST_PASSWORD})
    assert response.status_code == 400
    assert client.get("/").status_code == 302  # not signed in
    login(client, "quantri")
    response = client.post(f"/people/{people['cadre'].id}/deactivate")
    assert response.status_code == 400
    assert accounts.load_user(people["cadre"].id).active
    response = client.post(
        f"/people/{people['cadre'].id}/deactivate", data={"csrf_token": "forged"}
    )
    assert response.status_code == 400


def test_next_parameter_cannot_leave_the_site(client, people):
    token = csrf_token(client)
    for target in ["https://evil.example/", "//evil.example/", "javascript:alert(1)"]:
        response = client.post(
            f"/login?next={target}",
            data={"csrf_token": token, "username": "hocvien", "password": TEST_PASSWORD},
        )
        assert response.location == "/"
        post(client, "/logout", token_from="/")
        token = csrf_token(client)
    response = client.post(
        "/login?next=/account/password",
        data={"csrf_token": token, "username": "hocvien", "password": TEST_PASSWORD},
    )
    assert response.location == "/account/password"


def test_password_change_signs_out_other_sessions(app, client, people):
    phone, desktop = app.test_client(), app.test_client()
    login(phone, "hocvien")
    login(desktop, "hocvien")
    new = "Doi-mat-khau-ngay-9"
    response = post(
        phone,
        "/account/password",
        {"current": TEST_PASSWORD, "new": new, "confirm": new},
        token_from="/account/password",
    )
    assert response.status_code == 302
    assert phone.get("/").status_code == 200  # the device that changed it stays in
    assert desktop.get("/").status_code == 302  # the other one is signed out


def test_reset_and_deactivation_end_existing_sessions(app, people):
    cadre_session, other = app.test_client(), app.test_client()
    login(cadre_session, "hocvien")
    login(other, "hocvien.bp")
    accounts.reset_password(people["cadre"], actor=None)
    accounts.set_active(people["border_cadre"], False, actor=None)
    db.session.commit()
    assert cadre_session.get("/").status_code == 302
    assert other.get("/").status_code == 302
