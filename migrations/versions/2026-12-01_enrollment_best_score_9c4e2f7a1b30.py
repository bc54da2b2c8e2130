"""Each enrollment keeps the best graded score at its course's quizzes and whether a
certificate stands for it (both filled in from what is recorded), and a period's enrollments
are found by an index on the due date: the dashboard and the review report read them for
every enrollment of a period.

Revision ID: 9c4e2f7a1b30
Revises: 4d56de226b1e
Create Date: 2026-12-01 17:10:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '9c4e2f7a1b30'
down_revision = '4d56de226b1e'
branch_labels = None
depends_on = None

BACKFILL = """
UPDATE enrollments SET best_score = (
    SELECT max(attempts.score) FROM attempts JOIN quizzes ON quizzes.id = attempts.quiz_id
    WHERE attempts.user_id = enrollments.user_id
      AND quizzes.course_id = enrollments.course_id
      AND attempts.state = 'graded'
      AND attempts.score IS NOT NULL
)
"""

CERTIFIED = """
UPDATE enrollments SET certified = EXISTS (
    SELECT 1 FROM certificates
    WHERE certificates.user_id = enrollments.user_id
      AND certificates.course_id = enrollments.course_id
      AND certificates.superseded_at IS NULL
      AND certificates.revoked_at IS NULL
)
"""


def upgrade():
    with op.batch_alter_table('enrollments', schema=None) as batch_op:
        batch_op.add_column(sa.Column('best_score', sa.Float(), nullable=True))
        batch_op.add_column(
            sa.Column('certified', sa.Boolean(), server_default=sa.false(), nullable=False)
        )
        batch_op.create_index('ix_enrollments_due_date', ['due_date'], unique=False)
    op.execute(BACKFILL)
    op.execute(CERTIFIED)


def downgrade():
    with op.batch_alter_table('enrollments', schema=None) as batch_op:
        batch_op.drop_index('ix_enrollments_due_date')
        batch_op.drop_column('certified')
        batch_op.drop_column('best_score')
