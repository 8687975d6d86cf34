"""account preferences: the languages an official learns in, and which e-mails they want

Revision ID: c7d8e9f0a1b2
Revises: b6c206f62490
Create Date: 2026-12-04 19:20:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'c7d8e9f0a1b2'
down_revision = 'b6c206f62490'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('users') as batch:
        batch.add_column(sa.Column('learning_languages', sa.JSON(), nullable=True))
        batch.add_column(sa.Column('email_reminders', sa.Boolean(), nullable=False,
                                   server_default=sa.true()))
        batch.add_column(sa.Column('email_follow_ups', sa.Boolean(), nullable=False,
                                   server_default=sa.true()))


def downgrade():
    with op.batch_alter_table('users') as batch:
        batch.drop_column('email_follow_ups')
        batch.drop_column('email_reminders')
        batch.drop_column('learning_languages')
