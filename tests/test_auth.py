"""Signing in and out, throttling, forced password change, the KDF, CSRF."""

from __future__ import annotations

import pytest
from bs4 import BeautifulSoup
from sqlalchemy import select

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


# ---- sessions end when they should (issue 11) ------------------------------------------------


def test_a_copied_cookie_dies_with_sign_out(app, client, people):
    login(client, "hocvien")
    thief = app.test_client()
    thief.set_cookie("lms_session", client.get_cookie("lms_session").value)
    assert thief.get("/").status_code == 200  # a copy works while the owner is signed in
    post(client, "/logout", token_from="/")
    assert thief.get("/").status_code == 302
    assert client.get("/").status_code == 302
    login(client, "hocvien")  # signing in again makes a new, working session
    assert client.get("/").status_code == 200
    assert thief.get("/").status_code == 302


def test_signing_out_ends_the_sessions_on_other_devices(app, people):
    phone, desktop = app.test_client(), app.test_client()
    login(phone, "hocvien")
    login(desktop, "hocvien")
    post(phone, "/logout", token_from="/")
    assert desktop.get("/").status_code == 302


def _age_sign_in(client, hours: float) -> None:
    from lms.auth.sessions import SIGNED_IN_AT

    with client.session_transaction() as session:
        session[SIGNED_IN_AT] -= int(hours * 3600)


def test_a_session_ends_a_fixed_time_after_sign_in_however_busy(client, people):
    login(client, "hocvien")
    _age_sign_in(client, 11.9)
    # Busy use rewrites the cookie (a language change here): it does not extend the sign-in.
    post(client, "/locale", {"locale": "en", "next": "/"}, token_from="/")
    assert client.get("/").status_code == 200
    _age_sign_in(client, 0.2)
    assert client.get("/").location.startswith("/login")


def test_the_session_lifetime_is_configurable(make_app, people):
    app = make_app(SESSION_HOURS=1)
    client = app.test_client()
    login(client, "hocvien")
    assert client.get("/").status_code == 200
    _age_sign_in(client, 1.01)
    assert client.get("/").status_code == 302


# ---- the current password cannot be guessed --------------------------------------------------


def _change(client, current: str, new: str = "Rung-xanh-bien-bac-7"):
    return post(
        client,
        "/account/password",
        {"current": current, "new": new, "confirm": new},
        token_from="/account/password",
    )


def _errors(response) -> str:
    soup = BeautifulSoup(response.get_data(as_text=True), "html.parser")
    return " ".join(e.get_text(" ", strip=True) for e in soup.select(".error, .errors, .flash"))


def test_wrong_current_passwords_count_against_the_sign_in_limit(app, client, people):
    login(client, "hocvien")
    wrong = [_change(client, f"doan-sai-{n}") for n in range(5)]
    assert {r.status_code for r in wrong} == {400}
    message = _errors(wrong[0])
    assert message and all(_errors(r) == message for r in wrong)
    # The sixth try, with the right password, gets the same answer and changes nothing.
    right = _change(client, TEST_PASSWORD)
    assert right.status_code == 400 and _errors(right) == message
    db.session.expire_all()
    assert accounts.get_by_username("hocvien").password_hash == people["cadre"].password_hash
    # The same counter as signing in: the account is locked there too (for strangers).
    other = app.test_client()
    response = post(other, "/login", {"username": "hocvien", "password": TEST_PASSWORD})
    assert response.status_code == 429


def test_the_rules_for_the_new_password_do_not_confirm_a_guess(client, people):
    login(client, "hocvien")
    # A short new password: the same answer whether the guessed current password is right.
    wrong, right = _change(client, "doan-sai", "ngan"), _change(client, TEST_PASSWORD, "ngan")
    assert wrong.status_code == right.status_code == 400
    assert _errors(wrong) == _errors(right)
    same_wrong = _change(client, "doan-sai", "doan-sai")
    same_right = _change(client, TEST_PASSWORD, TEST_PASSWORD)
    assert _errors(same_wrong) == _errors(same_right)


# ---- a stranger cannot lock the owner out ----------------------------------------------------


def _wrong_logins(client, username: str, times: int, address: str = "203.0.113.9"):
    for _ in range(times):
        post(
            client,
            "/login",
            {"username": username, "password": "doan-mo"},
            environ_base={"REMOTE_ADDR": address},
        )


def _sign_in(client, username: str, password: str = TEST_PASSWORD, address: str = "10.0.0.5"):
    return post(
        client,
        "/login",
        {"username": username, "password": password},
        environ_base={"REMOTE_ADDR": address},
    )


def test_the_owner_signs_in_from_a_known_device_while_strangers_lock_the_account(app, people):
    owner, stranger, new_phone = app.test_client(), app.test_client(), app.test_client()
    assert _sign_in(owner, "hocvien").status_code == 302
    post(owner, "/logout", token_from="/")
    _wrong_logins(stranger, "hocvien", 8)
    assert _sign_in(new_phone, "hocvien").status_code == 429  # the lock holds for others
    assert _sign_in(owner, "hocvien").status_code == 302  # not for the owner's own device
    # The known device has its own limit.
    post(owner, "/logout", token_from="/")
    for _ in range(5):
        assert _sign_in(owner, "hocvien", "sai-mat-khau").status_code == 401
    assert _sign_in(owner, "hocvien").status_code == 429


def test_a_unit_behind_one_address_is_not_locked_out_as_a_whole(app, people):
    owner, stranger, newcomer = app.test_client(), app.test_client(), app.test_client()
    assert _sign_in(owner, "hocvien", address="198.51.100.7").status_code == 302
    post(owner, "/logout", token_from="/")
    for index in range(30):
        _wrong_logins(stranger, f"doan{index}", 1, address="198.51.100.7")
    assert _sign_in(newcomer, "giangvien", address="198.51.100.7").status_code == 429
    assert _sign_in(owner, "hocvien", address="198.51.100.7").status_code == 302


def test_a_device_cookie_is_for_its_account_and_cannot_be_made_up(app, people):
    owner = app.test_client()
    assert _sign_in(owner, "hocvien").status_code == 302
    post(owner, "/logout", token_from="/")
    _wrong_logins(app.test_client(), "giangvien", 5)
    # hocvien's device is not giangvien's
    assert _sign_in(owner, "giangvien").status_code == 429
    forged = app.test_client()
    forged.set_cookie("lms_device", owner.get_cookie("lms_device").value[:-3] + "abc")
    _wrong_logins(app.test_client(), "hocvien", 5)
    assert _sign_in(forged, "hocvien").status_code == 429
    cookie = owner.get_cookie("lms_device")
    assert cookie.http_only and cookie.same_site == "Lax"


def test_admins_see_who_is_locked_and_each_lock_is_audited_once(app, client, people):
    from lms.audit.models import AuditEvent

    _wrong_logins(app.test_client(), "hocvien", 12, address="203.0.113.9")
    events = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "auth.sign_in_limited")
    )
    [event] = list(events)
    assert event.target_label == "hocvien" and event.target_id == people["cadre"].id
    assert event.after["address"] == "203.0.113.9"
    login(client, "quantri")
    post(client, "/locale", {"locale": "en", "next": "/"}, token_from="/")
    page = BeautifulSoup(client.get("/audit/").get_data(as_text=True), "html.parser")
    section = page.select_one("section.locks").get_text(" ", strip=True)
    assert "Account hocvien" in section and "203.0.113.9" in section
    assert "Sign-ins locked after failed attempts" in page.get_text(" ", strip=True)
