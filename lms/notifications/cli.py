"""``lms notify``: the daily notifications and their e-mail (run it from cron)."""

from __future__ import annotations

import click
from flask.cli import with_appcontext
from flask_babel import gettext as _

from lms.commandline import one_transaction
from lms.notifications import mail, services
from lms.timeutil import utcnow


@click.command("notify")
@click.option("--no-email", is_flag=True, help="Create the notifications; send no e-mail now.")
@with_appcontext
def notify_command(no_email: bool) -> None:
    """Tell people what is due (courses due within 7 days or overdue, sessions tomorrow) and
    send the pending e-mail. Running it again tells nothing twice."""
    with one_transaction():
        created = services.create_due(utcnow())
    click.echo(
        _(
            "Notifications created: %(due_soon)s course(s) due soon, %(overdue)s overdue, "
            "%(sessions)s session(s) tomorrow.",
            due_soon=created.due_soon,
            overdue=created.overdue,
            sessions=created.sessions,
        )
    )
    if no_email:
        return
    if not services.mail_configured():
        click.echo(_("E-mail: not configured (LMS_SMTP_URL), none sent."))
        return
    sent = mail.send_pending()
    click.echo(
        _(
            "E-mail: %(sent)s sent, %(retry)s to retry at the next run, %(failed)s given up "
            "after %(max)s attempts, %(interrupted)s interrupted by an earlier run (not resent).",
            sent=sent.sent,
            retry=sent.retry,
            failed=sent.failed,
            max=mail.MAX_EMAIL_ATTEMPTS,
            interrupted=sent.interrupted,
        )
    )
