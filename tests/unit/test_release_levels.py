"""The heatmap, level distribution, assets, trend and countries tables through the release layer
(app.services.evaluation.release) with the deployment's noise: the same set of officials gets the
same figure however it is reached, a figure under k is hidden, every other one is a released Count
or Value, and a total minus the shown rows does not give a hidden row exactly.
World: tests/unit/analytics_fixture.py (O2's 4 officials are the small group, k = 5)."""

import pytest

from app.extensions import db
from app.services import evaluation
from app.services.evaluation import NO_FILTERS, Filters, NotEnoughData, Suppressed
from app.services.evaluation.countries import countries_side_by_side
from app.services.evaluation.release import Count, Release, Value
from tests.factories import CountryFactory, UserFactory
from tests.unit.analytics_fixture import FOLLOW_UP_AT, build_world, submit

RELEASE = Release(5, noise=2, secret=b"test")
H = Suppressed(5)
# More keys than the one above, so that a test of "not exactly" does not hang on one draw of the
# noise (the ids of the records, and so the noise, depend on the database and the order of tests).
SECRETS = (b"test", *(f"test-{n}".encode() for n in range(1, 8)))


def _figures(cell) -> tuple:
    return cell.officials, cell.mean_gap, cell.not_assessed


def _heatmap(world, filters=NO_FILTERS, k=RELEASE):
    return {(c.organisation_id, c.competency_id): c
            for c in evaluation.heatmap(db.session, world.scope, filters, k).rows}


def _levels(world, k=RELEASE):
    return {(r.competency_id, r.level): r.officials
            for r in evaluation.level_distribution(db.session, world.scope, k=k).rows}


def test_the_same_heatmap_cell_with_and_without_a_filter_has_the_same_value():
    world = build_world()
    everyone = _heatmap(world)
    o1 = _heatmap(world, Filters(organisation_id=world.o1.id))
    c1 = _heatmap(world, Filters(competency_id=world.c1.id))
    for competency in (world.c1, world.c2):
        cell = _figures(everyone[(world.o1.id, competency.id)])
        assert isinstance(cell[1], Value)
        # the Ministry alone, and its "All organisations" row: the same attempts, the same figures
        assert _figures(o1[(world.o1.id, competency.id)]) == cell
        assert _figures(o1[(None, competency.id)]) == cell
    assert _figures(c1[(world.o1.id, world.c1.id)]) == _figures(everyone[(world.o1.id, world.c1.id)])
    # everyone has a target: the heatmap's officials with a gap in c1 are the officials assessed in
    # c1, the level distribution's total and the assets' assessed, to the official
    levels = _levels(world)
    assets = {r.competency_id: r for r in evaluation.assets(db.session, world.scope, k=RELEASE).rows}
    for competency in (world.c1, world.c2):
        shown = everyone[(None, competency.id)].officials
        assert levels[(competency.id, None)] == assets[competency.id].assessed == shown


def test_the_same_trend_and_change_figures_by_two_routes():
    world = build_world()
    trend = evaluation.trend(db.session, world.scope, k=RELEASE).rows
    # everyone has the one role profile: filtering on it selects the same attempts
    same = evaluation.trend(db.session, world.scope, Filters(role_profile_id=world.role.id), k=RELEASE).rows
    assert same == trend
    assert all(isinstance(v, Value) for row in trend for v in (row.mean, row.ci_low, row.ci_high))
    # the baseline of O1 alone, picked by the organisation, or by the organisation and the campaign
    o1 = evaluation.trend(db.session, world.scope, Filters(organisation_id=world.o1.id), k=RELEASE).rows
    o1_baseline = evaluation.trend(db.session, world.scope, Filters(organisation_id=world.o1.id,
                                                                    campaign_id=world.baseline.id),
                                   k=RELEASE).rows
    assert o1_baseline[0] == o1[0] and o1[0].officials != H
    # the countries' pairs and change are the change table's "All organisations" row
    [country] = countries_side_by_side(db.session, world.scope, k=RELEASE, now=FOLLOW_UP_AT).rows
    [total] = [r for r in evaluation.change_by_organisation(db.session, world.scope, k=RELEASE).rows
               if r.is_total]
    assert (country.pairs, country.mean_change, country.ci_low, country.ci_high) == (
        total.pairs, total.change, total.ci_low, total.ci_high)
    assert isinstance(country.pairs, Count) and isinstance(country.mean_change, Value)


def test_figures_under_k_are_suppressed_and_the_rest_are_released():
    world = build_world()
    heat = _heatmap(world)
    for competency in (world.c1, world.c2):  # O2: 4 officials
        assert _figures(heat[(world.o2.id, competency.id)])[:2] == (H, H)
    levels = _levels(world)
    # c1: level 1 (u9, u10) and level 3 (u1, u2, u8); c2: 3, 3 and 4 officials at levels 0, 1, 2
    assert [levels[(world.c1.id, lv)] for lv in (1, 3)] == [H, H]
    assert [levels[(world.c2.id, lv)] for lv in (0, 1, 2)] == [H, H, H]
    assets = {r.competency_id: r.practitioners
              for r in evaluation.assets(db.session, world.scope, k=RELEASE).rows}
    assert assets == {world.c1.id: H, world.c2.id: 0}  # nobody at level 3 in c2: 0 reveals no one
    small = evaluation.trend(db.session, world.scope, Filters(organisation_id=world.o2.id), k=RELEASE).rows
    assert {(r.officials, r.mean, r.ci_low, r.ci_high) for r in small} == {(H, H, H, H)}
    [country] = countries_side_by_side(db.session, world.scope, k=RELEASE, now=FOLLOW_UP_AT).rows
    assert country.practitioners == H  # u1, u2, u8


