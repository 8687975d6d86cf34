"""Countries side by side, for admins: participation, the mean gap, the latest paired change and the
practitioners of each country, under the same small-cell rule as every other table."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Float, and_, case, cast, distinct, func, select
from sqlalchemy.orm import Session, aliased

from app.models import Attempt, AttemptStatus, Campaign, CompetencyResult, Country, Invitation
from app.services.evaluation.common import (
    DEFAULT_K,
    NO_FILTERS,
    NOT_ENOUGH,
    Figure,
    Filters,
    Scope,
    Suppressed,
    Table,
    assessed,
    chosen_attempts,
    count_cell,
    in_scope,
    mean_ci,
    ratio,
    shown,
)
from app.services.evaluation.levels import PRACTITIONER
from app.services.evaluation.stats import MIN_PAIRS


@dataclass(frozen=True)
class CountryRow:
    country_id: int
    country_code: str
    country: str
    invited: int | Suppressed  # officials invited to at least one campaign
    submitted: int | Suppressed  # of those, officials who submitted at least one assessment
    response_rate: Figure  # of the officials invited, the share who submitted
    mean_gap: Figure  # over every competency assessed (with a target) of each official's latest result
    follow_up: str  # the country's latest follow-up campaign ("" when it has none)
    pairs: int | Suppressed  # officials paired between that follow-up and its baseline
    mean_change: Figure  # each paired official's mean change in calibrated level, averaged
    ci_low: Figure
    ci_high: Figure
    practitioners: int | Suppressed  # officials at practitioner level or above in some competency
    not_assessed: int | Suppressed  # officials with some competency not assessed in their latest result


COUNTRY_COLUMNS = ("country_code", "country", "invited", "submitted", "response_rate", "mean_gap",
                   "follow_up", "pairs", "mean_change", "ci_low", "ci_high", "practitioners",
                   "not_assessed")


def countries_side_by_side(session: Session, scope: Scope, filters: Filters = NO_FILTERS,
                           k: int = DEFAULT_K) -> Table[CountryRow]:
    """One row per country in ``scope`` (country name order), whatever the filters (campaigns and
    organisations belong to one country; a comparison takes each country whole).

    No total row: countries do not add up to anything shown, so a hidden figure cannot be worked
    out by subtraction. Each count under ``k`` is hidden, and each figure follows the count of
    officials behind it (the response rate follows both counts; the change, the pairs). Results not
    assessed are in no mean gap, change or practitioner count; the officials with one are counted
    apart (``not_assessed``). Five statements.
    """
    del filters  # see the docstring: the comparison takes each country whole
    countries = session.execute(select(Country.id, Country.code, Country.name)
                                .where(in_scope(Country.id, scope)).order_by(Country.name)).all()
    if not countries:
        return Table("countries", COUNTRY_COLUMNS, [], k)

    submitted_attempt = aliased(Attempt, name="submitted_attempt")
    participation = {row.country_id: row for row in session.execute(
        select(Campaign.country_id, func.count(distinct(Invitation.user_id)).label("invited"),
               func.count(distinct(submitted_attempt.user_id)).label("responded"))
        .select_from(Invitation)
        .join(Campaign, Campaign.id == Invitation.campaign_id)
        .outerjoin(submitted_attempt, and_(submitted_attempt.campaign_id == Invitation.campaign_id,
                                           submitted_attempt.user_id == Invitation.user_id,
                                           submitted_attempt.status == AttemptStatus.SUBMITTED))
        .where(in_scope(Campaign.country_id, scope))
        .group_by(Campaign.country_id))}

    levels = _latest_levels(session, scope)
    latest = _latest_follow_ups(session, scope)
    changes = _changes(session, scope, [campaign_id for campaign_id, _name in latest.values()])

    out = []
    for country_id, code, name in countries:
        invited = int(participation[country_id].invited) if country_id in participation else 0
        responded = int(participation[country_id].responded) if country_id in participation else 0
        level = levels.get(country_id)
        with_gap = int(level.with_gap) if level else 0
        follow_up_id, follow_up = latest.get(country_id, (None, ""))
        change = changes.get(follow_up_id)
        pairs = int(change.n) if change else 0
        rate_hidden = 0 < invited < k or 0 < responded < k
        out.append(CountryRow(
            country_id, code, name, count_cell(invited, k), count_cell(responded, k),
            shown(ratio(responded, invited), responded, k, rate_hidden),
            shown(float(level.mean_gap) if level and level.mean_gap is not None else None, with_gap, k),
            follow_up, count_cell(pairs, k),
            *_change_figures(change, pairs, k),
            count_cell(int(level.practitioners) if level else 0, k),
            count_cell(int(level.not_assessed) if level else 0, k)))
    return Table("countries", COUNTRY_COLUMNS, out, k)


def _latest_levels(session: Session, scope: Scope):
    """country id -> officials with a gap, the mean gap, practitioners and officials with a
    competency not assessed, over each official's latest result. One statement."""
    chosen = chosen_attempts(scope, NO_FILTERS)
    gap = case((assessed(CompetencyResult), CompetencyResult.gap), else_=None)  # not assessed: no gap
    return {row.country_id: row for row in session.execute(
        select(chosen.c.country_id,
               func.count(distinct(case((gap.is_not(None), chosen.c.user_id),
                                        else_=None))).label("with_gap"),
               func.avg(cast(gap, Float)).label("mean_gap"),
               func.count(distinct(case((CompetencyResult.calibrated_level >= PRACTITIONER,
                                         chosen.c.user_id), else_=None))).label("practitioners"),
               func.count(distinct(case((CompetencyResult.calibrated_level.is_(None), chosen.c.user_id),
                                        else_=None))).label("not_assessed"))
        .join(CompetencyResult, CompetencyResult.attempt_id == chosen.c.attempt_id)
        .group_by(chosen.c.country_id))}


