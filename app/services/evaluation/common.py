"""What every evaluation table shares: the viewer's scope, the filters, the markers that stand in for a
figure that may not be shown, the table a function returns, the keys the release layer moves figures
by, and the statistics computed from the sums the database hands back.

Every figure about officials is released by app.services.evaluation.release (the threshold and the
cell-key noise, with its threat model); this module only gathers the sums and the keys.

Not assessed (``CompetencyResult.calibrated_level`` None: too little evidence, so no gap either) is
never 0: it is left out of every mean, distribution, share and test, and each table of levels, gaps
or change counts it apart ("not assessed"), a count like any other.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from scipy import stats as scipy_stats
from sqlalchemy import ColumnElement, and_, case, exists, false, func, select, true
from sqlalchemy.orm import InstrumentedAttribute, Session

from app.models import Attempt, AttemptStatus, Organisation, ProficiencyLevel, ResultSource
from app.services.assessment.latest import latest_submitted_attempts
from app.services.evaluation.stats import MIN_PAIRS, PairedChange

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
    ``plain`` names the columns that are not figures about officials (labels, a level, a number of
    resources, an organisation's score): every number in the other columns comes from the release
    layer (app.services.evaluation.release).
    """

    name: str
    columns: tuple[str, ...]
    rows: list[R]
    k: int
    notes: tuple[str, ...] = field(default=())
    plain: tuple[str, ...] = field(default=())

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


def organisation_names(session: Session, scope: Scope) -> dict[int, str]:
    """The names of the organisations in the viewer's countries: read by scope, never by a list of
    the ids a table found (that list grows with the data, and a database limits bind parameters).
    One statement."""
    return dict(session.execute(select(Organisation.id, Organisation.name)
                                .where(in_scope(Organisation.country_id, scope))).all())


def attempt_filters(attempt: Any, filters: Filters, *, campaign: bool = True) -> list[ColumnElement[bool]]:
    """Conditions on an Attempt (or an alias, a subquery's columns, or an Invitation) for the filters."""
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

    Columns: attempt_id, user_id, campaign_id, organisation_id, role_profile_id, country_id,
    first_language.
    """
    conditions = [in_scope(Attempt.country_id, scope)]
    if filters.campaign_id is not None:
        conditions.append(Attempt.campaign_id == filters.campaign_id)
    latest = latest_submitted_attempts(*conditions)
    return (latest.where(*attempt_filters(latest.selected_columns, filters, campaign=False))
            .subquery("chosen"))


def key(record_id: Any, condition: ColumnElement[bool] | None = None) -> ColumnElement[int]:
    """The key of a set of records for the release layer (app.services.evaluation.release): the sum of
    their ids, those meeting ``condition`` when one is given; 0 for none."""
    if condition is None:
        return func.coalesce(func.sum(record_id), 0)
    return func.coalesce(func.sum(case((condition, record_id), else_=0)), 0)


@dataclass(frozen=True)
class Bounds:
    """The range one official's value can take (e.g. a level on a 0-4 scale): the noise on a sum of
    such values is a fraction of its width."""

    low: float
    high: float

    @property
    def width(self) -> float:
        return self.high - self.low


def level_bounds(session: Session) -> Bounds:
    """The range of a level on the frameworks' scales (the release layer's noise on a sum of levels
    is a fraction of it). One statement."""
    low, high = session.execute(select(func.min(ProficiencyLevel.level),
                                       func.max(ProficiencyLevel.level))).one()
    return Bounds(float(low or 0), float(high if high is not None else 1))


def rows(session: Session, stmt) -> list[dict[str, Any]]:
    return [dict(row) for row in session.execute(stmt).mappings()]


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


def mean_ci(n: int, total: float, total_sq: float, extra_variance: float = 0.0) -> MeanCI:
    """The mean of ``n`` values given their sum and sum of squares, with its 95% t interval;
    ``extra_variance`` is added to the mean's (the release layer's noise, so the interval holds it)."""
    if n == 0:
        return MeanCI(0, None, None, None)
    mean = total / n
    if n < 2:
        return MeanCI(n, mean, None, None)
    se = math.sqrt(_variance(n, total, total_sq) / n + extra_variance)
    half_width = float(scipy_stats.t.ppf(0.975, n - 1)) * se
    return MeanCI(n, mean, mean - half_width, mean + half_width)


def paired_from_sums(n: int, sum_before: float, sum_after: float, sum_diff: float, sum_diff_sq: float,
                     extra_variance: float = 0.0) -> PairedChange | None:
    """evaluation.stats.paired_change, from the sums of the pairs instead of the pairs themselves:
    the mean change, its 95% CI, the paired t-test and Cohen's d_z. None under MIN_PAIRS pairs.
    ``extra_variance`` is added to the mean change's (the release layer's noise): the interval and
    the test then hold the uncertainty the noise adds, while d_z stays the changes' own."""
    if n < MIN_PAIRS:
        return None
    mean = sum_diff / n
    before, after = sum_before / n, sum_after / n
    sd = math.sqrt(_variance(n, sum_diff, sum_diff_sq))
    if sd == 0 and extra_variance == 0:
        return PairedChange(n, before, after, mean, mean, mean, None, None, None)
    se = math.sqrt(sd * sd / n + extra_variance)
    half_width = float(scipy_stats.t.ppf(0.975, n - 1)) * se
    t = mean / se
    p = float(2 * scipy_stats.t.sf(abs(t), n - 1))
    return PairedChange(n, before, after, mean, mean - half_width, mean + half_width, t, p,
                        mean / sd if sd else None)
