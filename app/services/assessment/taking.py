"""An official's assessments: the campaigns they are invited to, and starting or resuming their attempt."""

from __future__ import annotations

import zlib
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, contains_eager, selectinload

from app.models import (
    Answer,
    Attempt,
    AttemptItem,
    AttemptStatus,
    Campaign,
    CampaignOrganisation,
    InstrumentSection,
    Invitation,
    User,
)
from app.services.assessment import forms
from app.services.assessment.campaigns import window_state
from app.services.assessment.window import check_window
from app.services.errors import NotFound
from app.services.scope import scoped

# "Your assessments" ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class Assignment:
    """One campaign an official is invited to, with their attempt (if started) and progress."""

    invitation: Invitation
    attempt: Attempt | None
    window: str  # not_open | open | closed
    answered: int
    total: int

    @property
    def campaign(self) -> Campaign:
        return self.invitation.campaign

    @property
    def status(self) -> str:
        if self.attempt is None:
            return "not_started"
        return "submitted" if self.attempt.status == AttemptStatus.SUBMITTED else "in_progress"

    @property
    def percent(self) -> int:
        return round(100 * self.answered / self.total) if self.total else 0


def _invitations(user: User):
    return (scoped(select(Invitation), Campaign.country_id, user)
            .join(Invitation.campaign).join(Campaign.country)
            .options(contains_eager(Invitation.campaign).contains_eager(Campaign.country))
            .where(Invitation.user_id == user.id))


def assignments(session: Session, user: User, now: datetime) -> list[Assignment]:
    """Every campaign ``user`` is invited to, newest window first: four queries whatever the number."""
    rows = session.execute(
        _invitations(user)
        .add_columns(Attempt)
        .outerjoin(Attempt, and_(Attempt.campaign_id == Invitation.campaign_id,
                                 Attempt.user_id == Invitation.user_id))
        .order_by(Campaign.opens_at.desc(), Campaign.id.desc())
    ).all()
    attempt_ids = [attempt.id for _, attempt in rows if attempt is not None]
    answered = dict(session.execute(
        select(Answer.attempt_id, func.count()).where(Answer.attempt_id.in_(attempt_ids))
        .group_by(Answer.attempt_id)
    ).all()) if attempt_ids else {}
    totals = dict(session.execute(
        select(AttemptItem.attempt_id, func.count()).where(AttemptItem.attempt_id.in_(attempt_ids))
        .group_by(AttemptItem.attempt_id)
    ).all()) if attempt_ids else {}
    return [
        Assignment(
            invitation=invitation,
            attempt=attempt,
            window=window_state(invitation.campaign, now),
            answered=answered.get(attempt.id, 0) if attempt else 0,
            total=totals.get(attempt.id, 0) if attempt else 0,
        )
        for invitation, attempt in rows
    ]


def assignment(session: Session, user: User, campaign_id: int, now: datetime) -> Assignment:
    """The one campaign ``campaign_id`` of ``user``; NotFound unless they are invited to it."""
    for found in assignments(session, user, now):
        if found.campaign.id == campaign_id:
            return found
    raise NotFound("You are not invited to this assessment")


# Starting and resuming ------------------------------------------------------------------------------

def _find_attempt(session: Session, user_id: int, campaign_id: int) -> Attempt | None:
    return session.scalar(
        select(Attempt).where(Attempt.user_id == user_id, Attempt.campaign_id == campaign_id)
    )


def start(session: Session, user: User, campaign_id: int, now: datetime) -> Attempt:
    """The official's attempt at ``campaign_id``: the existing one, or a new one if the window is open.

    The attempt is taken on the campaign's instrument version, for the organisation and role profile
    of the invitation (the organisation's default role profile in the campaign when the invitation has
    none). Raises NotFound when ``user`` is not invited, OutsideWindow when starting outside the window.
    """
    invitation = session.scalar(
        _invitations(user).where(Invitation.campaign_id == campaign_id)
    )
    if invitation is None:
        raise NotFound("You are not invited to this assessment")
    attempt = _find_attempt(session, user.id, campaign_id)
    if attempt is not None:
        return attempt
    campaign = invitation.campaign
    check_window(campaign, now)
    role_profile_id = invitation.role_profile_id
    if role_profile_id is None:
        role_profile_id = session.scalar(
            select(CampaignOrganisation.default_role_profile_id).where(
                CampaignOrganisation.campaign_id == campaign.id,
                CampaignOrganisation.organisation_id == invitation.organisation_id,
            )
        )
    attempt = Attempt(
        campaign_id=campaign.id, user_id=user.id, instrument_id=campaign.instrument_id,
        country_id=campaign.country_id, organisation_id=invitation.organisation_id,
        role_profile_id=role_profile_id, status=AttemptStatus.IN_PROGRESS, last_section=0,
        started_at=now, updated_at=now, seed=zlib.crc32(f"{campaign.id}:{user.id}".encode()) & 0x7FFFFFFF,
    )
    try:
        with session.begin_nested():
            session.add(attempt)
            session.flush()
            forms.start_form(session, attempt, now)
    except IntegrityError:
        # The same official started it a moment ago from another tab or device: use that one.
        attempt = _find_attempt(session, user.id, campaign_id)
        if attempt is None:
            raise
    return attempt


def own_attempt(session: Session, user: User, attempt_id: int) -> Attempt:
    """``user``'s attempt ``attempt_id``; NotFound for anyone else's (it looks the same as none)."""
    attempt = session.scalar(
        scoped(select(Attempt), Attempt.country_id, user)
        .where(Attempt.id == attempt_id, Attempt.user_id == user.id)
        .options(selectinload(Attempt.campaign).selectinload(Campaign.country))
    )
    if attempt is None:
        raise NotFound("There is no such assessment")
    return attempt


def sections(session: Session, attempt: Attempt) -> list[InstrumentSection]:
    return list(session.scalars(
        select(InstrumentSection).where(InstrumentSection.instrument_id == attempt.instrument_id)
        .order_by(InstrumentSection.position)
    ))
