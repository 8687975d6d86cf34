"""The trend across cycles (a campaign chain baseline → follow-up 1 → follow-up 2 ...), and an
official's own results across the cycles they took."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Float, cast, func, select
from sqlalchemy.orm import Session

from app.models import Attempt, AttemptStatus, Campaign, CompetencyResult
from app.services.evaluation.common import (
    DEFAULT_K,
    NO_FILTERS,
    NOT_ENOUGH,
    Figure,
    Filters,
    Scope,
    Suppressed,
    Table,
    attempt_filters,
    in_scope,
    key,
    level_bounds,
    result_filters,
)
from app.services.evaluation.release import Bounds, Release, as_release


@dataclass(frozen=True)
class TrendRow:
    chain_id: int  # the chain's first (baseline) campaign
    chain: str
    campaign_id: int
    campaign: str
    cycle_label: str
    position: int  # 0 for the baseline, 1 for the first follow-up, ...
    officials: int | Suppressed  # officials with at least one competency (or the one filtered) assessed
    mean: Figure  # mean calibrated level
    ci_low: Figure  # 95% t interval of the mean
    ci_high: Figure
    not_assessed: int | Suppressed = 0  # officials who submitted with nothing assessed: not in the mean


TREND_COLUMNS = ("chain", "campaign", "cycle_label", "position", "officials", "mean", "ci_low", "ci_high",
                 "not_assessed")
TREND_PLAIN = ("chain", "campaign", "cycle_label", "position")


def level_measure(competency_id: int | None, filters: Filters) -> str:
    """What a sum of officials' levels measures, for the release layer: one competency's level, or
    each official's mean over the competencies assessed (which the validated filter changes)."""
    return f"level:{competency_id or 'mean'}:{'validated' if filters.validated_only else 'all'}"


def trend(session: Session, scope: Scope, filters: Filters = NO_FILTERS, k: int | Release = DEFAULT_K
          ) -> Table[TrendRow]:
    """Per campaign chain (baseline → follow-up 1 → follow-up 2 ...), every cycle's mean calibrated
    level over the officials who submitted in it (each official's mean over the competencies
    assessed, or the one competency filtered), with its 95% confidence interval. Every official of a
    cycle counts, not only the paired ones (see ``change_by_*`` for the paired change); an official
    with nothing assessed is left out of the mean and counted apart (``not_assessed``).
    ``filters.campaign_id`` picks the chain it belongs to. Each figure is released keyed by the
    cycle's set of attempts (release.mean_ci: the interval from the moved sums). Three statements."""
    release = as_release(k)
    campaigns = {row.id: row for row in session.execute(
        select(Campaign.id, Campaign.name, Campaign.cycle_label, Campaign.baseline_id, Campaign.opens_at)
        .where(in_scope(Campaign.country_id, scope)))}
    chains = _chains(campaigns)
    wanted = set(campaigns)
    if filters.campaign_id is not None:
        root = chains.get(filters.campaign_id, (None, 0))[0]
        wanted = {cid for cid, (r, _depth) in chains.items() if r == root} if root is not None else set()
    if not wanted:
        return Table("trend", TREND_COLUMNS, [], release.k, plain=TREND_PLAIN)
    sums = _sums(session, scope, filters, wanted)
    bounds = level_bounds(session)
    measure = level_measure(filters.competency_id, filters)
    out = []
    for campaign_id in sorted(wanted, key=lambda c: (campaigns[chains[c][0]].opens_at, chains[c][0],
                                                     chains[c][1], campaigns[c].opens_at, c)):
        root, depth = chains[campaign_id]
        row = sums.get(campaign_id)
        if row is None or (row.n == 0 and row.not_assessed == 0):
            continue
        campaign = campaigns[campaign_id]
        out.append(TrendRow(root, campaigns[root].name, campaign_id, campaign.name, campaign.cycle_label,
                            depth, *_figures(row, release, measure, bounds),
                            release.count(int(row.not_assessed), int(row.key_not_assessed), "attempts")))
    return Table("trend", TREND_COLUMNS, out, release.k, plain=TREND_PLAIN)


def _sums(session: Session, scope: Scope, filters: Filters, wanted: set[int]) -> dict[int, Any]:
    """campaign id -> n, not_assessed, total, total_sq and the keys of the officials with a level and
    of those without, over each submitted attempt's mean level. One statement."""
    per_attempt = (select(Attempt.campaign_id, Attempt.id.label("attempt_id"),
                          func.avg(cast(CompetencyResult.calibrated_level, Float)).label("level"))
                   .join(CompetencyResult, CompetencyResult.attempt_id == Attempt.id)
                   .where(Attempt.status == AttemptStatus.SUBMITTED, in_scope(Attempt.country_id, scope),
                          Attempt.campaign_id.in_(sorted(wanted)),
                          *attempt_filters(Attempt, filters, campaign=False),
                          *result_filters(CompetencyResult, filters))
                   .group_by(Attempt.campaign_id, Attempt.id))
    if filters.competency_id is not None:
        per_attempt = per_attempt.where(CompetencyResult.competency_id == filters.competency_id)
    a = per_attempt.subquery("per_attempt").c
    return {row.campaign_id: row for row in session.execute(  # AVG leaves NULL levels out
        select(a.campaign_id, func.count(a.level).label("n"),
               (func.count() - func.count(a.level)).label("not_assessed"),
               func.sum(a.level).label("total"), func.sum(a.level * a.level).label("total_sq"),
               key(a.attempt_id, a.level.is_not(None)).label("key_n"),
               key(a.attempt_id, a.level.is_(None)).label("key_not_assessed"))
        .group_by(a.campaign_id))}


def _figures(row: Any, release: Release, measure: str, bounds: Bounds
             ) -> tuple[Figure, Figure, Figure, Figure]:
    """(officials, mean, ci_low, ci_high) of one cycle."""
    n, key_n = int(row.n), int(row.key_n)
    officials = release.count(n, key_n, "attempts")
    estimate = release.mean_ci(n, float(row.total or 0), float(row.total_sq or 0), key_n, measure, bounds)
    if isinstance(estimate, Suppressed):
        return officials, estimate, estimate, estimate
    if estimate.mean is not None and estimate.ci_low is None:  # one official: no interval
        return officials, estimate.mean, NOT_ENOUGH, NOT_ENOUGH
    return officials, estimate.mean, estimate.ci_low, estimate.ci_high


def _chains(campaigns: dict[int, Any]) -> dict[int, tuple[int, int]]:
    """campaign id -> (its chain's first campaign, its position in the chain), following baseline_id
    (a baseline outside the viewer's scope ends the chain where the scope does)."""
    found: dict[int, tuple[int, int]] = {}
    for campaign_id in campaigns:
        seen, current = [campaign_id], campaign_id
        while campaigns[current].baseline_id in campaigns and campaigns[current].baseline_id not in seen:
            current = campaigns[current].baseline_id
            seen.append(current)
        found[campaign_id] = (current, len(seen) - 1)
    return found
