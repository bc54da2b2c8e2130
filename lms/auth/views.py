"""Signing in and out, and changing one's password."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user

from lms.auth import services
from lms.auth.forms import ChangePasswordForm, LoginForm
from lms.auth.permissions import public, require
from lms.errors import InvalidInput
from lms.extensions import db
from lms.people import services as people
from lms.urls import safe_next

bp = Blueprint("auth", __name__)


@bp.route("/login", methods=["GET", "POST"])
@public
def login():
    if current_user.is_authenticated:
        return redirect(url_for("core.home"))
    form = LoginForm()
    status = 200
    if form.validate_on_submit():
        outcome = services.authenticate(
            form.username.data, form.password.data, request.remote_addr or "unknown"
        )
        if outcome.user is not None:
            db.session.commit()
            login_user(outcome.user)
            return redirect(safe_next(request.args.get("next"), url_for("core.home")))
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
def logout():
    logout_user()
    flash(_("You have signed out."), "info")
    return redirect(url_for("auth.login"))


@bp.route("/account/password", methods=["GET", "POST"])
@require()
def change_password():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        try:
            people.change_password(
                current_user,
                current=form.current.data,
                new=form.new.data,
                min_length=current_app.config["PASSWORD_MIN_LENGTH"],
            )
        except InvalidInput as error:
            form.new.errors.append(str(error.message))
        else:
            db.session.commit()
            # The session token follows the new password: this device stays signed in,
            # every other session of the account is signed out.
            login_user(current_user._get_current_object())
            flash(_("Your password has been changed."), "success")
            return redirect(url_for("core.home"))
    status = 400 if form.errors else 200
    return render_template(
        "auth/change_password.html",
        form=form,
        forced=current_user.must_change_password,
        min_length=current_app.config["PASSWORD_MIN_LENGTH"],
    ), status
