"""Attempts at an instrument, their answers as given, and the results computed at submission."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.base import Base, UTCDateTime, created_at, intpk, utcnow
from app.models.campaigns import Campaign
from app.models.frameworks import Competency, RoleProfile
from app.models.instruments import Instrument, Item
from app.models.people import Organisation, User


class AttemptStatus(StrEnum):
    IN_PROGRESS = "in_progress"
    SUBMITTED = "submitted"


class Attempt(Base):
    """An official's attempt in a campaign (one per official per campaign), on one instrument version."""

    __tablename__ = "attempts"
    __table_args__ = (UniqueConstraint("campaign_id", "user_id", name="uq_attempts_campaign_user"),)

    id: Mapped[intpk]
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    instrument_id: Mapped[int] = mapped_column(ForeignKey("instruments.id"))
    country_id: Mapped[int] = mapped_column(ForeignKey("countries.id"), index=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    role_profile_id: Mapped[int | None] = mapped_column(ForeignKey("role_profiles.id"))
    status: Mapped[str] = mapped_column(String(20), default=AttemptStatus.IN_PROGRESS)
    last_section: Mapped[int] = mapped_column(Integer, default=0)  # where to resume
    seed: Mapped[int] = mapped_column(Integer, default=0, server_default="0")  # draws the attempt's form
    # The line manager asked to validate the results at submission, and when they did.
    manager_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    review_requested_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    started_at: Mapped[created_at]
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # The first language ticked in the languages answer (primary subtag), kept at submission so that
    # the content gaps count demand per language without reading every attempt's answers
    # (app.services.assessment.context); None: none ticked, or not submitted.
    first_language: Mapped[str | None] = mapped_column(String(35))

    campaign: Mapped[Campaign] = relationship()
    user: Mapped[User] = relationship(foreign_keys=[user_id])
    manager: Mapped[User | None] = relationship(foreign_keys=[manager_id])
    instrument: Mapped[Instrument] = relationship()
    organisation: Mapped[Organisation] = relationship()
    role_profile: Mapped[RoleProfile | None] = relationship()
    form: Mapped[list[AttemptItem]] = relationship(
        back_populates="attempt", cascade="all, delete-orphan", order_by="AttemptItem.position"
    )
    answers: Mapped[list[Answer]] = relationship(back_populates="attempt", cascade="all, delete-orphan")
    results: Mapped[list[CompetencyResult]] = relationship(
        back_populates="attempt", cascade="all, delete-orphan"
    )


class AttemptItem(Base):
    """One item of an attempt's form: the items it shows, drawn when it starts (and, when the campaign is
    adaptive, as the official answers). Item statistics count an item as shown from these rows."""

    __tablename__ = "attempt_items"

    attempt_id: Mapped[int] = mapped_column(ForeignKey("attempts.id"), primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id"), primary_key=True, index=True)
    position: Mapped[int] = mapped_column(Integer)
    drawn_at: Mapped[created_at]

    attempt: Mapped[Attempt] = relationship(back_populates="form")
    item: Mapped[Item] = relationship()


class Answer(Base):
    __tablename__ = "answers"
    __table_args__ = (UniqueConstraint("attempt_id", "item_id", name="uq_answers_attempt_item"),)

    id: Mapped[intpk]
    attempt_id: Mapped[int] = mapped_column(ForeignKey("attempts.id"), index=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id"))
    value: Mapped[Any] = mapped_column(JSON)  # an option value, a list of them, a number or text
    answered_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    attempt: Mapped[Attempt] = relationship(back_populates="answers")
    item: Mapped[Item] = relationship()


class ResultSource(StrEnum):
    NOT_ASSESSED = "not_assessed"  # too little evidence: no level, no gap (never 0)
    SELF_DECLARED = "self_declared"  # a self-rating, no knowledge check to weigh it
    ASSESSED = "assessed"  # self-rating and knowledge checks, through the scoring model
    VALIDATED = "validated"  # confirmed or adjusted by the official's line manager


class CompetencyResult(Base):
    """One competency's result in a submitted attempt. Rules: app/services/assessment/scoring.py.

    ``calibrated_level`` is the level every figure uses: the manager's when validated, the estimate
    otherwise, and None when the competency is not assessed.
    """

    __tablename__ = "competency_results"
    __table_args__ = (
        UniqueConstraint("attempt_id", "competency_id", name="uq_competency_results_attempt_comp"),
    )

    id: Mapped[intpk]
    attempt_id: Mapped[int] = mapped_column(ForeignKey("attempts.id"), index=True)
    competency_id: Mapped[int] = mapped_column(ForeignKey("competencies.id"), index=True)
    self_level: Mapped[int | None] = mapped_column(Integer)
    # Share of knowledge checks answered right at each level: {"1": 1.0, "3": 0.5}
    evidence: Mapped[dict[str, float]] = mapped_column(JSON, default=dict)
    knowledge_correct: Mapped[int] = mapped_column(Integer, default=0)
    knowledge_total: Mapped[int] = mapped_column(Integer, default=0)
    knowledge_offered: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    evidence_level: Mapped[int | None] = mapped_column(Integer)  # the checks alone, without the self-rating
    estimated_level: Mapped[int | None] = mapped_column(Integer)  # the model's most probable level
    calibrated_level: Mapped[int | None] = mapped_column(Integer, index=True)
    probabilities: Mapped[list[float] | None] = mapped_column(JSON)  # P(level) for each level of the scale
    probability: Mapped[float | None] = mapped_column(Float)  # of the most probable level
    interval_low: Mapped[int | None] = mapped_column(Integer)
    interval_high: Mapped[int | None] = mapped_column(Integer)
    confidence: Mapped[str] = mapped_column(String(10), default="ok")  # ok | over | under
    target_level: Mapped[int | None] = mapped_column(Integer)
    gap: Mapped[int | None] = mapped_column(Integer)
    source: Mapped[str] = mapped_column(String(20), default=ResultSource.ASSESSED,
                                        server_default="assessed", index=True)
    rule_version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    manager_level: Mapped[int | None] = mapped_column(Integer)
    manager_reason: Mapped[str] = mapped_column(Text, default="", server_default="")
    validated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    validated_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    attempt: Mapped[Attempt] = relationship(back_populates="results")
    competency: Mapped[Competency] = relationship()
    history: Mapped[list[ResultHistory]] = relationship(
        back_populates="result", cascade="all, delete-orphan", order_by="ResultHistory.id"
    )

    @property
    def assessed(self) -> bool:
        return self.calibrated_level is not None


class ResultHistory(Base):
    """A result's figures as an earlier scoring rule computed them, kept when a later rule recomputed it."""

    __tablename__ = "result_history"

    id: Mapped[intpk]
    result_id: Mapped[int] = mapped_column(ForeignKey("competency_results.id"), index=True)
    rule_version: Mapped[int] = mapped_column(Integer)
    values: Mapped[dict[str, Any]] = mapped_column(JSON)
    recorded_at: Mapped[created_at]

    result: Mapped[CompetencyResult] = relationship(back_populates="history")


class OrganisationAssessment(Base):
    """An organisation instrument answered once per organisation and campaign by a focal point.

    Organisational capacity is kept apart from individual skills: its own answers and results.
    """

    __tablename__ = "organisation_assessments"
    __table_args__ = (
        UniqueConstraint("campaign_id", "organisation_id", name="uq_organisation_assessments_org"),
    )

    id: Mapped[intpk]
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id"), index=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    country_id: Mapped[int] = mapped_column(ForeignKey("countries.id"), index=True)
    instrument_id: Mapped[int] = mapped_column(ForeignKey("instruments.id"))
    answered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    status: Mapped[str] = mapped_column(String(20), default=AttemptStatus.IN_PROGRESS)
    answers: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # item code -> option value
    # Per dimension: {"strategy": {"score": 2.5, "level": 2}, ...}, and the overall maturity level.
    dimension_scores: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    maturity_level: Mapped[float | None] = mapped_column(Float)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    campaign: Mapped[Campaign] = relationship()
    organisation: Mapped[Organisation] = relationship()
    instrument: Mapped[Instrument] = relationship()
