"""Countries side by side, for admins: participation, the mean gap (each official's mean gap over the
competencies assessed with a target, averaged over the officials), the latest paired change and the
practitioners of each country, every figure released by the same layer as every other table
(app.services.evaluation.release)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, Float, and_, case, cast, distinct, func, select
from sqlalchemy.orm import Session, aliased

from app.models import Attempt, AttemptStatus, Campaign, CompetencyResult, Country, Invitation
from app.models.base import utcnow
from app.services.evaluation.change import change_by_organisation
from app.services.evaluation.common import (
    DEFAULT_K,
    NO_FILTERS,
    Figure,
    Filters,
    Scope,
    Suppressed,
    Table,
    assessed,
    chosen_attempts,
    in_scope,
    key,
)
from app.services.evaluation.levels import PRACTITIONER, gap_bounds
from app.services.evaluation.release import Bounds, Release, as_release, share_of


@dataclass(frozen=True)
class CountryRow:
    country_id: int
    country_code: str
    country: str
    invited: int | Suppressed  # officials invited to at least one campaign
    submitted: int | Suppressed  # of those, officials who submitted at least one assessment
    response_rate: Figure  # of the officials invited, the share who submitted
    mean_gap: Figure  # each official's mean gap over the competencies assessed with a target in their
    # latest result (one value per official, within the gap's range), averaged over those officials
    follow_up: str  # the country's latest follow-up campaign that has opened ("" when it has none)
    pairs: int | Suppressed  # officials paired between that follow-up and its baseline
    mean_change: Figure  # each paired official's mean change in calibrated level, averaged
    ci_low: Figure
    ci_high: Figure
    practitioners: int | Suppressed  # officials at practitioner level or above in some competency
    not_assessed: int | Suppressed  # officials with some competency not assessed in their latest result


COUNTRY_COLUMNS = ("country_code", "country", "invited", "submitted", "response_rate", "mean_gap",
                   "follow_up", "pairs", "mean_change", "ci_low", "ci_high", "practitioners",
                   "not_assessed")
COUNTRY_PLAIN = ("country_code", "country", "follow_up")


def gap_measure(filters: Filters) -> str:
    """What a sum of officials' mean gaps (each over their competencies with a gap) measures, for the
    release layer: not the heatmap's per-result ``gap:{competency}`` sums."""
    return f"gap:official-mean:{'validated' if filters.validated_only else 'all'}"


def countries_side_by_side(session: Session, scope: Scope, filters: Filters = NO_FILTERS,
                           k: int | Release = DEFAULT_K, now: datetime | None = None) -> Table[CountryRow]:
    """One row per country in ``scope`` (country name order), whatever the filters (campaigns and
    organisations belong to one country; a comparison takes each country whole). The latest
    follow-up is the one that opened last by ``now`` (default: the current time): a campaign that
    has not opened yet has no one in it.

    Each figure is released on its own (app.services.evaluation.release): a count under ``k`` is
    hidden, the response rate follows both its counts. The mean gap is over officials, one value each
    (their mean gap over the competencies assessed with a target), so it moves by one official's range
    like any other mean, however many competencies each one has.
    The pairs and the change are change_by_organisation's "All organisations" figures for that
    follow-up, the same to the digit. Results not assessed are in no mean gap, change or
    practitioner count; the officials with one are counted apart (``not_assessed``). Nine statements.
    """
    del filters  # see the docstring: the comparison takes each country whole
    release = as_release(k)
    countries = session.execute(select(Country.id, Country.code, Country.name)
                                .where(in_scope(Country.id, scope)).order_by(Country.name)).all()
    if not countries:
        return Table("countries", COUNTRY_COLUMNS, [], release.k, plain=COUNTRY_PLAIN)
    participation = _participation(session, scope)
    levels = _latest_levels(session, scope)
    bounds = gap_bounds(session)
    latest = _latest_follow_ups(session, scope, utcnow() if now is None else now)
    changes = {row.campaign_id: row for row in
               change_by_organisation(session, scope, NO_FILTERS, release).rows if row.is_total}
    out = []
    for country_id, code, name in countries:
        follow_up_id, follow_up = latest.get(country_id, (None, ""))
        change = changes.get(follow_up_id)
        (invited, submitted, rate), (mean_gap, practitioners, not_assessed) = (
            _people_figures(participation.get(country_id), release),
            _level_figures(levels.get(country_id), release, bounds))
        out.append(CountryRow(
            country_id, code, name, invited, submitted, rate, mean_gap, follow_up,
            change.pairs if change else release.count(0, 0, "attempts"),
            *((change.change, change.ci_low, change.ci_high) if change else (None, None, None)),
            practitioners, not_assessed))
    return Table("countries", COUNTRY_COLUMNS, out, release.k, plain=COUNTRY_PLAIN)


