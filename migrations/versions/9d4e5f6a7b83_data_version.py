"""data version: one number moved by submissions, early closes and content syncs (dashboard cache key)

Revision ID: 9d4e5f6a7b83
Revises: 8c3d4e5f6a72
Create Date: 2026-12-03 18:30:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '9d4e5f6a7b83'
down_revision = '8c3d4e5f6a72'
branch_labels = None
depends_on = None


def upgrade():
    table = op.create_table(
        'data_versions',
        sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_data_versions')),
    )
    op.bulk_insert(table, [{'id': 1, 'version': 1}])


def downgrade():
    op.drop_table('data_versions')
