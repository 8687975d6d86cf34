"""The scoring rules (rule version 2): not assessed is not zero, a skipped check is no evidence, and the
measurement model's level with its uncertainty holds up in simulation."""

from __future__ import annotations

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.services.assessment import estimate
from app.services.assessment.estimate import Check
from app.services.assessment.scoring import (
    ASSESSED,
    NOT_ASSESSED,
    OVER,
    SELF_DECLARED,
    UNDER,
    Minimum,
    ScoredItem,
    certainty,
    gap,
    is_assessed,
    is_right,
    score_answers,
    score_competency,
)

LEVELS = (0, 1, 2, 3, 4)
FULL_FORM = (1, 2, 3, 4)  # one check per level, as the bundled instrument draws


def guttman(true_level: int, check_levels=FULL_FORM, options: int = 4) -> list[Check]:
    """Every check right at and below the true level, wrong above it."""
    return [Check(level, options, level <= true_level) for level in check_levels]


# Not assessed is not zero -------------------------------------------------------------------------------

def test_an_empty_attempt_is_not_assessed_anywhere_and_has_no_level_or_gap():
    items = [ScoredItem(1, "self_rating", 7), ScoredItem(2, "knowledge", 7, level=1, key="a", options=4),
             ScoredItem(3, "knowledge", 7, level=2, key="b", options=4)]
    [score] = score_answers(items, {}, {7: 3})
    assert (score.source, score.level, score.gap, score.probability) == (NOT_ASSESSED, None, None, None)
    assert not score.assessed


def test_fewer_answered_checks_than_the_minimum_is_not_assessed():
    assert not is_assessed(3, answered=1, offered=4, minimum=Minimum(checks=2))
    assert is_assessed(3, answered=2, offered=4, minimum=Minimum(checks=2))
    # a form that offers fewer checks than the minimum asks for all of them
    assert is_assessed(3, answered=1, offered=1, minimum=Minimum(checks=2))
    # without checks, a self-rating is a self-declared level
    score = score_competency(7, 2, [], offered=0, target=3)
    assert (score.source, score.level, score.gap) == (SELF_DECLARED, 2, 1)


def test_the_default_minimum_needs_the_self_rating():
    checks = guttman(2)
    assert score_competency(7, None, checks, 4, 3).source == NOT_ASSESSED
    assert score_competency(7, None, checks, 4, 3, Minimum(self_rating=False)).level == 2
    assert score_competency(7, None, [], 0, 3, Minimum(self_rating=False)).source == NOT_ASSESSED


def test_a_skipped_check_changes_nothing():
    items = [ScoredItem(1, "self_rating", 7), ScoredItem(2, "knowledge", 7, level=1, key="a", options=4),
             ScoredItem(3, "knowledge", 7, level=2, key="b", options=4),
             ScoredItem(4, "knowledge", 7, level=3, key="c", options=4)]
    answered = {1: 3, 2: "a", 3: "b"}
    [skipped] = score_answers(items, answered, {7: 4})
    [without] = score_answers(items[:3], answered, {7: 4})
    assert skipped.probabilities == without.probabilities and skipped.level == without.level
    assert skipped.knowledge_total == 2 and skipped.knowledge_offered == 3  # not counted as wrong


def test_right_is_the_key_and_nothing_else():
    assert is_right("b", "b") and is_right("1", 1)
    assert not is_right("b", None) and not is_right("b", "a") and not is_right(None, "a")


def test_gap_is_never_negative_and_none_without_a_level():
    assert gap(3, 4) == 0 and gap(3, 1) == 2 and gap(None, 2) is None and gap(3, None) is None


def test_confidence_flags_two_levels_apart():
    assert score_competency(7, 4, guttman(1), 4, None).confidence == OVER
    assert score_competency(7, 0, guttman(3), 4, None).confidence == UNDER
    assert score_competency(7, 2, guttman(2), 4, None).confidence == "ok"


# The model in simulation ------------------------------------------------------------------------------

def test_a_random_guesser_who_self_rates_4_reaches_level_3_in_at_most_5_percent_of_runs():
    rng = random.Random(20261202)
    runs, high = 4000, 0
    for _ in range(runs):
        checks = [Check(level, 4, rng.random() < 0.25) for level in FULL_FORM]
        high += score_competency(7, 4, checks, 4, 4).level >= 3
    assert high / runs <= 0.05


