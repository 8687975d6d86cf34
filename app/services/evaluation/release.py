"""The one release layer: every figure about officials that leaves the system — page, chart, CSV,
XLSX, and later the API — is made here from the exact figure, the number of officials behind it and
the key of that set of officials. No Flask.

Method: a threshold plus cell-key perturbation (the method of ABS TableBuilder and the ONS).

- A figure over fewer than ``k`` officials (but more than none) is not shown: ``Suppressed(k)``.
  Zero is shown as zero: it reveals no one.
- Every other count moves by a whole number drawn from a two-sided geometric distribution
  (P(move = m) ∝ alpha^|m|, alpha = e^(-2/D), D = ``noise``, config DISCLOSURE_NOISE), never below
  ``k``: at D = 2 about half the counts stay, one in five moves by 2 or more, one in a hundred by 5 or
  more. Every sum behind a mean, a change or a test moves by Laplace noise of scale D/8 of one
  official's whole range (a quarter of the range at D = 2: one level on a 0-4 scale, so a mean over
  n officials moves by about 1.4/n levels). Means, intervals, tests and effect sizes are worked out
  from the moved sums, shares from the moved counts, so each one inherits it; intervals and tests add
  the noise's variance to their own, so a 95% interval still holds the true figure 95 times in 100
  and a test does not call noise a change. The noise has no
  bound, so no difference of shown figures ever pins a hidden one down, even at its extremes.
Threat model. A viewer (a focal point, say) may combine everything they can see: every filter
combination, every table on every page, every export, asked for as often as they like, and what they
know of some officials. Guaranteed: no figure about fewer than ``k`` officials is shown, and none can
be worked out exactly by subtracting or adding shown figures — the result carries noise the viewer
cannot remove, since the same figure always carries the same noise. Not guaranteed: that the noise
cannot be narrowed by averaging many *different* routes to the same small group (each route adds its
own noise; a few routes narrow it little), and anything about groups of ``k`` or more — those are
released, slightly moved. Figures about organisations (maturity, indicators) and about content
(resources) are not about officials and are not moved. ``noise`` 0 keeps the threshold only, which
does not protect against subtraction: for tests of the exact statistics, never for a deployment.

Rows of a table no longer add up exactly to its total (each is moved on its own); the pages and the
files say so. Released numbers are ``Count`` (an int) and ``Value`` (a float): a page, chart or
export that shows any other number about officials has bypassed this layer (tests/web/test_release_bypass.py).
"""

from __future__ import annotations

import hashlib
import hmac
import math
from dataclasses import dataclass

from app.services.evaluation.common import (
    DEFAULT_K,
    NOT_ENOUGH,
    Bounds,
    Figure,
    MeanCI,
    Suppressed,
    mean_ci,
    paired_from_sums,
)
from app.services.evaluation.stats import PairedChange


class Count(int):
    """A count of officials as released."""

    __slots__ = ()


class Value(float):
    """A mean, share, interval end, test or effect size as released."""

    __slots__ = ()


SHARE = Bounds(0.0, 1.0)


@dataclass(frozen=True)
class Sides:
    """How the sums of a paired change are moved: the level before, keyed by the baseline attempts,
    and after, keyed by the follow-up attempts (each measured as the same level would be in any
    other table: a mean level of a cycle moves the same way in the trend and in the change), and the
    spread of the changes."""

    before_key: int
    after_key: int
    before: str
    after: str
    spread: str


