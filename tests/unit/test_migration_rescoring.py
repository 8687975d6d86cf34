"""Migration 1c4c49bd4a1f on a database with results: forms are filled in, results are recomputed under
rule 2 from the stored answers, and the rule-1 figures are kept in result_history."""

from __future__ import annotations

import json

from flask_migrate import upgrade
from sqlalchemy import create_engine, text

from app import create_app
from config import TestConfig

ROWS = [
    "INSERT INTO countries (id, code, name, time_zone) VALUES (1, 'DL', 'Demoland', 'UTC')",
    "INSERT INTO organisations (id, country_id, name) VALUES (1, 1, 'Ministry')",
    "INSERT INTO users (id, email, name, role, active, created_at, session_token) VALUES "
    "(1, 'a@example.org', 'A', 'official', 1, '2026-01-01', 't')",
    "INSERT INTO frameworks (id, code, name, version, description, licence, source) VALUES "
    "(1, 'f', 'F', '1', '', '', 'content')",
    "INSERT INTO areas (id, framework_id, code, name, description, position) VALUES (1, 1, 'A', 'A', '', 0)",
    "INSERT INTO competencies (id, framework_id, area_id, code, name, description, position, retired) VALUES "
    "(1, 1, 1, 'A.ONE', 'One', '', 0, 0), (2, 1, 1, 'A.TWO', 'Two', '', 1, 0)",
    "INSERT INTO instruments (id, code, version, name, kind, framework_id, description, content_hash,"
    " current, created_at) VALUES (1, 'i', 1, 'I', 'individual', 1, '', 'x', 1, '2026-01-01')",
    "INSERT INTO instrument_sections (id, instrument_id, code, title, intro, position)"
    " VALUES (1, 1, 's', 'S', '', 0)",
    "INSERT INTO items (id, instrument_id, section_id, code, kind, prompt, input, explanation, options,"
    " position, competency_id, level, key) VALUES "
    "(1, 1, 1, 'A.ONE-self', 'self_rating', 'p', 'single', '', '[]', 0, 1, NULL, NULL),"
    "(2, 1, 1, 'A.ONE-k1', 'knowledge', 'p', 'single', 'e', :options, 1, 1, 1, 'a'),"
    "(3, 1, 1, 'A.ONE-k3', 'knowledge', 'p', 'single', 'e', :options, 2, 1, 3, 'a'),"
    "(4, 1, 1, 'A.TWO-self', 'self_rating', 'p', 'single', '', '[]', 3, 2, NULL, NULL),"
    "(5, 1, 1, 'A.TWO-k1', 'knowledge', 'p', 'single', 'e', :options, 4, 2, 1, 'a')",
    "INSERT INTO campaigns (id, country_id, name, instrument_id, cycle_label, opens_at, closes_at,"
    " created_at) VALUES (1, 1, 'C', 1, 'baseline', '2026-01-01', '2026-02-01', '2026-01-01')",
    "INSERT INTO attempts (id, campaign_id, user_id, instrument_id, country_id, organisation_id, status,"
    " last_section, started_at, updated_at)"
    " VALUES (1, 1, 1, 1, 1, 1, 'submitted', 1, '2026-01-02', '2026-01-02')",
    # A.ONE: self 4, k1 right, k3 wrong. A.TWO: nothing answered (rule 1 said level 0).
    "INSERT INTO answers (attempt_id, item_id, value, answered_at) VALUES (1, 1, '4', '2026-01-02'),"
    " (1, 2, '\"a\"', '2026-01-02'), (1, 3, '\"b\"', '2026-01-02')",
    "INSERT INTO competency_results (id, attempt_id, competency_id, self_level, evidence, knowledge_correct,"
    " knowledge_total, evidence_level, calibrated_level, confidence, target_level, gap) VALUES"
    " (1, 1, 1, 4, '{\"1\": 1.0, \"3\": 0.0}', 1, 2, 1, 2, 'over', 3, 1),"
    " (2, 1, 2, NULL, '{\"1\": 0.0}', 0, 1, 0, 0, 'ok', 3, 3)",
]


def test_existing_results_are_recomputed_and_the_old_figures_kept(tmp_path):
    url = f"sqlite:///{tmp_path / 'old.sqlite'}"

    class Config(TestConfig):
        def __init__(self) -> None:
            super().__init__()
            self.SQLALCHEMY_DATABASE_URI = url

    app = create_app(Config())
    options = json.dumps([{"value": v, "label": v} for v in "abcd"])
    with app.app_context():
        upgrade(revision="2b9ca876100a")
        engine = create_engine(url)
        with engine.begin() as connection:
            for statement in ROWS:
                connection.execute(text(statement), {"options": options} if ":options" in statement else {})
        upgrade()
        with engine.connect() as connection:
            form = connection.execute(
                text("SELECT count(*) FROM attempt_items WHERE attempt_id = 1")
            ).scalar()
            rows = {
                row.competency_id: row
                for row in connection.execute(text("SELECT * FROM competency_results ORDER BY competency_id"))
            }
            history = connection.execute(
                text('SELECT result_id, rule_version, "values" FROM result_history ORDER BY result_id')
            ).all()
        engine.dispose()
    assert form == 5
    one, two = rows[1], rows[2]
    assert (one.rule_version, one.estimated_level, one.calibrated_level, one.gap, one.source) == (
        2,
        1,
        1,
        2,
        "assessed",
    )
    assert one.interval_low <= 1 <= one.interval_high and one.probability is not None
    # Nothing answered is not level 0 any more: not assessed, no gap.
    assert (two.calibrated_level, two.gap, two.source) == (None, None, "not_assessed")
    assert [(row.result_id, row.rule_version) for row in history] == [(1, 1), (2, 1)]
    assert json.loads(history[0].values)["calibrated_level"] == 2
    assert json.loads(history[1].values)["calibrated_level"] == 0
