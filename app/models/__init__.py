"""Typed SQLAlchemy models, one module per aggregate. Importing this package registers them all."""

from app.models.attempts import (
    Answer,
    Attempt,
    AttemptItem,
    AttemptStatus,
    CompetencyResult,
    OrganisationAssessment,
    ResultHistory,
    ResultSource,
)
from app.models.audit import AuditEvent
from app.models.base import Base
from app.models.campaigns import Campaign, CampaignOrganisation, Invitation, InviteFile
from app.models.catalogue import (
    CoursePath,
    PathStep,
    PathVersion,
    PathVersionCompetency,
    PathVersionRole,
    Resource,
    ResourceCompetency,
    Suggestion,
)
from app.models.evaluation import FollowUp, Indicator, IndicatorValue, ResultPair
from app.models.frameworks import (
    Area,
    Competency,
    Framework,
    LevelDescriptor,
    ProficiencyLevel,
    RoleProfile,
    RoleTarget,
)
from app.models.instruments import Instrument, InstrumentKind, InstrumentSection, Item, ItemKind
from app.models.jobs import Job
from app.models.learning import Enrolment, Feedback, LearningPlan, PlanItem, Progress
from app.models.outbox import OutboxMessage
from app.models.people import Country, FocalPointScope, Organisation, Role, User
from app.models.tokens import AccountToken, TokenPurpose

__all__ = [
    "FollowUp", "Indicator", "IndicatorValue", "ResultPair",
    "CoursePath", "Enrolment", "Feedback", "LearningPlan", "PathStep", "PathVersion",
    "PathVersionCompetency", "PathVersionRole", "PlanItem", "Progress", "Resource",
    "ResourceCompetency", "Suggestion",
    "AccountToken", "Answer", "Area", "Attempt", "AttemptItem", "AttemptStatus", "ResultHistory",
    "ResultSource", "AuditEvent", "Base", "Campaign",
    "CampaignOrganisation", "Competency", "CompetencyResult", "Country", "FocalPointScope",
    "Framework", "Instrument", "InstrumentKind", "InstrumentSection", "Invitation", "InviteFile",
    "Item", "ItemKind", "Job", "LevelDescriptor", "Organisation", "OrganisationAssessment",
    "OutboxMessage", "ProficiencyLevel", "Role", "RoleProfile", "RoleTarget", "TokenPurpose", "User",
]
