"""Competency frameworks (areas, competencies, a proficiency scale with descriptors) and role profiles."""

from __future__ import annotations

from sqlalchemy import Boolean, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.base import Base, intpk, str200


class Framework(Base):
    __tablename__ = "frameworks"

    id: Mapped[intpk]
    code: Mapped[str] = mapped_column(String(60), unique=True)  # stable, e.g. dgcf
    name: Mapped[str200]
    version: Mapped[str] = mapped_column(String(40))
    description: Mapped[str] = mapped_column(Text, default="")
    licence: Mapped[str] = mapped_column(String(60), default="")
    # Where it came from: "content" (bundled YAML), "csv" or "case" (flask frameworks import).
    source: Mapped[str] = mapped_column(String(20), default="content")
    identifier: Mapped[str | None] = mapped_column(String(200))  # e.g. the CASE CFDocument identifier

    levels: Mapped[list[ProficiencyLevel]] = relationship(
        back_populates="framework", order_by="ProficiencyLevel.level", cascade="all, delete-orphan"
    )
    areas: Mapped[list[Area]] = relationship(
        back_populates="framework", order_by="Area.position", cascade="all, delete-orphan"
    )
    competencies: Mapped[list[Competency]] = relationship(
        back_populates="framework", order_by="Competency.position", cascade="all, delete-orphan"
    )


class ProficiencyLevel(Base):
    """One level of a framework's scale, e.g. 2 Working."""

    __tablename__ = "proficiency_levels"
    __table_args__ = (UniqueConstraint("framework_id", "level", name="uq_proficiency_levels_level"),)

    id: Mapped[intpk]
    framework_id: Mapped[int] = mapped_column(ForeignKey("frameworks.id"))
    level: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(80))
    description: Mapped[str] = mapped_column(Text, default="")

    framework: Mapped[Framework] = relationship(back_populates="levels")


class Area(Base):
    """A group of competencies; areas may nest (imported frameworks keep their hierarchy)."""

    __tablename__ = "areas"
    __table_args__ = (UniqueConstraint("framework_id", "code", name="uq_areas_code"),)

    id: Mapped[intpk]
    framework_id: Mapped[int] = mapped_column(ForeignKey("frameworks.id"), index=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("areas.id"))
    code: Mapped[str] = mapped_column(String(120))
    name: Mapped[str] = mapped_column(String(300))
    description: Mapped[str] = mapped_column(Text, default="")
    position: Mapped[int] = mapped_column(Integer, default=0)
    identifier: Mapped[str | None] = mapped_column(String(200))

    framework: Mapped[Framework] = relationship(back_populates="areas")
    parent: Mapped[Area | None] = relationship(remote_side="Area.id")
    competencies: Mapped[list[Competency]] = relationship(
        back_populates="area", order_by="Competency.position"
    )


class Competency(Base):
    __tablename__ = "competencies"
    __table_args__ = (UniqueConstraint("framework_id", "code", name="uq_competencies_code"),)

    id: Mapped[intpk]
    framework_id: Mapped[int] = mapped_column(ForeignKey("frameworks.id"), index=True)
    area_id: Mapped[int] = mapped_column(ForeignKey("areas.id"), index=True)
    code: Mapped[str] = mapped_column(String(120))
    name: Mapped[str] = mapped_column(String(300))
    description: Mapped[str] = mapped_column(Text, default="")
    position: Mapped[int] = mapped_column(Integer, default=0)
    identifier: Mapped[str | None] = mapped_column(String(200))
    retired: Mapped[bool] = mapped_column(Boolean, default=False)

    framework: Mapped[Framework] = relationship(back_populates="competencies")
    area: Mapped[Area] = relationship(back_populates="competencies")
    descriptors: Mapped[list[LevelDescriptor]] = relationship(
        back_populates="competency", order_by="LevelDescriptor.level", cascade="all, delete-orphan"
    )


class LevelDescriptor(Base):
    """What a person at ``level`` of one competency does."""

    __tablename__ = "level_descriptors"

    competency_id: Mapped[int] = mapped_column(ForeignKey("competencies.id"), primary_key=True)
    level: Mapped[int] = mapped_column(Integer, primary_key=True)
    text: Mapped[str] = mapped_column(Text)

    competency: Mapped[Competency] = relationship(back_populates="descriptors")


class RoleProfile(Base):
    """A job role with a target level per competency."""

    __tablename__ = "role_profiles"

    id: Mapped[intpk]
    code: Mapped[str] = mapped_column(String(60), unique=True)
    name: Mapped[str200]
    description: Mapped[str] = mapped_column(Text, default="")
    framework_id: Mapped[int] = mapped_column(ForeignKey("frameworks.id"))
    retired: Mapped[bool] = mapped_column(Boolean, default=False)

    framework: Mapped[Framework] = relationship()
    targets: Mapped[list[RoleTarget]] = relationship(
        back_populates="role_profile", cascade="all, delete-orphan"
    )


class RoleTarget(Base):
    __tablename__ = "role_targets"

    role_profile_id: Mapped[int] = mapped_column(ForeignKey("role_profiles.id"), primary_key=True)
    competency_id: Mapped[int] = mapped_column(ForeignKey("competencies.id"), primary_key=True)
    level: Mapped[int] = mapped_column(Integer)

    role_profile: Mapped[RoleProfile] = relationship(back_populates="targets")
    competency: Mapped[Competency] = relationship()
