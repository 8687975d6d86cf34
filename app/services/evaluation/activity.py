"""What officials did with their plans (learning activity), and what organisations report about
themselves: organisation maturity from the organisation assessments, and the results indicators
(Kirkpatrick level 4) focal points record.

Learning activity is about officials: every figure is released (app.services.evaluation.release).
Maturity and indicators are about organisations: their numbers are plain (each Table's ``plain``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import case, distinct, func, select
from sqlalchemy.orm import Session

from app.models import (
    AttemptStatus,
    Campaign,
    Enrolment,
    Indicator,
    IndicatorValue,
    LearningPlan,
    Organisation,
    OrganisationAssessment,
    PlanItem,
    Progress,
    Resource,
    User,
)
from app.services.assessment.org_maturity import level_for
from app.services.evaluation.common import (
    DEFAULT_K,
    NO_FILTERS,
    Figure,
    Filters,
    Scope,
    Suppressed,
    Table,
    in_scope,
    key,
    organisation_names,
    people_filter,
)
from app.services.evaluation.release import Bounds, Release, as_release

NO_ORGANISATION = "No organisation"
HOURS = Bounds(0.0, 40.0)
"""The hours of one completed resource for the noise on a sum of hours: a week of study. The catalogue
allows up to 1000; a longer resource is masked less fully, never exactly."""


@dataclass(frozen=True)
class ActivityRow:
    organisation_id: int | None  # None: officials without an organisation, or the "All" row
    organisation: str
    officials_with_plan: int | Suppressed  # officials with at least one accepted plan item
    officials_enrolled: int | Suppressed  # officials enrolled in at least one path
    enrolments: Figure
    officials_completed: int | Suppressed  # officials who completed at least one path
    completions: Figure  # paths completed
    learners: int | Suppressed  # officials who completed at least one resource
    resources_completed: Figure
    hours_completed: Figure  # the catalogue hours of the resources completed
    is_total: bool = False


ACTIVITY_COLUMNS = ("organisation", "officials_with_plan", "officials_enrolled", "enrolments",
                    "officials_completed", "completions", "learners", "resources_completed",
                    "hours_completed")

# column -> (the officials it is about, the measure of its set of records for the release layer)
_RELEASED = {"officials_with_plan": ("officials_with_plan", "users"),
             "officials_enrolled": ("officials_enrolled", "users"),
             "enrolments": ("officials_enrolled", "enrolments"),
             "officials_completed": ("officials_completed", "users"),
             "completions": ("officials_completed", "enrolments"),
             "learners": ("learners", "users"),
             "resources_completed": ("learners", "progress"),
             "hours_completed": ("learners", "progress:hours")}

_ACTIVITY_FIELDS = {  # the columns of each statement
    "plans": ("officials_with_plan", "key_officials_with_plan"),
    "enrolments": ("officials_enrolled", "key_officials_enrolled", "enrolments", "key_enrolments",
                   "officials_completed", "key_officials_completed", "completions", "key_completions"),
    "progress": ("learners", "key_learners", "resources_completed", "key_resources_completed",
                 "hours_completed")}


def _distinct_key(user_id):
    return func.coalesce(func.sum(distinct(user_id)), 0)


def learning_activity(session: Session, scope: Scope, filters: Filters = NO_FILTERS,
                      k: int | Release = DEFAULT_K) -> Table[ActivityRow]:
    """Per organisation (the official's current one), then "All organisations": plans with accepted
    items, path enrolments and completions, resources completed and their hours.

    Each figure is hidden while the officials behind it are fewer than ``k`` (enrolments: those
    enrolled; completions: those who completed a path; resources and hours: those who completed a
    resource), and otherwise released with the noise of its own set of records, so the total less
    the rows shown does not give a hidden row. Role profile and campaign filters keep the officials
    who took part in that campaign / under that role. Four statements.
    """
    release = as_release(k)
    by_org: dict[int | None, dict[str, float]] = {}
    fields = _ACTIVITY_FIELDS
    for what, stmt in _activity_statements(scope, filters).items():
        for organisation_id, *values in session.execute(stmt):
            entry = by_org.setdefault(organisation_id, dict.fromkeys(
                [f for names in fields.values() for f in names], 0))
            entry.update(zip(fields[what], (v or 0 for v in values), strict=True))
    if not by_org:
        return Table("learning-activity", ACTIVITY_COLUMNS, [], release.k, plain=("organisation",))
    names = organisation_names(session, scope)
    out = [ActivityRow(o, names.get(o, NO_ORGANISATION), **_activity_figures(values, release))
           for o, values in sorted(by_org.items(), key=lambda item: (item[0] is None,
                                                                     names.get(item[0], "")))]
    # The organisations partition the officials and their records: the totals' sets are the union.
    totals = {name: sum(v[name] for v in by_org.values()) for names in fields.values() for name in names}
    out.append(ActivityRow(None, "All organisations", **_activity_figures(totals, release), is_total=True))
    return Table("learning-activity", ACTIVITY_COLUMNS, out, release.k, plain=("organisation",))


def _activity_statements(scope: Scope, filters: Filters) -> dict[str, Any]:
    """Per organisation: each count with the key of its set (see ``_ACTIVITY_FIELDS``)."""
    def people(stmt):
        stmt = stmt.where(in_scope(User.country_id, scope), people_filter(User.id, filters))
        if filters.organisation_id is not None:
            stmt = stmt.where(User.organisation_id == filters.organisation_id)
        return stmt.group_by(User.organisation_id)

    def narrowed(stmt, user_id):
        return people(stmt.join(User, User.id == user_id))

    completed = Enrolment.completed_at.is_not(None)
    completed_by = case((completed, Enrolment.user_id), else_=None)
    # officials with an accepted item, each once: a semi-join (counting distinct officials over their
    # plan items sorted 0.9 million rows at 100,000 officials, twice as long)
    accepted = (select(PlanItem.id).join(LearningPlan, LearningPlan.id == PlanItem.plan_id)
                .where(LearningPlan.user_id == User.id, PlanItem.status == "accepted"))
    return {
        "plans": people(select(User.organisation_id, func.count(User.id), key(User.id))
                        .where(accepted.exists())),
        "enrolments": narrowed(select(User.organisation_id, func.count(distinct(Enrolment.user_id)),
                                      _distinct_key(Enrolment.user_id), func.count(Enrolment.id),
                                      key(Enrolment.id), func.count(distinct(completed_by)),
                                      _distinct_key(completed_by), func.count(Enrolment.completed_at),
                                      key(Enrolment.id, completed))
                               .select_from(Enrolment), Enrolment.user_id),
        "progress": narrowed(select(User.organisation_id, func.count(distinct(Progress.user_id)),
                                    _distinct_key(Progress.user_id), func.count(Progress.id),
                                    key(Progress.id), func.sum(Resource.hours))
                             .select_from(Progress)
                             .join(Resource, Resource.id == Progress.resource_id)
                             .where(Progress.status == "completed"), Progress.user_id),
    }


def _activity_figures(values: dict[str, float], release: Release) -> dict[str, Figure]:
    out: dict[str, Figure] = {}
    for column, (officials, measure) in _RELEASED.items():
        who = int(values[officials])
        if release.hidden(who):  # about fewer than k officials, whatever the number of records
            out[column] = release.count(who, int(values[f"key_{officials}"]), "users")
        elif column == "hours_completed":
            n, records = int(values["resources_completed"]), int(values["key_resources_completed"])
            out[column] = release.sum(values[column], n, records, measure, HOURS)
        else:
            out[column] = release.count(int(values[column]), int(values[f"key_{column}"]), measure)
    return out


# Organisation maturity -----------------------------------------------------------------------------


@dataclass(frozen=True)
class MaturityRow:
    organisation_id: int
    organisation: str
    campaign_id: int
    campaign: str
    cycle_label: str
    dimension: str  # a dimension of the organisation instrument, or "overall"
    score: float | None  # mean of the item scores, 0-4
    level: int | None  # the score's maturity level (app.services.assessment.org_maturity.level_for)


MATURITY_COLUMNS = ("organisation", "campaign", "cycle_label", "dimension", "score", "level")
OVERALL = "overall"


def organisation_maturity(session: Session, scope: Scope, filters: Filters = NO_FILTERS
                          ) -> Table[MaturityRow]:
    """Per organisation and campaign (cycle), each dimension's score and level from the submitted
    organisation assessments, then the overall maturity.

    Organisation-level answers given by a focal point about the organisation, not figures about
    people: no small-cell suppression applies (``k`` is not taken). The role profile and competency
    filters do not apply. One statement.
    """
    stmt = (select(OrganisationAssessment.organisation_id, Organisation.name, Campaign.id, Campaign.name,
                   Campaign.cycle_label, OrganisationAssessment.dimension_scores,
                   OrganisationAssessment.maturity_level)
            .join(Organisation, Organisation.id == OrganisationAssessment.organisation_id)
            .join(Campaign, Campaign.id == OrganisationAssessment.campaign_id)
            .where(OrganisationAssessment.status == AttemptStatus.SUBMITTED,
                   in_scope(OrganisationAssessment.country_id, scope))
            .order_by(Organisation.name, Campaign.opens_at, Campaign.id))
    if filters.organisation_id is not None:
        stmt = stmt.where(OrganisationAssessment.organisation_id == filters.organisation_id)
    if filters.campaign_id is not None:
        stmt = stmt.where(OrganisationAssessment.campaign_id == filters.campaign_id)
    out: list[MaturityRow] = []
    for org_id, org, campaign_id, campaign, cycle, dimensions, overall in session.execute(stmt):
        head = (org_id, org, campaign_id, campaign, cycle)
        for dimension, figures in (dimensions or {}).items():
            out.append(MaturityRow(*head, dimension, figures.get("score"), figures.get("level")))
        out.append(MaturityRow(*head, OVERALL, overall, level_for(overall) if overall is not None else None))
    return Table("organisation-maturity", MATURITY_COLUMNS, out, 1, plain=MATURITY_COLUMNS)


# Indicators (L4) -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class IndicatorRow:
    indicator_id: int
    indicator: str
    unit: str
    organisation_id: int | None  # None: a value for the whole country
    organisation: str
    period: str  # 2026, 2026-Q3 or 2026-09
    value: float


INDICATOR_COLUMNS = ("indicator", "unit", "organisation", "period", "value")
WHOLE_COUNTRY = "Whole country"


def indicator_values(session: Session, scope: Scope, filters: Filters = NO_FILTERS) -> Table[IndicatorRow]:
    """Every recorded value of the country's results indicators, per organisation and period, to be
    shown beside the capacity trend (``trend``) — side by side, with no claim that one caused the
    other. Values are about organisations, not people: no small-cell suppression. With an
    organisation filter, that organisation's values only. One statement."""
    stmt = (select(Indicator.id, Indicator.name, Indicator.unit, IndicatorValue.organisation_id,
                   Organisation.name, IndicatorValue.period, IndicatorValue.value)
            .join(IndicatorValue, IndicatorValue.indicator_id == Indicator.id)
            .outerjoin(Organisation, Organisation.id == IndicatorValue.organisation_id)
            .where(in_scope(Indicator.country_id, scope))
            .order_by(Indicator.name, Indicator.id, Organisation.name.is_not(None), Organisation.name,
                      IndicatorValue.period))
    if filters.organisation_id is not None:
        stmt = stmt.where(IndicatorValue.organisation_id == filters.organisation_id)
    return Table("indicators", INDICATOR_COLUMNS,
                 [IndicatorRow(i, name, unit, org_id, org or WHOLE_COUNTRY, period, value)
                  for i, name, unit, org_id, org, period, value in session.execute(stmt)], 1,
                 plain=INDICATOR_COLUMNS)
