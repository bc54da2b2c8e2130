from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click
from flask.cli import with_appcontext
from flask_babel import gettext as _

from lms.commandline import cli_actor, one_transaction
from lms.courses import services as courses
from lms.extensions import db
from lms.quizzes import attempts, bank, regrading
from lms.timeutil import utcnow

if TYPE_CHECKING:
    from lms.courses.models import Course


@click.group("quizzes")
def quizzes_group() -> None:
    """Question banks and quizzes."""


def _course_or_exit(slug: str) -> Course:
    course = courses.get_course(slug)
    if course is None:
        click.echo(_("Unknown course %(slug)s.", slug=slug), err=True)
        sys.exit(1)
    return course


@quizzes_group.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--course", "slug", required=True, help="The course whose bank receives them.")
@with_appcontext
def import_command(file: Path, slug: str) -> None:
    """Add the questions of a GIFT file to a course's question bank (all or none)."""
    course = _course_or_exit(slug)
    with one_transaction():
        added = bank.import_gift(course, bank.decode_gift(file.read_bytes()), actor=cli_actor())
    click.echo(_("%(n)s questions added to the bank of %(slug)s.", n=added, slug=course.slug))


@quizzes_group.command("export")
@click.option("--course", "slug", required=True)
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@with_appcontext
def export_command(slug: str, file: Path) -> None:
    """Write a course's question bank as a GIFT file."""
    course = _course_or_exit(slug)
    file.write_text(bank.export_gift(course), encoding="utf-8", newline="\n")
    click.echo(_("Question bank of %(slug)s written to %(file)s.", slug=course.slug, file=file))


@quizzes_group.command("close-overdue")
@with_appcontext
def close_overdue_command() -> None:
    """Submit and grade every attempt left open past its deadline (run it every few minutes)."""
    with one_transaction():
        closed = attempts.close_overdue(now=utcnow())
    click.echo(_("%(n)s overdue attempts submitted.", n=closed))


@quizzes_group.command("regrade")
@click.option("--dry-run", is_flag=True, help="Report what would change; write nothing.")
@with_appcontext
def regrade_command(dry_run: bool) -> None:
    """Grade submitted attempts again with the current grader (after a grading fix) and report
    every score that changes; a pass gained completes the course. Running it twice changes
    nothing the second time."""
    changed = regrading.regrade_submitted(actor=cli_actor())
    for row in changed:
        click.echo(
            _(
                "attempt %(id)s (%(quiz)s, %(user)s): %(old)s → %(new)s, %(old_result)s → "
                "%(new_result)s",
                id=row.attempt_id,
                quiz=row.quiz,
                user=row.username,
                old=_score(row.old_score),
                new=_score(row.new_score),
                old_result=_result(row.old_passed),
                new_result=_result(row.new_passed),
            )
        )
    passes = sum(1 for row in changed if row.new_passed and not row.old_passed)
    lost = sum(1 for row in changed if row.old_passed and not row.new_passed)
    if dry_run:
        db.session.rollback()
        click.echo(
            _(
                "Dry run: %(n)s attempts would change (%(passes)s newly passed, %(lost)s no "
                "longer passed); nothing was written.",
                n=len(changed),
                passes=passes,
                lost=lost,
            )
        )
        return
    db.session.commit()
    click.echo(
        _(
            "%(n)s attempts regraded (%(passes)s newly passed, %(lost)s no longer passed).",
            n=len(changed),
            passes=passes,
            lost=lost,
        )
    )


def _score(score: float | None) -> str:
    return "—" if score is None else f"{score:g}%"


def _result(passed: bool | None) -> str:
    if passed is None:
        return str(_("waiting for grading"))
    return str(_("passed") if passed else _("not passed"))
