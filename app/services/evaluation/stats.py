"""The statistics behind evaluation: paired change between cycles and the adjustment of a family of tests.

Pure functions on plain numbers, so every figure a dashboard shows can be checked by hand.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import stats as scipy_stats

MIN_PAIRS = 2  # fewer pairs than this: "not enough data", never a number


@dataclass(frozen=True)
class PairedChange:
    """The change of one measure for the same people between two cycles."""

    n: int
    mean_before: float
    mean_after: float
    mean_change: float
    ci_low: float | None  # 95% confidence interval of the mean change
    ci_high: float | None
    t: float | None  # paired t-test; None when every change is the same (no spread)
    p: float | None
    cohens_dz: float | None  # mean change / standard deviation of the changes


def paired_change(before: Sequence[float], after: Sequence[float]) -> PairedChange | None:
    """Mean change with its 95% CI, a paired t-test and Cohen's d for paired samples (d_z).

    Returns None for fewer than MIN_PAIRS pairs. With no spread in the changes, the interval is the
    single value and the test and effect size are undefined (None).
    """
    if len(before) != len(after):
        raise ValueError("before and after must pair up")
    n = len(before)
    if n < MIN_PAIRS:
        return None
    b, a = np.asarray(before, dtype=float), np.asarray(after, dtype=float)
    diff = a - b
    mean = float(diff.mean())
    sd = float(diff.std(ddof=1))
    if sd == 0:
        return PairedChange(n, float(b.mean()), float(a.mean()), mean, mean, mean, None, None, None)
    half_width = float(scipy_stats.t.ppf(0.975, n - 1)) * sd / math.sqrt(n)
    result = scipy_stats.ttest_rel(a, b)
    return PairedChange(n, float(b.mean()), float(a.mean()), mean, mean - half_width, mean + half_width,
                        float(result.statistic), float(result.pvalue), mean / sd)


def normalised_gain(before_mean: float, after_mean: float, maximum: float = 1.0) -> float | None:
    """Hake's average normalised gain: (after - before) / (maximum - before), on group means.

    None when the group already scored the maximum before (there was nothing left to gain).
    """
    room = maximum - before_mean
    if room <= 0:
        return None
    return (after_mean - before_mean) / room


def share_closed(gaps_before: Sequence[int], gaps_after: Sequence[int]) -> float | None:
    """Of the pairs with a gap before, the share with no gap after; None when nobody had a gap."""
    had_gap = [after for before, after in zip(gaps_before, gaps_after, strict=True) if before > 0]
    if not had_gap:
        return None
    return sum(1 for after in had_gap if after <= 0) / len(had_gap)


def holm(p_values: Sequence[float | None]) -> list[float | None]:
    """Holm's step-down adjustment of a family of p-values (controls the family-wise error rate).

    The smallest of m p-values is multiplied by m, the next by m - 1, and so on; each adjusted value
    is at least the one before it and at most 1. None (no test) stays None and is not in the family.
    """
    tested = sorted((p, i) for i, p in enumerate(p_values) if p is not None)
    m = len(tested)
    adjusted: list[float | None] = [None] * len(p_values)
    running = 0.0
    for rank, (p, i) in enumerate(tested):
        running = max(running, min(1.0, (m - rank) * p))
        adjusted[i] = running
    return adjusted
