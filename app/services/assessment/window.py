"""The campaign window, and the one guard that every write to an attempt goes through.

Writes that must not race (saving an answer, submitting) start with one conditional UPDATE of the attempt
row (``claim``): it takes the row's write lock before anything is read, and its WHERE clause holds the
rules (the official's own attempt, still in progress, campaign window open). Whoever's UPDATE hits the row
goes on; a second submit finds the status already changed and changes nothing. Callers commit.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import exists, or_, update
from sqlalchemy.orm import Session

from app.models import Attempt, AttemptStatus, Campaign
from app.services.assessment.campaigns import window_state
from app.services.errors import DomainError, NotFound


class OutsideWindow(DomainError):
    """The campaign is not open: it opens later (``state`` "not_open") or has closed ("closed").

    ``at`` is the moment it opens or closed (UTC) and ``time_zone`` the country's, for the message.
    """

    def __init__(self, state: str, at: datetime, time_zone: str) -> None:
        self.state, self.at, self.time_zone = state, at, time_zone
        local = at.astimezone(ZoneInfo(time_zone))
        verb = "opens" if state == "not_open" else "closed"
        super().__init__(
            f"This assessment {verb} on {local.day} {local:%B %Y} at {local:%H:%M} ({time_zone})"
        )


class AlreadySubmitted(DomainError):
    """Answers of a submitted attempt never change."""

    def __init__(self) -> None:
        super().__init__("You have already submitted this assessment, so its answers can no longer change")


# The window ----------------------------------------------------------------------------------------

def window_end(campaign: Campaign) -> datetime:
    """When answering stops: the closing time, or the moment it was closed early if that came first."""
    if campaign.closed_early_at is not None and campaign.closed_early_at < campaign.closes_at:
        return campaign.closed_early_at
    return campaign.closes_at


def check_window(campaign: Campaign, now: datetime) -> None:
    """Raise OutsideWindow unless ``campaign`` is open at ``now``."""
    state = window_state(campaign, now)
    if state == "not_open":
        raise OutsideWindow(state, campaign.opens_at, campaign.country.time_zone)
    if state == "closed":
        raise OutsideWindow(state, window_end(campaign), campaign.country.time_zone)


def _open_at(now: datetime):
    """SQL: the attempt's campaign is open at ``now`` (the same rule as campaigns.window_state)."""
    return exists().where(
        Campaign.id == Attempt.campaign_id,
        Campaign.opens_at <= now,
        Campaign.closes_at > now,
        or_(Campaign.closed_early_at.is_(None), Campaign.closed_early_at > now),
    )


def claim(session: Session, attempt_id: int, user_id: int, now: datetime, **values: object
          ) -> tuple[Attempt, bool]:
    """Set ``values`` on ``user_id``'s attempt if it is in progress and its window open, in one UPDATE.

    Returns the attempt (reloaded) and whether the UPDATE hit it. This must be the transaction's first
    statement: SQLite lets a writer wait its turn only when it has read nothing yet. Raises NotFound when
    the attempt is not ``user_id``'s (it looks the same as none).
    """
    hit = session.execute(
        update(Attempt)
        .where(Attempt.id == attempt_id, Attempt.user_id == user_id,
               Attempt.status == AttemptStatus.IN_PROGRESS, _open_at(now))
        .values(updated_at=now, **values)
        .execution_options(synchronize_session=False)
    ).rowcount
    attempt = session.get(Attempt, attempt_id, populate_existing=True)
    if attempt is None or attempt.user_id != user_id:
        raise NotFound("There is no such assessment")
    return attempt, bool(hit)
