"""The participation funnel: invited → started → submitted, per campaign and organisation."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from app.models import Attempt, AttemptStatus, Campaign, Invitation
from app.services.evaluation.common import (
    DEFAULT_K,
    NO_FILTERS,
    Filters,
    Scope,
    Suppressed,
    Table,
    attempt_filters,
    in_scope,
    key,
    organisation_names,
    rows,
)
from app.services.evaluation.release import Count, Release, as_release


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
                         k: int | Release = DEFAULT_K) -> Table[FunnelRow]:
    """Per campaign, one row per organisation and a total row ("All organisations").

    Invited counts invitations (by the invitation's organisation); started and submitted count
    attempts (by the attempt's organisation). Each count is released on its own, keyed by its set of
    invitations or attempts (app.services.evaluation.release): neither the total minus the other
    organisations nor one stage minus another gives a hidden count exactly. Four statements.
    """
    release = as_release(k)
    invited = (select(Invitation.campaign_id, Invitation.organisation_id, func.count().label("invited"),
                      key(Invitation.id).label("key_invited"))
               .join(Campaign, Campaign.id == Invitation.campaign_id)
               .where(in_scope(Campaign.country_id, scope), *attempt_filters(Invitation, filters))
               .group_by(Invitation.campaign_id, Invitation.organisation_id))

    attempts = (select(Attempt.campaign_id, Attempt.organisation_id, func.count().label("started"),
                       func.sum(case((Attempt.status == AttemptStatus.SUBMITTED, 1), else_=0))
                       .label("submitted"), key(Attempt.id).label("key_started"),
                       key(Attempt.id, Attempt.status == AttemptStatus.SUBMITTED).label("key_submitted"))
                .join(Campaign, Campaign.id == Attempt.campaign_id)
                .where(in_scope(Campaign.country_id, scope), in_scope(Attempt.country_id, scope),
                       *attempt_filters(Attempt, filters))
                .group_by(Attempt.campaign_id, Attempt.organisation_id))

    keys = ["campaign_id", "organisation_id"]
    counts = pd.merge(
        pd.DataFrame(rows(session, invited), columns=[*keys, "invited", "key_invited"]),
        pd.DataFrame(rows(session, attempts), columns=[*keys, "started", "submitted", "key_started",
                                                       "key_submitted"]),
        on=keys, how="outer").fillna(0)
    if counts.empty:
        return Table("participation", FUNNEL_COLUMNS, [], release.k)
    names = _names(session, scope)
    out: list[FunnelRow] = []

    def released(values) -> list[Count | Suppressed]:
        return [release.count(int(values[stage]), int(values[f"key_{stage}"]), record)
                for stage, record in STAGES]

    for campaign_id, group in counts.groupby("campaign_id", sort=False):
        name, cycle, _opens = names["campaigns"][campaign_id]
        group = group.assign(organisation=group.organisation_id.map(names["organisations"]))
        for row in group.sort_values("organisation").to_dict("records"):
            out.append(FunnelRow(int(campaign_id), name, cycle, int(row["organisation_id"]),
                                 row["organisation"], *released(row)))
        out.append(FunnelRow(int(campaign_id), name, cycle, None, "All organisations",
                             *released({c: int(group[c].astype(int).sum()) for c in _COUNTED}),
                             is_total=True))
    order = {cid: (opens, cid) for cid, (_n, _c, opens) in names["campaigns"].items()}
    out.sort(key=lambda r: order[r.campaign_id])  # stable: organisations stay in order, total last
    return Table("participation", FUNNEL_COLUMNS, out, release.k)


STAGES = (("invited", "invitations"), ("started", "attempts"), ("submitted", "attempts"))
_COUNTED = [column for stage, _record in STAGES for column in (stage, f"key_{stage}")]


def _names(session: Session, scope: Scope) -> dict[str, dict]:
    """Campaign and organisation names in the viewer's countries (by scope, not by a list of the
    ids found: two statements whatever the data)."""
    campaigns = {row.id: (row.name, row.cycle_label, row.opens_at) for row in session.execute(
        select(Campaign.id, Campaign.name, Campaign.cycle_label, Campaign.opens_at)
        .where(in_scope(Campaign.country_id, scope)))}
    return {"campaigns": campaigns, "organisations": organisation_names(session, scope)}
