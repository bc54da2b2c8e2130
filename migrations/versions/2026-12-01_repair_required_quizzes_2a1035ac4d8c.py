"""Repair courses' required quizzes corrupted by the settings form.

The settings form once showed the stored list as Python text (``[]``, ``['kiem-tra']``) and
stored that text back, split at commas, on every save: ``[]`` became ``["[]"]``, then
``["['[]']"]``, and a real name came back as ``["['kiem-tra']"]``. A course requiring a quiz
that does not exist can never be completed. This revision unwraps every stored value to the
short names it holds and keeps those that are quizzes of the course; each course changed gets
an audit entry with the list before and after. Data only: the schema does not change.

Revision ID: 2a1035ac4d8c
Revises: 0cd171c295df
Create Date: 2026-12-01 12:00:00

"""
import datetime as dt
import re
import unicodedata
from collections import defaultdict

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '2a1035ac4d8c'
down_revision = '0cd171c295df'
branch_labels = None
depends_on = None

# A quiz's short name never holds brackets, quotes, backslashes, commas or spaces: whatever
# lies between them in a corrupted value is a candidate name.
_NAME = re.compile(r"""[^\s\[\]'",\\]+""")


def unwrap(value):
    """The short names held by a stored value, however many times it was wrapped: each once,
    trimmed, NFC, in order."""
    names = []

    def walk(item):
        if isinstance(item, (list, tuple)):
            for inner in item:
                walk(inner)
        elif isinstance(item, str):
            for name in _NAME.findall(unicodedata.normalize("NFC", item)):
                if name not in names:
                    names.append(name)

    walk(value)
    return names


def repaired(value, quiz_slugs):
    """The stored value as it should be: the names it holds that are quizzes of the course."""
    return [name for name in unwrap(value) if name in quiz_slugs]


courses = sa.table(
    'courses',
    sa.column('id', sa.Integer),
    sa.column('slug', sa.String),
    sa.column('required_quizzes', sa.JSON),
)
quizzes = sa.table('quizzes', sa.column('course_id', sa.Integer), sa.column('slug', sa.String))
audit_events = sa.table(
    'audit_events',
    sa.column('at', sa.DateTime),
    sa.column('actor_id', sa.Integer),
    sa.column('actor_name', sa.String),
    sa.column('action', sa.String),
    sa.column('target_type', sa.String),
    sa.column('target_id', sa.Integer),
    sa.column('target_label', sa.String),
    sa.column('before', sa.JSON),
    sa.column('after', sa.JSON),
)


def upgrade():
    connection = op.get_bind()
    slugs = defaultdict(set)
    for course_id, slug in connection.execute(sa.select(quizzes.c.course_id, quizzes.c.slug)):
        slugs[course_id].add(slug)
    rows = connection.execute(
        sa.select(courses.c.id, courses.c.slug, courses.c.required_quizzes)
    ).all()
    now = dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)
    for course_id, course_slug, stored in rows:
        fixed = repaired(stored, slugs[course_id])
        if fixed == stored:
            continue
        connection.execute(
            courses.update().where(courses.c.id == course_id).values(required_quizzes=fixed)
        )
        connection.execute(
            audit_events.insert().values(
                at=now,
                actor_id=None,
                actor_name='migration',
                action='course.update',
                target_type='course',
                target_id=course_id,
                target_label=course_slug,
                before={'required_quizzes': stored},
                after={'required_quizzes': fixed},
            )
        )


def downgrade():
    # The corrupted values are not worth restoring; nothing in the schema changed.
    pass
