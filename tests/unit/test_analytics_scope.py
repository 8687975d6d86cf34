"""Every analytics function keeps to the viewer's countries, and runs the same number of SQL
statements however much data there is (no N+1)."""

from contextlib import contextmanager
from dataclasses import fields, is_dataclass

import pytest
from sqlalchemy import event

from app.extensions import db
from app.services import evaluation
from app.services.evaluation import Filters
from tests.factories import CountryFactory
from tests.unit.analytics_fixture import build_world
from tests.unit.analytics_learning import add_learning

KEY = "test secret"


def every_table(session, scope, world, k=1):
    """Each function of the API, called the way a dashboard would."""
    filters = Filters()
    yield evaluation.participation_funnel(session, scope, filters, k)
    yield evaluation.heatmap(session, scope, filters, k)
    yield evaluation.level_distribution(session, scope, filters, k)
    yield evaluation.assets(session, scope, filters, k)
    yield evaluation.change_by_competency(session, scope, filters, k)
    yield evaluation.change_by_organisation(session, scope, filters, k)
    yield evaluation.change_by_role_profile(session, scope, filters, k)
    yield evaluation.pairing(session, scope, filters, k)
    yield evaluation.pairing(session, scope, filters, k, by="organisation")
    yield evaluation.pairing(session, scope, filters, k, by="role_profile")
    yield evaluation.trend(session, scope, filters, k)
    yield evaluation.learning_activity(session, scope, filters, k)
    yield evaluation.organisation_maturity(session, scope, filters)
    yield evaluation.indicator_values(session, scope, filters)
    yield evaluation.resource_feedback(session, scope, filters, k)
    yield evaluation.path_feedback(session, scope, filters, k)
    yield evaluation.follow_up_answers(session, scope, filters, k)
    yield evaluation.largest_content_gaps(session, scope, k)
    yield evaluation.person_levels(session, scope, filters, key=KEY, pseudonymise=False)


CAMPAIGN_FIELDS = ("campaign_id", "baseline_id", "chain_id")


def _values(row):
    if is_dataclass(row):
        return {f.name: getattr(row, f.name) for f in fields(row)}
    return dict(row)


def test_a_focal_point_of_country_a_never_gets_a_row_of_country_b():
    a = build_world(prefix="Aye ")
    b = build_world(prefix="Bee ")
    learning_a, learning_b = add_learning(a), add_learning(b)
    # ids of different tables may be equal (each has its own sequence): each field is checked against
    # country B's ids of its own kind
    b_organisations, b_campaigns = {b.o1.id, b.o2.id}, {b.baseline.id, b.follow_up.id}
    b_things = {b.c1.id, b.c2.id, learning_b["r"].id, learning_b["s"].id, learning_b["path"].id}
    for table in every_table(db.session, a.scope, a):
        assert table.rows, f"{table.name}: the test needs rows from country A"
        for row in table.rows:
            values = _values(row)
            for name, value in values.items():
                assert not (isinstance(value, str) and value.startswith("Bee ")), (table.name, name, value)
            assert values.get("organisation_id") not in b_organisations, (table.name, "organisation_id")
            for name in CAMPAIGN_FIELDS:
                assert values.get(name) not in b_campaigns, (table.name, name)
            for name in ("competency_id", "target_id"):
                assert values.get(name) not in b_things or values.get(name) is None, (table.name, name)
            if table.name.startswith("change-by-competency"):
                assert values["group_id"] not in {b.c1.id, b.c2.id}
    assert learning_a  # both countries have learning data
    # the admin sees both; a focal point without a country, nothing
    everything = {t.name: t for t in every_table(db.session, None, a)}
    assert {r.campaign_id for r in everything["participation"].rows} >= {a.baseline.id, b.baseline.id}
    assert all(not t.rows for t in every_table(db.session, frozenset(), a))


def test_a_country_without_campaigns_has_empty_tables():
    empty = CountryFactory()
    build_world()
    for table in every_table(db.session, frozenset({empty.id}), None):
        assert table.rows == [], table.name


@contextmanager
def counting():
    statements = []

    def count(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    engine = db.session.get_bind()
    event.listen(engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", count)


def _statements_per_table(world):
    db.session.flush()
    counts = {}
    for name, call in {
        "participation": lambda: evaluation.participation_funnel(db.session, world.scope),
        "heatmap": lambda: evaluation.heatmap(db.session, world.scope),
        "levels": lambda: evaluation.level_distribution(db.session, world.scope),
        "assets": lambda: evaluation.assets(db.session, world.scope),
        "change-competency": lambda: evaluation.change_by_competency(db.session, world.scope),
        "change-organisation": lambda: evaluation.change_by_organisation(db.session, world.scope),
        "change-role": lambda: evaluation.change_by_role_profile(db.session, world.scope),
        "pairing": lambda: evaluation.pairing(db.session, world.scope, by="organisation"),
        "trend": lambda: evaluation.trend(db.session, world.scope),
        "activity": lambda: evaluation.learning_activity(db.session, world.scope),
        "maturity": lambda: evaluation.organisation_maturity(db.session, world.scope),
        "indicators": lambda: evaluation.indicator_values(db.session, world.scope),
        "resource-feedback": lambda: evaluation.resource_feedback(db.session, world.scope),
        "path-feedback": lambda: evaluation.path_feedback(db.session, world.scope),
        "follow-ups": lambda: evaluation.follow_up_answers(db.session, world.scope),
        "content-gaps": lambda: evaluation.largest_content_gaps(db.session, world.scope),
        "people": lambda: evaluation.person_levels(db.session, world.scope, key=KEY),
    }.items():
        with counting() as statements:
            call()
        counts[name] = len(statements)
    return counts


def test_the_number_of_statements_stays_the_same_as_the_data_grows():
    world = build_world()
    add_learning(world)
    small = _statements_per_table(world)
    assert all(n >= 1 for n in small.values()), small
    more = build_world(country=world.country, prefix="More ")  # twice the officials, organisations,
    add_learning(more)  # campaigns, competencies, resources, paths and answers
    again = build_world(country=world.country, prefix="Again ")
    add_learning(again)
    assert _statements_per_table(world) == small


@pytest.mark.parametrize("k", [1, 5])
def test_suppressed_cells_say_fewer_than_k(k):
    world = build_world()
    texts = {str(value) for table in every_table(db.session, world.scope, world, k)
             for row in table.records() for value in row if evaluation.is_suppressed(value)}
    assert texts == (set() if k == 1 else {"fewer than 5"})