def _people_figures(row, release: Release) -> tuple[Figure, Figure, Figure]:
    """(invited, submitted, response rate) of one country. The rate is worked out from the two counts
    as released, so the row reads the same either way and shows nothing more about either; it is
    hidden with either of them."""
    if row is None:
        nobody = release.count(0, 0, "users")
        return nobody, nobody, None
    invited = release.count(int(row.invited), int(row.key_invited), "users")
    submitted = release.count(int(row.responded), int(row.key_responded), "users")
    return invited, submitted, share_of(submitted, invited)


def _level_figures(row, release: Release, bounds: Bounds) -> tuple[Figure, Figure, Figure]:
    """(mean gap, practitioners, not assessed) of one country. The mean gap is over the officials with
    a gap, each one's own mean gap a value within ``bounds``: hidden under ``k`` of them."""
    if row is None:
        nobody = release.count(0, 0, "attempts")
        return None, nobody, nobody
    mean_gap = release.mean(float(row.sum_gap or 0), int(row.with_gap), int(row.key_with_gap),
                            gap_measure(NO_FILTERS), bounds)
    return (mean_gap, release.count(int(row.practitioners), int(row.key_practitioners), "attempts"),
            release.count(int(row.not_assessed), int(row.key_not_assessed), "attempts"))


def _participation(session: Session, scope: Scope):
    """country id -> officials invited to any of its campaigns, those of them who submitted in one,
    and the keys of both sets (the sums of their user ids). One statement."""
    submitted_attempt = aliased(Attempt, name="submitted_attempt")
    return {row.country_id: row for row in session.execute(
        select(Campaign.country_id, func.count(distinct(Invitation.user_id)).label("invited"),
               func.count(distinct(submitted_attempt.user_id)).label("responded"),
               func.coalesce(func.sum(distinct(Invitation.user_id)), 0).label("key_invited"),
               func.coalesce(func.sum(distinct(submitted_attempt.user_id)), 0).label("key_responded"))
        .select_from(Invitation)
        .join(Campaign, Campaign.id == Invitation.campaign_id)
        .outerjoin(submitted_attempt, and_(submitted_attempt.campaign_id == Invitation.campaign_id,
                                           submitted_attempt.user_id == Invitation.user_id,
                                           submitted_attempt.status == AttemptStatus.SUBMITTED))
        .where(in_scope(Campaign.country_id, scope))
        .group_by(Campaign.country_id))}


def _latest_levels(session: Session, scope: Scope):
    """country id -> over each official's latest result, each with its key (the sum of their attempts'
    ids): the officials with a gap, and the sum of their mean gaps (each over their competencies
    assessed with a target); the officials at practitioner level or above in some competency; and
    those with one not assessed. One statement: one row per attempt, then per country."""
    chosen = chosen_attempts(scope, NO_FILTERS)
    gap = case((assessed(CompetencyResult), CompetencyResult.gap), else_=None)  # not assessed: no gap

    def some(condition) -> ColumnElement[int]:
        return func.max(case((condition, 1), else_=0))

    official = (select(chosen.c.country_id, chosen.c.attempt_id,
                       func.avg(cast(gap, Float)).label("gap"),  # None: no competency with a gap
                       some(CompetencyResult.calibrated_level >= PRACTITIONER).label("practitioner"),
                       some(CompetencyResult.calibrated_level.is_(None)).label("not_assessed"))
                .join(CompetencyResult, CompetencyResult.attempt_id == chosen.c.attempt_id)
                .group_by(chosen.c.country_id, chosen.c.attempt_id)
                .subquery("official"))

    def officials(condition) -> tuple:
        return (func.coalesce(func.sum(case((condition, 1), else_=0)), 0),
                key(official.c.attempt_id, condition))

    with_gap, practitioners, not_assessed = (
        officials(official.c.gap.is_not(None)), officials(official.c.practitioner == 1),
        officials(official.c.not_assessed == 1))
    return {row.country_id: row for row in session.execute(
        select(official.c.country_id, func.sum(official.c.gap).label("sum_gap"),
               with_gap[0].label("with_gap"), with_gap[1].label("key_with_gap"),
               practitioners[0].label("practitioners"), practitioners[1].label("key_practitioners"),
               not_assessed[0].label("not_assessed"), not_assessed[1].label("key_not_assessed"))
        .group_by(official.c.country_id))}


def _latest_follow_ups(session: Session, scope: Scope, now: datetime) -> dict[int, tuple[int, str]]:
    """country id -> (its latest follow-up campaign's id, name), by opening date, among those that
    have opened by ``now``. One statement."""
    rank = func.row_number().over(partition_by=Campaign.country_id,
                                  order_by=(Campaign.opens_at.desc(), Campaign.id.desc()))
    ranked = (select(Campaign.country_id, Campaign.id, Campaign.name, rank.label("rank"))
              .where(Campaign.baseline_id.is_not(None), Campaign.opens_at <= now,
                     in_scope(Campaign.country_id, scope))
              .subquery("ranked"))
    return {row.country_id: (row.id, row.name) for row in session.execute(
        select(ranked.c.country_id, ranked.c.id, ranked.c.name).where(ranked.c.rank == 1))}