@dataclass(frozen=True)
class Release:
    """How figures are released: ``k`` the threshold, ``noise`` D (0: none), ``secret`` the key of the
    hash. Build it with ``for_deployment`` from the app's settings; an int ``k`` passed to an
    evaluation function stands for ``Release(k)``, exact figures for the statistics' tests."""

    k: int = DEFAULT_K
    noise: int = 0
    secret: bytes = b""

    @classmethod
    def for_deployment(cls, k: int, noise: int, secret: str | bytes) -> Release:
        key = secret.encode() if isinstance(secret, str) else secret
        return cls(k=k, noise=noise, secret=hmac.new(key, b"capstack-release", hashlib.sha256).digest())

    # The keyed move --------------------------------------------------------------------------------

    def _uniforms(self, key: int, n: int, measure: str) -> tuple[float, float, float, float]:
        """Four numbers in (0, 1): the same for the same set of records and measure, independent
        otherwise."""
        digest = hmac.new(self.secret, f"{measure}|{n}|{key}".encode(), hashlib.sha256).digest()
        return tuple((int.from_bytes(digest[i:i + 8], "big") + 0.5) / 2**64  # type: ignore[return-value]
                     for i in range(0, 32, 8))

    @property
    def alpha(self) -> float:
        """The ratio of the two-sided geometric noise on counts: P(move = m) ∝ alpha^|m|."""
        return math.exp(-2 / self.noise) if self.noise else 0.0

    def count_noise_pmf(self, move: int) -> float:
        """P(a count moves by ``move``): the public part of the method (the key is the secret one).
        Every move has a chance, so no difference of two counts is ever certain."""
        if not self.noise:
            return 1.0 if move == 0 else 0.0
        a = self.alpha
        return (1 - a) / (1 + a) * a ** abs(move)

    def _count_move(self, key: int, n: int, measure: str) -> int:
        stay, size, sign, _ = self._uniforms(key, n, f"{measure}#n")
        a = self.alpha
        if stay < (1 - a) / (1 + a):
            return 0
        magnitude = 1 + math.floor(math.log(size) / math.log(a))
        return magnitude if sign < 0.5 else -magnitude

    def sum_variance(self, bounds: Bounds) -> float:
        """The variance of the move of a sum of values within ``bounds`` (Laplace: 2 scale²), which
        intervals and tests add to their own so that they hold the noise too."""
        scale = bounds.width * self.noise / 8
        return 2 * scale * scale

    def _sum_move(self, key: int, n: int, measure: str, width: float) -> float:
        """Laplace noise of scale width * D / 8 (a quarter of the range at D = 2)."""
        u = self._uniforms(key, n, measure)[0] - 0.5
        return -math.copysign(1.0, u) * math.log(1 - 2 * abs(u)) * width * self.noise / 8

    def hidden(self, n: int) -> bool:
        return 0 < n < self.k

    # Releasing -------------------------------------------------------------------------------------

    def _moved(self, n: int, key: int, record: str) -> int:
        return int(n) + self._count_move(key, int(n), record) if n and self.noise else int(n)

    def count(self, n: int, key: int, record: str) -> Count | Suppressed:
        """A count of ``n`` officials: the set of ``record`` ("attempts", "users", ...) whose ids sum
        to ``key``."""
        if self.hidden(int(n)):
            return Suppressed(self.k)
        moved = self._moved(n, key, record)
        return Count(max(self.k, moved) if n else 0)

    def total(self, total: float, n: int, key: int, measure: str, bounds: Bounds) -> float:
        """A sum over ``n`` officials, moved (not shown alone)."""
        if not self.noise or n == 0:
            return float(total)
        return float(total) + self._sum_move(key, n, measure, bounds.width)

    def sum(self, total: float, n: int, key: int, measure: str, bounds: Bounds) -> Figure:
        """A sum over ``n`` officials shown as such (hours of learning, say), each within ``bounds``."""
        if self.hidden(n):
            return Suppressed(self.k)
        moved = self.total(total, n, key, measure, bounds)
        return Value(min(bounds.high * n, max(bounds.low * n, moved)))

    def mean(self, total: float, n: int, key: int, measure: str, bounds: Bounds) -> Figure:
        """The mean of ``n`` values summing to ``total``, each within ``bounds``."""
        if n == 0:
            return None
        if self.hidden(n):
            return Suppressed(self.k)
        mean = self.total(total, n, key, measure, bounds) / n
        return Value(min(bounds.high, max(bounds.low, mean)))

    def share(self, part: int, whole: int, key: int, part_key: int, record: str) -> Figure:
        """``part`` of ``whole`` officials (the part a subset of the whole) as a share of the two moved
        counts, each moved as ``count`` moves it, so a share shown beside its counts adds no second
        reading of them; hidden when the whole is under ``k``, None when it is empty."""
        if whole == 0:
            return None
        if self.hidden(whole):
            return Suppressed(self.k)
        moved_whole = int(self.count(whole, key, record))
        return Value(min(1.0, max(0, self._moved(part, part_key, record)) / moved_whole))

    def mean_ci(self, n: int, total: float, total_sq: float, key: int, measure: str, bounds: Bounds
                ) -> MeanCI | Suppressed:
        """A mean with its 95% interval from moved sums; ``Suppressed`` under ``k``. The spread is
        moved as the sum of squares about the middle of ``bounds`` (each official adds at most a
        quarter of the range squared), and the interval holds the noise of the mean."""
        if self.hidden(n):
            return Suppressed(self.k)
        moved = self.total(total, n, key, measure, bounds)
        middle = (bounds.low + bounds.high) / 2
        centred = total_sq - 2 * middle * total + n * middle * middle
        centred = self.total(centred, n, key, f"{measure}^2", Bounds(0.0, (bounds.width / 2) ** 2))
        if n:
            moved = min(bounds.high * n, max(bounds.low * n, moved))
            moved_sq = max(centred + 2 * middle * moved - n * middle * middle, moved * moved / n)
        else:
            moved_sq = 0.0
        found = mean_ci(n, moved, moved_sq, self.sum_variance(bounds) / n ** 2 if n else 0.0)
        return MeanCI(found.n, *(None if v is None else Value(v)
                                 for v in (found.mean, found.ci_low, found.ci_high)))

    def paired(self, n: int, sides: Sides, sum_before: float, sum_after: float, sum_diff_sq: float,
               bounds: Bounds) -> PairedChange | Suppressed | None:
        """The paired change of ``n`` pairs from moved sums (before, after, squared changes), each
        moved as its ``sides`` say; None under MIN_PAIRS pairs, ``Suppressed`` under ``k``."""
        if self.hidden(n):
            return Suppressed(self.k)
        before = self.total(sum_before, n, sides.before_key, sides.before, bounds)
        after = self.total(sum_after, n, sides.after_key, sides.after, bounds)
        diff = after - before
        diff_sq = self.total(sum_diff_sq, n, sides.after_key, sides.spread, Bounds(0.0, bounds.width ** 2))
        if n:
            diff_sq = max(diff_sq, diff * diff / n)
        change = paired_from_sums(n, before, after, diff, diff_sq, 2 * self.sum_variance(bounds) / n ** 2)
        if change is None:
            return None
        return PairedChange(*(v if v is None or isinstance(v, int) else Value(v) for v in (
            change.n, change.mean_before, change.mean_after, change.mean_change, change.ci_low,
            change.ci_high, change.t, change.p, change.cohens_dz)))

    def value(self, figure: Figure) -> Figure:
        """A figure already worked out from released ones (a gain from released means, an adjusted p
        from released p values), marked as released."""
        return derived(figure)


def share_of(part: Figure, whole: Figure) -> Figure:
    """A share worked out from two released counts shown beside it (``part`` of ``whole``): hidden
    with either, None for an empty whole, at most 1 (moved counts may pass each other)."""
    for marker in (whole, part):
        if not isinstance(marker, int | float):
            return marker
    return Value(min(1.0, part / whole)) if whole else None


def derived(figure: Figure) -> Figure:
    """A number worked out only from released figures (a share of two released counts, a gain of two
    released means), marked as released: it can reveal no more than they do."""
    if isinstance(figure, int | float) and not isinstance(figure, bool | Count | Value):
        return Value(figure)
    return figure


def as_release(k: int | Release) -> Release:
    """An evaluation function's ``k`` argument: a Release, or a bare threshold (exact figures)."""
    return k if isinstance(k, Release) else Release(int(k))


__all__ = ["NOT_ENOUGH", "SHARE", "Bounds", "Count", "Release", "Sides", "Value", "as_release",
           "derived", "share_of"]
