"""The release layer on its own (app/services/evaluation/release.py): threshold, consistent keyed
noise, bounds, and the figures worked out from moved sums."""

from __future__ import annotations

import statistics

import pytest

from app.services.evaluation.common import Bounds, Suppressed
from app.services.evaluation.release import SHARE, Count, Release, Sides, Value, as_release

RELEASE = Release(5, noise=2, secret=b"test")
LEVELS = Bounds(0, 4)
SIDES = Sides(before_key=4321, after_key=9876, before="level:1:all", after="level:1:all", spread="change:1")


def test_under_k_is_hidden_zero_is_zero_and_the_rest_never_below_k():
    assert RELEASE.count(4, 123, "attempts") == Suppressed(5)
    assert RELEASE.count(0, 0, "attempts") == 0
    moved = [RELEASE.count(5, key, "attempts") for key in range(500)]
    assert min(moved) == 5 and all(isinstance(n, Count) for n in moved)
    assert RELEASE.mean(3.0, 3, 1, "level", LEVELS) == Suppressed(5)
    assert RELEASE.mean(0.0, 0, 0, "level", LEVELS) is None


def test_the_same_set_moves_the_same_way_and_another_set_independently():
    assert RELEASE.count(40, 9876, "attempts") == RELEASE.count(40, 9876, "attempts")
    assert Release.for_deployment(5, 2, "key").count(40, 9876, "attempts") == \
        Release.for_deployment(5, 2, "key").count(40, 9876, "attempts")
    one_more = {RELEASE.count(41, 9876 + extra, "attempts") - 41 for extra in range(1, 200)}
    assert len(one_more) > 3  # the move depends on which official joined
    means = {RELEASE.mean(80.0, 40, key, "level:7", LEVELS) for key in range(50)}
    assert len(means) == 50


def test_the_noise_is_the_documented_two_sided_geometric_and_laplace():
    moves = [int(RELEASE.count(1000, key, "attempts")) - 1000 for key in range(20000)]
    share_still = moves.count(0) / len(moves)
    assert share_still == pytest.approx((1 - RELEASE.alpha) / (1 + RELEASE.alpha), abs=0.01)
    assert sum(abs(m) >= 5 for m in moves) / len(moves) == pytest.approx(0.01, abs=0.004)
    assert sum(RELEASE.count_noise_pmf(m) for m in range(-60, 61)) == pytest.approx(1.0)
    assert all(RELEASE.count_noise_pmf(m) > 0 for m in range(-30, 31))  # no move is impossible
    # a mean of 100 values on 0-4 moves by Laplace noise of scale 1 level on the sum: sd 1.41 / 100
    spread = statistics.pstdev(float(RELEASE.mean(200.0, 100, key, "level:1", LEVELS)) for key in range(4000))
    assert spread == pytest.approx(2 ** 0.5 / 100, rel=0.1)


def test_means_stay_within_their_bounds_and_shares_within_zero_and_one():
    for key in range(300):
        assert 0 <= RELEASE.mean(0.0, 5, key, "level", LEVELS) <= 4
        assert 0 <= RELEASE.mean(20.0, 5, key, "level", LEVELS) <= 4
        share = RELEASE.share(5, 5, key, key + 1, "closed")
        assert isinstance(share, Value) and 0 <= share <= 1
    assert RELEASE.share(1, 4, 1, 1, "closed") == Suppressed(5)
    assert RELEASE.share(0, 0, 0, 0, "closed") is None


def test_no_noise_gives_the_exact_figures():
    exact = as_release(5)
    assert exact == Release(5) and exact.count(17, 5, "attempts") == 17
    assert exact.mean(34.0, 17, 5, "level", LEVELS) == 2.0
    assert exact.mean_ci(4, 8.0, 20.0, 1, "level", LEVELS) == Suppressed(5)
    ci = Release(1).mean_ci(4, 8.0, 20.0, 1, "level", LEVELS)  # values 1, 1, 3, 3: sd 1.1547
    assert (ci.mean, ci.ci_low, ci.ci_high) == (2.0, pytest.approx(0.1626, abs=1e-3),
                                                pytest.approx(3.8374, abs=1e-3))
    change = Release(1).paired(4, SIDES, 4.0, 8.0, 4.0, LEVELS)  # +1 each: no spread
    assert (change.mean_change, change.p) == (1.0, None)


def test_released_tests_are_worked_out_from_moved_sums():
    change = RELEASE.paired(40, SIDES, 40.0, 60.0, 30.0, LEVELS)
    assert isinstance(change.mean_change, Value) and isinstance(change.p, Value)
    assert change.mean_change == pytest.approx(change.mean_after - change.mean_before)
    assert change.mean_change == pytest.approx(0.5, abs=0.2)
    assert RELEASE.paired(4, SIDES, 4.0, 6.0, 2.0, LEVELS) == Suppressed(5)
    interval = RELEASE.mean_ci(40, 80.0, 200.0, 7, "level", SHARE)
    assert interval.ci_low <= interval.mean <= interval.ci_high


def test_a_share_moves_with_the_counts_beside_it():
    # a share of 30 out of 60 is the moved 30 over the moved 60, as the two counts are shown
    share = RELEASE.share(30, 60, 111, 222, "attempts")
    assert share == pytest.approx(RELEASE.count(30, 222, "attempts") / RELEASE.count(60, 111, "attempts"))


def test_the_mean_level_of_a_cycle_is_the_same_in_the_trend_and_in_the_change():
    mean_after = RELEASE.mean(60.0, 40, 9876, "level:1:all", LEVELS)
    interval = RELEASE.mean_ci(40, 60.0, 100.0, 9876, "level:1:all", LEVELS)
    change = RELEASE.paired(40, SIDES, 40.0, 60.0, 30.0, LEVELS)
    assert mean_after == interval.mean == pytest.approx(change.mean_after)
