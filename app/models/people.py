"""Countries, organisations, users and the countries a focal point may see."""

from __future__ import annotations

import secrets
from datetime import datetime
from enum import StrEnum

from flask_login import UserMixin
from sqlalchemy import JSON, Boolean, CheckConstraint, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from app.models.base import Base, UTCDateTime, created_at, intpk, str200


class Role(StrEnum):
    OFFICIAL = "official"
    FOCAL_POINT = "focal_point"
    ADMIN = "admin"


class Country(Base):
    __tablename__ = "countries"

    id: Mapped[intpk]
    code: Mapped[str] = mapped_column(String(2), unique=True)  # ISO 3166-1 alpha-2, upper case
    name: Mapped[str200]
    time_zone: Mapped[str] = mapped_column(String(64))  # IANA name, e.g. Africa/Nairobi
    # The country's own small-cell threshold, when higher than the deployment's SMALL_CELL_K.
    small_cell_k: Mapped[int | None] = mapped_column(Integer)

    organisations: Mapped[list[Organisation]] = relationship(
        back_populates="country", order_by="Organisation.name"
    )

    def __repr__(self) -> str:
        return f"<Country {self.code}>"


class Organisation(Base):
    __tablename__ = "organisations"
    __table_args__ = (UniqueConstraint("country_id", "name", name="uq_organisations_country_name"),)

    id: Mapped[intpk]
    country_id: Mapped[int] = mapped_column(ForeignKey("countries.id"), index=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"))
    name: Mapped[str200]

    country: Mapped[Country] = relationship(back_populates="organisations")
    parent: Mapped[Organisation | None] = relationship(remote_side="Organisation.id")

    def __repr__(self) -> str:
        return f"<Organisation {self.name!r}>"


class User(UserMixin, Base):
    __tablename__ = "users"
    __table_args__ = (
        CheckConstraint("role in ('official', 'focal_point', 'admin')", name="role"),
    )

    id: Mapped[intpk]
    # Stored lower-cased, so the unique constraint is case-insensitive.
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str200]
    password_hash: Mapped[str | None] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20), default=Role.OFFICIAL)
    country_id: Mapped[int | None] = mapped_column(ForeignKey("countries.id"), index=True)
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"), index=True)
    # The official's line manager: an account in the same organisation, who may validate their results.
    manager_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    locale: Mapped[str | None] = mapped_column(String(10))
    # The languages the official learns in, from their account page (BCP 47, most preferred first);
    # None: what they answered in their latest assessment.
    learning_languages: Mapped[list[str] | None] = mapped_column(JSON)
    email_reminders: Mapped[bool] = mapped_column(Boolean, default=True)  # about open assessments
    email_follow_ups: Mapped[bool] = mapped_column(Boolean, default=True)  # questions after a path
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[created_at]
    activated_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # The id a login session carries; changing it ends every session of this user.
    session_token: Mapped[str] = mapped_column(
        String(43), unique=True, default=lambda: secrets.token_urlsafe(32)
    )

    country: Mapped[Country | None] = relationship()
    organisation: Mapped[Organisation | None] = relationship()
    manager: Mapped[User | None] = relationship(remote_side="User.id", foreign_keys=[manager_id])
    scopes: Mapped[list[FocalPointScope]] = relationship(
        back_populates="user", cascade="all, delete-orphan", foreign_keys="FocalPointScope.user_id"
    )

    @validates("email")
    def _normalise_email(self, _key: str, value: str) -> str:
        return value.strip().lower()

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive users
        return self.active

    def get_id(self) -> str:
        return self.session_token

    def end_sessions(self) -> None:
        """Sign out everywhere: every session and remember-me cookie carrying the old token stops
        working. Signing out, setting a password and (de)activation all call this."""
        self.session_token = secrets.token_urlsafe(32)

    @property
    def is_admin(self) -> bool:
        return self.role == Role.ADMIN

    @property
    def is_focal_point(self) -> bool:
        return self.role == Role.FOCAL_POINT

    def __repr__(self) -> str:
        return f"<User {self.email} {self.role}>"


class FocalPointScope(Base):
    """A country whose data a focal point may see, granted explicitly by an admin."""

    __tablename__ = "focal_point_scopes"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    country_id: Mapped[int] = mapped_column(ForeignKey("countries.id"), primary_key=True)
    granted_at: Mapped[created_at]
    granted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    user: Mapped[User] = relationship(back_populates="scopes", foreign_keys=[user_id])
    country: Mapped[Country] = relationship()
