"""The demo country: a fixed roster, and a baseline and follow-up that show a real change."""

from __future__ import annotations

from collections import Counter
from statistics import mean

from sqlalchemy import func, select

from app.content.loader import load_content
from app.content.sync import sync_content
from app.extensions import db
from app.models import (
    Attempt,
    AttemptStatus,
    Campaign,
    Competency,
    CompetencyResult,
    Enrolment,
    Feedback,
    FollowUp,
    IndicatorValue,
    LearningPlan,
    OrganisationAssessment,
    PlanItem,
    Progress,
    Resource,
    ResourceCompetency,
    User,
)
from app.models.base import utcnow
from app.services import evaluation
from app.services.assessment.campaigns import window_state
from app.services.demo import DEFAULT_SIZE, SEED, build_demo
from app.services.demo.people import roster
from app.services.evaluation.stats import paired_change
from app.services.scope import scoped, visible_country_ids


def test_the_roster_is_fixed_by_the_seed_and_varied():
    people = roster(DEFAULT_SIZE, SEED)
    assert people == roster(DEFAULT_SIZE, SEED)
    assert people != roster(DEFAULT_SIZE, SEED + 1)
    assert len({p.email for p in people}) == DEFAULT_SIZE
    assert all(p.email.endswith("@example.org") and p.email.isascii() for p in people)
    assert [p.email for p in people[:3]] == ["amina.njeri@example.org", "brian.otieno@example.org",
                                             "chloe.martin@example.org"]
    assert len({p.organisation for p in people}) == 6 and len({p.role for p in people}) >= 7
    languages = Counter(code for p in people for code in p.languages)
    assert languages["en"] > languages["fr"] > languages["ar"] > 0 and languages["other"] > 0
    cycles = Counter(p.cycles for p in people)
    assert 0.55 < cycles["both"] / DEFAULT_SIZE < 0.7 and cycles["baseline"] and cycles["joiner"]


def _levels(campaign: Campaign) -> dict[tuple[int, int], int]:
    return {(user_id, competency_id): level for user_id, competency_id, level in db.session.execute(
        select(Attempt.user_id, CompetencyResult.competency_id, CompetencyResult.calibrated_level)
        .join(CompetencyResult, CompetencyResult.attempt_id == Attempt.id)
        .where(Attempt.campaign_id == campaign.id, Attempt.status == AttemptStatus.SUBMITTED))}


def _count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def test_the_demo_focal_point_sees_a_baseline_and_a_follow_up_with_a_real_change(app):
    sync_content(db.session, load_content().content)
    db.session.commit()
    report = build_demo(db.session)

    focal = db.session.scalar(select(User).where(User.email == "focal@example.org"))
    campaigns = list(db.session.scalars(scoped(select(Campaign), Campaign.country_id, focal)))
    [baseline] = [c for c in campaigns if c.baseline_id is None]
    [follow_up] = [c for c in campaigns if c.baseline_id == baseline.id]
    assert (baseline.cycle_label, follow_up.cycle_label) == ("baseline", "follow-up 1")
    now = utcnow()
    assert window_state(baseline, now) == "closed" and window_state(follow_up, now) == "open"
    assert 240 <= (now - baseline.opens_at).days <= 280

    # Paired change per competency, from the stored results: positive, and sure, for several.
    before, after = _levels(baseline), _levels(follow_up)
    paired = sorted(set(before) & set(after))
    assert len({user_id for user_id, _ in paired}) >= 200
    codes = dict(db.session.execute(select(Competency.id, Competency.code)).all())
    changes = {}
    for competency_id, code in codes.items():
        keys = [key for key in paired if key[1] == competency_id]
        changes[code] = paired_change([before[k] for k in keys], [after[k] for k in keys])
    sure = [code for code, change in changes.items() if change.mean_change > 0 and change.ci_low > 0]
    assert len(sure) >= 3, changes

    # The effect comes from learning: about half a level where officials completed material.
    learned = set(db.session.execute(
        select(Progress.user_id, ResourceCompetency.competency_id)
        .join(ResourceCompetency, ResourceCompetency.resource_id == Progress.resource_id)
        .where(Progress.status == "completed")).all())
    learners = [after[k] - before[k] for k in paired if k in learned]
    others = [after[k] - before[k] for k in paired if k not in learned]
    assert len(learners) > 100 and mean(learners) > 0.4 and abs(mean(others)) < 0.1

    # What the dashboards read for this country.
    scope = visible_country_ids(focal)
    [pairing] = evaluation.pairing(db.session, scope).rows
    assert pairing.paired >= 200 and pairing.baseline_only >= 20 and pairing.follow_up_only >= 10
    trend = evaluation.trend(db.session, scope).rows
    assert [row.cycle_label for row in trend] == ["baseline", "follow-up 1"]
    assert trend[1].mean > trend[0].mean
    flagged = [row.code for row in evaluation.resource_feedback(db.session, scope).rows if row.flagged]
    assert len(flagged) == 2
    assert _count(LearningPlan, LearningPlan.country_id == baseline.country_id) >= 300
    assert _count(PlanItem, PlanItem.status == "accepted") > 100
    assert _count(PlanItem, PlanItem.status == "dismissed") > 0
    assert _count(Progress, Progress.status == "completed") > 200
    assert _count(Progress, Progress.status == "started") > 0
    assert _count(Progress, Progress.evidence_url != "") > 0
    assert _count(Enrolment, Enrolment.completed_at.is_not(None)) > 30
    assert _count(Feedback, Feedback.path_version_id.is_not(None)) > 0
    assert _count(FollowUp, FollowUp.answered_at.is_not(None)) > 10
    assert _count(FollowUp, FollowUp.answered_at.is_(None)) > 0
    assert _count(OrganisationAssessment, OrganisationAssessment.status == "submitted") == 12
    assert _count(IndicatorValue) >= 3 * 6 * 3
    maturity = {(row.organisation_id, row.cycle_label): row.score for row in
                evaluation.organisation_maturity(db.session, scope).rows if row.dimension == "overall"}
    assert len(maturity) == 12  # each organisation in each round, more mature in the follow-up
    assert mean(v for (_, cycle), v in maturity.items() if cycle == "follow-up 1") > mean(
        v for (_, cycle), v in maturity.items() if cycle == "baseline") + 0.2

    # The three officials the command prints.
    def calibrated_mean(email: str, campaign: Campaign) -> float | None:
        user_id = db.session.scalar(select(User.id).where(User.email == email))
        levels = [level for (uid, _), level in _levels(campaign).items() if uid == user_id]
        return mean(levels) if levels else None
    improved = report.logins[2]
    assert "improved the most" in improved.story
    assert calibrated_mean(improved.email, follow_up) - calibrated_mean(improved.email, baseline) >= 0.5
    improved_id = db.session.scalar(select(User.id).where(User.email == improved.email))
    assert _count(Progress, Progress.status == "completed", Progress.user_id == improved_id) > 0
    assert calibrated_mean("brian.otieno@example.org", baseline) is not None
    assert calibrated_mean("brian.otieno@example.org", follow_up) is None
    chloe = db.session.scalar(select(User).where(User.email == "chloe.martin@example.org"))
    plan_languages = {code for languages in db.session.scalars(
        select(Resource.languages).join(PlanItem, PlanItem.resource_id == Resource.id)
        .join(LearningPlan).where(LearningPlan.user_id == chloe.id)) for code in languages}
    assert "fr" in plan_languages
