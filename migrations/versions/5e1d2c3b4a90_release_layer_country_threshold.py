"""release layer: a country's own small-cell threshold

Revision ID: 5e1d2c3b4a90
Revises: 1c4c49bd4a1f
Create Date: 2026-12-03 15:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '5e1d2c3b4a90'
down_revision = '1c4c49bd4a1f'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('countries', schema=None) as batch_op:
        batch_op.add_column(sa.Column('small_cell_k', sa.Integer(), nullable=True))


def downgrade():
    with op.batch_alter_table('countries', schema=None) as batch_op:
        batch_op.drop_column('small_cell_k')
