"""E-mail of notifications against a real SMTP server on 127.0.0.1 (aiosmtpd, started by each
test): sent once, in the reader's language, retried after a refusal, given up after the
bounded attempts, never resent after an interrupted run; plain SMTP with a login, implicit TLS
and STARTTLS."""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import ipaddress
import socket
import ssl
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from sqlalchemy import select, update

from lms.courses import enrollment
from lms.extensions import db
from lms.notifications import mail, services
from lms.notifications.inbox import save_email_choices
from lms.notifications.models import Notification
from lms.people.models import User

NOW = dt.datetime(2026, 12, 1, 3, 0, tzinfo=dt.UTC)
TODAY = dt.date(2026, 12, 1)


class Inbox:
    """What the server accepted; ``refuse`` first messages get a temporary refusal (451)."""

    def __init__(self, refuse: int = 0) -> None:
        self.refuse = refuse
        self.refused = 0
        self.messages: list[email.message.EmailMessage] = []
        self.envelopes: list[tuple[str, list[str]]] = []

    async def handle_DATA(self, server, session, envelope):
        if self.refuse:
            self.refuse -= 1
            self.refused += 1
            return "451 4.3.0 Mailbox busy, try again later"
        self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        self.messages.append(
            email.message_from_bytes(envelope.content, policy=email.policy.default)
        )
        return "250 2.0.0 OK"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class _Login:
    def __init__(self, user: str, password: str) -> None:
        self.expected = (user.encode(), password.encode())

    def __call__(self, server, session, envelope, mechanism, auth_data):
        ok = (
            isinstance(auth_data, LoginPassword)
            and (
                auth_data.login,
                auth_data.password,
            )
            == self.expected
        )
        return AuthResult(success=ok, handled=False)  # handled=False: the server answers 535


@contextmanager
def smtp_server(inbox: Inbox, port: int | None = None, **kwargs) -> Iterator[int]:
    port = port or free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port, **kwargs)
    controller.start()
    try:
        yield port
    finally:
        controller.stop()


@pytest.fixture
def mail_to(app, monkeypatch):
    """Point the app at a server: mail_to("smtp://127.0.0.1:PORT")."""
    monkeypatch.setitem(app.config, "BASE_URL", "https://lms.example.vn")
    monkeypatch.setitem(app.config, "MAIL_FROM", "lms@lms.example.vn")

    def point(url: str | None) -> None:
        monkeypatch.setitem(app.config, "SMTP_URL", url)

    return point


@pytest.fixture
def overdue(people, province, make_course, make_user):
    """Two cadres of HS with an address (one reads English), one without, all overdue."""
    en = make_user("hocvien.en", ("cadre",), province["HS"], "Hoàng Văn Em", email="em@example.vn")
    en.locale = "en"
    db.session.get(User, people["cadre"].id).email = "an@example.vn"
    make_user("hocvien.no", ("cadre",), province["HS"], "Đỗ Văn Không")
    db.session.commit()
    course = make_course("qua-han", title="Dân vận khéo")
    enrollment.assign(course, province["HS"], TODAY - dt.timedelta(days=2), actor=None)
    db.session.commit()
    return course


def create(now: dt.datetime = NOW) -> None:
    services.create_due(now)
    db.session.commit()


def states() -> dict[str, tuple[str | None, int]]:
    return {
        username: (state, attempts)
        for username, state, attempts in db.session.execute(
            select(User.username, Notification.email_state, Notification.email_attempts).join(
                User, User.id == Notification.user_id
            )
        )
    }