@pytest.mark.parametrize("per_level", [1, 3])
@pytest.mark.parametrize("self_level", [None, *LEVELS])
@pytest.mark.parametrize("true_level", LEVELS)
def test_answers_that_fit_a_level_place_the_official_at_it(true_level, self_level, per_level):
    checks = guttman(true_level, [level for level in FULL_FORM for _ in range(per_level)])
    score = score_competency(7, self_level, checks, len(checks), 4, Minimum(self_rating=False))
    assert score.level == true_level
    assert score.interval[0] <= true_level <= score.interval[1]


@settings(max_examples=300, deadline=None)
@given(true_level=st.sampled_from(LEVELS), matching_self_rating=st.booleans(),
       levels=st.lists(st.sampled_from(FULL_FORM), min_size=1, max_size=12))
def test_more_answers_that_fit_never_widen_the_interval(true_level, matching_self_rating, levels):
    """With answers that fit one level and no self-rating against them, each further check keeps or
    narrows the interval. (Answers that contradict the self-rating or each other may widen it: that is
    the model saying it is less sure, which the confidence flag reports.)"""
    self_level = true_level if matching_self_rating else None
    width = estimate.interval(estimate.prior(LEVELS, self_level))
    width = width[1] - width[0]
    for count in range(1, len(levels) + 1):
        answered = guttman(true_level, levels[:count])
        low, high = estimate.interval(estimate.posterior(LEVELS, self_level, answered))
        assert high - low <= width
        width = high - low


def test_on_average_more_checks_narrow_the_interval():
    rng = random.Random(7)
    mean_width = []
    for count in (0, 4, 8, 12):
        total = 0
        for _ in range(600):
            true_level, self_level = rng.choice(LEVELS), rng.choice(LEVELS)
            checks = [Check(level, 4, (rng.random() > 0.05) if true_level >= level else rng.random() < 0.25)
                      for level in [1 + i % 4 for i in range(count)]]
            low, high = estimate.interval(estimate.posterior(LEVELS, self_level, checks))
            total += high - low
        mean_width.append(total / 600)
    assert mean_width == sorted(mean_width, reverse=True) and mean_width[-1] < mean_width[0]


def test_probabilities_sum_to_one_and_the_level_is_the_most_probable():
    score = score_competency(7, 3, guttman(2), 4, 3)
    assert sum(score.probabilities) == pytest.approx(1)
    assert score.probability == max(score.probabilities) and score.source == ASSESSED
    assert score.probabilities.index(score.probability) == score.level == 2


def test_certainty_in_words():
    assert (certainty(0.85), certainty(0.65), certainty(0.4), certainty(None)) == (
        "sure", "fairly sure", "not sure", "")


def test_the_adaptive_form_reaches_the_fixed_forms_precision_with_at_most_60_percent_of_its_checks():
    """bench/measurement.py prints the whole curve; this holds its headline on a seeded simulation."""
    from app.services.assessment import adaptive
    from app.services.assessment.forms import Candidate

    rng = random.Random(11)
    bank = [(Candidate(i, f"k{level}{letter}", "knowledge", 1, level, i), 4)
            for i, (level, letter) in enumerate((lv, lt) for lv in FULL_FORM for lt in "abc")]
    fixed_error = adaptive_error = asked = 0
    runs = 800
    for _ in range(runs):
        true_level = rng.choice(LEVELS)
        self_level = min(4, max(0, true_level + rng.choice((-1, 0, 0, 1, 1, 2))))

        def answer(level, true_level=true_level):
            return rng.random() < (0.9 if true_level >= level else 0.25)

        fixed = [Check(level, 4, answer(level)) for level in FULL_FORM]
        fixed_error += abs(score_competency(1, self_level, fixed, 4, None).level - true_level)
        checks, pool = [], list(bank)
        while pool and not adaptive.should_stop(self_level, checks, 2):
            chosen = adaptive.next_check(self_level, checks, pool, set(), rng)
            pool = [entry for entry in pool if entry[0].id != chosen.id]
            checks.append(Check(chosen.level, 4, answer(chosen.level)))
        asked += len(checks)
        adaptive_error += abs(score_competency(1, self_level, checks, len(checks), None).level - true_level)
    assert asked / runs <= 0.6 * len(FULL_FORM)
    assert adaptive_error <= fixed_error