def _latest_follow_ups(session: Session, scope: Scope) -> dict[int, tuple[int, str]]:
    """country id -> (its latest follow-up campaign's id, name), by opening date. One statement."""
    rank = func.row_number().over(partition_by=Campaign.country_id,
                                  order_by=(Campaign.opens_at.desc(), Campaign.id.desc()))
    ranked = (select(Campaign.country_id, Campaign.id, Campaign.name, rank.label("rank"))
              .where(Campaign.baseline_id.is_not(None), in_scope(Campaign.country_id, scope))
              .subquery("ranked"))
    return {row.country_id: (row.id, row.name) for row in session.execute(
        select(ranked.c.country_id, ranked.c.id, ranked.c.name).where(ranked.c.rank == 1))}


def _changes(session: Session, scope: Scope, campaign_ids: list[int]):
    """follow-up campaign id -> (n, sum, sum of squares) of the paired officials' mean change over
    the competencies assessed in both cycles (an official with none is not a pair). One statement."""
    if not campaign_ids:
        return {}
    follow_up, base = aliased(Attempt, name="follow_up"), aliased(Attempt, name="base")
    after, before = aliased(CompetencyResult, name="after"), aliased(CompetencyResult, name="before")
    per_official = (
        select(follow_up.campaign_id,
               func.avg(cast(after.calibrated_level - before.calibrated_level, Float)).label("diff"))
        .select_from(follow_up)
        .join(Campaign, Campaign.id == follow_up.campaign_id)
        .join(base, and_(base.campaign_id == Campaign.baseline_id, base.user_id == follow_up.user_id,
                         base.status == AttemptStatus.SUBMITTED))
        .join(after, after.attempt_id == follow_up.id)
        .join(before, and_(before.attempt_id == base.id, before.competency_id == after.competency_id))
        .where(follow_up.status == AttemptStatus.SUBMITTED, follow_up.campaign_id.in_(sorted(campaign_ids)),
               in_scope(follow_up.country_id, scope))
        .group_by(follow_up.campaign_id, follow_up.id)
        .subquery("per_official"))
    return {row.campaign_id: row for row in session.execute(
        select(per_official.c.campaign_id, func.count(per_official.c.diff).label("n"),
               func.sum(per_official.c.diff).label("total"),
               func.sum(per_official.c.diff * per_official.c.diff).label("total_sq"))
        .group_by(per_official.c.campaign_id))}


def _change_figures(change, pairs: int, k: int) -> tuple[Figure, Figure, Figure]:
    if pairs == 0:
        return None, None, None
    if pairs < k:
        return (Suppressed(k),) * 3
    if pairs < MIN_PAIRS:
        return NOT_ENOUGH, NOT_ENOUGH, NOT_ENOUGH
    estimate = mean_ci(pairs, float(change.total), float(change.total_sq))
    return estimate.mean, estimate.ci_low, estimate.ci_high
