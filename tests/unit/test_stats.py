"""Evaluation statistics against figures computed by hand."""

import pytest

from app.services.evaluation.stats import Cell, normalised_gain, paired_change, share_closed, suppress_counts

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


def test_small_counts_are_suppressed_and_zero_is_shown():
    cells, total = suppress_counts({"a": 12, "b": 7, "c": 0}, k=5)
    assert cells == {"a": Cell(12, False), "b": Cell(7, False), "c": Cell(0, False)}
    assert total == Cell(19, False)
    assert Cell(4, True).shown(5) == "fewer than 5" and Cell(12, False).shown(5) == "12"


def test_one_suppressed_group_cannot_be_worked_out_from_the_total():
    cells, total = suppress_counts({"small": 4, "big": 30, "middle": 9}, k=5)
    assert cells["small"].suppressed and cells["middle"].suppressed  # the next smallest goes too
    assert not cells["big"].suppressed and not total.suppressed


def test_a_lone_suppressed_group_suppresses_the_total():
    cells, total = suppress_counts({"only": 4, "empty": 0}, k=5)
    assert cells["only"].suppressed and total.suppressed


def test_two_suppressed_groups_need_nothing_more():
    cells, total = suppress_counts({"a": 3, "b": 4, "c": 20}, k=5)
    assert [g for g, c in cells.items() if c.suppressed] == ["a", "b"] and not total.suppressed


def test_without_a_total_only_small_cells_go():
    cells, total = suppress_counts({"a": 4, "b": 30}, k=5, with_total=False)
    assert cells["a"].suppressed and not cells["b"].suppressed and total is None
