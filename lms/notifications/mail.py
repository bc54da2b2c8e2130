"""Sending the pending notifications by e-mail (``lms notify``), each in its reader's language.

At most once per notification. Each message goes through three steps, each committed:

1. *claim*: ``UPDATE … SET email_state='sending', email_attempts=email_attempts+1,
   email_to=<address> WHERE id=… AND email_state='pending'`` — only one run can win a row;
2. hand the message to the SMTP server;
3. record the outcome: ``sent``; or, if the server refused it or could not be reached,
   ``pending`` again (retried by the next run) until ``MAX_EMAIL_ATTEMPTS`` claims, then
   ``failed`` with the server's answer.

A run that stops between 1 and 3 (killed, machine down) leaves the row ``sending``: a run an
hour or more later marks it ``interrupted`` and does not send it again, because it cannot know
whether the server accepted it. So a crash can lose one message but never send one twice; the
row says which message, to which address, at which attempt. (The opposite choice, resending, would
turn every crash after the server's acceptance into a duplicate.) Each message carries a
Message-ID made from the notification's id and creation time (the same at every attempt), so
even a message that a server accepted but whose acceptance never reached us (the connection
dropped after DATA) and was then retried is the same message to mail clients, which show it
once.
"""

from __future__ import annotations

import datetime as dt
import smtplib
import ssl
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import format_datetime as email_date
from typing import Any
from urllib.parse import unquote, urlsplit

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select, update

from lms.config import LOCALES, SMTP_SCHEMES
from lms.extensions import db
from lms.notifications.models import Notification
from lms.notifications.presenting import present
from lms.people.models import User
from lms.timeutil import utcnow
from lms.writes import rows_changed

MAX_EMAIL_ATTEMPTS = 5
TIMEOUT_SECONDS = 30
INTERRUPTED_AFTER = dt.timedelta(hours=1)


@dataclass
class Sent:
    sent: int = 0
    retry: int = 0  # failed this time, pending for the next run
    failed: int = 0  # failed for the last allowed time
    interrupted: int = 0  # left "sending" by an earlier run that stopped


@dataclass(frozen=True)
class Server:
    scheme: str
    host: str
    port: int
    username: str | None
    password: str | None


def server_from_url(url: str) -> Server:
    parts = urlsplit(url)
    return Server(
        scheme=parts.scheme,
        host=parts.hostname or "",
        port=parts.port or SMTP_SCHEMES[parts.scheme],
        username=unquote(parts.username) if parts.username else None,
        password=unquote(parts.password) if parts.password else None,
    )


@contextmanager
def connect(server: Server) -> Iterator[smtplib.SMTP]:
    context = ssl.create_default_context()
    client: smtplib.SMTP
    if server.scheme == "smtps":
        client = smtplib.SMTP_SSL(
            server.host, server.port, timeout=TIMEOUT_SECONDS, context=context
        )
    else:
        client = smtplib.SMTP(server.host, server.port, timeout=TIMEOUT_SECONDS)
    try:
        if server.scheme == "smtp+starttls":
            client.starttls(context=context)
        if server.username:
            client.login(server.username, server.password or "")
        yield client
    finally:
        try:
            client.quit()
        except (smtplib.SMTPException, OSError):
            client.close()


def _mark_interrupted() -> int:
    """Rows a run claimed more than an hour ago and never finished (a run still going on
    now is left alone)."""
    return rows_changed(
        update(Notification)
        .where(
            Notification.email_state == "sending",
            Notification.email_tried_at < utcnow() - INTERRUPTED_AFTER,
        )
        .values(
            email_state="interrupted",
            email_error="the sending run stopped before recording the outcome; not resent",
        )
        .execution_options(synchronize_session=False)
    )


def _claim(notification_id: int, address: str) -> bool:
    return bool(
        rows_changed(
            update(Notification)
            .where(Notification.id == notification_id, Notification.email_state == "pending")
            .values(
                email_state="sending",
                email_attempts=Notification.email_attempts + 1,
                email_to=address,
                email_tried_at=utcnow(),
            )
            .execution_options(synchronize_session=False)
        )
    )


def _record(notification_id: int, state: str, error: str = "") -> None:
    values: dict[str, Any] = {"email_state": state, "email_error": error[:500]}
    if state == "sent":
        values["email_sent_at"] = utcnow()
    db.session.execute(
        update(Notification)
        .where(Notification.id == notification_id, Notification.email_state == "sending")
        .values(**values)
        .execution_options(synchronize_session=False)
    )