def test_each_pending_email_is_sent_once_in_the_readers_language(mail_to, overdue, people):
    inbox = Inbox()
    with smtp_server(inbox) as port:
        mail_to(f"smtp://127.0.0.1:{port}")
        create()
        assert states() == {
            "hocvien": ("pending", 0),
            "hocvien.en": ("pending", 0),
            "hocvien.no": (None, 0),  # no address
        }
        first = mail.send_pending()
        again = mail.send_pending()
    assert (first.sent, first.retry, first.failed) == (2, 0, 0)
    assert again.sent == 0
    assert len(inbox.messages) == 2
    by_address = {m["To"]: m for m in inbox.messages}
    vi, en = by_address["an@example.vn"], by_address["em@example.vn"]
    assert vi["From"] == "lms@lms.example.vn"
    assert "Dân vận khéo" in vi.get_content() and "Kính gửi đồng chí Nguyễn Văn An" in (
        vi.get_content()
    )
    assert "Dear Hoàng Văn Em" in en.get_content() and "was due on" in en.get_content()
    assert "https://lms.example.vn/courses/qua-han" in en.get_content()
    assert en["Subject"] == "Course overdue"
    ids = {m["X-LMS-Notification"] for m in inbox.messages}
    assert ids == {str(n.id) for n in db.session.scalars(select(Notification)) if n.email_to}
    assert all(
        m["Message-ID"].startswith(f"<notification-{m['X-LMS-Notification']}.")
        and m["Message-ID"].endswith("@lms.example.vn>")
        for m in inbox.messages
    )
    assert states()["hocvien"] == ("sent", 1)
    sent = db.session.scalar(select(Notification).where(Notification.user_id == people["cadre"].id))
    assert sent.email_to == "an@example.vn" and sent.email_sent_at is not None


def test_a_refused_email_stays_pending_and_goes_at_the_next_run(mail_to, overdue):
    inbox = Inbox(refuse=1)
    with smtp_server(inbox) as port:
        mail_to(f"smtp://127.0.0.1:{port}")
        create()
        first = mail.send_pending()
        assert (first.sent, first.retry) == (1, 1)
        assert inbox.refused == 1 and len(inbox.messages) == 1
        waiting = [s for s in states().values() if s[0] == "pending"]
        assert waiting == [("pending", 1)]
        error = db.session.scalar(
            select(Notification.email_error).where(Notification.email_state == "pending")
        )
        assert "451" in error
        second = mail.send_pending()
    assert (second.sent, second.retry) == (1, 0)
    assert len(inbox.messages) == 2
    assert len({m["To"] for m in inbox.messages}) == 2  # each address once
    assert sorted(s for s in states().values() if s[0]) == [("sent", 1), ("sent", 2)]


def test_an_email_refused_every_time_is_given_up_after_the_bounded_attempts(mail_to, overdue):
    inbox = Inbox(refuse=1000)
    with smtp_server(inbox) as port:
        mail_to(f"smtp://127.0.0.1:{port}")
        create()
        outcomes = [mail.send_pending() for _ in range(mail.MAX_EMAIL_ATTEMPTS + 1)]
    assert [o.retry for o in outcomes] == [2, 2, 2, 2, 0, 0]
    assert [o.failed for o in outcomes] == [0, 0, 0, 0, 2, 0]
    assert inbox.refused == 2 * mail.MAX_EMAIL_ATTEMPTS and not inbox.messages
    assert sorted(s for s in states().values() if s[0]) == [("failed", 5), ("failed", 5)]


def test_an_unreachable_server_leaves_the_rest_unclaimed_for_the_next_run(mail_to, overdue):
    port = free_port()  # nothing listens there
    mail_to(f"smtp://127.0.0.1:{port}")
    create()
    outcome = mail.send_pending()
    assert (outcome.sent, outcome.retry) == (0, 1)
    assert sorted(s for s in states().values() if s[0]) == [("pending", 0), ("pending", 1)]
    inbox = Inbox()
    with smtp_server(inbox, port=port):
        assert mail.send_pending().sent == 2
    assert len(inbox.messages) == 2


