"""Quizzes defined in course folders: the .gift file a quiz draws from, and the digest of the
settings the folder and the database last agreed on.

Revision ID: 5d3c1e7a9b20
Revises: 6b001cd010b2
Create Date: 2026-12-01 13:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '5d3c1e7a9b20'
down_revision = '6b001cd010b2'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('quizzes', schema=None) as batch_op:
        batch_op.add_column(sa.Column('question_file', sa.String(length=120), nullable=True))
        batch_op.add_column(sa.Column('synced_hash', sa.String(length=64), nullable=True))


def downgrade():
    with op.batch_alter_table('quizzes', schema=None) as batch_op:
        batch_op.drop_column('synced_hash')
        batch_op.drop_column('question_file')
