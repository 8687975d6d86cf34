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
    count_cell,
    in_scope,
    mean_ci,
    result_filters,
)


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


def trend(session: Session, scope: Scope, filters: Filters = NO_FILTERS, k: int = DEFAULT_K
          ) -> Table[TrendRow]:
    """Per campaign chain (baseline → follow-up 1 → follow-up 2 ...), every cycle's mean calibrated
    level over the officials who submitted in it (each official's mean over the competencies
    assessed, or the one competency filtered), with its 95% confidence interval. Every official of a
    cycle counts, not only the paired ones (see ``change_by_*`` for the paired change); an official
    with nothing assessed is left out of the mean and counted apart (``not_assessed``).
    ``filters.campaign_id`` picks the chain it belongs to. Two statements."""
    campaigns = {row.id: row for row in session.execute(
        select(Campaign.id, Campaign.name, Campaign.cycle_label, Campaign.baseline_id, Campaign.opens_at)
        .where(in_scope(Campaign.country_id, scope)))}
    chains = _chains(campaigns)
    wanted = set(campaigns)
    if filters.campaign_id is not None:
        root = chains.get(filters.campaign_id, (None, 0))[0]
        wanted = {cid for cid, (r, _depth) in chains.items() if r == root} if root is not None else set()
    if not wanted:
        return Table("trend", TREND_COLUMNS, [], k)
    per_attempt = (select(Attempt.campaign_id, func.avg(cast(CompetencyResult.calibrated_level, Float))
                          .label("level"))
                   .join(CompetencyResult, CompetencyResult.attempt_id == Attempt.id)
                   .where(Attempt.status == AttemptStatus.SUBMITTED, in_scope(Attempt.country_id, scope),
                          Attempt.campaign_id.in_(sorted(wanted)),
                          *attempt_filters(Attempt, filters, campaign=False),
                          *result_filters(CompetencyResult, filters))
                   .group_by(Attempt.campaign_id, Attempt.id))
    if filters.competency_id is not None:
        per_attempt = per_attempt.where(CompetencyResult.competency_id == filters.competency_id)
    per_attempt = per_attempt.subquery("per_attempt")
    sums = {row.campaign_id: row for row in session.execute(  # AVG leaves NULL levels out
        select(per_attempt.c.campaign_id, func.count(per_attempt.c.level).label("n"),
               (func.count() - func.count(per_attempt.c.level)).label("not_assessed"),
               func.sum(per_attempt.c.level).label("total"),
               func.sum(per_attempt.c.level * per_attempt.c.level).label("total_sq"))
        .group_by(per_attempt.c.campaign_id))}
    out = []
    for campaign_id in sorted(wanted, key=lambda c: (campaigns[chains[c][0]].opens_at, chains[c][0],
                                                     chains[c][1], campaigns[c].opens_at, c)):
        root, depth = chains[campaign_id]
        row = sums.get(campaign_id)
        n, not_assessed = (int(row.n), int(row.not_assessed)) if row else (0, 0)
        if n == 0 and not_assessed == 0:
            continue
        estimate = mean_ci(n, float(row.total or 0), float(row.total_sq or 0))
        if n == 0:
            figures: tuple[Figure, ...] = (0, None, None, None)
        elif n < k:
            figures = (Suppressed(k),) * 4
        elif estimate.ci_low is None:
            figures = (n, estimate.mean, NOT_ENOUGH, NOT_ENOUGH)
        else:
            figures = (n, estimate.mean, estimate.ci_low, estimate.ci_high)
        campaign = campaigns[campaign_id]
        out.append(TrendRow(root, campaigns[root].name, campaign_id, campaign.name, campaign.cycle_label,
                            depth, *figures, count_cell(not_assessed, k)))
    return Table("trend", TREND_COLUMNS, out, k)


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
