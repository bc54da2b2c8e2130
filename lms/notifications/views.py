"""The notifications page (reading marks them read) and the e-mail choices."""

from __future__ import annotations

from flask import Blueprint, flash, g, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user

from lms.auth.permissions import require
from lms.errors import InvalidInput
from lms.extensions import db
from lms.notifications import inbox, presenting, services
from lms.notifications.forms import EmailChoicesForm
from lms.paging import paginate
from lms.timeutil import utcnow

bp = Blueprint("notifications", __name__)


@bp.get("/notifications/")
@require()
def index() -> ResponseReturnValue:
    """The newest first; those shown are marked read (they stay highlighted on this view)."""
    page = paginate(inbox.page_query(current_user.id))
    shown = presenting.present(page.items)
    if inbox.mark_read(current_user.id, [item.id for item in shown if item.unread], utcnow()):
        db.session.commit()
    return render_template("notifications/index.html", page=page, shown=shown)


@bp.route("/account/notifications", methods=["GET", "POST"])
@require()
def email_choices() -> ResponseReturnValue:
    form = EmailChoicesForm()
    status = 200
    if form.validate_on_submit():
        try:
            changed = inbox.save_email_choices(current_user.id, set(form.kinds.data or []))
        except InvalidInput as error:
            form.kinds.errors = [str(error.message)]
            status = 400
        else:
            db.session.commit()
            flash(
                _("Your e-mail choices have been saved.") if changed else _("Nothing changed."),
                "success" if changed else "info",
            )
            return redirect(url_for("notifications.email_choices"))
    elif form.is_submitted():
        status = 400
    else:
        choices = inbox.email_choices(current_user.id)
        form.kinds.data = [kind for kind, wanted in choices.items() if wanted]
    return render_template(
        "notifications/email_choices.html",
        form=form,
        address=current_user.email,
        mail_configured=services.mail_configured(),
    ), status


def unread_notifications() -> int:
    """The bell's count for the signed-in user: one query per page, however often asked."""
    if "unread_notifications" not in g:
        g.unread_notifications = (
            inbox.unread_count(current_user.id) if current_user.is_authenticated else 0
        )
    count: int = g.unread_notifications
    return count
