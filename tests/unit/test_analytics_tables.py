"""The dashboard tables against hand counts, and the small-cell rule: O2's 4 officials (k = 5) never
show, nor can they be worked out by subtracting from a total. Fixtures: analytics_fixture.py and
analytics_learning.py."""

from datetime import timedelta

import pytest

from app.extensions import db
from app.models.base import utcnow
from app.services import evaluation
from app.services.evaluation import Filters, Suppressed
from app.services.evaluation.countries import countries_side_by_side
from app.services.evaluation.release import Release
from tests.factories import CampaignFactory, RoleProfileFactory, UserFactory
from tests.unit.analytics_fixture import FOLLOW_UP_AT, build_world, submit
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
    # O2 is under 5 at every stage: hidden on its own; O1 is shown
    assert rows[(world.baseline.id, world.o2.name)] == (H, H, H)
    assert rows[(world.baseline.id, world.o1.name)] == (6, 6, 6)
    assert rows[(world.baseline.id, "All organisations")] == (10, 9, 9)
    assert rows[(world.follow_up.id, world.o1.name)] == (6, 6, 5)
    # with the deployment's noise the total minus O1 is not O2's count at every stage
    noisy = {(r.campaign_id, r.organisation): (r.invited, r.started, r.submitted)
             for r in evaluation.participation_funnel(db.session, world.scope,
                                                      k=Release(5, noise=2, secret=b"test")).rows}
    derived = [noisy[(c.id, "All organisations")][i] - noisy[(c.id, world.o1.name)][i]
               for c in (world.baseline, world.follow_up) for i in range(3)]
    assert derived != [4, 3, 3, 4, 4, 4]


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
    for competency in (world.c1, world.c2):  # O2's 4 are hidden on their own; O1 is shown
        assert cells[(world.o2.name, competency.id)] == (H, H)
        assert cells[(world.o1.name, competency.id)][0] == 6
        assert cells[("All organisations", competency.id)] == (10, pytest.approx(0.9))
    # with the deployment's noise, All minus O1 gives neither O2's officials nor its sum of gaps
    noisy = {(c.organisation, c.competency_id): c for c in evaluation.heatmap(
        db.session, world.scope, k=Release(5, noise=2, secret=b"test")).rows}
    everyone, o1 = noisy[("All organisations", world.c1.id)], noisy[(world.o1.name, world.c1.id)]
    derived = [everyone.officials - o1.officials]
    derived += [noisy[("All organisations", c.id)].mean_gap * 10 - noisy[(world.o1.name, c.id)].mean_gap * 6
                for c in (world.c1, world.c2)]
    assert noisy[(world.o2.name, world.c1.id)].mean_gap == H
    assert derived != [4, pytest.approx(5, abs=1e-6), pytest.approx(5, abs=1e-6)]
    organisations, competencies, grid = evaluation.heatmap_grid(
        evaluation.heatmap(db.session, world.scope, k=5))
    assert [name for _id, name in organisations] == [world.o1.name, world.o2.name, "All organisations"]
    assert [c[0] for c in competencies] == [world.c1.id, world.c2.id]
    assert grid[(None, world.c1.id)].officials == 10
    # for one campaign: the baseline's O1 had 6 officials, O2 3
    baseline = evaluation.heatmap(db.session, world.scope, Filters(campaign_id=world.baseline.id,
                                                                  competency_id=world.c1.id), k=5)
    assert {(c.organisation, c.officials) for c in baseline.rows} == {
        (world.o1.name, 6), (world.o2.name, H), ("All organisations", 9)}


def test_level_distribution_and_assets_count_the_same_officials():
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
    # levels 1 (2) and 3 (3) are hidden, each on its own; zero is shown; so are the practitioners (3)
    assert [levels[(world.c1.id, lv)] for lv in (0, 1, 2, 3, 4, None)] == [0, H, 5, H, 0, 10]
    assets = {r.competency_id: (r.assessed, r.practitioners)
              for r in evaluation.assets(db.session, world.scope, k=5).rows}
    assert assets == {world.c1.id: (10, H), world.c2.id: (10, 0)}


def test_countries_name_the_latest_follow_up_that_has_opened():
    world = build_world()
    # a second follow-up is planned, a year from now: nobody can have taken it yet
    planned = CampaignFactory(country=world.country, instrument=world.follow_up.instrument,
                              name="Follow-up 2027", cycle_label="follow-up 2", baseline=world.follow_up,
                              opens_at=utcnow() + timedelta(days=365),
                              closes_at=utcnow() + timedelta(days=395))
    db.session.flush()
    [row] = countries_side_by_side(db.session, world.scope, k=5).rows
    # the follow-up of 2026 pairs u1-u5 and u7-u9 with the baseline; each one's mean change over c1, c2
    assert (row.follow_up, row.pairs) == (world.follow_up.name, 8)
    assert row.mean_change == pytest.approx((1 + 0.5 + 0.5 + 1 + 0 + 0.5 + 0 + 0.5) / 8)
    # the same at a fixed time before the planned one opens; from the moment it opens it is the latest
    before = planned.opens_at - timedelta(seconds=1)
    [row] = countries_side_by_side(db.session, world.scope, k=5, now=before).rows
    assert (row.follow_up, row.pairs) == (world.follow_up.name, 8)
    [row] = countries_side_by_side(db.session, world.scope, k=5, now=planned.opens_at).rows
    assert (row.follow_up, row.pairs, row.mean_change) == (planned.name, 0, None)


