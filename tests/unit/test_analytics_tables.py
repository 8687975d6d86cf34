"""The dashboard tables against hand counts, and the small-cell rule: O2's 4 officials (k = 5) never
show, nor can they be worked out by subtracting from a total. Fixtures: analytics_fixture.py and
analytics_learning.py."""

import pytest

from app.extensions import db
from app.services import evaluation
from app.services.evaluation import Filters, Suppressed
from tests.unit.analytics_fixture import build_world
from tests.unit.analytics_learning import add_learning

H = Suppressed(5)


def test_participation_funnel_counts_and_suppression():
    world = build_world()
    rows = {(r.campaign_id, r.organisation): (r.invited, r.started, r.submitted)
            for r in evaluation.participation_funnel(db.session, world.scope, k=1).rows}
    assert rows == {
        (world.baseline.id, world.o1.name): (6, 6, 6),
        (world.baseline.id, world.o2.name): (4, 3, 3),  # u10 never started
        (world.baseline.id, "All organisations"): (10, 9, 9),
        (world.follow_up.id, world.o1.name): (6, 6, 5),  # u6 started, did not submit
        (world.follow_up.id, world.o2.name): (4, 4, 4),
        (world.follow_up.id, "All organisations"): (10, 10, 9),
    }
    rows = {(r.campaign_id, r.organisation): (r.invited, r.started, r.submitted)
            for r in evaluation.participation_funnel(db.session, world.scope, k=5).rows}
    # O2 is under 5 at every stage; O1 goes with it, or the total minus O1 would give O2
    assert rows[(world.baseline.id, world.o2.name)] == (H, H, H)
    assert rows[(world.baseline.id, world.o1.name)] == (H, H, H)
    assert rows[(world.baseline.id, "All organisations")] == (10, 9, 9)
    assert rows[(world.follow_up.id, world.o1.name)] == (H, H, H)


def test_heatmap_mean_gaps_and_suppression():
    world = build_world()
    cells = {(c.organisation, c.competency_id): (c.officials, c.mean_gap)
             for c in evaluation.heatmap(db.session, world.scope, k=4).rows}
    # latest results: follow-up for everyone but u6 (baseline). c1 (target 3) gaps in O1 0,0,1,1,1,1;
    # in O2 1,0,2,2. c2 (target 2) gaps in O1 0,1,0,2,1,0; in O2 0,1,2,2.
    assert cells[(world.o1.name, world.c1.id)] == (6, pytest.approx(4 / 6))
    assert cells[(world.o2.name, world.c1.id)] == (4, pytest.approx(5 / 4))
    assert cells[("All organisations", world.c1.id)] == (10, pytest.approx(0.9))
    assert cells[(world.o2.name, world.c2.id)] == (4, pytest.approx(5 / 4))
    cells = {(c.organisation, c.competency_id): (c.officials, c.mean_gap)
             for c in evaluation.heatmap(db.session, world.scope, k=5).rows}
    for competency in (world.c1, world.c2):
        assert cells[(world.o2.name, competency.id)] == (H, H)
        assert cells[(world.o1.name, competency.id)] == (H, H)  # else All - O1 = O2
        assert cells[("All organisations", competency.id)] == (10, pytest.approx(0.9))
    organisations, competencies, grid = evaluation.heatmap_grid(
        evaluation.heatmap(db.session, world.scope, k=5))
    assert [name for _id, name in organisations] == [world.o1.name, world.o2.name, "All organisations"]
    assert [c[0] for c in competencies] == [world.c1.id, world.c2.id]
    assert grid[(None, world.c1.id)].officials == 10
    # for one campaign: the baseline's O1 had 6 officials
    baseline = evaluation.heatmap(db.session, world.scope, Filters(campaign_id=world.baseline.id,
                                                                  competency_id=world.c1.id), k=5)
    assert {(c.organisation, c.officials) for c in baseline.rows} == {
        (world.o1.name, H), (world.o2.name, H), ("All organisations", 9)}


