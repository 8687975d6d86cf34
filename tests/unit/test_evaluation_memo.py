"""Tables that group the same rows read them once per page (app.services.evaluation.memo), and never
read sums older than the data they would see themselves."""

from __future__ import annotations

from datetime import timedelta

from app.extensions import db
from app.services import evaluation
from app.services.evaluation import change_by_organisation, change_by_role_profile
from tests.factories import UserFactory
from tests.unit.analytics_fixture import FOLLOW_UP_AT, build_world, submit
from tests.unit.test_analytics_scope import counting


def grouping_results(seen: list[str]) -> list[str]:
    return [s for s in seen if "competency_results" in s and "GROUP BY" in s]


def test_the_skills_tables_group_the_latest_results_once():
    """The content gaps first (as the page builds them): the others add up the cells they read."""
    world = build_world()
    with counting() as seen:
        gaps = evaluation.largest_content_gaps(db.session, world.scope, k=1)
        heatmap = evaluation.heatmap(db.session, world.scope, k=1)
        levels = evaluation.level_distribution(db.session, world.scope, k=1)
        assets = evaluation.assets(db.session, world.scope, k=1)
    assert heatmap.rows and levels.rows and assets.rows and gaps.rows
    assert len(grouping_results(seen)) == 1


def test_the_heatmap_alone_does_not_read_the_language_answers():
    """A chart or a download of the heatmap groups the results without the answers and accounts the
    content gaps need; its figures are those the skills page shows."""
    world = build_world()
    with counting() as seen:
        alone = evaluation.heatmap(db.session, world.scope, k=1)
    assert not [s for s in grouping_results(seen) if "answers" in s or "users" in s]
    db.session.commit()  # forget: the page's way round
    evaluation.largest_content_gaps(db.session, world.scope, k=1)
    assert evaluation.heatmap(db.session, world.scope, k=1).rows == alone.rows


def test_a_filtered_skills_page_groups_its_selection_and_the_whole_country_for_the_content_gaps():
    world = build_world()
    filters = evaluation.Filters(organisation_id=world.o1.id)
    with counting() as seen:
        evaluation.heatmap(db.session, world.scope, filters, k=1)
        evaluation.assets(db.session, world.scope, filters, k=1)
        gaps = evaluation.largest_content_gaps(db.session, world.scope, k=1)
    assert len(grouping_results(seen)) == 2
    assert gaps.rows == evaluation.largest_content_gaps(db.session, world.scope, k=1).rows


def assessed(world) -> dict[str, int]:
    return {row.competency_code: row.assessed for row in evaluation.assets(db.session, world.scope, k=1).rows}


def test_what_was_read_is_forgotten_once_the_session_writes():
    world = build_world()
    before = assessed(world)
    newcomer = UserFactory(organisation=world.o1)
    submit(world.follow_up, newcomer, world.o1, world.role, (world.c1, world.c2), ((3, 2), (3, 2)),
           FOLLOW_UP_AT + timedelta(days=1))  # pending: not yet flushed
    after = assessed(world)
    assert after == {code: n + 1 for code, n in before.items()}
    db.session.flush()
    levels = evaluation.level_distribution(db.session, world.scope, k=1)
    assert {row.competency_code: row.officials for row in levels.rows if row.is_total} == after


def test_what_was_read_is_forgotten_when_the_transaction_ends():
    world = build_world()
    evaluation.heatmap(db.session, world.scope, k=1)
    db.session.commit()
    with counting() as seen:
        evaluation.level_distribution(db.session, world.scope, k=1)
    assert len(grouping_results(seen)) == 1


def test_a_different_selection_is_read_for_itself():
    world = build_world()
    whole = evaluation.assets(db.session, world.scope, k=1)
    one = evaluation.assets(db.session, world.scope, evaluation.Filters(organisation_id=world.o2.id), k=1)
    assert [row.assessed for row in one.rows] != [row.assessed for row in whole.rows]


def test_the_change_by_organisation_and_by_role_profile_group_the_pairs_once():
    world = build_world()
    with counting() as seen:
        by_organisation = change_by_organisation(db.session, world.scope, k=1)
        by_role = change_by_role_profile(db.session, world.scope, k=1)
    assert by_organisation.rows and by_role.rows
    grouped = [s for s in seen if "GROUP BY" in s]
    assert len(grouped) == 1
    assert "result_pairs" in grouped[0] and "competency_results" not in grouped[0]