def test_the_countries_mean_gap_is_over_officials_not_results():
    world = build_world()
    [row] = countries_side_by_side(db.session, world.scope, k=5).rows
    # everyone has a target in both competencies: latest gaps (u6's baseline) u1 0,0; u2 0,1; u3 1,0;
    # u4 1,2; u5 1,1; u6 1,0; u7 1,0; u8 0,1; u9 2,2; u10 2,2: officials' means sum to 9, over 10
    assert row.mean_gap == pytest.approx(0.9)
    # two analysts with a target in c1 only (3), assessed at level 0 in c1 and 2 in c2 (no target, no
    # gap): one gap of 3 each
    analyst = RoleProfileFactory(framework=world.role.framework, targets={world.c1: 3})
    for n in (11, 12):
        official = UserFactory(organisation=world.o1, name=f"Analyst {n}")
        submit(world.follow_up, official, world.o1, analyst, (world.c1, world.c2), ((0, 0), (2, 1)),
               FOLLOW_UP_AT, targets=(3, None))
    db.session.flush()
    [row] = countries_side_by_side(db.session, world.scope, k=5).rows
    # one value per official: (9 + 3 + 3) / 12 = 1.25; the mean over the 22 results with a gap,
    # (18 + 3 + 3) / 22, would count each analyst's one competency twice as much as anyone else's
    assert row.mean_gap == pytest.approx(15 / 12)
    assert row.mean_gap != pytest.approx(24 / 22)


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
    # each figure hidden on its own while its officials are under 5: O2's plans, enrolments and
    # learners, O1's 3 completers (and their completions), and only those
    assert [getattr(rows[world.o1.name], f) for f in fields] == [6, 5, 5, H, H, 6, 6, 24.0]
    assert [getattr(rows[world.o2.name], f) for f in fields] == [H, H, H, 0, 0, H, H, H]
    assert [getattr(rows["All organisations"], f) for f in fields] == [8, 9, 9, H, H, 7, 7, 28.0]
    # with noise, the total less O1 does not give O2's hidden 2 plans, 4 enrolled, 1 learner
    rows = {r.organisation: r for r in evaluation.learning_activity(
        db.session, world.scope, k=Release(5, noise=2, secret=b"t")).rows}
    assert [rows[world.o2.name].officials_with_plan, rows[world.o2.name].learners] == [H, H]
    assert tuple(getattr(rows["All organisations"], f) - getattr(rows[world.o1.name], f)
                 for f in ("officials_with_plan", "officials_enrolled", "learners")) != (2, 4, 1)


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
    o1 = {(r.question, r.answer): (r.count, r.share) for r in table.rows if r.organisation == world.o1.name}
    # "no" (1) is under 2: hidden, with its share; "partly" (2) is not
    assert (o1[("applied", "yes")], o1[("applied", "partly")], o1[("applied", "no")]) == (
        (3, 0.5), (2, pytest.approx(1 / 3)), (Suppressed(2), Suppressed(2)))
    # with noise, the answers less "yes" and "partly" do not give the hidden "no" (1): under one
    # secret they may happen to, but the viewer cannot tell, as other secrets give other differences
    differences = set()
    for secret in (b"t", b"u", b"v", b"w", b"x"):
        table = evaluation.follow_up_answers(db.session, world.scope, k=Release(2, noise=2, secret=secret))
        o1 = {r.answer: r for r in table.rows if r.organisation == world.o1.name and r.question == "applied"}
        assert o1["no"].count == Suppressed(2)
        differences.add(o1["yes"].answered - o1["yes"].count - o1["partly"].count)
    assert len(differences) > 1

    table = evaluation.follow_up_answers(db.session, world.scope, k=5)
    o2 = [r for r in table.rows if r.organisation == world.o2.name]
    assert o2 and all(r.answered == H and r.count in (H, 0) for r in o2)
    assert all(r.share == H for r in o2 if r.count == H)
    o1 = {(r.question, r.answer): (r.count, r.share) for r in table.rows if r.organisation == world.o1.name}
    assert (o1[("barrier", "time")], o1[("barrier", "access")], o1[("applied", "yes")]) == (
        (5, pytest.approx(5 / 6)), (H, H), (H, H))


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
    # c1 at level 2 with a gap: u3, u4, u5, u6, u7 (5); the others are under 5, so they follow in the
    # order of competency, level and language (not by their hidden size): c1 at level 1 first
    assert [(r.competency_code, r.level, r.officials) for r in table.rows] == [
        (world.c1.code, 2, 5), (world.c1.code, 1, H)]
