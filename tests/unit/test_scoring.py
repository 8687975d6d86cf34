"""The scoring rules at every boundary: evidence level, calibration, confidence and gap."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.models import ItemKind
from app.services.assessment.scoring import (
    OK,
    OVER,
    UNDER,
    Check,
    calibrated_level,
    confidence,
    evidence_level,
    evidence_shares,
    gap,
    score_answers,
    score_competency,
)

pytestmark = pytest.mark.no_db

levels = st.integers(min_value=0, max_value=4)
maybe_levels = st.none() | levels


# Evidence ---------------------------------------------------------------------------------------------

def test_shares_are_per_level_and_unanswered_checks_count_as_not_right():
    checks = [Check(1, True), Check(1, False), Check(3, True), Check(3, True), Check(3, False)]
    assert evidence_shares(checks) == {1: 0.5, 3: pytest.approx(2 / 3)}


def test_no_checks_means_no_evidence_level():
    assert evidence_level({}) is None


@pytest.mark.parametrize(("shares", "expected"), [
    ({1: 0.5}, 1),                  # exactly half supports the level
    ({1: 0.49}, 0),                 # just under half does not; nothing supported is 0
    ({1: 0.0, 3: 0.0}, 0),
    ({1: 1.0, 3: 0.5}, 3),          # the highest supported level wins
    ({1: 1.0, 3: 0.25}, 1),
    ({1: 0.0, 3: 1.0}, 3),          # the rule looks at each level on its own
    ({2: 1.0, 4: 0.5}, 4),
])
def test_evidence_level_is_the_highest_level_with_at_least_half_right(shares, expected):
    assert evidence_level(shares) == expected


# Calibration ------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("self_level", "evidence", "expected"), [
    (4, 1, 2),   # capped one level above the evidence
    (3, 1, 2),
    (2, 1, 2),   # exactly one above: not capped
    (1, 1, 1),   # equal
    (0, 3, 0),   # below the evidence: the self-rating stands (never raised)
    (4, 0, 1),   # nothing supported: at most level 1
    (0, 0, 0),
    (4, 4, 4),
    (3, None, 3),  # no knowledge checks: the self-rating
    (None, 2, 2),  # no self-rating: the evidence alone
    (None, 0, 0),
    (None, None, 0),  # neither: nothing shows a level
])
def test_calibrated_level(self_level, evidence, expected):
    assert calibrated_level(self_level, evidence) == expected


@given(self_level=levels, evidence=maybe_levels)
def test_calibrated_is_never_above_the_self_rating_nor_more_than_one_above_the_evidence(self_level, evidence):
    calibrated = calibrated_level(self_level, evidence)
    assert 0 <= calibrated <= self_level
    if evidence is not None:
        assert calibrated <= evidence + 1
        assert calibrated == self_level or calibrated == evidence + 1


# Confidence -------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("self_level", "evidence", "expected"), [
    (3, 1, OVER),   # exactly two above
    (4, 0, OVER),
    (2, 1, OK),     # one above
    (1, 1, OK),
    (1, 2, OK),     # one below
    (1, 3, UNDER),  # exactly two below
    (0, 4, UNDER),
    (4, None, OK),  # no checks: no flag
    (None, 3, OK),  # no self-rating: no flag
])
def test_confidence_flags_a_difference_of_two_levels_or_more(self_level, evidence, expected):
    assert confidence(self_level, evidence) == expected


@given(self_level=levels, evidence=levels)
def test_confidence_is_symmetric(self_level, evidence):
    flipped = {OVER: UNDER, UNDER: OVER, OK: OK}
    assert confidence(evidence, self_level) == flipped[confidence(self_level, evidence)]
    assert (confidence(self_level, evidence) == OK) == (abs(self_level - evidence) < 2)


# Gap --------------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("target", "calibrated", "expected"), [
    (3, 1, 2), (3, 2, 1), (3, 3, 0), (3, 4, 0), (0, 0, 0), (None, 2, None),
])
def test_gap_is_target_minus_calibrated_never_below_zero(target, calibrated, expected):
    assert gap(target, calibrated) == expected


@given(self_level=maybe_levels, target=maybe_levels,
       checks=st.lists(st.tuples(st.integers(1, 4), st.booleans()), max_size=8))
def test_a_scored_competency_keeps_every_invariant(self_level, target, checks):
    score = score_competency(1, self_level, [Check(level, right) for level, right in checks], target)
    assert score.knowledge_total == len(checks)
    assert score.knowledge_correct == sum(right for _, right in checks)
    if score.gap is not None:
        assert score.gap >= 0
        assert score.gap == max(0, target - score.calibrated_level)
    else:
        assert target is None
    if self_level is not None:
        assert score.calibrated_level <= self_level
    assert (score.evidence_level is None) == (not checks)


# A whole attempt's answers ------------------------------------------------------------------------------

def _item(item_id, kind, competency_id, level=None, key=None):
    return SimpleNamespace(id=item_id, kind=kind, competency_id=competency_id, level=level, key=key)


def test_score_answers_reads_self_ratings_and_checks_per_competency():
    items = [
        _item(1, ItemKind.CONTEXT, None),
        _item(2, ItemKind.SELF_RATING, 10),
        _item(3, ItemKind.KNOWLEDGE, 10, level=1, key="a"),
        _item(4, ItemKind.KNOWLEDGE, 10, level=3, key="b"),
        _item(5, ItemKind.SELF_RATING, 20),
        _item(6, ItemKind.KNOWLEDGE, 20, level=2, key="c"),
    ]
    answers = {1: ["en"], 2: 4, 3: "a", 4: "a", 6: "c"}  # 5 (self-rating of 20) left unanswered
    first, second = score_answers(items, answers, {10: 3})

    assert (first.competency_id, first.self_level, first.evidence_level) == (10, 4, 1)
    assert first.evidence == {1: 1.0, 3: 0.0}
    assert (first.calibrated_level, first.confidence, first.target_level, first.gap) == (2, OVER, 3, 1)
    assert (second.competency_id, second.self_level, second.evidence_level) == (20, None, 2)
    assert (second.calibrated_level, second.confidence, second.gap) == (2, OK, None)