def test_level_distribution_and_assets_protect_each_other():
    world = build_world()
    levels = {(r.competency_id, r.level): r.officials
              for r in evaluation.level_distribution(db.session, world.scope, k=1).rows}
    # c1 latest levels: u1 3, u2 3, u3 2, u4 2, u5 2, u6 2, u7 2, u8 3, u9 1, u10 1
    assert [levels[(world.c1.id, lv)] for lv in (0, 1, 2, 3, 4, None)] == [0, 2, 5, 3, 0, 10]
    assets = {r.competency_id: (r.assessed, r.practitioners)
              for r in evaluation.assets(db.session, world.scope, k=1).rows}
    assert assets == {world.c1.id: (10, 3), world.c2.id: (10, 0)}

    levels = {(r.competency_id, r.level): r.officials
              for r in evaluation.level_distribution(db.session, world.scope, k=5).rows}
    # levels 1 (2) and 3 (3) are hidden; zero is shown; the practitioners (3) are hidden in assets too
    assert [levels[(world.c1.id, lv)] for lv in (0, 1, 2, 3, 4, None)] == [0, H, 5, H, 0, 10]
    assets = {r.competency_id: (r.assessed, r.practitioners)
              for r in evaluation.assets(db.session, world.scope, k=5).rows}
    assert assets == {world.c1.id: (10, H), world.c2.id: (10, 0)}


def test_a_lone_hidden_level_takes_one_from_its_side_of_the_practitioner_line():
    from app.services.evaluation.levels import _protect_levels

    # level 1 (2) alone under 5: suppress_counts hides the smallest other, level 3 (8); the assets'
    # practitioner subtotal (3 + 4 = 23) would then give level 3, so level 4 is hidden as well, and
    # level 0 (the smallest visible below the line) hides with level 1.
    hidden, total_hidden, practitioners_hidden = _protect_levels({0: 20, 1: 2, 2: 20, 3: 8, 4: 15}, 5)
    assert hidden == {0, 1, 3, 4} and not total_hidden and not practitioners_hidden
    # nothing to hide beside a lone hidden practitioner level: the subtotal is hidden instead
    hidden, _total, practitioners_hidden = _protect_levels({0: 20, 1: 0, 2: 20, 3: 3, 4: 0}, 5)
    assert practitioners_hidden


def test_learning_activity_per_organisation():
    world = build_world()
    add_learning(world)
    rows = {r.organisation: r for r in evaluation.learning_activity(db.session, world.scope, k=1).rows}
    fields = ("officials_with_plan", "officials_enrolled", "enrolments", "officials_completed",
              "completions", "learners", "resources_completed", "hours_completed")
    assert [getattr(rows[world.o1.name], f) for f in fields] == [6, 5, 5, 3, 3, 6, 6, 24.0]
    assert [getattr(rows[world.o2.name], f) for f in fields] == [2, 4, 4, 0, 0, 1, 1, 4.0]
    assert [getattr(rows["All organisations"], f) for f in fields] == [8, 9, 9, 3, 3, 7, 7, 28.0]
    rows = {r.organisation: r for r in evaluation.learning_activity(db.session, world.scope, k=5).rows}
    # O2 under 5 in plans, enrolments and learners: O1 goes with it; O1's 3 completers: the total too
    assert [getattr(rows[world.o1.name], f) for f in fields] == [H] * 8
    assert [getattr(rows[world.o2.name], f) for f in fields] == [H, H, H, 0, 0, H, H, H]
    assert [getattr(rows["All organisations"], f) for f in fields] == [8, 9, 9, H, H, 7, 7, 28.0]


