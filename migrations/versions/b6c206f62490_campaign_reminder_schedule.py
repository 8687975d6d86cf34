"""campaign reminder schedule: the days before closing on which reminders go out automatically

Revision ID: b6c206f62490
Revises: b1c2d3e4f5a6
Create Date: 2026-12-04 19:10:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'b6c206f62490'
down_revision = 'b1c2d3e4f5a6'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('campaigns') as batch:
        batch.add_column(sa.Column('reminder_days', sa.JSON(), nullable=False, server_default='[]'))
        batch.add_column(sa.Column('reminders_done_until', sa.DateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table('campaigns') as batch:
        batch.drop_column('reminders_done_until')
        batch.drop_column('reminder_days')
