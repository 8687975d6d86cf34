"""Evaluation statistics against figures computed by hand."""

import pytest

from app.services.evaluation.stats import holm, normalised_gain, paired_change, share_closed

pytestmark = pytest.mark.no_db


def test_paired_change_against_a_hand_computed_example():
    # changes 1, 1, 0, 1: mean 0.75, sd 0.5, se 0.25, t = 3.0 on 3 df
    change = paired_change([1, 2, 2, 3], [2, 3, 2, 4])
    assert (change.n, change.mean_before, change.mean_after, change.mean_change) == (4, 2.0, 2.75, 0.75)
    assert change.t == pytest.approx(3.0)
    assert change.cohens_dz == pytest.approx(1.5)
    # t(0.975, 3) = 3.182446; half width = 3.182446 * 0.25 = 0.795612
    assert change.ci_low == pytest.approx(0.75 - 0.795612, abs=1e-6)
    assert change.ci_high == pytest.approx(0.75 + 0.795612, abs=1e-6)
    assert change.p == pytest.approx(0.057669, abs=1e-6)


def test_fewer_than_two_pairs_is_not_enough_data():
    assert paired_change([], []) is None
    assert paired_change([1], [3]) is None


def test_identical_changes_have_no_test_and_no_effect_size():
    change = paired_change([1, 2], [2, 3])
    assert (change.mean_change, change.ci_low, change.ci_high) == (1.0, 1.0, 1.0)
    assert (change.t, change.p, change.cohens_dz) == (None, None, None)


def test_pairs_must_match():
    with pytest.raises(ValueError, match="pair up"):
        paired_change([1, 2], [1])


def test_normalised_gain():
    assert normalised_gain(0.5, 0.75) == pytest.approx(0.5)  # half the room left was gained
    assert normalised_gain(0.2, 0.1) == pytest.approx(-0.125)
    assert normalised_gain(1.0, 1.0) is None


def test_share_closed_counts_only_those_who_had_a_gap():
    assert share_closed([2, 1, 0, 1], [0, 1, 0, 0]) == pytest.approx(2 / 3)
    assert share_closed([0, 0], [0, 1]) is None



def test_holm_by_hand():
    # m = 4: 0.005 x 4 = 0.02; 0.01 x 3 = 0.03; 0.03 x 2 = 0.06; 0.04 x 1 = 0.04, raised to 0.06 (step-down)
    assert holm([0.01, None, 0.04, 0.03, 0.005]) == pytest.approx([0.03, None, 0.06, 0.06, 0.02])


def test_holm_caps_at_one_and_keeps_order():
    assert holm([0.5, 0.6]) == [1.0, 1.0]
    assert holm([]) == [] and holm([None]) == [None]
    assert holm([0.2]) == [0.2]  # a family of one is not adjusted

