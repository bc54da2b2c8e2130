"""Index certificates.superseded_by_id: deleting certificates (a person's, or every one by
`lms demo --force`) checks the rows that point at each, and without the index PostgreSQL
scans the whole table per row (tens of minutes for the large demo's 60,000 certificates).

Revision ID: c3a9e51d7f20
Revises: 9c4e2f7a1b30
Create Date: 2026-12-01 17:10:00.000000

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = 'c3a9e51d7f20'
down_revision = '9c4e2f7a1b30'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('certificates', schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f('ix_certificates_superseded_by_id'), ['superseded_by_id'], unique=False
        )


def downgrade():
    with op.batch_alter_table('certificates', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_certificates_superseded_by_id'))
