"""What every analytics table shares: the viewer's scope, the filters, the markers that stand in for a
figure that may not be shown, the table a function returns, and the statistics computed from the
sums the database hands back.

Small-cell rule (the same in every table, page, CSV and XLSX): a figure computed over fewer than
``k`` officials is replaced by ``Suppressed(k)`` ("fewer than K"). Where a table also shows a total
over groups that partition the same officials, one hidden group could be worked out by subtracting
the others from the total, so the next smallest group is hidden too (evaluation.stats.suppress_counts);
a mean, a change or a share follows the count of officials it was computed over.

Not assessed (``CompetencyResult.calibrated_level`` None: too little evidence, so no gap either) is
never 0: it is left out of every mean, distribution, share and test, and each table of levels, gaps
or change counts it apart ("not assessed"), a count like any other under the rule above.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Mapping
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from scipy import stats as scipy_stats
from sqlalchemy import ColumnElement, and_, exists, false, func, select, true
from sqlalchemy.orm import InstrumentedAttribute, Session

from app.models import Attempt, AttemptStatus, ResultSource
from app.services.evaluation.stats import MIN_PAIRS, PairedChange, suppress_counts

DEFAULT_K = 5  # config SMALL_CELL_K; the caller passes current_app.config["SMALL_CELL_K"]

Scope = frozenset[int] | None
"""The countries the viewer may see: ``visible_country_ids(user)`` (None: every country), possibly
narrowed by the caller to one country."""


@dataclass(frozen=True)
class Filters:
    """What the dashboard's filter form narrows the figures to; None means no filter.

    ``organisation_id`` and ``role_profile_id`` are those of the official's attempt (where they were
    when assessed); ``campaign_id`` picks one campaign (a cycle); ``competency_id`` narrows the tables
    that can be read for one competency (trend, change by organisation or role profile, heatmap,
    levels, assets); ``validated_only`` keeps the results a manager validated
    (``CompetencyResult.source == "validated"``) in every table of results (levels, gaps, change,
    trend, person-level), not in those about who took part or what they learned.
    """

    organisation_id: int | None = None
    role_profile_id: int | None = None
    campaign_id: int | None = None
    competency_id: int | None = None
    validated_only: bool = False


NO_FILTERS = Filters()


@dataclass(frozen=True)
class Suppressed:
    """Stands in for a figure computed over fewer than ``k`` officials: no number, ever."""

    k: int

    def __str__(self) -> str:
        return f"fewer than {self.k}"


@dataclass(frozen=True)
class NotEnoughData:
    """Stands in for a statistic that needs more than there is (a change over fewer than 2 pairs, a
    confidence interval over fewer than 2 officials), when the figure is not suppressed already."""

    def __str__(self) -> str:
        return "not enough data"


NOT_ENOUGH = NotEnoughData()

Figure = int | float | Suppressed | NotEnoughData | None
"""A cell of a table: a number, a marker, or None (nothing to show: no officials, or not defined,
e.g. no spread for a t-test)."""


def is_suppressed(value: object) -> bool:
    return isinstance(value, Suppressed)


R = TypeVar("R")


@dataclass(frozen=True)
class Table(Generic[R]):
    """Rows ready for a page's table, a chart, a CSV or an XLSX sheet.

    ``columns`` are the row attributes (or mapping keys) exported, in order, and the CSV header.
    ``name`` is a short slug for file names. ``k`` is the small-cell threshold the rows were built with.
    """

    name: str
    columns: tuple[str, ...]
    rows: list[R]
    k: int
    notes: tuple[str, ...] = field(default=())

    def value(self, row: R, column: str) -> Any:
        if isinstance(row, Mapping):
            return row.get(column)
        return getattr(row, column)

    def records(self) -> list[list[Any]]:
        return [[self.value(row, column) for column in self.columns] for row in self.rows]


# Scope and filters in SQL --------------------------------------------------------------------------


def in_scope(column: InstrumentedAttribute[Any] | ColumnElement[Any], scope: Scope) -> ColumnElement[bool]:
    """The condition "``column`` is a country the viewer may see"."""
    if scope is None:
        return true()
    if not scope:
        return false()
    return column.in_(sorted(scope))


def attempt_filters(attempt: Any, filters: Filters, *, campaign: bool = True) -> list[ColumnElement[bool]]:
    """Conditions on an Attempt (or an alias, or a subquery's columns) for the filters."""
    conditions = []
    if filters.organisation_id is not None:
        conditions.append(attempt.organisation_id == filters.organisation_id)
    if filters.role_profile_id is not None:
        conditions.append(attempt.role_profile_id == filters.role_profile_id)
    if campaign and filters.campaign_id is not None:
        conditions.append(attempt.campaign_id == filters.campaign_id)
    return conditions


def result_filters(result: Any, filters: Filters) -> list[ColumnElement[bool]]:
    """Conditions on a CompetencyResult (or an alias) for the filters: the validated ones only, when
    asked. A result not assessed stays in (it is counted apart); a validated one always has a level."""
    if filters.validated_only:
        return [result.source == ResultSource.VALIDATED]
    return []


def assessed(result: Any) -> ColumnElement[bool]:
    """The condition "``result`` is assessed": it has a level (and so a gap, with a target). A result
    not assessed is left out of every mean, share and test, never counted as level 0."""
    return result.calibrated_level.is_not(None)


def people_filter(user_id: Any, filters: Filters) -> ColumnElement[bool]:
    """For tables about people's learning (activity, feedback): officials who took part (a submitted
    attempt) in the filtered campaign and/or under the filtered role profile. The organisation filter
    is applied by each table to its own organisation column."""
    conditions = [Attempt.user_id == user_id, Attempt.status == AttemptStatus.SUBMITTED]
    if filters.role_profile_id is not None:
        conditions.append(Attempt.role_profile_id == filters.role_profile_id)
    if filters.campaign_id is not None:
        conditions.append(Attempt.campaign_id == filters.campaign_id)
    if len(conditions) == 2:
        return true()
    return exists(select(Attempt.id).where(and_(*conditions)))


def chosen_attempts(scope: Scope, filters: Filters):
    """A subquery of the one submitted attempt per official a cross-sectional table reads: their
    latest (by submission time) in scope, or the one in ``filters.campaign_id``; then narrowed to the
    organisation and role profile filters (so an official who moved is counted where they are now).

    Columns: attempt_id, user_id, campaign_id, organisation_id, role_profile_id, country_id.
    """
    rank = func.row_number().over(partition_by=Attempt.user_id,
                                  order_by=(Attempt.submitted_at.desc(), Attempt.id.desc()))
    ranked = (select(Attempt.id.label("attempt_id"), Attempt.user_id, Attempt.campaign_id,
                     Attempt.organisation_id, Attempt.role_profile_id, Attempt.country_id,
                     rank.label("rank"))
              .where(Attempt.status == AttemptStatus.SUBMITTED, in_scope(Attempt.country_id, scope)))
    if filters.campaign_id is not None:
        ranked = ranked.where(Attempt.campaign_id == filters.campaign_id)
    ranked = ranked.subquery("ranked")
    return (select(ranked.c.attempt_id, ranked.c.user_id, ranked.c.campaign_id,
                   ranked.c.organisation_id, ranked.c.role_profile_id, ranked.c.country_id)
            .where(ranked.c.rank == 1, *attempt_filters(ranked.c, filters, campaign=False))
            .subquery("chosen"))


def rows(session: Session, stmt) -> list[dict[str, Any]]:
    return [dict(row) for row in session.execute(stmt).mappings()]


# Suppression ---------------------------------------------------------------------------------------


def hidden_groups(counts: Mapping[Hashable, int], k: int, *, with_total: bool = True
                  ) -> tuple[set[Hashable], bool]:
    """The groups whose figures must be hidden, and whether the total must be (see the module rule).

    ``counts`` are the officials behind each group's figure; the groups must partition the officials
    behind the total.
    """
    cells, total = suppress_counts(counts, k, with_total=with_total)  # type: ignore[arg-type]
    return {group for group, cell in cells.items() if cell.suppressed}, bool(total and total.suppressed)


def count_cell(n: int, k: int, hidden: bool = False) -> int | Suppressed:
    """A count as shown: zero reveals no one; below ``k`` (or hidden for a total's sake) it is not shown."""
    return Suppressed(k) if hidden or 0 < n < k else n


def shown(value: Figure, n: int, k: int, hidden: bool = False) -> Figure:
    """A figure over ``n`` officials as shown: suppressed below ``k`` or when ``hidden``."""
    if hidden or 0 < n < k:
        return Suppressed(k)
    return value


# Statistics from sums ------------------------------------------------------------------------------
#
# The database returns, per group, n, the sum and the sum of squares; the statistics are worked out
# from those, so no table fetches one row per official. tests/unit/test_analytics_change.py checks
# they equal app.services.evaluation.stats.paired_change on the same numbers.

_RELATIVE_ZERO = 1e-9  # below this, a variance worked out from sums is rounding: no spread at all


def _variance(n: int, total: float, total_sq: float) -> float:
    variance = (total_sq - total * total / n) / (n - 1)
    return 0.0 if variance <= _RELATIVE_ZERO * max(1.0, total_sq / n) else variance


@dataclass(frozen=True)
class MeanCI:
    n: int
    mean: float | None
    ci_low: float | None  # None: fewer than 2 values
    ci_high: float | None


def mean_ci(n: int, total: float, total_sq: float) -> MeanCI:
    """The mean of ``n`` values given their sum and sum of squares, with its 95% t interval."""
    if n == 0:
        return MeanCI(0, None, None, None)
    mean = total / n
    if n < 2:
        return MeanCI(n, mean, None, None)
    half_width = float(scipy_stats.t.ppf(0.975, n - 1)) * math.sqrt(_variance(n, total, total_sq) / n)
    return MeanCI(n, mean, mean - half_width, mean + half_width)


def paired_from_sums(n: int, sum_before: float, sum_after: float, sum_diff: float, sum_diff_sq: float
                     ) -> PairedChange | None:
    """evaluation.stats.paired_change, from the sums of the pairs instead of the pairs themselves:
    the mean change, its 95% CI, the paired t-test and Cohen's d_z. None under MIN_PAIRS pairs."""
    if n < MIN_PAIRS:
        return None
    mean = sum_diff / n
    before, after = sum_before / n, sum_after / n
    sd = math.sqrt(_variance(n, sum_diff, sum_diff_sq))
    if sd == 0:
        return PairedChange(n, before, after, mean, mean, mean, None, None, None)
    se = sd / math.sqrt(n)
    half_width = float(scipy_stats.t.ppf(0.975, n - 1)) * se
    t = mean / se
    p = float(2 * scipy_stats.t.sf(abs(t), n - 1))
    return PairedChange(n, before, after, mean, mean - half_width, mean + half_width, t, p, mean / sd)


def ratio(part: float, whole: float) -> float | None:
    return part / whole if whole else None