def _released(table):
    """Every figure of a table that is not plain: each must be a released Count or Value, a marker,
    or None."""
    plain = set(table.plain)
    for row in table.rows:
        for column in table.columns:
            if column not in plain:
                yield column, table.value(row, column)


@pytest.mark.parametrize("k", [5, RELEASE], ids=["exact", "noise"])
def test_counts_are_count_and_means_value(k):
    world = build_world()
    tables = [evaluation.heatmap(db.session, world.scope, k=k),
              evaluation.level_distribution(db.session, world.scope, k=k),
              evaluation.assets(db.session, world.scope, k=k),
              evaluation.trend(db.session, world.scope, k=k),
              countries_side_by_side(db.session, world.scope, k=k, now=FOLLOW_UP_AT)]
    kinds = {}
    for table in tables:
        assert table.rows and table.k == 5, table.name
        assert set(table.plain) < set(table.columns)
        for column, value in _released(table):
            assert value is None or isinstance(value, Count | Value | Suppressed | NotEnoughData), (
                table.name, column, value)
            kinds.setdefault((table.name, column), set()).add(type(value))
    assert Count in kinds[("heatmap", "officials")] and Value in kinds[("heatmap", "mean_gap")]
    assert kinds[("levels", "officials")] >= {Count, Suppressed}
    assert Value in kinds[("trend", "mean")] and Count in kinds[("trend", "officials")]
    assert kinds[("countries", "response_rate")] == {Value}
    assert kinds[("countries", "mean_gap")] == {Value}


def _mean_gaps(scope, filters=NO_FILTERS, k=RELEASE, now=FOLLOW_UP_AT) -> dict:
    return {row.country: row.mean_gap
            for row in countries_side_by_side(db.session, scope, filters, k=k, now=now).rows}


def test_a_countrys_mean_gap_is_the_same_however_its_officials_are_reached():
    a = build_world(country=CountryFactory(name="Aland"), prefix="Aland ")
    b = build_world(country=CountryFactory(name="Bland"), prefix="Bland ")
    both = _mean_gaps(None)
    assert set(both) == {"Aland", "Bland"}
    for world in (a, b):
        gap = both[world.country.name]
        assert isinstance(gap, Value) and 0 <= gap <= 4  # one mean per official, within the gap's range
        # the country alone, with a filter (the comparison ignores them) or at another time: the same
        # officials' latest results, the same figure
        assert _mean_gaps(world.scope) == {world.country.name: gap}
        assert _mean_gaps(world.scope, Filters(organisation_id=world.o1.id))[world.country.name] == gap
        assert _mean_gaps(world.scope, now=world.baseline.opens_at)[world.country.name] == gap
    # two more officials in Bland change Bland's figure and leave Aland's as it was
    _two_more_practitioners(b)
    after = _mean_gaps(None)
    assert after["Aland"] == both["Aland"] and after["Bland"] != both["Bland"]
    # the figure is moved: exact, Aland's officials' means sum to 9 over 10; not so under every secret
    assert _mean_gaps(a.scope, k=Release(5))["Aland"] == pytest.approx(0.9)
    assert [_mean_gaps(a.scope, k=Release(5, noise=2, secret=s))["Aland"] for s in SECRETS] != (
        [pytest.approx(0.9)] * len(SECRETS))


def _two_more_practitioners(world):
    """Two more Ministry officials at level 3 in c1 (level 2 in c2) at the follow-up: c1 then has 2
    officials at level 1 (u9, u10) alone under k, with 5 at level 2 and 5 at level 3."""
    for n in (11, 12):
        official = UserFactory(organisation=world.o1, name=f"Official {n}")
        submit(world.follow_up, official, world.o1, world.role, (world.c1, world.c2), ((3, 2), (2, 1)),
               FOLLOW_UP_AT)
    db.session.flush()


def _total_minus_shown(world, release, competency):
    levels = _levels(world, release)
    shown = [n for (c, level), n in levels.items() if c == competency.id and level is not None and n != H]
    return levels[(competency.id, None)] - sum(shown)


def test_a_level_total_minus_its_shown_levels_does_not_give_a_hidden_level():
    world = build_world()
    # c1: levels 1 (2) and 3 (3) are hidden; exact, the total less the others gives their sum (5)
    assert _total_minus_shown(world, Release(5), world.c1) == 5
    assert [_total_minus_shown(world, Release(5, noise=2, secret=s), world.c1) for s in SECRETS] != (
        [5] * len(SECRETS))

    _two_more_practitioners(world)
    exact = _levels(world, Release(5))
    assert [exact[(world.c1.id, lv)] for lv in (0, 1, 2, 3, 4, None)] == [0, H, 5, 5, 0, 12]
    # exact, level 1 alone is hidden and the subtraction gives it away: 12 - 5 - 5 = 2 ...
    assert _total_minus_shown(world, Release(5), world.c1) == 2
    # ... and so do the assets: the officials assessed less the practitioners less level 2
    assets = {r.competency_id: r for r in evaluation.assets(db.session, world.scope, k=Release(5)).rows}
    assert assets[world.c1.id].assessed - assets[world.c1.id].practitioners - exact[(world.c1.id, 2)] == 2
    # with the noise, it does not (each figure moves on its own), by either route
    derived = []
    for secret in SECRETS:
        release = Release(5, noise=2, secret=secret)
        levels = _levels(world, release)
        assert levels[(world.c1.id, 1)] == H
        asset = {r.competency_id: r for r in evaluation.assets(db.session, world.scope, k=release).rows}
        by_assets = asset[world.c1.id].assessed - asset[world.c1.id].practitioners - levels[(world.c1.id, 2)]
        assert by_assets == _total_minus_shown(world, release, world.c1)  # the same sets, the same noise
        derived.append(by_assets)
    assert derived != [2] * len(SECRETS)
