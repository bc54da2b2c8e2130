"""completion sums: the review's figures kept per unit, course, due date and completion month

Revision ID: 5d2e8c41a7b9
Revises: 96a11ae6c977
Create Date: 2026-12-02 00:00:00

"""
import datetime as dt
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '5d2e8c41a7b9'
down_revision = '96a11ae6c977'
branch_labels = None
depends_on = None


def _offset_minutes() -> int:
    """The configured zone's offset today (Asia/Ho_Chi_Minh: +420, fixed since 1975)."""
    try:
        from flask import current_app

        zone = current_app.config["TIMEZONE"]
    except (ImportError, RuntimeError, KeyError):
        zone = "Asia/Ho_Chi_Minh"
    moment = dt.datetime.now(ZoneInfo(zone))
    return int((moment.utcoffset() or dt.timedelta()).total_seconds() // 60)


def _fill() -> None:
    """The sums of the enrollments already there, as ``lms.reports.kept_sums`` keeps them (the
    rule written out here, as of this revision)."""
    offset = _offset_minutes()
    if op.get_bind().dialect.name == "postgresql":
        moment = f"(CAST(e.due_date AS timestamp) + interval '{1440 - offset} minutes')"
        shifted = f"(e.completed_at + interval '{offset} minutes')"
        month = (
            f"(CAST(EXTRACT(YEAR FROM {shifted}) AS INTEGER) * 12"
            f" + CAST(EXTRACT(MONTH FROM {shifted}) AS INTEGER) - 1)"
        )
    else:
        moment = f"datetime(e.due_date, '{1440 - offset:+d} minutes')"
        shifted = f"e.completed_at, '{offset:+d} minutes'"
        month = (
            f"(CAST(strftime('%Y', {shifted}) AS INTEGER) * 12"
            f" + CAST(strftime('%m', {shifted}) AS INTEGER) - 1)"
        )
    op.execute(
        f"""
        INSERT INTO completion_sums
            (unit_id, course_id, due_date, completed_in, enrolled, on_time, score_sum, scored,
             certified)
        SELECT unit_id, course_id, due_date, completed_in, count(*), sum(on_time),
               coalesce(sum(best), 0.0), count(best), sum(certified)
        FROM (
            SELECT coalesce(m.unit_id, u.unit_id) AS unit_id, e.course_id, e.due_date,
                   CASE WHEN e.completed_at IS NULL THEN 0 ELSE {month} END AS completed_in,
                   CASE WHEN e.on_time THEN 1 ELSE 0 END AS on_time,
                   e.best_score AS best,
                   CASE WHEN e.certified THEN 1 ELSE 0 END AS certified
            FROM enrollments e
            JOIN users u ON u.id = e.user_id
            LEFT OUTER JOIN unit_memberships m
              ON m.user_id = e.user_id AND m.started_at < {moment}
             AND (m.ended_at IS NULL OR m.ended_at >= {moment})
            WHERE u.active AND e.due_date IS NOT NULL
        ) placed
        WHERE unit_id IS NOT NULL
        GROUP BY unit_id, course_id, due_date, completed_in
        """
    )


def upgrade():
    op.create_table('completion_sums',
    sa.Column('unit_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('course_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('due_date', sa.Date(), nullable=False),
    sa.Column('completed_in', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('enrolled', sa.Integer(), nullable=False),
    sa.Column('on_time', sa.Integer(), nullable=False),
    sa.Column('score_sum', sa.Float(), nullable=False),
    sa.Column('scored', sa.Integer(), nullable=False),
    sa.Column('certified', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['course_id'], ['courses.id'], name=op.f('fk_completion_sums_course_id_courses'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['unit_id'], ['units.id'], name=op.f('fk_completion_sums_unit_id_units'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('unit_id', 'course_id', 'due_date', 'completed_in', name=op.f('pk_completion_sums'))
    )
    with op.batch_alter_table('completion_sums', schema=None) as batch_op:
        batch_op.create_index('ix_completion_sums_due_date', ['due_date'], unique=False)
    _fill()


def downgrade():
    with op.batch_alter_table('completion_sums', schema=None) as batch_op:
        batch_op.drop_index('ix_completion_sums_due_date')

    op.drop_table('completion_sums')
