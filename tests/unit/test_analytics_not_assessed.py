"""Not assessed is never 0: every figure leaves out the results that are not assessed, and every table
of levels, gaps and change counts them apart (under the same small-cell rule as every other cell).

World: analytics_fixture.build_world(not_assessed=True): the usual world but for u4's follow-up c1,
u6's baseline c2, u9's baseline c1 and c2, u10's follow-up c1 and c2, not assessed ("NA" below).
Targets: c1 3, c2 2. Latest results (the follow-up, but u6's baseline):

        c1    c2              c1 gap  c2 gap
  u1    3     2                 0       0
  u2    3     1                 0       1
  u3    2     2                 1       0
  u4    NA    0                 -       2
  u5    2     1                 1       1
  u6    2     NA                1       -
  u7    2     2                 1       0
  u8    3     1                 0       1
  u9    1     0                 2       2
  u10   NA    NA                -       -

Critical values: t(0.975; 1) = 12.706205, t(0.975; 4) = 2.776445, t(0.975; 5) = 2.570582,
t(0.975; 6) = 2.446912, t(0.975; 7) = 2.364624.
"""

import pytest

from app.extensions import db
from app.models import CompetencyResult, ResultSource
from app.services import evaluation
from app.services.evaluation import Filters, Suppressed, official_trend
from app.services.evaluation.countries import countries_side_by_side
from tests.unit.analytics_fixture import build_world

approx = pytest.approx
VALIDATED = Filters(validated_only=True)


@pytest.fixture
def world():
    return build_world(not_assessed=True)


def _by_group(table):
    return {row.group: row for row in table.rows}


def test_the_heatmap_leaves_not_assessed_out_of_the_mean_gap_and_counts_them(world):
    cells = {(c.organisation, c.competency_id): (c.officials, c.mean_gap, c.not_assessed)
             for c in evaluation.heatmap(db.session, world.scope, k=1).rows}
    # c1 gaps in O1: u1 0, u2 0, u3 1, u5 1, u6 1 (u4 NA): 3 / 5; in O2: u7 1, u8 0, u9 2 (u10 NA): 3 / 3.
    # Counting NA as level 0 would give O1 (3 + 3) / 6; as gap 0, 3 / 6.
    assert cells[(world.o1.name, world.c1.id)] == (5, approx(0.6), 1)
    assert cells[(world.o2.name, world.c1.id)] == (3, approx(1.0), 1)
    assert cells[("All organisations", world.c1.id)] == (8, approx(6 / 8), 2)
    # c2 gaps in O1: 0, 1, 0, 2, 1 (u6 NA): 4 / 5; O2: 0, 1, 2 (u10 NA): 3 / 3; all 7 / 8
    assert cells[(world.o1.name, world.c2.id)] == (5, approx(0.8), 1)
    assert cells[("All organisations", world.c2.id)] == (8, approx(7 / 8), 2)

    # k = 2: one NA in each organisation is hidden; the total of 2 cannot single either out
    cells = {(c.organisation, c.competency_id): (c.officials, c.mean_gap, c.not_assessed)
             for c in evaluation.heatmap(db.session, world.scope, k=2).rows}
    assert cells[(world.o1.name, world.c1.id)] == (5, approx(0.6), Suppressed(2))
    assert cells[(world.o2.name, world.c1.id)] == (3, approx(1.0), Suppressed(2))
    assert cells[("All organisations", world.c1.id)][2] == 2
    # k = 5: the counts of 2 are hidden everywhere
    total = [c for c in evaluation.heatmap(db.session, world.scope, k=5).rows
             if c.is_total and c.competency_id == world.c1.id]
    assert [(c.officials, c.not_assessed) for c in total] == [(8, Suppressed(5))]


def test_levels_and_assets_count_not_assessed_apart_never_at_level_0(world):
    table = evaluation.level_distribution(db.session, world.scope, k=1)
    levels = {(r.competency_id, r.level): (r.officials, r.not_assessed) for r in table.rows}
    # c1 levels: 1 u9; 2 u3, u5, u6, u7; 3 u1, u2, u8: 8 assessed (the total), 2 NA (not at level 0)
    assert [levels[(world.c1.id, level)] for level in (0, 1, 2, 3, 4, None)] == [
        (0, None), (1, None), (4, None), (3, None), (0, None), (8, 2)]
    # c2 levels: 0 u4, u9; 1 u2, u5, u8; 2 u1, u3, u7; 2 NA
    assert [levels[(world.c2.id, level)] for level in (0, 1, 2, None)] == [
        (2, None), (3, None), (3, None), (8, 2)]
    assets = {r.competency_id: (r.assessed, r.practitioners, r.not_assessed)
              for r in evaluation.assets(db.session, world.scope, k=1).rows}
    assert assets == {world.c1.id: (8, 3, 2), world.c2.id: (8, 0, 2)}

    levels = {(r.competency_id, r.level): (r.officials, r.not_assessed)
              for r in evaluation.level_distribution(db.session, world.scope, k=5).rows}
    assert levels[(world.c1.id, None)] == (8, Suppressed(5))
    assets = {r.competency_id: r.not_assessed for r in evaluation.assets(db.session, world.scope, k=5).rows}
    assert assets == {world.c1.id: Suppressed(5), world.c2.id: Suppressed(5)}


