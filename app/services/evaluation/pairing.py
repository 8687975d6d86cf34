"""Who pairs up between a follow-up campaign and its baseline, and who took only one of the two
(counted apart, never dropped silently)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session, aliased

from app.models import Attempt, AttemptStatus, Campaign
from app.services.evaluation.change import (
    ALL_LABELS,
    BY_ORGANISATION,
    BY_ROLE,
    campaigns_with_baselines,
    group_names,
)
from app.services.evaluation.common import (
    DEFAULT_K,
    NO_FILTERS,
    Filters,
    Scope,
    Suppressed,
    Table,
    attempt_filters,
    count_cell,
    hidden_groups,
    in_scope,
)


@dataclass(frozen=True)
class PairingRow:
    campaign_id: int  # the follow-up campaign
    campaign: str
    baseline_id: int
    baseline: str
    group_id: int | None
    group: str
    paired: int | Suppressed  # submitted in both
    baseline_only: int | Suppressed  # submitted in the baseline, not (yet) in the follow-up
    follow_up_only: int | Suppressed  # submitted in the follow-up, not in the baseline
    is_total: bool = False


PAIRING_COLUMNS = ("campaign", "baseline", "group", "paired", "baseline_only", "follow_up_only")


def pairing(session: Session, scope: Scope, filters: Filters = NO_FILTERS, k: int = DEFAULT_K,
            by: str | None = None) -> Table[PairingRow]:
    """Per follow-up campaign, how many officials pair up and how many took only one of the two
    cycles. ``by`` None: one row per campaign ("All officials"; each count protected on its own);
    "organisation" or "role_profile": a row per group (the organisation or role of the attempt they
    took) then an "All" row, each column protected across the groups. Four statements."""
    follow_up, base = aliased(Attempt, name="follow_up"), aliased(Attempt, name="base")
    campaign = aliased(Campaign, name="follow_up_campaign")

    def grouped(attempt) -> list[Any]:
        if by == BY_ORGANISATION:
            return [attempt.organisation_id]
        if by == BY_ROLE:
            return [attempt.role_profile_id]
        return []

    def narrowed(stmt):
        if filters.campaign_id is None:
            return stmt
        return stmt.where(or_(campaign.id == filters.campaign_id,
                              campaign.baseline_id == filters.campaign_id))

    followed = narrowed(
        select(campaign.id, *grouped(follow_up), func.count(follow_up.id), func.count(base.id))
        .select_from(follow_up)
        .join(campaign, and_(campaign.id == follow_up.campaign_id, campaign.baseline_id.is_not(None)))
        .outerjoin(base, and_(base.campaign_id == campaign.baseline_id, base.user_id == follow_up.user_id,
                              base.status == AttemptStatus.SUBMITTED))
        .where(follow_up.status == AttemptStatus.SUBMITTED, in_scope(follow_up.country_id, scope),
               in_scope(campaign.country_id, scope), *attempt_filters(follow_up, filters, campaign=False))
        .group_by(campaign.id, *grouped(follow_up)))
    left = narrowed(
        select(campaign.id, *grouped(base), func.count(base.id))
        .select_from(base)
        .join(campaign, campaign.baseline_id == base.campaign_id)
        .outerjoin(follow_up, and_(follow_up.campaign_id == campaign.id, follow_up.user_id == base.user_id,
                                   follow_up.status == AttemptStatus.SUBMITTED))
        .where(base.status == AttemptStatus.SUBMITTED, follow_up.id.is_(None),
               in_scope(base.country_id, scope), in_scope(campaign.country_id, scope),
               *attempt_filters(base, filters, campaign=False))
        .group_by(campaign.id, *grouped(base)))
    counts: dict[tuple[int, int | None], dict[str, int]] = {}

    def entry(row) -> dict[str, int]:
        key = (row[0], row[1] if by else None)
        return counts.setdefault(key, {"paired": 0, "baseline_only": 0, "follow_up_only": 0})

    for row in session.execute(followed):
        entry(row).update(paired=row[-1], follow_up_only=row[-2] - row[-1])
    for row in session.execute(left):
        entry(row)["baseline_only"] = row[-1]
    name = "pairing" if by is None else f"pairing-by-{by.replace('_', '-')}"
    if not counts:
        return Table(name, PAIRING_COLUMNS, [], k)
    campaigns = campaigns_with_baselines(session, {c for c, _g in counts})
    groups = group_names(session, by, {g for _c, g in counts})
    stages = ("paired", "baseline_only", "follow_up_only")
    out: list[PairingRow] = []
    for campaign_id in sorted({c for c, _g in counts}, key=lambda c: campaigns[c]["order"]):
        info = campaigns[campaign_id]
        head = (campaign_id, info["name"], info["baseline_id"], info["baseline"])
        part = {g: n for (c, g), n in counts.items() if c == campaign_id}
        if by is None:
            out.append(PairingRow(*head, None, ALL_LABELS[None],
                                  *(count_cell(part[None][s], k) for s in stages)))
            continue
        hidden = {s: hidden_groups({g: n[s] for g, n in part.items()}, k) for s in stages}
        for group in sorted(part, key=lambda g: groups[g][2:]):
            out.append(PairingRow(*head, group, groups[group][1],
                                  *(count_cell(part[group][s], k, group in hidden[s][0]) for s in stages)))
        totals = {s: sum(n[s] for n in part.values()) for s in stages}
        out.append(PairingRow(*head, None, ALL_LABELS[by],
                              *(count_cell(totals[s], k, hidden[s][1]) for s in stages), is_total=True))
    return Table(name, PAIRING_COLUMNS, out, k)


