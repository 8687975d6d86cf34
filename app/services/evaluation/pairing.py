"""Who pairs up between a follow-up campaign and its baseline, and who took only one of the two
(counted apart, never dropped silently)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

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
    key,
)
from app.services.evaluation.pairs import (
    counted,
    in_baseline,
    in_campaign_scope,
    in_follow_up,
    is_follow_up,
    pair,
)
from app.services.evaluation.release import Count, Release, as_release


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


def pairing(session: Session, scope: Scope, filters: Filters = NO_FILTERS, k: int | Release = DEFAULT_K,
            by: str | None = None) -> Table[PairingRow]:
    """Per follow-up campaign, how many officials pair up and how many took only one of the two
    cycles. ``by`` None: one row per campaign ("All officials"); "organisation" or "role_profile": a
    row per group (the organisation or role of the attempt they took) then an "All" row. Each count
    is released on its own (app.services.evaluation.release), keyed by its set of attempts, so a
    count that equals another table's (submitted, paired) is the same there, and one that does not
    cannot be worked out from them. Baseline-only officials are counted only in the organisations the
    follow-up was run in. Four statements."""
    release = as_release(k)
    counts = _counts(session, scope, filters, by)
    name = "pairing" if by is None else f"pairing-by-{by.replace('_', '-')}"
    if not counts:
        return Table(name, PAIRING_COLUMNS, [], release.k)
    campaigns = campaigns_with_baselines(session, scope)
    groups = group_names(session, by, {g for _c, g in counts}, scope)
    out: list[PairingRow] = []

    def released(n: dict[str, int]) -> list[Count | Suppressed]:
        return [release.count(n[stage], n[f"key_{stage}"], "attempts") for stage in STAGES]

    for campaign_id in sorted({c for c, _g in counts}, key=lambda c: campaigns[c]["order"]):
        info = campaigns[campaign_id]
        head = (campaign_id, info["name"], info["baseline_id"], info["baseline"])
        part = {g: n for (c, g), n in counts.items() if c == campaign_id}
        if by is None:
            out.append(PairingRow(*head, None, ALL_LABELS[None], *released(part[None])))
            continue
        for group in sorted(part, key=lambda g: groups[g][2:]):
            out.append(PairingRow(*head, group, groups[group][1], *released(part[group])))
        totals = {column: sum(n[column] for n in part.values()) for column in _COLUMNS}
        out.append(PairingRow(*head, None, ALL_LABELS[by], *released(totals), is_total=True))
    return Table(name, PAIRING_COLUMNS, out, release.k)


STAGES = ("paired", "baseline_only", "follow_up_only")
_COLUMNS = (*STAGES, *(f"key_{stage}" for stage in STAGES))


def _counts(session: Session, scope: Scope, filters: Filters, by: str | None
            ) -> dict[tuple[int, int | None], dict[str, int]]:
    """(follow-up campaign, group) -> the three counts and the keys of their sets of attempts (paired
    and follow-up only: the follow-up attempts; baseline only: the baseline attempts)."""
    p = pair()

    def grouped(attempt) -> list[Any]:
        if by == BY_ORGANISATION:
            return [attempt.organisation_id]
        if by == BY_ROLE:
            return [attempt.role_profile_id]
        return []

    paired = p.base.id.is_not(None)
    followed = (
        select(p.campaign.id, *grouped(p.follow_up), func.count(p.follow_up.id), func.count(p.base.id),
               key(p.follow_up.id, paired), key(p.follow_up.id, ~paired))
        .select_from(p.follow_up)
        .join(p.campaign, is_follow_up(p, p.follow_up))
        .outerjoin(p.base, in_baseline(p))
        .where(*counted(p, p.follow_up, scope, filters))
        .group_by(p.campaign.id, *grouped(p.follow_up)))
    left = (
        select(p.campaign.id, *grouped(p.base), func.count(p.base.id), key(p.base.id))
        .select_from(p.base)
        .join(p.campaign, p.campaign.baseline_id == p.base.campaign_id)
        .outerjoin(p.follow_up, in_follow_up(p))
        .where(p.follow_up.id.is_(None), in_campaign_scope(p, p.base), *counted(p, p.base, scope, filters))
        .group_by(p.campaign.id, *grouped(p.base)))
    counts: dict[tuple[int, int | None], dict[str, int]] = {}

    def entry(row) -> dict[str, int]:
        return counts.setdefault((row[0], row[1] if by else None), dict.fromkeys(_COLUMNS, 0))

    width = 1 + len(grouped(p.follow_up))
    for row in session.execute(followed):
        submitted, with_base, key_paired, key_alone = (int(v) for v in row[width:])
        entry(row).update(paired=with_base, follow_up_only=submitted - with_base, key_paired=key_paired,
                          key_follow_up_only=key_alone)
    for row in session.execute(left):
        entry(row).update(baseline_only=int(row[width]), key_baseline_only=int(row[width + 1]))
    return counts
