"""The learning tables (activity, feedback, follow-ups), the item statistics and the person-level table
through the release layer, with noise: Release(5, noise=2, secret=b"test"). Fixtures:
analytics_fixture.py and analytics_learning.py (O1: u1-u6, O2: u7-u10)."""

import pytest

from app.extensions import db
from app.services import evaluation
from app.services.assessment import item_stats
from app.services.evaluation import Filters, Suppressed
from app.services.evaluation.release import Count, Release, Value
from tests.unit.analytics_fixture import build_world
from tests.unit.analytics_learning import add_learning
from tests.unit.test_item_stats import _bank, _shown

NOISY = Release(5, noise=2, secret=b"test")
H = Suppressed(5)
ACTIVITY = ("officials_with_plan", "officials_enrolled", "enrolments", "officials_completed",
            "completions", "learners", "resources_completed", "hours_completed")


@pytest.fixture
def world():
    world = build_world()
    return world, add_learning(world)


def _by_org(table):
    return {row.organisation: row for row in table.rows}


def test_the_same_activity_figures_reached_through_other_filters_are_the_same(world):
    world, _made = world
    everyone = _by_org(evaluation.learning_activity(db.session, world.scope, k=NOISY))
    # O1 alone: its row, and the total over it, are the same sets of officials and records
    only_o1 = _by_org(evaluation.learning_activity(db.session, world.scope,
                                                   Filters(organisation_id=world.o1.id), NOISY))
    # u1-u6 all took part in the baseline: the campaign filter reaches the same sets again
    baseline = _by_org(evaluation.learning_activity(db.session, world.scope,
                                                    Filters(campaign_id=world.baseline.id), NOISY))
    o1 = [getattr(everyone[world.o1.name], f) for f in ACTIVITY]
    assert [getattr(only_o1[world.o1.name], f) for f in ACTIVITY] == o1
    assert [getattr(only_o1["All organisations"], f) for f in ACTIVITY] == o1
    assert [getattr(baseline[world.o1.name], f) for f in ACTIVITY] == o1
    exact = _by_org(evaluation.learning_activity(db.session, world.scope, k=5))
    assert [getattr(exact[world.o1.name], f) for f in ACTIVITY] != o1  # the noise did move some


def test_activity_figures_are_released_and_the_hidden_ones_suppressed(world):
    world, _made = world
    rows = _by_org(evaluation.learning_activity(db.session, world.scope, k=NOISY))
    o1, o2, total = rows[world.o1.name], rows[world.o2.name], rows["All organisations"]
    assert [getattr(o2, f) for f in ACTIVITY] == [H, H, H, 0, 0, H, H, H]
    assert (o1.officials_completed, o1.completions) == (H, H)  # 3 completers
    for row in (o1, o2, total):
        for f in ACTIVITY[:-1]:
            assert isinstance(getattr(row, f), Count | Suppressed), (row.organisation, f)
        assert isinstance(row.hours_completed, Value | Suppressed)


def test_the_activity_total_less_the_rows_shown_does_not_give_a_hidden_row(world):
    world, _made = world
    hidden_o2 = {"officials_with_plan": 2, "officials_enrolled": 4, "enrolments": 4, "learners": 1,
                 "resources_completed": 1, "hours_completed": 4.0}
    exact = 0
    for secret in (b"test", b"a", b"b", b"c", b"d", b"e", b"f", b"g"):  # eight unknown keys
        rows = _by_org(evaluation.learning_activity(db.session, world.scope,
                                                    k=Release(5, noise=2, secret=secret)))
        o1, total = rows[world.o1.name], rows["All organisations"]
        worked_out = {f: getattr(total, f) - getattr(o1, f) for f in hidden_o2}
        assert worked_out["hours_completed"] != pytest.approx(4.0, abs=1e-9)  # a sum: never exact
        exact += sum(worked_out[f] == n for f, n in hidden_o2.items())
    # a count difference is exact when the two moves happen to be equal (about one time in three),
    # and the viewer cannot tell when: over 8 keys x 5 counts, far from every time
    assert exact < 0.6 * 8 * 5


