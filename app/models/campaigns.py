"""Campaigns: one assessment round in a country, the officials invited to it, and staged invite files."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.base import Base, UTCDateTime, created_at, intpk, str200
from app.models.frameworks import RoleProfile
from app.models.instruments import Instrument
from app.models.people import Country, Organisation, User


class Campaign(Base):
    __tablename__ = "campaigns"

    id: Mapped[intpk]
    country_id: Mapped[int] = mapped_column(ForeignKey("countries.id"), index=True)
    name: Mapped[str200]
    instrument_id: Mapped[int] = mapped_column(ForeignKey("instruments.id"))  # one fixed version
    cycle_label: Mapped[str] = mapped_column(String(60))  # baseline, follow-up 1, ...
    # A follow-up campaign points at the campaign it follows; officials' results pair up across them.
    baseline_id: Mapped[int | None] = mapped_column(ForeignKey("campaigns.id"), index=True)
    # Stored in UTC; entered and shown in the country's time zone.
    opens_at: Mapped[datetime] = mapped_column(UTCDateTime())
    closes_at: Mapped[datetime] = mapped_column(UTCDateTime())
    closed_early_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # The minimum evidence for a competency to be assessed (app.services.assessment.scoring.Minimum).
    min_checks: Mapped[int] = mapped_column(Integer, default=2, server_default="2")
    require_self_rating: Mapped[bool] = mapped_column(Boolean, default=True, server_default="1")
    # Adaptive: each next knowledge check is the most informative one for the official's current estimate.
    adaptive: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    # Automatic reminders: the days before closing on which officials who have not submitted get one
    # (app.services.assessment.campaign_edit); the scheduled moments up to reminders_done_until are handled.
    reminder_days: Mapped[list[int]] = mapped_column(JSON, default=list, server_default="[]")
    reminders_done_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[created_at]

    country: Mapped[Country] = relationship()
    instrument: Mapped[Instrument] = relationship()
    baseline: Mapped[Campaign | None] = relationship(remote_side="Campaign.id")
    organisations: Mapped[list[CampaignOrganisation]] = relationship(
        back_populates="campaign", cascade="all, delete-orphan"
    )

    def __repr__(self) -> str:
        return f"<Campaign {self.name!r} {self.cycle_label}>"


class CampaignOrganisation(Base):
    """An organisation in a campaign's scope, with the role profile its officials get by default."""

    __tablename__ = "campaign_organisations"

    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id"), primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), primary_key=True)
    default_role_profile_id: Mapped[int | None] = mapped_column(ForeignKey("role_profiles.id"))

    campaign: Mapped[Campaign] = relationship(back_populates="organisations")
    organisation: Mapped[Organisation] = relationship()
    default_role_profile: Mapped[RoleProfile | None] = relationship()


class Invitation(Base):
    __tablename__ = "invitations"
    __table_args__ = (UniqueConstraint("campaign_id", "user_id", name="uq_invitations_campaign_user"),)

    id: Mapped[intpk]
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    role_profile_id: Mapped[int | None] = mapped_column(ForeignKey("role_profiles.id"))
    invited_at: Mapped[created_at]
    emailed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    reminders: Mapped[int] = mapped_column(Integer, default=0)

    campaign: Mapped[Campaign] = relationship()
    user: Mapped[User] = relationship()
    organisation: Mapped[Organisation] = relationship()
    role_profile: Mapped[RoleProfile | None] = relationship()


class InviteFile(Base):
    """An uploaded officials file, checked row by row; imported only when the focal point says so."""

    __tablename__ = "invite_files"

    id: Mapped[intpk]
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id"), index=True)
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    filename: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[created_at]
    status: Mapped[str] = mapped_column(String(20), default="checked")  # checked | imported
    total_rows: Mapped[int] = mapped_column(Integer, default=0)
    valid_rows: Mapped[list[dict]] = mapped_column(JSON, default=list)
    errors: Mapped[list[dict]] = mapped_column(JSON, default=list)  # [{row, field, reason}]
    imported_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    campaign: Mapped[Campaign] = relationship()