def message_for(notification: Notification, user: User, sender: str) -> EmailMessage:
    """The e-mail of one notification, in the language of its reader."""
    locale = user.locale if user.locale in LOCALES else current_app.config["DEFAULT_LOCALE"]
    with force_locale(locale):
        (shown,) = present([notification])
        link = shown.url(absolute=True)
        body = [_("Dear %(name)s,", name=user.full_name), "", shown.text]
        if link:
            body += ["", link]
        body += [
            "",
            "—",
            current_app.config["ISSUER_NAME"],
            _("You can choose which notifications you receive by e-mail on your account page."),
        ]
        subject = shown.subject
    message = EmailMessage()
    message["From"] = sender
    message["To"] = (user.email or "").strip()
    message["Subject"] = subject
    message["Date"] = email_date(notification.created_at)
    domain = sender.rpartition("@")[2] or "localhost"
    # The same at every attempt of this notification (see the module's docstring).
    created = int(notification.created_at.timestamp())
    message["Message-ID"] = f"<notification-{notification.id}.{created}@{domain}>"
    message["X-LMS-Notification"] = str(notification.id)
    message.set_content("\n".join(body))
    return message


def send_pending(*, limit: int | None = None) -> Sent:
    """Send every pending e-mail (committing each step: see the module's docstring)."""
    result = Sent()
    result.interrupted = _mark_interrupted()
    db.session.commit()
    url = current_app.config.get("SMTP_URL")
    if not url:
        return result
    query = (
        select(Notification, User)
        .join(User, User.id == Notification.user_id)
        .where(Notification.email_state == "pending")
        .order_by(Notification.id)
    )
    if limit is not None:
        query = query.limit(limit)
    pending = db.session.execute(query).all()
    if not pending:
        return result
    for notification, user in pending:  # read as they are now: commits below do not reload them
        db.session.expunge(notification)
        if user in db.session:
            db.session.expunge(user)
    sender = current_app.config["MAIL_FROM"]
    server = server_from_url(url)
    # url_for needs a request; links are made absolute from LMS_BASE_URL (see presenting).
    with current_app.test_request_context("/"), _Connection(server) as connection:
        for notification, user in pending:
            address = (user.email or "").strip()
            if not address or not user.active:
                _drop(notification.id)
                continue
            message = message_for(notification, user, sender)
            attempts = notification.email_attempts + 1
            won = _claim(notification.id, address)
            db.session.commit()
            if not won:
                continue  # another run took it
            try:
                connection.send(message, sender, address)
            except OSError as error:  # smtplib's errors are OSErrors, as are the network's
                state = "pending" if attempts < MAX_EMAIL_ATTEMPTS else "failed"
                _record(notification.id, state, f"{type(error).__name__}: {error}")
                db.session.commit()
                if state == "pending":
                    result.retry += 1
                else:
                    result.failed += 1
                if connection.unreachable:
                    break  # the rest stay pending, unclaimed, for the next run
            else:
                _record(notification.id, "sent")
                db.session.commit()
                result.sent += 1
    return result


def _drop(notification_id: int) -> None:
    """No address (removed since) or a deactivated account: nothing to send."""
    db.session.execute(
        update(Notification)
        .where(Notification.id == notification_id, Notification.email_state == "pending")
        .values(email_state=None)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()


class _Connection:
    """One SMTP connection for the run, opened at the first message and opened again after a
    failure; ``unreachable`` once opening it failed (no point trying the rest now)."""

    def __init__(self, server: Server) -> None:
        self.server = server
        self.client: smtplib.SMTP | None = None
        self._context: Any = None
        self.unreachable = False

    def __enter__(self) -> _Connection:
        return self

    def send(self, message: EmailMessage, sender: str, address: str) -> None:
        if self.client is None:
            try:
                self._context = connect(self.server)
                self.client = self._context.__enter__()
            except OSError:
                self._context, self.unreachable = None, True
                raise
        try:
            self.client.send_message(message, from_addr=sender, to_addrs=[address])
        except OSError:
            self.close()  # start afresh for the next message
            raise

    def close(self) -> None:
        if self._context is not None:
            self._context.__exit__(None, None, None)
        self.client, self._context = None, None

    def __exit__(self, *_: Any) -> None:
        self.close()