def test_a_pair_needs_the_competency_assessed_in_both_cycles(world):
    rows = _by_group(evaluation.change_by_competency(db.session, world.scope, k=1))
    c1, c2 = rows[world.c1.name], rows[world.c2.name]
    # c1: of the 8 officials paired, u4 (NA at follow-up) and u9 (NA at baseline) are not assessed in
    # both. 6 pairs: u1, u2, u3, u5, u7, u8; before 1,2,1,2,1,3 (10), after 3,3,2,2,2,3 (15)
    assert (c1.pairs, c1.not_assessed, c1.mean_before, c1.mean_after) == (6, 2, approx(10 / 6), 2.5)
    # changes 2,1,1,0,1,0: mean 5/6, squares 7, variance (7 - 25/6) / 5 = 17/30, sd 0.752773,
    # se 0.307318, half width 2.570582 * se = 0.789986; t = 2.711631 on 5 df; d_z = 0.833333 / sd
    assert c1.change == approx(5 / 6)
    assert (c1.ci_low, c1.ci_high) == (approx(0.043347, abs=1e-5), approx(1.623320, abs=1e-5))
    assert (c1.p, c1.cohens_dz) == (approx(0.042194, abs=1e-6), approx(1.107019, abs=1e-6))
    # gaps before (target 3) 2,1,2,1,2,0: 5 had one; after 0,0,1,1,1,0: u1 and u2 closed it
    assert c1.share_closed == approx(2 / 5)
    # knowledge (kept on NA results, which must not count): before 0,.5,0,.5,.5,1 (mean 2.5/6),
    # after 1,1,.5,.5,.5,1 (mean .75): gain (.75 - 5/12) / (1 - 5/12) = 4/7
    assert (c1.knowledge_before, c1.knowledge_after) == (approx(2.5 / 6), approx(0.75))
    assert c1.normalised_gain == approx(4 / 7)
    # c2: u9 NA at baseline: 7 pairs, nobody changed; before = after = 9/7; 4 had a gap, none closed
    assert (c2.pairs, c2.not_assessed, c2.mean_before, c2.change) == (7, 1, approx(9 / 7), 0.0)
    assert (c2.share_closed, c2.p) == (0.0, None)

    rows = _by_group(evaluation.change_by_competency(db.session, world.scope, k=5))
    assert (rows[world.c1.name].pairs, rows[world.c1.name].not_assessed) == (6, Suppressed(5))


