"""What officials did with their plans (learning activity), and what organisations report about
themselves: organisation maturity from the organisation assessments, and the results indicators
(Kirkpatrick level 4) focal points record."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import and_, case, distinct, func, select
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
    count_cell,
    hidden_groups,
    in_scope,
    people_filter,
    shown,
)

NO_ORGANISATION = "No organisation"


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


def learning_activity(session: Session, scope: Scope, filters: Filters = NO_FILTERS,
                      k: int = DEFAULT_K) -> Table[ActivityRow]:
    """Per organisation (the official's current one), then "All organisations": plans with accepted
    items, path enrolments and completions, resources completed and their hours.

    Each figure follows the count of officials behind it (enrolments: those enrolled; completions:
    those who completed a path; resources and hours: those who completed a resource); each such count
    is protected across organisations with the total shown. Role profile and campaign filters keep
    the officials who took part in that campaign / under that role. Four statements.
    """
    def narrowed(stmt, user_id):
        stmt = stmt.join(User, User.id == user_id).where(in_scope(User.country_id, scope),
                                                         people_filter(User.id, filters))
        if filters.organisation_id is not None:
            stmt = stmt.where(User.organisation_id == filters.organisation_id)
        return stmt.group_by(User.organisation_id)

    completed_by = case((Enrolment.completed_at.is_not(None), Enrolment.user_id), else_=None)
    statements = {
        "plans": narrowed(select(User.organisation_id, func.count(distinct(LearningPlan.user_id)))
                          .select_from(LearningPlan)
                          .join(PlanItem, and_(PlanItem.plan_id == LearningPlan.id,
                                               PlanItem.status == "accepted")), LearningPlan.user_id),
        "enrolments": narrowed(select(User.organisation_id, func.count(distinct(Enrolment.user_id)),
                                      func.count(Enrolment.id), func.count(distinct(completed_by)),
                                      func.count(Enrolment.completed_at))
                               .select_from(Enrolment), Enrolment.user_id),
        "progress": narrowed(select(User.organisation_id, func.count(distinct(Progress.user_id)),
                                    func.count(Progress.id), func.sum(Resource.hours))
                             .select_from(Progress)
                             .join(Resource, Resource.id == Progress.resource_id)
                             .where(Progress.status == "completed"), Progress.user_id),
    }
    by_org: dict[int | None, dict[str, float]] = {}
    fields = {"plans": ("officials_with_plan",),
              "enrolments": ("officials_enrolled", "enrolments", "officials_completed", "completions"),
              "progress": ("learners", "resources_completed", "hours_completed")}
    for what, stmt in statements.items():
        for organisation_id, *values in session.execute(stmt):
            entry = by_org.setdefault(organisation_id, dict.fromkeys(
                [f for names in fields.values() for f in names], 0))
            entry.update(zip(fields[what], (v or 0 for v in values), strict=True))
    if not by_org:
        return Table("learning-activity", ACTIVITY_COLUMNS, [], k)
    names = dict(session.execute(select(Organisation.id, Organisation.name).where(
        Organisation.id.in_(sorted(o for o in by_org if o is not None)))).all())
    bases = {"officials_with_plan": "officials_with_plan", "officials_enrolled": "officials_enrolled",
             "enrolments": "officials_enrolled", "officials_completed": "officials_completed",
             "completions": "officials_completed", "learners": "learners",
             "resources_completed": "learners", "hours_completed": "learners"}
    hidden = {base: hidden_groups({o: int(v[base]) for o, v in by_org.items()}, k)
              for base in set(bases.values())}

    def figures(values: dict[str, float], hide: dict[str, bool]) -> dict[str, Figure]:
        out: dict[str, Figure] = {}
        for column, base in bases.items():
            if column == base:
                out[column] = count_cell(int(values[column]), k, hide[base])
            else:
                out[column] = shown(values[column], int(values[base]), k, hide[base])
        return out

    out = [ActivityRow(o, names.get(o, NO_ORGANISATION),
                       **figures(values, {b: o in hidden[b][0] for b in hidden}))
           for o, values in sorted(by_org.items(), key=lambda item: (item[0] is None,
                                                                     names.get(item[0], "")))]
    totals = {column: sum(v[column] for v in by_org.values()) for column in bases}
    out.append(ActivityRow(None, "All organisations", **figures(totals, {b: hidden[b][1] for b in hidden}),
                           is_total=True))
    return Table("learning-activity", ACTIVITY_COLUMNS, out, k)


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
    return Table("organisation-maturity", MATURITY_COLUMNS, out, 1)


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
                  for i, name, unit, org_id, org, period, value in session.execute(stmt)], 1)
