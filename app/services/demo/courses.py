"""The demo's course paths, composed and published from bundled resources by the admin, and the
learning plans built for a round's officials (the batch a campaign's "build plans" job runs)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import Attempt, AttemptStatus, Campaign, Competency, CoursePath, LearningPlan, RoleProfile
from app.services import paths
from app.services.audit import Actor
from app.services.learning import plans


@dataclass(frozen=True)
class PathSpec:
    code: str
    title: str
    description: str
    steps: str  # as paths.parse_steps reads them
    roles: tuple[str, ...]
    competencies: tuple[str, ...]


PATHS = (
    PathSpec("data-for-decision-makers", "Data for decision makers",
             "Read, question and use data in decisions: data ethics, working with data in spreadsheets and "
             "judging its quality. For leaders and policy makers as much as for analysts.",
             "uk-data-ethics-framework\ndata-carpentry-spreadsheets\nuk-government-data-quality-framework\n"
             "undp-digital-development-compass (optional)",
             ("digital-leader", "policy-officer", "data-analyst", "service-owner"),
             ("DATA.LIT", "DATA.GOV", "DATA.ANALYSIS")),
    PathSpec("service-design-essentials", "Service design essentials",
             "Design public services around the people who use them: the service standard, user research "
             "and the methods of service design.",
             "gds-service-standard\ngds-service-manual-user-research\n18f-methods | designgouv-dinum\n"
             "govuk-content-design (optional)",
             ("service-owner", "content-designer", "product-manager", "user-researcher"),
             ("SERV.DESIGN", "SERV.RESEARCH", "SERV.CONTENT")),
    PathSpec("cyber-hygiene-for-everyone", "Cyber hygiene for everyone",
             "The security habits every official needs: the top ten actions, then the ten steps of "
             "cyber security (or the ANSSI hygiene guide, in French).",
             "cccs-top-10-it-security-actions\n"
             "ncsc-10-steps-cyber-security | anssi-guide-hygiene-informatique\n"
             "owasp-top-10-2021 (optional)",
             ("frontline-staff", "security-officer", "developer", "digital-leader"),
             ("TECH.SEC", "TECH.OPS")),
)


# Writing them --------------------------------------------------------------------------------

def ensure_paths(session: Session, actor: Actor) -> int:
    """Compose and publish the demo paths that do not exist yet; how many were made."""
    made = 0
    for spec in PATHS:
        if session.scalar(select(CoursePath.id).where(CoursePath.code == spec.code)) is not None:
            continue
        roles = list(session.scalars(select(RoleProfile.id).where(RoleProfile.code.in_(spec.roles))))
        competencies = list(session.scalars(
            select(Competency.id).where(Competency.code.in_(spec.competencies))))
        version = paths.create_path(session, actor, spec.code, paths.PathDraft(
            title=spec.title, description=spec.description, steps=paths.parse_steps(spec.steps),
            role_profile_ids=roles, competency_ids=competencies, prerequisites=[]))
        paths.publish(session, actor, version)
        made += 1
    session.commit()
    return made


def ensure_plans(session: Session, campaign: Campaign, *, force: bool = False) -> int:
    """Build the plans of the campaign's officials when one of them has none (or ``force``): the batch
    the campaign's "build plans" job runs. How many officials it went through."""
    without = session.scalar(select(Attempt.id).where(
        Attempt.campaign_id == campaign.id, Attempt.status == AttemptStatus.SUBMITTED,
        Attempt.user_id.not_in(select(LearningPlan.user_id))).limit(1))
    if without is None and not force:
        return 0
    return plans.build_campaign_plans(session, campaign.id).officials