def test_feedback_figures_are_released_and_the_same_through_other_filters(world):
    world, made = world
    everyone = {r.target_id: r for r in evaluation.resource_feedback(db.session, world.scope, k=NOISY).rows}
    r, s = everyone[made["r"].id], everyone[made["s"].id]
    assert isinstance(r.responses, Count)
    assert all(isinstance(v, Value) for v in (r.mean_rating, r.mean_relevance, r.share_recommend))
    assert 1 <= r.mean_rating <= 5 and 0 <= r.share_recommend <= 1
    assert r.flagged is (r.mean_rating < 3)
    # S: 3 ratings of 1. Its mean rating is the marker, not a number a page could read as a rating
    assert (s.responses, s.mean_rating, s.mean_relevance, s.share_recommend, s.flagged) == (H, H, H, H, False)
    assert not isinstance(s.mean_rating, int | float)
    # R's 6 ratings all come from O1: the organisation filter reaches the same set of feedback
    only_o1 = {row.target_id: row for row in evaluation.resource_feedback(
        db.session, world.scope, Filters(organisation_id=world.o1.id), NOISY).rows}
    assert only_o1[made["r"].id] == r
    [path] = evaluation.path_feedback(db.session, world.scope, k=NOISY).rows
    [path_o1] = evaluation.path_feedback(db.session, world.scope, Filters(organisation_id=world.o1.id),
                                         NOISY).rows
    assert path == path_o1 and isinstance(path.responses, Count) and isinstance(path.mean_rating, Value)
    exact = {row.target_id: row for row in evaluation.resource_feedback(db.session, world.scope, k=5).rows}
    assert (exact[made["r"].id].mean_rating, exact[made["r"].id].mean_relevance) != (
        r.mean_rating, r.mean_relevance)  # the noise did move them


def test_follow_up_figures_are_released_and_the_same_through_other_filters(world):
    world, _made = world
    table = evaluation.follow_up_answers(db.session, world.scope, k=NOISY)
    only_o1 = evaluation.follow_up_answers(db.session, world.scope, Filters(organisation_id=world.o1.id),
                                           NOISY)
    o1 = [r for r in table.rows if r.organisation == world.o1.name]
    assert o1 == only_o1.rows
    for row in o1:
        assert isinstance(row.answered, Count) and isinstance(row.count, Count | Suppressed)
        assert isinstance(row.share, Value) if isinstance(row.count, Count) else row.share == row.count
    by_answer = {(r.question, r.answer): r for r in o1}
    assert by_answer[("barrier", "access")].count == H  # named by u1 only
    assert by_answer[("barrier", "access")].share == H  # its share would give it away
    o2 = [r for r in table.rows if r.organisation == world.o2.name]  # 2 answers: nothing shown
    assert o2 and all(r.answered == H and r.count == H and r.share == H for r in o2)


def test_item_counts_are_released_the_statistics_kept_under_their_own_rule():
    exact = item_stats.build(_bank(), _shown(item_stats.MIN_RESPONSES + 5), k=5)
    noisy = item_stats.build(_bank(), _shown(item_stats.MIN_RESPONSES + 5), k=NOISY)
    group, exact_group = noisy.competencies[0], exact.competencies[0]
    counts = [group.responses, group.kr20_respondents] + [c for row in group.items
                                                          for c in (row.shown, row.answered)]
    assert all(isinstance(c, Count) for c in counts)
    assert counts != [exact_group.responses, exact_group.kr20_respondents] + [
        c for row in exact_group.items for c in (row.shown, row.answered)]  # moved
    # every official saw and answered every check: the same set of attempts, the same count
    assert len({row.shown for row in group.items} | {row.answered for row in group.items}) == 1
    assert (group.kr20, [row.share_right for row in group.items]) == (
        exact_group.kr20, [row.share_right for row in exact_group.items])
    small = item_stats.build(_bank(), _shown(3), k=NOISY).competencies[0]
    assert small.responses == H and small.items[0].shown == H


def test_the_tables_that_are_not_about_groups_of_officials_say_so(world):
    world, _made = world
    people = evaluation.person_levels(db.session, world.scope, key="k")
    assert people.plain == people.columns and people.rows
    maturity = evaluation.organisation_maturity(db.session, world.scope)
    indicators = evaluation.indicator_values(db.session, world.scope)
    assert maturity.plain == maturity.columns and indicators.plain == indicators.columns
    assert evaluation.learning_activity(db.session, world.scope, k=NOISY).plain == ("organisation",)
    assert set(evaluation.resource_feedback(db.session, world.scope, k=NOISY).plain) == {
        "kind", "code", "title", "version", "flagged"}
