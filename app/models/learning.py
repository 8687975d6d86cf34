"""Officials' learning: plans built by matching, path enrolments, progress and feedback."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.base import Base, UTCDateTime, created_at, intpk, utcnow
from app.models.catalogue import PathVersion, Resource
from app.models.people import User


class LearningPlan(Base):
    __tablename__ = "learning_plans"

    id: Mapped[intpk]
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), unique=True)
    country_id: Mapped[int | None] = mapped_column(ForeignKey("countries.id"), index=True)
    attempt_id: Mapped[int | None] = mapped_column(ForeignKey("attempts.id"))  # the results it is from
    built_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    unmet: Mapped[list[dict]] = mapped_column(JSON, default=list)  # gaps no material serves yet

    user: Mapped[User] = relationship()
    items: Mapped[list[PlanItem]] = relationship(
        back_populates="plan", order_by="PlanItem.position", cascade="all, delete-orphan"
    )


class PlanItem(Base):
    __tablename__ = "plan_items"

    id: Mapped[intpk]
    plan_id: Mapped[int] = mapped_column(ForeignKey("learning_plans.id"), index=True)
    kind: Mapped[str] = mapped_column(String(10))  # resource | path
    resource_id: Mapped[int | None] = mapped_column(ForeignKey("resources.id"))
    path_version_id: Mapped[int | None] = mapped_column(ForeignKey("path_versions.id"))
    rank: Mapped[int] = mapped_column(Integer)  # the matcher's order
    position: Mapped[int] = mapped_column(Integer)  # the official's order
    reason: Mapped[str] = mapped_column(Text)
    closes: Mapped[list[dict]] = mapped_column(JSON, default=list)
    status: Mapped[str] = mapped_column(String(20), default="suggested")  # suggested|accepted|dismissed
    dismiss_reason: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[created_at]

    plan: Mapped[LearningPlan] = relationship(back_populates="items")
    resource: Mapped[Resource | None] = relationship()
    path_version: Mapped[PathVersion | None] = relationship()


class Enrolment(Base):
    """An official enrolled in one path version; a later version does not change theirs."""

    __tablename__ = "enrolments"
    __table_args__ = (UniqueConstraint("user_id", "path_version_id", name="uq_enrolments_user_path"),)

    id: Mapped[intpk]
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    path_version_id: Mapped[int] = mapped_column(ForeignKey("path_versions.id"), index=True)
    enrolled_at: Mapped[created_at]
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    path_version: Mapped[PathVersion] = relationship()


class Progress(Base):
    """An official's progress on one resource."""

    __tablename__ = "progress"
    __table_args__ = (UniqueConstraint("user_id", "resource_id", name="uq_progress_user_resource"),)

    id: Mapped[intpk]
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    resource_id: Mapped[int] = mapped_column(ForeignKey("resources.id"), index=True)
    status: Mapped[str] = mapped_column(String(20), default="planned")  # planned|started|completed
    started_on: Mapped[date | None] = mapped_column(Date)
    completed_on: Mapped[date | None] = mapped_column(Date)
    evidence_url: Mapped[str] = mapped_column(String(1000), default="")
    evidence_file: Mapped[str] = mapped_column(String(255), default="")  # stored file name
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    resource: Mapped[Resource] = relationship()


class Feedback(Base):
    """Kirkpatrick level 1: how an official rated a resource or a path they completed."""

    __tablename__ = "feedback"

    id: Mapped[intpk]
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    resource_id: Mapped[int | None] = mapped_column(ForeignKey("resources.id"), index=True)
    path_version_id: Mapped[int | None] = mapped_column(ForeignKey("path_versions.id"), index=True)
    rating: Mapped[int] = mapped_column(Integer)  # 1-5
    relevance: Mapped[int] = mapped_column(Integer)  # 1-5: how relevant to their job
    would_recommend: Mapped[bool] = mapped_column(Boolean)
    comment: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[created_at]