def test_feedback_per_resource_and_path_flags_the_poorly_rated():
    world = build_world()
    made = add_learning(world)
    rows = {r.target_id: r for r in evaluation.resource_feedback(db.session, world.scope, k=5).rows}
    r = rows[made["r"].id]
    # ratings 2,2,3,2,3,2: mean 14/6 < 3 over 6 >= 5 responses: flagged
    assert (r.responses, r.mean_rating, r.mean_relevance, r.share_recommend, r.flagged) == (
        6, pytest.approx(14 / 6), 4.0, pytest.approx(1 / 3), True)
    s = rows[made["s"].id]  # 3 ratings of 1: too few to show, or to flag
    assert (s.responses, s.mean_rating, s.share_recommend, s.flagged) == (H, H, H, False)
    [path] = evaluation.path_feedback(db.session, world.scope, k=5).rows
    assert (path.responses, path.mean_rating, path.share_recommend, path.flagged) == (
        5, pytest.approx(4.6), 1.0, False)
    assert evaluation.path_feedback(db.session, world.scope, Filters(organisation_id=world.o2.id)).rows == []


def test_follow_up_answers_per_organisation():
    world = build_world()
    add_learning(world)
    table = evaluation.follow_up_answers(db.session, world.scope, k=1)
    o1 = {(r.question, r.answer): (r.count, r.share) for r in table.rows if r.organisation == world.o1.name}
    assert o1[("applied", "yes")] == (3, 0.5)
    assert o1[("applied", "partly")] == (2, pytest.approx(1 / 3))
    assert o1[("frequency", "no answer")] == (1, pytest.approx(1 / 6))
    assert o1[("frequency", "daily")] == (0, 0.0)
    assert o1[("barrier", "time")] == (5, pytest.approx(5 / 6))
    assert {r.answered for r in table.rows if r.organisation == world.o1.name} == {6}  # not the unanswered

    table = evaluation.follow_up_answers(db.session, world.scope, k=2)
    o1 = {(r.question, r.answer): r.count for r in table.rows if r.organisation == world.o1.name}
    # "no" (1) is alone under 2: "partly" (2), the smallest shown, hides with it
    assert (o1[("applied", "yes")], o1[("applied", "partly")], o1[("applied", "no")]) == (
        3, Suppressed(2), Suppressed(2))

    table = evaluation.follow_up_answers(db.session, world.scope, k=5)
    o2 = [r for r in table.rows if r.organisation == world.o2.name]
    assert o2 and all(r.answered == H and r.count in (H, 0) for r in o2)
    assert all(r.share == H for r in o2 if r.count == H)
    o1 = {(r.question, r.answer): r.count for r in table.rows if r.organisation == world.o1.name}
    assert (o1[("barrier", "time")], o1[("barrier", "access")], o1[("applied", "yes")]) == (5, H, H)


def test_maturity_and_indicators_are_organisation_level():
    world = build_world()
    add_learning(world)
    rows = [(r.organisation, r.campaign_id, r.dimension, r.score, r.level)
            for r in evaluation.organisation_maturity(db.session, world.scope).rows]
    assert rows == [(world.o1.name, world.baseline.id, "strategy", 2.5, 2),
                    (world.o1.name, world.baseline.id, "skills", 3.0, 3),
                    (world.o1.name, world.baseline.id, "overall", 2.75, 3)]  # the in-progress O2: not shown
    rows = [(r.organisation, r.period, r.value)
            for r in evaluation.indicator_values(db.session, world.scope).rows]
    assert rows == [("Whole country", "2026", 50.0), (world.o1.name, "2025", 40.0),
                    (world.o1.name, "2026", 55.0)]
    filtered = evaluation.indicator_values(db.session, world.scope, Filters(organisation_id=world.o2.id))
    assert filtered.rows == []


def test_largest_content_gaps_count_officials_under_the_rule():
    world = build_world()
    table = evaluation.largest_content_gaps(db.session, world.scope, k=5, top=2)
    # c1 at level 2 with a gap: u3, u4, u5, u6, u7 (5); the next largest are under 5
    assert [(r.competency_code, r.level, r.officials) for r in table.rows] == [
        (world.c1.code, 2, 5), (world.c2.code, 0, H)]
