"""result pairs and first language: what the dashboards read without joining at every view

result_pairs: a follow-up result beside the baseline result of the same official and competency,
kept in step with every write (app.services.evaluation.pair_store) so the tables of change read one
table; filled from the results already stored. attempts.first_language: the first language ticked in
the languages answer, kept at submission for the content gaps; filled from the answers.

Revision ID: b1c2d3e4f5a6
Revises: ae5f6a7b8c94
Create Date: 2026-12-04 19:10:00

"""
import contextlib
import json
import re

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'b1c2d3e4f5a6'
down_revision = 'ae5f6a7b8c94'
branch_labels = None
depends_on = None

FILL = """
INSERT INTO result_pairs (follow_up_id, competency_id, base_id, campaign_id, baseline_campaign_id,
    country_id, campaign_country_id, organisation_id, role_profile_id, validated, before_level,
    after_level, before_gap, after_gap, before_correct, before_total, after_correct, after_total)
SELECT f.id, a.competency_id, b.id, c.id, c.baseline_id, f.country_id, c.country_id, f.organisation_id,
    f.role_profile_id, (a.source = 'validated' AND r.source = 'validated'), r.calibrated_level,
    a.calibrated_level, r.gap, a.gap, r.knowledge_correct, r.knowledge_total, a.knowledge_correct,
    a.knowledge_total
FROM attempts f
JOIN campaigns c ON c.id = f.campaign_id AND c.baseline_id IS NOT NULL
JOIN attempts b ON b.campaign_id = c.baseline_id AND b.user_id = f.user_id AND b.status = 'submitted'
JOIN competency_results a ON a.attempt_id = f.id
JOIN competency_results r ON r.attempt_id = b.id AND r.competency_id = a.competency_id
WHERE f.status = 'submitted'
"""


LANGUAGE_TAG = re.compile(r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*$")  # as app.services.assessment.context
ANSWERS = """
SELECT a.attempt_id, a.value FROM answers a JOIN items i ON i.id = a.item_id
JOIN attempts t ON t.id = a.attempt_id WHERE i.code = 'ctx-languages' AND t.status = 'submitted'
"""


def _first_language(value):
    if isinstance(value, str):  # SQLite hands JSON as its text, psycopg as the value
        with contextlib.suppress(ValueError):
            value = json.loads(value)
    if isinstance(value, str):
        value = [value]
    for code in value if isinstance(value, list) else ():
        if isinstance(code, str) and LANGUAGE_TAG.match(code):
            return code.split("-")[0].lower()
    return None


def _fill_first_languages():
    bind = op.get_bind()
    found = [{"id": attempt_id, "language": _first_language(value)}
             for attempt_id, value in bind.execute(sa.text(ANSWERS))]
    found = [row for row in found if row["language"] is not None]
    update = sa.text("UPDATE attempts SET first_language = :language WHERE id = :id")
    for start in range(0, len(found), 5000):
        bind.execute(update, found[start:start + 5000])


def upgrade():
    with op.batch_alter_table('attempts') as batch:
        batch.add_column(sa.Column('first_language', sa.String(length=35), nullable=True))
    _fill_first_languages()
    op.create_table(
        'result_pairs',
        sa.Column('follow_up_id', sa.Integer(), nullable=False),
        sa.Column('competency_id', sa.Integer(), nullable=False),
        sa.Column('base_id', sa.Integer(), nullable=False),
        sa.Column('campaign_id', sa.Integer(), nullable=False),
        sa.Column('baseline_campaign_id', sa.Integer(), nullable=False),
        sa.Column('country_id', sa.Integer(), nullable=False),
        sa.Column('campaign_country_id', sa.Integer(), nullable=False),
        sa.Column('organisation_id', sa.Integer(), nullable=True),
        sa.Column('role_profile_id', sa.Integer(), nullable=True),
        sa.Column('validated', sa.Boolean(), nullable=False),
        sa.Column('before_level', sa.Integer(), nullable=True),
        sa.Column('after_level', sa.Integer(), nullable=True),
        sa.Column('before_gap', sa.Integer(), nullable=True),
        sa.Column('after_gap', sa.Integer(), nullable=True),
        sa.Column('before_correct', sa.Integer(), nullable=False),
        sa.Column('before_total', sa.Integer(), nullable=False),
        sa.Column('after_correct', sa.Integer(), nullable=False),
        sa.Column('after_total', sa.Integer(), nullable=False),
        *(sa.ForeignKeyConstraint([column], [target], ondelete='CASCADE',
                                  name=op.f(f'fk_result_pairs_{column}_{target.split(".")[0]}'))
          for column, target in (('follow_up_id', 'attempts.id'), ('base_id', 'attempts.id'),
                                 ('competency_id', 'competencies.id'), ('campaign_id', 'campaigns.id'),
                                 ('baseline_campaign_id', 'campaigns.id'))),
        sa.PrimaryKeyConstraint('follow_up_id', 'competency_id', name=op.f('pk_result_pairs')),
    )
    op.create_index('ix_result_pairs_campaign', 'result_pairs', ['campaign_id', 'competency_id'])
    op.create_index(op.f('ix_result_pairs_base_id'), 'result_pairs', ['base_id'])
    op.execute(FILL)


def downgrade():
    op.drop_index(op.f('ix_result_pairs_base_id'), table_name='result_pairs')
    op.drop_index('ix_result_pairs_campaign', table_name='result_pairs')
    op.drop_table('result_pairs')
    with op.batch_alter_table('attempts') as batch:
        batch.drop_column('first_language')
