"""The participation funnel: invited → started → submitted, per campaign and organisation."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from app.models import Attempt, AttemptStatus, Campaign, Invitation, Organisation
from app.services.evaluation.common import (
    DEFAULT_K,
    NO_FILTERS,
    Filters,
    Scope,
    Suppressed,
    Table,
    count_cell,
    hidden_groups,
    in_scope,
    rows,
)


@dataclass(frozen=True)
class FunnelRow:
    campaign_id: int
    campaign: str
    cycle_label: str
    organisation_id: int | None  # None on the campaign's total row
    organisation: str
    invited: int | Suppressed
    started: int | Suppressed  # has an attempt, submitted or not
    submitted: int | Suppressed
    is_total: bool = False


FUNNEL_COLUMNS = ("campaign", "cycle_label", "organisation", "invited", "started", "submitted")


def participation_funnel(session: Session, scope: Scope, filters: Filters = NO_FILTERS,
                         k: int = DEFAULT_K) -> Table[FunnelRow]:
    """Per campaign, one row per organisation and a total row ("All organisations").

    Invited counts invitations (by the invitation's organisation); started and submitted count
    attempts (by the attempt's organisation). Each of the three columns is protected on its own: a
    count under ``k`` is hidden, and with the total shown a lone hidden organisation takes the next
    smallest with it. The three stages are nested counts of the same officials, not separate groups,
    so the difference between two stages is not treated as a cell of its own. Four statements.
    """
    invited = (select(Invitation.campaign_id, Invitation.organisation_id, func.count().label("invited"))
               .join(Campaign, Campaign.id == Invitation.campaign_id)
               .where(in_scope(Campaign.country_id, scope))
               .group_by(Invitation.campaign_id, Invitation.organisation_id))
    if filters.organisation_id is not None:
        invited = invited.where(Invitation.organisation_id == filters.organisation_id)
    if filters.role_profile_id is not None:
        invited = invited.where(Invitation.role_profile_id == filters.role_profile_id)
    if filters.campaign_id is not None:
        invited = invited.where(Invitation.campaign_id == filters.campaign_id)

    attempts = (select(Attempt.campaign_id, Attempt.organisation_id, func.count().label("started"),
                       func.sum(case((Attempt.status == AttemptStatus.SUBMITTED, 1), else_=0))
                       .label("submitted"))
                .join(Campaign, Campaign.id == Attempt.campaign_id)
                .where(in_scope(Campaign.country_id, scope), in_scope(Attempt.country_id, scope))
                .group_by(Attempt.campaign_id, Attempt.organisation_id))
    if filters.organisation_id is not None:
        attempts = attempts.where(Attempt.organisation_id == filters.organisation_id)
    if filters.role_profile_id is not None:
        attempts = attempts.where(Attempt.role_profile_id == filters.role_profile_id)
    if filters.campaign_id is not None:
        attempts = attempts.where(Attempt.campaign_id == filters.campaign_id)

    keys = ["campaign_id", "organisation_id"]
    counts = pd.merge(
        pd.DataFrame(rows(session, invited), columns=[*keys, "invited"]),
        pd.DataFrame(rows(session, attempts), columns=[*keys, "started", "submitted"]),
        on=keys, how="outer").fillna(0)
    if counts.empty:
        return Table("participation", FUNNEL_COLUMNS, [], k)
    names = _names(session, counts)
    out: list[FunnelRow] = []
    for campaign_id, group in counts.groupby("campaign_id", sort=False):
        name, cycle, _opens = names["campaigns"][campaign_id]
        hidden = {stage: hidden_groups(dict(zip(group.organisation_id, group[stage].astype(int),
                                                strict=True)), k)
                  for stage in ("invited", "started", "submitted")}
        group = group.assign(organisation=group.organisation_id.map(names["organisations"]))
        for row in group.sort_values("organisation").itertuples():
            out.append(FunnelRow(int(campaign_id), name, cycle, int(row.organisation_id), row.organisation,
                                 *(count_cell(int(getattr(row, stage)), k,
                                              row.organisation_id in hidden[stage][0])
                                   for stage in ("invited", "started", "submitted"))))
        out.append(FunnelRow(int(campaign_id), name, cycle, None, "All organisations",
                             *(count_cell(int(group[stage].sum()), k, hidden[stage][1])
                               for stage in ("invited", "started", "submitted")), is_total=True))
    order = {cid: (opens, cid) for cid, (_n, _c, opens) in names["campaigns"].items()}
    out.sort(key=lambda r: order[r.campaign_id])  # stable: organisations stay in order, total last
    return Table("participation", FUNNEL_COLUMNS, out, k)


def _names(session: Session, counts: pd.DataFrame) -> dict[str, dict]:
    """Campaign and organisation names for the ids in ``counts``: two statements."""
    campaign_ids = sorted({int(c) for c in counts.campaign_id})
    organisation_ids = sorted({int(o) for o in counts.organisation_id})
    campaigns = {row.id: (row.name, row.cycle_label, row.opens_at) for row in session.execute(
        select(Campaign.id, Campaign.name, Campaign.cycle_label, Campaign.opens_at)
        .where(Campaign.id.in_(campaign_ids)))}
    organisations = dict(session.execute(
        select(Organisation.id, Organisation.name).where(Organisation.id.in_(organisation_ids))).all())
    return {"campaigns": campaigns, "organisations": organisations}
