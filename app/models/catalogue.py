"""The curated catalogue: resources, the competencies they teach, suggestions, and course paths."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Boolean, Date, Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.base import Base, UTCDateTime, created_at, intpk, utcnow
from app.models.frameworks import Competency, RoleProfile
from app.models.people import User


class Resource(Base):
    """One piece of curated material that already exists somewhere, reused rather than rewritten."""

    __tablename__ = "resources"

    id: Mapped[intpk]
    code: Mapped[str] = mapped_column(String(120), unique=True)  # the stable id of its YAML file
    title: Mapped[str] = mapped_column(String(300))
    provider: Mapped[str] = mapped_column(String(200))
    url: Mapped[str] = mapped_column(String(1000))
    normalised_url: Mapped[str] = mapped_column(String(1000), index=True)  # for duplicate detection
    licence: Mapped[str] = mapped_column(String(80))  # SPDX id, LicenseRef-..., or free-access
    languages: Mapped[list[str]] = mapped_column(JSON, default=list)  # BCP 47
    format: Mapped[str] = mapped_column(String(20))
    hours: Mapped[float] = mapped_column(Float)
    cost: Mapped[str] = mapped_column(String(10), default="free")
    certificate: Mapped[bool] = mapped_column(Boolean, default=False)
    prerequisites: Mapped[list[str]] = mapped_column(JSON, default=list)  # codes of other resources
    accessibility: Mapped[dict[str, bool]] = mapped_column(JSON, default=dict)
    offline: Mapped[bool] = mapped_column(Boolean, default=False)
    description: Mapped[str] = mapped_column(Text, default="")  # Markdown, sanitised when shown
    reviewed_on: Mapped[date] = mapped_column(Date)
    reviewed_by: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(20), default="published")  # published | retired
    # "content": has a file in courses/resources/ (sync retires it when the file goes); "ui": made in the
    # app (a published suggestion), left alone by sync until its exported file is committed and synced.
    source: Mapped[str] = mapped_column(String(20), default="ui", server_default="ui")
    link_status: Mapped[int | None] = mapped_column(Integer)  # last HTTP status seen, 0 = unreachable
    link_checked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    teaches: Mapped[list[ResourceCompetency]] = relationship(
        back_populates="resource", cascade="all, delete-orphan"
    )

    def __repr__(self) -> str:
        return f"<Resource {self.code}>"


class ResourceCompetency(Base):
    """A competency a resource teaches, from one level to a higher one."""

    __tablename__ = "resource_competencies"

    resource_id: Mapped[int] = mapped_column(ForeignKey("resources.id"), primary_key=True)
    competency_id: Mapped[int] = mapped_column(ForeignKey("competencies.id"), primary_key=True,
                                               index=True)
    level_from: Mapped[int] = mapped_column(Integer)
    level_to: Mapped[int] = mapped_column(Integer)

    resource: Mapped[Resource] = relationship(back_populates="teaches")
    competency: Mapped[Competency] = relationship()


class Suggestion(Base):
    """A resource someone signed in thinks would help; an admin publishes or rejects it."""

    __tablename__ = "suggestions"

    id: Mapped[intpk]
    url: Mapped[str] = mapped_column(String(1000))
    normalised_url: Mapped[str] = mapped_column(String(1000), index=True)
    title: Mapped[str] = mapped_column(String(300), default="")
    reason: Mapped[str] = mapped_column(Text)
    suggested_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[created_at]
    status: Mapped[str] = mapped_column(String(20), default="pending")  # pending|published|rejected
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    rejection_reason: Mapped[str] = mapped_column(Text, default="")
    resource_id: Mapped[int | None] = mapped_column(ForeignKey("resources.id"))

    suggested_by: Mapped[User | None] = relationship(foreign_keys=[suggested_by_id])
    resource: Mapped[Resource | None] = relationship()


class CoursePath(Base):
    """A course path; what officials follow is one of its versions."""

    __tablename__ = "course_paths"

    id: Mapped[intpk]
    code: Mapped[str] = mapped_column(String(120), unique=True)
    created_at: Mapped[created_at]

    versions: Mapped[list[PathVersion]] = relationship(
        back_populates="path", order_by="PathVersion.version", cascade="all, delete-orphan"
    )


class PathVersion(Base):
    """One version of a path: draft, then published; a published version never changes."""

    __tablename__ = "path_versions"
    __table_args__ = (UniqueConstraint("path_id", "version", name="uq_path_versions_version"),)

    id: Mapped[intpk]
    path_id: Mapped[int] = mapped_column(ForeignKey("course_paths.id"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(20), default="draft")  # draft|published|superseded
    title: Mapped[str] = mapped_column(String(300))
    description: Mapped[str] = mapped_column(Text, default="")
    prerequisites: Mapped[list[str]] = mapped_column(JSON, default=list)  # resource codes
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[created_at]
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    path: Mapped[CoursePath] = relationship(back_populates="versions")
    steps: Mapped[list[PathStep]] = relationship(
        back_populates="path_version", order_by="PathStep.position", cascade="all, delete-orphan"
    )
    role_profiles: Mapped[list[RoleProfile]] = relationship(secondary="path_version_roles")
    competencies: Mapped[list[Competency]] = relationship(secondary="path_version_competencies")


class PathVersionRole(Base):
    __tablename__ = "path_version_roles"

    path_version_id: Mapped[int] = mapped_column(ForeignKey("path_versions.id"), primary_key=True)
    role_profile_id: Mapped[int] = mapped_column(ForeignKey("role_profiles.id"), primary_key=True)


class PathVersionCompetency(Base):
    __tablename__ = "path_version_competencies"

    path_version_id: Mapped[int] = mapped_column(ForeignKey("path_versions.id"), primary_key=True)
    competency_id: Mapped[int] = mapped_column(ForeignKey("competencies.id"), primary_key=True)


class PathStep(Base):
    """A step of a path version. Steps sharing an ``alternative_group`` are alternatives: take one."""

    __tablename__ = "path_steps"

    id: Mapped[intpk]
    path_version_id: Mapped[int] = mapped_column(ForeignKey("path_versions.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    resource_id: Mapped[int] = mapped_column(ForeignKey("resources.id"))
    optional: Mapped[bool] = mapped_column(Boolean, default=False)
    alternative_group: Mapped[str | None] = mapped_column(String(40))

    path_version: Mapped[PathVersion] = relationship(back_populates="steps")
    resource: Mapped[Resource] = relationship()
