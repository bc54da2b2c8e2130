"""A sign-in's session (a signed cookie): how it starts, how long it lasts, how it ends.

The session holds the account's session token (``User.session_token``: id, session generation,
a digest of the password hash) and the moment of the sign-in. It is refused once the token no
longer matches (signed out anywhere, password changed or reset, account deactivated) and once
``LMS_SESSION_HOURS`` have passed since the sign-in, however often it was used: rewriting the
cookie does not make it live longer.
"""

from __future__ import annotations

from flask import current_app, session
from flask_login import login_user, logout_user

from lms.people import services as people
from lms.people.models import User
from lms.timeutil import utcnow

SIGNED_IN_AT = "signed_in_at"


def _new_csrf_secret() -> None:
    """A sign-in and a sign-out each start a new CSRF secret (Flask-WTF keeps it in the session
    under the form field's name): a form, or a mark queued on the phone for reading offline,
    from before cannot be sent in the new session (the phone fetches a fresh token:
    lms.offline.views.token)."""
    session.pop(current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token"), None)


def begin(user: User) -> None:
    _new_csrf_secret()
    login_user(user)
    session[SIGNED_IN_AT] = int(utcnow().timestamp())


def renew(user: User) -> None:
    """The account's token changed (a new password): this device keeps its sign-in, and the
    sign-in keeps its age."""
    login_user(user)


def within_lifetime() -> bool:
    started = session.get(SIGNED_IN_AT)
    if not isinstance(started, int):
        return False
    age = utcnow().timestamp() - started
    return bool(0 <= age < current_app.config["SESSION_HOURS"] * 3600)


def end(user: User) -> None:
    """Sign out here and on every other device of the account."""
    people.end_sessions(user)
    logout_user()
    session.pop(SIGNED_IN_AT, None)
    _new_csrf_secret()
