"""Kirkpatrick L2 against hand-computed figures: the fixture is described in analytics_fixture.py.

Critical values used below: t(0.975; 2) = 4.302653, t(0.975; 4) = 2.776445, t(0.975; 7) = 2.364624,
t(0.975; 8) = 2.306004.
"""

from datetime import timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.extensions import db
from app.models import Campaign
from app.services import evaluation
from app.services.evaluation import NOT_ENOUGH, Filters, Suppressed
from app.services.evaluation.common import paired_from_sums
from app.services.evaluation.release import Release
from app.services.evaluation.stats import paired_change
from tests.factories import OrganisationFactory, UserFactory
from tests.unit.analytics_fixture import build_world, submit

approx = pytest.approx


def _by_group(table):
    return {row.group: row for row in table.rows}


def test_change_per_competency_against_hand_computed_figures():
    world = build_world()
    rows = _by_group(evaluation.change_by_competency(db.session, world.scope, k=5))
    c1, c2 = rows[world.c1.name], rows[world.c2.name]
    # c1, 8 pairs (u1-u5, u7-u9); before 1,2,1,0,2,1,3,0 (sum 10), after 3,3,2,2,2,2,3,1 (sum 18)
    assert (c1.pairs, c1.mean_before, c1.mean_after) == (8, 1.25, 2.25)
    # changes 2,1,1,2,0,1,0,1: mean 1, sum of squares 12, variance (12 - 8^2/8) / 7 = 4/7,
    # sd 0.755929, se 0.755929 / sqrt(8) = 0.267261, half width 2.364624 * 0.267261 = 0.631972
    assert c1.change == approx(1.0)
    assert (c1.ci_low, c1.ci_high) == (approx(0.368028, abs=1e-5), approx(1.631972, abs=1e-5))
    # t = 1 / 0.267261 = 3.741657 (sqrt 14) on 7 df: two-sided p = 0.007247; d_z = 1 / 0.755929
    assert c1.p == approx(0.007247, abs=1e-6)
    assert c1.cohens_dz == approx(1.322876, abs=1e-6)
    # gaps (target 3) before 2,1,2,3,1,2,0,3: 7 had one; after 0,0,1,1,1,1,0,2: u1 and u2 closed it
    assert c1.share_closed == approx(2 / 7)
    # knowledge right of 2, before 0,1,0,0,1,1,2,0 -> mean share 2.5/8 = 0.3125;
    # after 2,2,1,1,1,1,2,0 -> 5/8 = 0.625; gain (0.625 - 0.3125) / (1 - 0.3125) = 5/11
    assert (c1.knowledge_before, c1.knowledge_after) == (approx(0.3125), approx(0.625))
    assert c1.normalised_gain == approx(5 / 11)
    # c2: nobody changed: the interval is the single value, no test, no effect size; 5 had a gap
    # (target 2: u2, u4, u5, u8, u9), none closed it; knowledge 1 of 2 both times: gain 0
    assert (c2.pairs, c2.mean_before, c2.change, c2.ci_low, c2.ci_high) == (8, 1.125, 0.0, 0.0, 0.0)
    assert (c2.p, c2.cohens_dz, c2.share_closed, c2.normalised_gain) == (None, None, 0.0, 0.0)


