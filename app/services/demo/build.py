"""Building the demo, stage by stage. Each stage writes only what is missing, and every random draw
comes from the seed and the official's e-mail, so a second run writes nothing and a run cut short
picks up where it stopped."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.models import (
    Attempt,
    AttemptStatus,
    Campaign,
    CompetencyResult,
    Enrolment,
    FollowUp,
    LearningPlan,
    OrganisationAssessment,
    Progress,
    Role,
    User,
)
from app.models.base import utcnow
from app.services.audit import Actor
from app.services.demo import answers, assessments, courses, curation, learning, people, results
from app.services.demo.people import Person
from app.services.evaluation import follow_ups

DEFAULT_SIZE = 360  # officials
SEED = 2026
STORIES = {
    "baseline only": "took only the baseline; the follow-up is open for them now",
    "in French": "learns in French: French material in the plan",
}


@dataclass(frozen=True)
class DemoLogin:
    role: str
    email: str
    organisation: str | None
    story: str = ""


@dataclass
class DemoReport:
    """The logins to show, and the demo country's figures (whatever this run wrote)."""

    logins: list[DemoLogin] = field(default_factory=list)
    officials: int = 0
    baseline_submitted: int = 0
    follow_up_submitted: int = 0
    pairs: int = 0
    plans: int = 0
    resources_completed: int = 0
    paths_completed: int = 0
    follow_ups_answered: int = 0
    organisation_assessments: int = 0
    indicator_values: int = 0

    def summary(self) -> str:
        return (f"{self.officials} officials; submitted: {self.baseline_submitted} baseline, "
                f"{self.follow_up_submitted} follow-up ({self.pairs} in both); {self.plans} learning plans; "
                f"{self.resources_completed} resources and {self.paths_completed} paths completed; "
                f"{self.follow_ups_answered} follow-up surveys answered; {self.organisation_assessments} "
                f"organisation assessments; {self.indicator_values} indicator values")


def _follow_up_levels(session: Session, seed: int, roster: list[Person], content: assessments.Content):
    """The latent levels of each official in the follow-up: the baseline's, moved by what they learned."""
    ids = {email: user.id for email, user in people.users_by_email(session, roster).items()}
    taught = learning.taught(session, list(ids.values()))

    def levels(person: Person):
        before = assessments.baseline_levels(seed, person, content)
        rng = random.Random(f"{seed}:{person.email}:gains")
        gains = answers.learning_gains(rng, before, taught.get(ids[person.email], ()),
                                       keen=person.story == "keen")
        return answers.later_levels(rng, before, gains)
    return levels


def build_demo(session: Session, *, size: int = DEFAULT_SIZE, seed: int = SEED, now: datetime | None = None,
               follow_up_weeks: int = follow_ups.DEFAULT_WEEKS) -> DemoReport:
    """Create (once) Demoland: organisations, staff, ``size`` officials, a baseline and a follow-up with
    attempts, organisation assessments, course paths, plans, learning, feedback, follow-up surveys and
    results indicators. ``now`` (aware, UTC) is when the story ends: the baseline opened about nine
    months before it, the follow-up a month before and is open. Commits stage by stage. Raises
    NotFound when the content is not synced, ValidationFailed when a bundled resource the demo paths
    use is missing or retired.
    """
    now = now or utcnow()
    content = assessments.load_content(session)
    country, organisations = people.ensure_country(session)
    admin, focal = people.ensure_staff(session, country)
    as_admin, as_focal = Actor(admin), Actor(focal)
    roster = people.roster(size, seed)
    session.commit()

    baseline, follow_up = assessments.ensure_campaigns(session, as_focal, country, content, now)
    assessments.invite(session, as_focal, baseline, [p for p in roster if p.cycles != "joiner"])
    assessments.invite(session, as_focal, follow_up, roster)
    people.give_password(session, [admin.email, focal.email, *(p.email for p in roster)])
    session.commit()
    courses.ensure_paths(session, as_admin)
    curation.ensure_curation(session, as_admin)  # suggestions waiting for review, a draft path

    assessments.take(session, baseline, roster, content, assessments.Taking(
        submits=lambda p, _rng: p.cycles in ("both", "baseline"),
        starts=lambda p, rng: p.cycles in ("none", "follow-up") and rng.random() < 0.4,
        levels=lambda p: assessments.baseline_levels(seed, p, content)), seed, now)
    assessments.assess_organisations(session, as_focal, baseline, seed, improvement=False, now=now)
    courses.ensure_plans(session, baseline)
    learning.learn(session, roster, baseline, follow_up, seed, now=now, weeks=follow_up_weeks)

    newly = assessments.take(session, follow_up, roster, content, assessments.Taking(
        submits=lambda p, _rng: p.cycles in ("both", "follow-up", "joiner"),
        starts=lambda p, rng: p.cycles == "baseline" and p.story is None and rng.random() < 0.25,
        levels=_follow_up_levels(session, seed, roster, content)), seed, now)
    assessments.assess_organisations(session, as_focal, follow_up, seed, improvement=True, now=now)
    if newly:
        courses.ensure_plans(session, follow_up, force=True)
    results.record_indicators(session, as_focal, country, list(organisations.values()), baseline, seed, now)
    return _report(session, country, baseline, follow_up, roster, focal)