def test_a_message_left_sending_by_a_stopped_run_is_never_resent(mail_to, overdue, people):
    inbox = Inbox()
    with smtp_server(inbox) as port:
        mail_to(f"smtp://127.0.0.1:{port}")
        create()
        # A run claimed the cadre's message two hours ago and stopped before recording.
        db.session.execute(
            update(Notification)
            .where(Notification.user_id == people["cadre"].id)
            .values(
                email_state="sending",
                email_attempts=1,
                email_to="an@example.vn",
                email_tried_at=NOW - dt.timedelta(hours=2),
            )
        )
        db.session.commit()
        outcome = mail.send_pending()
    assert (outcome.sent, outcome.interrupted) == (1, 1)
    assert [m["To"] for m in inbox.messages] == ["em@example.vn"]
    assert states()["hocvien"] == ("interrupted", 1)


def test_a_claim_is_won_once(mail_to, overdue):
    mail_to("smtp://127.0.0.1:25")
    create()
    first = db.session.scalar(select(Notification.id).where(Notification.email_state.is_not(None)))
    assert mail._claim(first, "an@example.vn") is True
    assert mail._claim(first, "an@example.vn") is False


def test_email_follows_the_persons_choice_and_nothing_without_a_server(
    mail_to, overdue, people, client
):
    save_email_choices(people["cadre"].id, {"course_due_soon"})  # overdue: no
    db.session.commit()
    mail_to("smtp://127.0.0.1:25")
    create()
    assert states()["hocvien"] == (None, 0)
    assert states()["hocvien.en"] == ("pending", 0)
    # Configured later: what was created without a server is never sent (no backlog).
    db.session.execute(update(Notification).values(email_state=None))
    db.session.commit()
    mail_to(None)
    assert mail.send_pending().sent == 0


def _certificate(directory: Path) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = directory / "cert.pem", directory / "key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_file, key_file


@pytest.mark.parametrize("scheme", ["smtps", "smtp+starttls"])
def test_tls_and_starttls_verify_the_server(mail_to, overdue, tmp_path, monkeypatch, scheme):
    cert_file, key_file = _certificate(tmp_path)
    server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_context.load_cert_chain(cert_file, key_file)
    options = (
        {"ssl_context": server_context}
        if scheme == "smtps"
        else {"tls_context": server_context, "require_starttls": True}
    )
    inbox = Inbox()
    with smtp_server(inbox, **options) as port:
        mail_to(f"{scheme}://localhost:{port}")
        create()
        # Not trusted yet: refused by the client, nothing goes out.
        assert mail.send_pending().sent == 0
        # Trusted (as the system's certificate store would): sent.
        monkeypatch.setenv("SSL_CERT_FILE", str(cert_file))
        assert mail.send_pending().sent == 2
    assert len(inbox.messages) == 2


def test_lms_notify_creates_and_sends_and_says_how_many(cli, mail_to, overdue):
    inbox = Inbox()
    with smtp_server(inbox) as port:
        mail_to(f"smtp://127.0.0.1:{port}")
        first = cli("notify", catch_exceptions=False)
        second = cli("notify", catch_exceptions=False)
    assert first.exit_code == 0 and second.exit_code == 0
    assert "3" in first.output  # three overdue (one without an address)
    assert len(inbox.messages) == 2
    assert db.session.scalar(select(db.func.count()).select_from(Notification)) == 3


def test_the_login_is_used_over_starttls(mail_to, overdue, tmp_path, monkeypatch):
    cert_file, key_file = _certificate(tmp_path)
    server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_context.load_cert_chain(cert_file, key_file)
    monkeypatch.setenv("SSL_CERT_FILE", str(cert_file))
    inbox = Inbox()
    with smtp_server(
        inbox,
        tls_context=server_context,
        require_starttls=True,
        authenticator=_Login("lms", "mat khau:9"),
        auth_required=True,
    ) as port:
        mail_to(f"smtp+starttls://lms:wrong@localhost:{port}")
        create()
        refused = mail.send_pending()
        assert (refused.sent, refused.retry) == (0, 1)  # the login failed: nothing sent
        mail_to(f"smtp+starttls://lms:mat%20khau%3A9@localhost:{port}")
        assert mail.send_pending().sent == 2
    assert len(inbox.messages) == 2
