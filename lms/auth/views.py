"""Signing in and out, and changing one's password."""

from __future__ import annotations

from typing import cast

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user

from lms.auth import devices, services, sessions, throttle
from lms.auth.forms import ChangePasswordForm, LoginForm
from lms.auth.permissions import public, require
from lms.errors import InvalidInput
from lms.extensions import db
from lms.urls import safe_next

bp = Blueprint("auth", __name__)


def _attempt(username: str, *, known_device: bool = True) -> throttle.Attempt:
    return throttle.Attempt(
        username=username,
        address=request.remote_addr or "unknown",
        device=devices.device_id(request, username) if known_device else None,
    )


@bp.route("/login", methods=["GET", "POST"])
@public
def login() -> ResponseReturnValue:
    if current_user.is_authenticated:
        return redirect(url_for("home.index"))
    form = LoginForm()
    status = 200
    if form.validate_on_submit():
        username = cast(str, form.username.data)  # both required (DataRequired)
        outcome = services.authenticate(username, cast(str, form.password.data), _attempt(username))
        db.session.commit()  # the sign-in time, or the audit entry of a lock
        if outcome.user is not None:
            sessions.begin(outcome.user)
            response = redirect(safe_next(request.args.get("next"), url_for("home.index")))
            devices.remember(request, response, outcome.user.username)
            return response
        if outcome.throttled:
            flash(_("Too many failed sign-in attempts. Wait a few minutes and try again."), "error")
            status = 429
        else:
            flash(_("Wrong username or password."), "error")
            status = 401
    elif form.is_submitted():
        status = 400
    return render_template("auth/login.html", form=form), status


@bp.post("/logout")
@require()
def logout() -> ResponseReturnValue:
    sessions.end(current_user._get_current_object())
    db.session.commit()
    flash(_("You have signed out."), "info")
    response = redirect(url_for("auth.login"))
    # What the phone kept for reading offline (the service worker's caches, its list and the
    # marks waiting to be sent) belongs to this account: the browser erases it all, and the
    # worker too erases its caches itself (static/sw.js), for browsers that ignore this.
    # Cookies are not cleared: the known-device cookie must survive a sign-out.
    response.headers["Clear-Site-Data"] = '"cache", "storage"'
    return response


@bp.route("/account/password", methods=["GET", "POST"])
@require()
def change_password() -> ResponseReturnValue:
    form = ChangePasswordForm()
    user = current_user._get_current_object()
    if form.validate_on_submit():
        try:
            services.change_password(
                user,
                current=cast(str, form.current.data),  # both required (DataRequired)
                new=cast(str, form.new.data),
                min_length=current_app.config["PASSWORD_MIN_LENGTH"],
                # The account's own counter, known device or not: whoever holds a session
                # (a copied cookie) gets no more guesses here than at the sign-in form.
                attempt=_attempt(user.username, known_device=False),
            )
        except InvalidInput as error:
            db.session.commit()  # the failure's audit entry, if it locked the account
            field = form.current if error.field == "current" else form.new
            cast(list[str], field.errors).append(str(error.message))
        else:
            db.session.commit()
            # The session token follows the new password: this device stays signed in,
            # every other session of the account is signed out.
            sessions.renew(user)
            flash(_("Your password has been changed."), "success")
            return redirect(url_for("home.index"))
    status = 400 if form.errors else 200
    return render_template(
        "auth/change_password.html",
        form=form,
        forced=current_user.must_change_password,
        min_length=current_app.config["PASSWORD_MIN_LENGTH"],
    ), status