def _most_improved(session: Session, baseline: Campaign, follow_up: Campaign) -> tuple[User, float] | None:
    """The official whose level rose the most between the rounds, on average over the competencies
    assessed in both (a not-assessed competency is no evidence of change), and by how much."""
    levels: dict[tuple[int, int], dict[int, int]] = {}
    for campaign_id, user_id, competency_id, level in session.execute(
            select(Attempt.campaign_id, Attempt.user_id, CompetencyResult.competency_id,
                   CompetencyResult.calibrated_level)
            .join(CompetencyResult, CompetencyResult.attempt_id == Attempt.id)
            .where(Attempt.campaign_id.in_([baseline.id, follow_up.id]),
                   Attempt.status == AttemptStatus.SUBMITTED,
                   CompetencyResult.calibrated_level.is_not(None))):
        levels.setdefault((user_id, competency_id), {})[campaign_id] = level
    changes: dict[int, list[int]] = {}
    for (user_id, _), cycles in levels.items():
        if len(cycles) == 2:
            changes.setdefault(user_id, []).append(cycles[follow_up.id] - cycles[baseline.id])
    if not changes:
        return None
    change, user_id = max((sum(values) / len(values), -user_id) for user_id, values in changes.items())
    return session.get_one(User, -user_id), change


def _report(session: Session, country, baseline: Campaign, follow_up: Campaign, roster: list[Person],
            focal: User) -> DemoReport:
    def count(stmt) -> int:
        return session.scalar(stmt) or 0

    def submitted(campaign: Campaign):
        return select(Attempt.user_id).where(Attempt.campaign_id == campaign.id,
                                             Attempt.status == AttemptStatus.SUBMITTED)
    in_country = select(User.id).where(User.country_id == country.id)
    report = DemoReport(logins=[
        DemoLogin("admin", people.ADMIN[0], None,
                  "sees every country; suggestions wait for review and a path is a draft"),
        DemoLogin("focal_point", focal.email, None, f"the dashboards of {country.name}"),
    ])
    improved = _most_improved(session, baseline, follow_up)
    if improved is not None:
        user, change = improved
        where = user.organisation.name if user.organisation else None
        report.logins.append(DemoLogin(
            "official", user.email, where,
            f"took both rounds and improved the most: {change:+.1f} levels on average over the competencies"))
    report.logins += [DemoLogin("official", p.email, p.organisation, STORIES[p.story])
                      for p in roster if p.story in STORIES]
    report.officials = count(select(func.count()).select_from(User).where(
        User.country_id == country.id, User.role == Role.OFFICIAL))
    report.baseline_submitted = count(select(func.count()).select_from(submitted(baseline).subquery()))
    report.follow_up_submitted = count(select(func.count()).select_from(submitted(follow_up).subquery()))
    report.pairs = count(select(func.count()).select_from(
        submitted(follow_up).where(Attempt.user_id.in_(submitted(baseline))).subquery()))
    report.plans = count(select(func.count()).select_from(LearningPlan).where(
        LearningPlan.country_id == country.id))
    report.resources_completed = count(select(func.count()).select_from(Progress).where(
        Progress.status == "completed", Progress.user_id.in_(in_country)))
    report.paths_completed = count(select(func.count()).select_from(Enrolment).where(
        Enrolment.completed_at.is_not(None), Enrolment.user_id.in_(in_country)))
    report.follow_ups_answered = count(select(func.count()).select_from(FollowUp).where(
        FollowUp.answered_at.is_not(None), FollowUp.country_id == country.id))
    report.organisation_assessments = count(select(func.count()).select_from(OrganisationAssessment).where(
        OrganisationAssessment.country_id == country.id))
    report.indicator_values = results.indicator_count(session, country)
    return report