def test_change_per_organisation_and_role_against_hand_computed_figures():
    world = build_world()
    rows = _by_group(evaluation.change_by_organisation(db.session, world.scope, k=3))
    o1, o2, total = rows[world.o1.name], rows[world.o2.name], rows["All organisations"]
    # An official's level is their mean over c1 and c2. O1 (u1-u5): before 1.5,1.5,1.5,0,1.5 (mean 1.2),
    # after 2.5,2,2,1,1.5 (mean 1.8); changes 1,.5,.5,1,0: mean .6, sum of squares 2.5,
    # variance (2.5 - 3^2/5) / 4 = 0.175, sd 0.418330, se 0.187083, half width 2.776445 * se = 0.519425
    assert (o1.pairs, o1.mean_before, o1.mean_after, o1.change) == (5, approx(1.2), approx(1.8), approx(0.6))
    assert (o1.ci_low, o1.ci_high) == (approx(0.080575, abs=1e-5), approx(1.119425, abs=1e-5))
    assert o1.p == approx(0.032678, abs=1e-6)  # t = .6 / .187083 = 3.207135 on 4 df
    assert o1.cohens_dz == approx(0.6 / 0.418330, abs=1e-5)
    # total gaps before 2,2,2,5,2; after 0,1,1,3,2: only u1 closed all of them
    assert o1.share_closed == approx(0.2)
    # knowledge share per official (right of 4): before .25,.5,.25,.25,.5 (mean .35), after .75,.75,.5,.5,.5
    # (mean .6): gain .25 / .65 = 5/13
    assert (o1.knowledge_before, o1.knowledge_after, o1.normalised_gain) == (
        approx(0.35), approx(0.6), approx(5 / 13))
    # O2 (u7-u9): changes .5, 0, .5: mean 1/3, variance (.5 - 1/3) / 2 = 1/12, sd .288675, se 1/6,
    # half width 4.302653 / 6 = 0.717109; t = 2 on 2 df
    assert (o2.pairs, o2.change) == (3, approx(1 / 3))
    assert (o2.ci_low, o2.ci_high) == (approx(-0.383776, abs=1e-5), approx(1.050442, abs=1e-5))
    assert (o2.p, o2.cohens_dz) == (approx(0.183503, abs=1e-6), approx(1.154701, abs=1e-6))
    assert (o2.share_closed, o2.normalised_gain) == (0.0, 0.0)
    # All 8: changes sum 4, squares 3: mean .5, variance (3 - 2) / 7, sd .377964, se .133631,
    # half width 2.364624 * .133631 = 0.315986; before (6 + 3.5) / 8, after (9 + 4.5) / 8
    assert (total.pairs, total.mean_before, total.mean_after) == (8, approx(1.1875), approx(1.6875))
    assert (total.ci_low, total.ci_high) == (approx(0.184014, abs=1e-5), approx(0.815986, abs=1e-5))
    assert total.share_closed == approx(1 / 8)
    # knowledge: before (1.75 + 1.5) / 8 = .40625, after (3 + 1.5) / 8 = .5625: gain .15625 / .59375 = 5/19
    assert total.normalised_gain == approx(5 / 19)
    assert total.is_total and total.group_id is None

    roles = _by_group(evaluation.change_by_role_profile(db.session, world.scope, k=5))
    assert roles[world.role.name].change == approx(0.5)
    assert roles[world.role.name].pairs == 8 and roles["All role profiles"].pairs == 8


def test_a_group_under_k_is_suppressed_and_the_total_does_not_give_it_away():
    world = build_world()
    rows = _by_group(evaluation.change_by_organisation(db.session, world.scope, k=5))
    # O2 has 3 pairs: every figure of it is hidden; O1 (5 pairs) is shown, exact with noise off
    row = rows[world.o2.name]
    figures = [getattr(row, c) for c in ("pairs", "mean_before", "mean_after", "change", "ci_low",
                                         "ci_high", "p", "p_adjusted", "cohens_dz", "share_closed",
                                         "knowledge_before", "normalised_gain")]
    assert all(f == Suppressed(5) for f in figures)
    assert rows[world.o1.name].pairs == 5 and rows["All organisations"].pairs == 8
    assert rows["All organisations"].change == approx(0.5)
    # with the deployment's noise, All minus O1 does not give O2's sums
    noisy = _by_group(evaluation.change_by_organisation(db.session, world.scope,
                                                        k=Release(5, noise=2, secret=b"test")))
    total, o1 = noisy["All organisations"], noisy[world.o1.name]
    assert noisy[world.o2.name].pairs == Suppressed(5)
    derived_sum = total.mean_after * 8 - o1.mean_after * 5  # O2's sum of levels after, if exact
    exact = rows["All organisations"].mean_after * 8 - rows[world.o1.name].mean_after * 5
    assert derived_sum != approx(exact, abs=1e-6)


def test_fewer_than_two_pairs_is_not_enough_data():
    world = build_world()
    o3 = OrganisationFactory(country=world.country, name="Statistics Office")
    lone = UserFactory(organisation=o3)
    for campaign, levels in ((world.baseline, ((1, 0), (1, 0))), (world.follow_up, ((3, 2), (2, 1)))):
        submit(campaign, lone, o3, world.role, (world.c1, world.c2), levels,
               campaign.opens_at + timedelta(days=1))
    db.session.flush()
    row = _by_group(evaluation.change_by_organisation(db.session, world.scope, k=1))[o3.name]
    # one pair: the means are shown (k = 1), the change and its statistics are not
    assert (row.pairs, row.mean_before, row.mean_after) == (1, 1.0, 2.5)
    assert (row.change, row.ci_low, row.p, row.cohens_dz) == (NOT_ENOUGH,) * 4
    assert row.normalised_gain == NOT_ENOUGH
    assert str(row.change) == "not enough data"


