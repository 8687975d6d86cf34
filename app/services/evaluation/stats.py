"""The statistics behind evaluation: paired change between cycles, and small-cell suppression.

Pure functions on plain numbers, so every figure a dashboard shows can be checked by hand.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
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


@dataclass(frozen=True)
class Cell:
    """A count as it may be shown: the number, or suppressed because it is too small."""

    value: int
    suppressed: bool

    def shown(self, k: int) -> str:
        return f"fewer than {k}" if self.suppressed else str(self.value)


def suppress_counts(counts: Mapping[str, int], k: int, *, with_total: bool = True
                    ) -> tuple[dict[str, Cell], Cell | None]:
    """Suppress every count below ``k`` (zero is shown: it reveals no one).

    When a total is shown, one suppressed group could be worked out by subtracting the others from
    it, so the next smallest group is suppressed too; with a single group, the total itself is.
    Returns the cells by group and the total (None when ``with_total`` is false).
    """
    cells = {group: Cell(n, 0 < n < k) for group, n in counts.items()}
    total_value = sum(counts.values())
    total = Cell(total_value, 0 < total_value < k) if with_total else None
    if with_total and total is not None and not total.suppressed:
        hidden = [g for g, c in cells.items() if c.suppressed]
        if len(hidden) == 1:
            visible = sorted((c.value, g) for g, c in cells.items() if not c.suppressed and c.value > 0)
            if visible:
                smallest = visible[0][1]
                cells[smallest] = Cell(cells[smallest].value, True)
            else:
                total = Cell(total.value, True)
    return cells, total


def enough(n: int, k: int) -> bool:
    """Whether a figure over ``n`` people may be shown."""
    return n >= k