def test_change_per_organisation_uses_the_competencies_assessed_in_both(world):
    rows = _by_group(evaluation.change_by_organisation(db.session, world.scope, k=1))
    o1, o2, total = rows[world.o1.name], rows[world.o2.name], rows["All organisations"]
    # An official's level is their mean over the competencies assessed in both cycles. O1: u1 1.5 -> 2.5,
    # u2 1.5 -> 2, u3 1.5 -> 2, u4 (c2 only) 0 -> 0, u5 1.5 -> 1.5: before 6/5, after 8/5; changes
    # 1,.5,.5,0,0: mean .4, variance (1.5 - .8) / 4 = .175, sd .418330, se .187083, half width .519425
    assert (o1.pairs, o1.not_assessed, o1.mean_before, o1.mean_after) == (5, 0, approx(1.2), approx(1.6))
    assert (o1.change, o1.ci_low, o1.ci_high) == (
        approx(0.4), approx(-0.119425, abs=1e-5), approx(0.919425, abs=1e-5))
    assert (o1.p, o1.cohens_dz) == (approx(0.099301, abs=1e-6), approx(0.956183, abs=1e-6))
    # total gaps before 2,2,2,2 (u4: c2 only),2; after 0,1,1,2,2: u1 closed them
    assert o1.share_closed == approx(0.2)
    # knowledge per official: before .25,.5,.25,.5 (u4: c2's 1 of 2),.5 (mean .4); after .75,.75,.5,.5,.5
    # (mean .6): gain .2 / .6
    assert (o1.knowledge_before, o1.knowledge_after, o1.normalised_gain) == (
        approx(0.4), approx(0.6), approx(1 / 3))
    # O2: u9 has nothing assessed in both: counted apart. u7 1.5 -> 2, u8 2 -> 2: changes .5, 0: mean .25,
    # variance .125, sd .353553, se .25, half width 12.706205 * .25 = 3.176551; t = 1 on 1 df: p = .5
    assert (o2.pairs, o2.not_assessed, o2.mean_before, o2.mean_after) == (2, 1, 1.75, 2.0)
    assert (o2.ci_low, o2.ci_high, o2.p) == (approx(-2.926551, abs=1e-5), approx(3.426551, abs=1e-5),
                                             approx(0.5))
    # All 7: changes sum 2.5, squares 1.75: mean 5/14, variance (1.75 - 6.25/7) / 6 = 1/7, se 1/7,
    # half width 2.446912 / 7 = .349559; before 9.5/7, after 12/7; 7 had a gap, u1 closed it
    assert (total.pairs, total.not_assessed, total.mean_before, total.mean_after) == (
        7, 1, approx(9.5 / 7), approx(12 / 7))
    assert (total.change, total.ci_low, total.ci_high) == (
        approx(5 / 14), approx(0.007584, abs=1e-5), approx(0.706702, abs=1e-5))
    assert total.share_closed == approx(1 / 7)

    # k = 2: O2's 2 pairs are shown; its lone NA is hidden, and the total with it (nothing else to hide)
    rows = _by_group(evaluation.change_by_organisation(db.session, world.scope, k=2))
    assert (rows[world.o2.name].pairs, rows[world.o2.name].not_assessed) == (2, Suppressed(2))
    assert (rows[world.o1.name].not_assessed, rows["All organisations"].not_assessed) == (0, Suppressed(2))

    roles = _by_group(evaluation.change_by_role_profile(db.session, world.scope, k=1))
    assert (roles[world.role.name].pairs, roles[world.role.name].not_assessed) == (7, 1)
    assert roles[world.role.name].change == approx(5 / 14)
    # one competency: c1, where u4 and u9 are not assessed in both
    only_c1 = _by_group(evaluation.change_by_organisation(db.session, world.scope,
                                                         Filters(competency_id=world.c1.id), k=1))
    assert (only_c1[world.o1.name].pairs, only_c1[world.o1.name].not_assessed) == (4, 1)
    assert (only_c1["All organisations"].pairs, only_c1["All organisations"].not_assessed) == (6, 2)


def test_the_trend_leaves_out_what_is_not_assessed(world):
    baseline, follow_up = evaluation.trend(db.session, world.scope, k=1).rows
    # Baseline: u9 has nothing assessed (counted apart); u6's mean is c1's 2 alone. Means
    # 1.5,1.5,1.5,0,1.5,2,1.5,2: sum 11.5, squares 19.25, variance (19.25 - 11.5^2/8) / 7 = 0.388393,
    # se 0.220339, half width 2.364624 * se = 0.521019
    assert (baseline.officials, baseline.not_assessed, baseline.mean) == (8, 1, approx(11.5 / 8))
    assert (baseline.ci_low, baseline.ci_high) == (approx(0.916482, abs=1e-5), approx(1.958518, abs=1e-5))
    # Follow-up: u10 counted apart; u4 is c2's 0 alone. Means 2.5,2,2,0,1.5,2,2,.5: sum 12.5, squares
    # 24.75, variance (24.75 - 12.5^2/8) / 7 = 0.745536, se 0.305274, half width 0.721858
    assert (follow_up.officials, follow_up.not_assessed, follow_up.mean) == (8, 1, approx(12.5 / 8))
    assert (follow_up.ci_low, follow_up.ci_high) == (approx(0.840643, abs=1e-5), approx(2.284357, abs=1e-5))
    trend_rows = evaluation.trend(db.session, world.scope, k=2).rows
    assert [r.not_assessed for r in trend_rows] == [Suppressed(2)] * 2
    # c1 alone: baseline u9 NA; follow-up u4 and u10 NA
    c1 = evaluation.trend(db.session, world.scope, Filters(competency_id=world.c1.id), k=1).rows
    assert [(r.officials, r.not_assessed) for r in c1] == [(8, 1), (7, 2)]
    assert c1[1].mean == approx((3 + 3 + 2 + 2 + 2 + 3 + 1) / 7)