def test_pairing_counts_those_who_took_one_cycle_apart():
    world = build_world()
    [row] = evaluation.pairing(db.session, world.scope, k=1).rows
    # paired u1-u5, u7-u9; u6 only in the baseline (started the follow-up, never submitted); u10 only
    # in the follow-up
    assert (row.paired, row.baseline_only, row.follow_up_only) == (8, 1, 1)
    [row] = evaluation.pairing(db.session, world.scope, k=5).rows
    assert (row.paired, row.baseline_only, row.follow_up_only) == (8, Suppressed(5), Suppressed(5))
    by_org = {r.group: r for r in evaluation.pairing(db.session, world.scope, k=1, by="organisation").rows}
    assert (by_org[world.o1.name].paired, by_org[world.o1.name].baseline_only) == (5, 1)
    assert (by_org[world.o2.name].paired, by_org[world.o2.name].follow_up_only) == (3, 1)
    by_org = {r.group: r for r in evaluation.pairing(db.session, world.scope, k=5, by="organisation").rows}
    assert (by_org[world.o1.name].paired, by_org[world.o2.name].paired) == (5, Suppressed(5))
    assert by_org["All organisations"].paired == 8
    assert by_org["All organisations"].baseline_only == Suppressed(5)


def test_trend_across_cycles_with_confidence_intervals():
    world = build_world()
    baseline, follow_up = evaluation.trend(db.session, world.scope, k=5).rows
    # Baseline: 9 officials (u1-u9), means 1.5,1.5,1.5,0,1.5,2,1.5,2,0: sum 11.5, squares 19.25,
    # variance (19.25 - 11.5^2/9) / 8 = 0.569444, se 0.251539, half width 2.306004 * se = 0.580049
    assert (baseline.position, baseline.officials, baseline.cycle_label) == (0, 9, "baseline")
    assert baseline.mean == approx(11.5 / 9)
    assert (baseline.ci_low, baseline.ci_high) == (approx(0.697729, abs=1e-5), approx(1.857827, abs=1e-5))
    # Follow-up: 9 officials (u1-u5, u7-u10), sum 14, squares 26, variance (26 - 196/9) / 8 = 0.527778,
    # se 0.242161, half width 0.558424
    assert (follow_up.position, follow_up.officials, follow_up.mean) == (1, 9, approx(14 / 9))
    assert (follow_up.ci_low, follow_up.ci_high) == (approx(0.997131, abs=1e-5), approx(2.113980, abs=1e-5))
    assert follow_up.chain_id == world.baseline.id
    # O2 alone: 3 then 4 officials: suppressed at k = 5
    small = evaluation.trend(db.session, world.scope, Filters(organisation_id=world.o2.id), k=5).rows
    assert [row.officials for row in small] == [Suppressed(5), Suppressed(5)]
    assert all(row.mean == Suppressed(5) and row.ci_low == Suppressed(5) for row in small)


def test_trend_follows_a_chain_of_follow_ups_and_one_official_has_no_interval():
    world = build_world()
    second = Campaign(country=world.country, instrument=world.follow_up.instrument, name="Follow-up 2027",
                      cycle_label="follow-up 2", baseline=world.follow_up,
                      opens_at=world.follow_up.opens_at.replace(year=2027),
                      closes_at=world.follow_up.closes_at.replace(year=2027))
    db.session.add(second)
    submit(second, world.officials[1], world.o1, world.role, (world.c1, world.c2), ((4, 2), (3, 2)),
           second.opens_at)
    db.session.flush()
    rows = evaluation.trend(db.session, world.scope, Filters(campaign_id=second.id), k=1).rows
    assert [(r.position, r.campaign_id) for r in rows] == [
        (0, world.baseline.id), (1, world.follow_up.id), (2, second.id)]
    assert (rows[2].officials, rows[2].mean, rows[2].ci_low) == (1, 3.5, NOT_ENOUGH)
    # and the second follow-up pairs with the first, not with the baseline
    [pair] = [r for r in evaluation.pairing(db.session, world.scope, k=1).rows if r.campaign_id == second.id]
    assert (pair.baseline_id, pair.paired, pair.baseline_only) == (world.follow_up.id, 1, 8)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 4), st.integers(0, 4)), min_size=0, max_size=30))
def test_the_figures_from_sums_are_those_of_stats_paired_change(pairs):
    before = [b for b, _a in pairs]
    after = [a for _b, a in pairs]
    diffs = [a - b for b, a in pairs]
    expected = paired_change(before, after)
    got = paired_from_sums(len(pairs), sum(before), sum(after), sum(diffs), sum(d * d for d in diffs))
    if expected is None:
        assert got is None
        return
    for name in ("n", "mean_before", "mean_after", "mean_change", "ci_low", "ci_high", "t", "p",
                 "cohens_dz"):
        want, have = getattr(expected, name), getattr(got, name)
        assert (want is None) == (have is None), name
        if want is not None:
            assert have == approx(want, rel=1e-9, abs=1e-9), name
