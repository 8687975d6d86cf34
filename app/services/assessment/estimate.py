"""The measurement model: a probability over a competency's levels from a self-rating and knowledge checks.

Pure functions over plain numbers, so the model can be simulated (bench/measurement.py) and tested
without a database. Rule version 2 (see scoring.RULE_VERSION); the words the help page uses:

- **Before any check** the self-rating sets how likely each level is: every level at or below the
  self-rated one starts equally likely, the self-rated level a little more (×1.3), and each level above it
  half as likely as the one below. A self-rating is an upper guide, not proof: people more often rate
  themselves too high than too low. Without a self-rating every level starts equally likely.
- **Each answered check** at level L with n options changes that: someone at level L or above answers it
  right 95 times in 100 (a 5 % slip), someone below L only by chance, one time in n.
  An unanswered check is no evidence and changes nothing.
- The **estimate** is the most probable level; **how sure** is its probability; the **interval** is the
  narrowest run of neighbouring levels, around the estimate, that holds at least 80 % of the probability.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

SLIP = 0.05  # someone at or above a check's level still answers it wrong this often
PEAK = 1.3  # the self-rated level's weight, against 1 for each level below it
ABOVE = 0.5  # each level above the self-rating is this much less likely than the one below it
INTERVAL_MASS = 0.8


@dataclass(frozen=True)
class Check:
    """One answered knowledge check: the level it evidences, how many options it offered, and whether
    it was answered right."""

    level: int
    options: int
    correct: bool


def prior(levels: Sequence[int], self_level: int | None) -> list[float]:
    """How likely each of ``levels`` is before any knowledge check, from the self-rating."""
    if self_level is None:
        weights = [1.0 for _ in levels]
    else:
        weights = [PEAK if level == self_level else 1.0 if level < self_level
                   else ABOVE ** (level - self_level) for level in levels]
    total = sum(weights)
    return [weight / total for weight in weights]


def p_right(level: int, check_level: int, options: int) -> float:
    """The probability that someone at ``level`` answers a check at ``check_level`` right."""
    if level >= check_level:
        return 1 - SLIP
    return 1 / max(options, 2)


def update(probabilities: Sequence[float], levels: Sequence[int], check: Check) -> list[float]:
    """``probabilities`` after one answered check."""
    weights = [p * (p_right(level, check.level, check.options) if check.correct
                    else 1 - p_right(level, check.level, check.options))
               for p, level in zip(probabilities, levels, strict=True)]
    total = sum(weights)
    return [weight / total for weight in weights]


def posterior(levels: Sequence[int], self_level: int | None, checks: Iterable[Check]) -> list[float]:
    """How likely each of ``levels`` is given the self-rating and every answered check."""
    probabilities = prior(levels, self_level)
    for check in checks:
        probabilities = update(probabilities, levels, check)
    return probabilities


def most_probable(probabilities: Sequence[float]) -> int:
    """The index of the most probable level; on a tie, the lower level (the cautious reading)."""
    best = max(probabilities)
    return next(i for i, p in enumerate(probabilities) if math.isclose(p, best, rel_tol=1e-9) or p == best)


def interval(probabilities: Sequence[float], mass: float = INTERVAL_MASS) -> tuple[int, int]:
    """(low, high) indexes: the run around the most probable level holding at least ``mass``.

    Grows one level at a time towards the more probable neighbour (the lower one on a tie).
    """
    low = high = most_probable(probabilities)
    held = probabilities[low]
    while held < mass - 1e-12 and (low > 0 or high < len(probabilities) - 1):
        below = probabilities[low - 1] if low > 0 else -1.0
        above = probabilities[high + 1] if high < len(probabilities) - 1 else -1.0
        if below >= above:
            low -= 1
            held += below
        else:
            high += 1
            held += above
    return low, high


def entropy(probabilities: Sequence[float]) -> float:
    return -sum(p * math.log(p) for p in probabilities if p > 0)


def expected_entropy(probabilities: Sequence[float], levels: Sequence[int], check_level: int,
                     options: int) -> float:
    """The uncertainty expected to remain after answering a check at ``check_level``: the lower, the
    more informative the check is for this official now (the adaptive form picks the lowest)."""
    right = sum(p * p_right(level, check_level, options)
                for p, level in zip(probabilities, levels, strict=True))
    after_right = update(probabilities, levels, Check(check_level, options, True))
    after_wrong = update(probabilities, levels, Check(check_level, options, False))
    return right * entropy(after_right) + (1 - right) * entropy(after_wrong)
