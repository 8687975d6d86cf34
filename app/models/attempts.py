"""Attempts at an instrument, their answers as given, and the results computed at submission."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Float, ForeignKey, Integer, String, UniqueConstraint
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
    started_at: Mapped[created_at]
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    campaign: Mapped[Campaign] = relationship()
    user: Mapped[User] = relationship()
    instrument: Mapped[Instrument] = relationship()
    organisation: Mapped[Organisation] = relationship()
    role_profile: Mapped[RoleProfile | None] = relationship()
    answers: Mapped[list[Answer]] = relationship(back_populates="attempt", cascade="all, delete-orphan")
    results: Mapped[list[CompetencyResult]] = relationship(
        back_populates="attempt", cascade="all, delete-orphan"
    )


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


class CompetencyResult(Base):
    """One competency's result in a submitted attempt. Rules: app/services/assessment/scoring.py."""

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
    evidence_level: Mapped[int | None] = mapped_column(Integer)  # highest level the checks support
    calibrated_level: Mapped[int] = mapped_column(Integer)
    confidence: Mapped[str] = mapped_column(String(10), default="ok")  # ok | over | under
    target_level: Mapped[int | None] = mapped_column(Integer)
    gap: Mapped[int | None] = mapped_column(Integer)

    attempt: Mapped[Attempt] = relationship(back_populates="results")
    competency: Mapped[Competency] = relationship()


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
