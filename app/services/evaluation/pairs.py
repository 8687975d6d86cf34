"""A pair of attempts: the one definition every table of change and pairing uses.

A follow-up campaign (``Campaign.baseline_id``) pairs each official's submitted attempt in it with
their submitted attempt in the baseline campaign it points at. A chain baseline → follow-up 1 →
follow-up 2 pairs each follow-up with the campaign it points at. Both attempts must be in the
viewer's countries, and the filters apply to the attempt of the cycle a table counts by (its
organisation and role profile); a campaign filter picks the follow-up or the baseline it follows.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import ColumnElement, and_, or_, select
from sqlalchemy.orm import aliased

from app.models import Attempt, AttemptStatus, Campaign, CampaignOrganisation
from app.services.evaluation.common import Filters, Scope, attempt_filters, in_scope


@dataclass(frozen=True)
class Pair:
    """The aliases of a pair: the follow-up attempt, its campaign and the baseline attempt."""

    follow_up: type[Attempt]
    campaign: type[Campaign]
    base: type[Attempt]


def pair() -> Pair:
    return Pair(aliased(Attempt, name="follow_up"), aliased(Campaign, name="follow_up_campaign"),
                aliased(Attempt, name="base"))


def is_follow_up(p: Pair, attempt) -> ColumnElement[bool]:
    """``p.campaign`` is the follow-up campaign of ``attempt`` (the join condition)."""
    return and_(p.campaign.id == attempt.campaign_id, p.campaign.baseline_id.is_not(None))


def in_baseline(p: Pair) -> ColumnElement[bool]:
    """``p.base`` is the submitted baseline attempt of the official of ``p.follow_up``."""
    return and_(p.base.campaign_id == p.campaign.baseline_id, p.base.user_id == p.follow_up.user_id,
                p.base.status == AttemptStatus.SUBMITTED)


def in_follow_up(p: Pair) -> ColumnElement[bool]:
    """``p.follow_up`` is the submitted follow-up attempt of the official of ``p.base``."""
    return and_(p.follow_up.campaign_id == p.campaign.id, p.follow_up.user_id == p.base.user_id,
                p.follow_up.status == AttemptStatus.SUBMITTED)


def counted(p: Pair, attempt, scope: Scope, filters: Filters) -> list[ColumnElement[bool]]:
    """The conditions on the attempt a table counts (``p.follow_up`` or ``p.base``): submitted, in
    the viewer's countries with its campaign, under the organisation and role filters, and the
    campaign filter (the follow-up, or the baseline it follows)."""
    conditions = [attempt.status == AttemptStatus.SUBMITTED, in_scope(attempt.country_id, scope),
                  in_scope(p.campaign.country_id, scope), *attempt_filters(attempt, filters, campaign=False)]
    if filters.campaign_id is not None:
        conditions.append(or_(p.campaign.id == filters.campaign_id,
                              p.campaign.baseline_id == filters.campaign_id))
    return conditions


def in_campaign_scope(p: Pair, attempt) -> ColumnElement[bool]:
    """``attempt``'s organisation is in the follow-up campaign's scope (or the campaign lists none):
    a follow-up's tables list only the organisations it was run in."""
    listed = (select(CampaignOrganisation.organisation_id)
              .where(CampaignOrganisation.campaign_id == p.campaign.id))
    # "this organisation is listed" on both columns, so the database looks it up by the primary key
    # (an IN over the campaign's list was scanned once per attempt: 0.9 s at 100,000 officials)
    this_one = listed.where(CampaignOrganisation.organisation_id == attempt.organisation_id)
    return or_(~listed.exists(), this_one.exists())
