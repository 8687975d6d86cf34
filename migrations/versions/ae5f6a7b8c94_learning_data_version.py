"""learning data version: plans, progress, enrolments, feedback and follow-ups move a version of their own

Revision ID: ae5f6a7b8c94
Revises: 9d4e5f6a7b83
Create Date: 2026-12-04 02:10:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'ae5f6a7b8c94'
down_revision = '9d4e5f6a7b83'
branch_labels = None
depends_on = None


def upgrade():
    table = sa.table('data_versions', sa.column('id', sa.Integer()), sa.column('version', sa.Integer()))
    op.bulk_insert(table, [{'id': 2, 'version': 1}])


def downgrade():
    op.execute("DELETE FROM data_versions WHERE id = 2")
