"""audit: hash-chained events (prev_hash, hash), existing rows chained in id order, e-mails dropped
from user.create details first

Revision ID: 7b2c3d4e5f61
Revises: 5e1d2c3b4a90
Create Date: 2026-12-03 15:40:00

"""
import hashlib
import json
from datetime import UTC

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '7b2c3d4e5f61'
down_revision = '5e1d2c3b4a90'
branch_labels = None
depends_on = None

GENESIS = "0" * 64

events = sa.table(
    'audit_events',
    sa.column('id', sa.Integer), sa.column('at', sa.DateTime(timezone=True)),
    sa.column('actor_id', sa.Integer), sa.column('action', sa.String), sa.column('object_type', sa.String),
    sa.column('object_id', sa.String), sa.column('country_id', sa.Integer), sa.column('ip', sa.String),
    sa.column('details', sa.JSON), sa.column('prev_hash', sa.String), sa.column('hash', sa.String),
)


def _hash(row, details, prev_hash):
    # A frozen copy of app.services.audit.event_hash as it was when the chain began.
    at = row.at if row.at.tzinfo else row.at.replace(tzinfo=UTC)
    content = {
        "at": at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
        "actor_id": row.actor_id, "action": row.action, "object_type": row.object_type,
        "object_id": row.object_id, "country_id": row.country_id, "ip": row.ip, "details": details,
        "prev_hash": prev_hash,
    }
    canonical = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


def upgrade():
    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.add_column(sa.Column('prev_hash', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('hash', sa.String(length=64), nullable=True))

    connection = op.get_bind()
    prev_hash = GENESIS
    for row in connection.execute(sa.select(events).order_by(events.c.id)).all():
        details = row.details
        if row.action == 'user.create' and isinstance(details, dict) and 'email' in details:
            # The account is the event's object, by id: the copied address goes before the chain is made,
            # so erasing the person later never has to rewrite a chained event.
            details = {key: value for key, value in details.items() if key != 'email'}
        own = _hash(row, details, prev_hash)
        connection.execute(events.update().where(events.c.id == row.id)
                           .values(details=details, prev_hash=prev_hash, hash=own))
        prev_hash = own

    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.alter_column('prev_hash', existing_type=sa.String(length=64), nullable=False)
        batch_op.alter_column('hash', existing_type=sa.String(length=64), nullable=False)
        batch_op.create_unique_constraint(batch_op.f('uq_audit_events_prev_hash'), ['prev_hash'])


def downgrade():
    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_audit_events_prev_hash'), type_='unique')
        batch_op.drop_column('hash')
        batch_op.drop_column('prev_hash')