def test_countries_side_by_side_leave_not_assessed_out(world):
    [row] = countries_side_by_side(db.session, world.scope, k=1).rows
    # the mean over the 9 officials with a gap (not u10) of each one's mean gap over the competencies
    # assessed: u1 (0+0)/2 = 0, u2 (0+1)/2 = 0.5, u3 (1+0)/2 = 0.5, u4 2 (c2 alone), u5 (1+1)/2 = 1,
    # u6 1 (c1 alone), u7 (1+0)/2 = 0.5, u8 (0+1)/2 = 0.5, u9 (2+2)/2 = 2: 8 / 9 (over the 16 results,
    # u4's and u6's one result counted half as much, it would be (6 + 7) / 16). u4, u6 and u10 have a
    # competency not assessed
    assert (row.mean_gap, row.not_assessed) == (approx(8 / 9), 3)
    # the paired change: each official's mean over the competencies assessed in both (7, not u9)
    assert (row.pairs, row.mean_change) == (7, approx(5 / 14))
    assert (row.ci_low, row.ci_high) == (approx(0.007584, abs=1e-5), approx(0.706702, abs=1e-5))
    [row] = countries_side_by_side(db.session, world.scope, k=5).rows
    assert row.not_assessed == Suppressed(5)


def test_the_person_level_table_says_not_assessed(world):
    table = evaluation.person_levels(db.session, world.scope, key="k", pseudonymise=False,
                                    not_assessed_text="pas évalué")
    rows = {row["person"]: row for row in table.rows}
    assert (rows["Official 4"][world.c1.code], rows["Official 4"][world.c2.code]) == ("pas évalué", 0)
    assert (rows["Official 10"][world.c1.code], rows["Official 10"][world.c2.code]) == ("pas évalué",) * 2


def test_an_officials_own_trend_marks_not_assessed_apart_from_not_taken(world):
    trend = official_trend(db.session, world.officials[9])
    by_code = {c.code: c for c in trend.competencies}
    assert (by_code[world.c1.code].levels, by_code[world.c1.code].not_assessed) == ([None, 1], [True, False])
    assert (by_code[world.c2.code].levels, by_code[world.c2.code].not_assessed) == ([None, 0], [True, False])
    trend = official_trend(db.session, world.officials[10])  # no baseline attempt at all
    assert [c.not_assessed for c in trend.competencies] == [[True], [True]]


def _validate(world, campaign, numbers, competency):
    for result in db.session.scalars(db.select(CompetencyResult).join(CompetencyResult.attempt).where(
            CompetencyResult.competency_id == competency.id)):
        if (result.attempt.campaign_id == campaign.id
                and result.attempt.user_id in {world.officials[n].id for n in numbers}):
            result.source, result.manager_level = ResultSource.VALIDATED, result.calibrated_level
    db.session.flush()


def test_the_validated_filter_narrows_every_results_table(world):
    # A manager validated c1 of u1, u2 at baseline (1, 2) and of u1, u2, u3 at follow-up (3, 3, 2).
    _validate(world, world.baseline, (1, 2), world.c1)
    _validate(world, world.follow_up, (1, 2, 3), world.c1)
    cells = {(c.organisation, c.competency_id): (c.officials, c.mean_gap, c.not_assessed)
             for c in evaluation.heatmap(db.session, world.scope, VALIDATED, k=1).rows}
    assert cells == {(world.o1.name, world.c1.id): (3, approx(1 / 3), 0),
                     ("All organisations", world.c1.id): (3, approx(1 / 3), 0)}
    levels = {r.level: (r.officials, r.not_assessed)
              for r in evaluation.level_distribution(db.session, world.scope, VALIDATED, k=1).rows}
    assert levels == {0: (0, None), 1: (0, None), 2: (1, None), 3: (2, None), 4: (0, None), None: (3, 0)}
    [c1] = evaluation.change_by_competency(db.session, world.scope, VALIDATED, k=1).rows
    assert (c1.group_id, c1.pairs, c1.mean_before, c1.mean_after, c1.not_assessed) == (
        world.c1.id, 2, 1.5, 3.0, 0)
    baseline, follow_up = evaluation.trend(db.session, world.scope, VALIDATED, k=1).rows
    assert (baseline.officials, baseline.mean, follow_up.officials, follow_up.mean) == (
        2, 1.5, 3, approx(8 / 3))
    [org] = [r for r in evaluation.change_by_organisation(db.session, world.scope, VALIDATED, k=1).rows
             if not r.is_total]
    assert (org.group, org.pairs, org.change) == (world.o1.name, 2, 1.5)
    people = evaluation.person_levels(db.session, world.scope, VALIDATED, key="k", pseudonymise=False)
    assert world.c1.code in people.columns and world.c2.code not in people.columns  # none validated
    assert {row["person"]: row[world.c1.code] for row in people.rows if row[world.c1.code] is not None} == {
        "Official 1": 3, "Official 2": 3, "Official 3": 2}
    # participation is about who took part: the filter leaves it as it is
    assert evaluation.participation_funnel(db.session, world.scope, VALIDATED, k=1).rows == \
        evaluation.participation_funnel(db.session, world.scope, k=1).rows
