"""Evaluation beyond assessments: follow-up surveys (Kirkpatrick L3) and country indicators (L4)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.base import Base, UTCDateTime, created_at, intpk
from app.models.catalogue import PathVersion
from app.models.people import Organisation, User


class FollowUp(Base):
    """A behaviour survey sent some weeks after an official completes a path: did they apply it?"""

    __tablename__ = "follow_ups"
    __table_args__ = (UniqueConstraint("user_id", "path_version_id", name="uq_follow_ups_user_path"),)

    id: Mapped[intpk]
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    country_id: Mapped[int | None] = mapped_column(ForeignKey("countries.id"), index=True)
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"), index=True)
    path_version_id: Mapped[int] = mapped_column(ForeignKey("path_versions.id"), index=True)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime())
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    applied: Mapped[str | None] = mapped_column(String(10))  # yes | partly | no
    frequency: Mapped[str | None] = mapped_column(String(10))  # daily|weekly|monthly|rarely|never
    barriers: Mapped[list[str]] = mapped_column(JSON, default=list)
    comment: Mapped[str] = mapped_column(Text, default="")

    user: Mapped[User] = relationship()
    path_version: Mapped[PathVersion] = relationship()


class Indicator(Base):
    """A results indicator a focal point tracks for their country (Kirkpatrick L4)."""

    __tablename__ = "indicators"
    __table_args__ = (UniqueConstraint("country_id", "name", name="uq_indicators_country_name"),)

    id: Mapped[intpk]
    country_id: Mapped[int] = mapped_column(ForeignKey("countries.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    unit: Mapped[str] = mapped_column(String(40), default="")
    description: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[created_at]

    values: Mapped[list[IndicatorValue]] = relationship(
        back_populates="indicator", cascade="all, delete-orphan", order_by="IndicatorValue.period"
    )


class IndicatorValue(Base):
    __tablename__ = "indicator_values"
    __table_args__ = (
        UniqueConstraint("indicator_id", "organisation_id", "period", name="uq_indicator_values_period"),
    )

    id: Mapped[intpk]
    indicator_id: Mapped[int] = mapped_column(ForeignKey("indicators.id"), index=True)
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"))
    period: Mapped[str] = mapped_column(String(20))  # 2026, 2026-Q3 or 2026-09
    value: Mapped[float] = mapped_column(Float)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[created_at]

    indicator: Mapped[Indicator] = relationship(back_populates="values")
    organisation: Mapped[Organisation | None] = relationship()


# A one-row table (id 1), created by migration 9d4e5f6a7b83: the data version of
# app.services.evaluation.data_version. Core, not a mapped class: nothing loads it as an object; two
# statements read and move it.
data_versions = Table(
    "data_versions", Base.metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("version", Integer, nullable=False),
)


class ResultPair(Base):
    """A follow-up result and the baseline result of the same official and competency, kept as one row
    so that the tables of change group one table instead of joining two cycles' results
    (app.services.evaluation.pair_store keeps it in step with every write, in the same transaction).

    One row per submitted follow-up attempt and competency whose official submitted the baseline too
    (app.services.evaluation.pairs defines the pair). ``organisation_id`` and ``role_profile_id`` are the
    follow-up attempt's; ``validated``: both results were validated by a manager.
    """

    __tablename__ = "result_pairs"
    __table_args__ = (Index("ix_result_pairs_campaign", "campaign_id", "competency_id"),)

    follow_up_id: Mapped[int] = mapped_column(ForeignKey("attempts.id", ondelete="CASCADE"), primary_key=True)
    competency_id: Mapped[int] = mapped_column(ForeignKey("competencies.id", ondelete="CASCADE"),
                                               primary_key=True)
    base_id: Mapped[int] = mapped_column(ForeignKey("attempts.id", ondelete="CASCADE"), index=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"))
    baseline_campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"))
    country_id: Mapped[int] = mapped_column(Integer)  # the follow-up attempt's
    campaign_country_id: Mapped[int] = mapped_column(Integer)  # the follow-up campaign's
    organisation_id: Mapped[int | None] = mapped_column(Integer)
    role_profile_id: Mapped[int | None] = mapped_column(Integer)
    validated: Mapped[bool] = mapped_column(Boolean)
    before_level: Mapped[int | None] = mapped_column(Integer)
    after_level: Mapped[int | None] = mapped_column(Integer)
    before_gap: Mapped[int | None] = mapped_column(Integer)
    after_gap: Mapped[int | None] = mapped_column(Integer)
    before_correct: Mapped[int] = mapped_column(Integer)
    before_total: Mapped[int] = mapped_column(Integer)
    after_correct: Mapped[int] = mapped_column(Integer)
    after_total: Mapped[int] = mapped_column(Integer)
