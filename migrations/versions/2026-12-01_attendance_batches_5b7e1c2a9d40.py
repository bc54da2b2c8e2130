"""Attendance records remember the "all present" action that created them, so that it can be
undone exactly.

Revision ID: 5b7e1c2a9d40
Revises: b7d41e9a2c35
Create Date: 2026-12-01 12:50:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '5b7e1c2a9d40'
down_revision = 'b7d41e9a2c35'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('attendance_records', schema=None) as batch_op:
        batch_op.add_column(sa.Column('batch_id', sa.Integer(), nullable=True))


def downgrade():
    with op.batch_alter_table('attendance_records', schema=None) as batch_op:
        batch_op.drop_column('batch_id')
