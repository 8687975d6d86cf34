"""Changing a campaign once it exists: its window, its organisations and its reminder schedule.

Every problem with a change is found before anything is written and reported together (ManyProblems);
a change that passes is written in the caller's transaction with one audit event saying what changed,
before and after. Scheduled reminders are sent by ``flask campaigns remind-due`` (run it hourly).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from app.models import (
    Attempt,
    Campaign,
    CampaignOrganisation,
    Invitation,
    Organisation,
    OrganisationAssessment,
)
from app.services import audit
from app.services.assessment.campaigns import ends_at, local_time, to_utc, window_state
from app.services.audit import Actor
from app.services.errors import ManyProblems, NotFound, ValidationFailed
from app.services.scope import can_see_country

REMINDER_CHOICES = (14, 7, 3, 1)  # days before closing a reminder may be scheduled on


@dataclass(frozen=True)
class Edit:
    """What the focal point asks for: the window as wall-clock times in the country's time zone, the
    organisations the campaign should have, and the days before closing to send reminders on."""

    opens_local: datetime
    closes_local: datetime
    organisations: list[Organisation]
    reminder_days: list[int] = field(default_factory=list)


@dataclass
class Change:
    """One thing that changed, for the confirmation and the audit log: "opens" and "closes" (moments,
    UTC), "organisations" and "reminders" (words), "invitations" (how many were withdrawn, after)."""

    what: str
    before: datetime | str
    after: datetime | str

    def audited(self) -> dict[str, str]:
        def text(value: datetime | str) -> str:
            return value.isoformat() if isinstance(value, datetime) else value
        return {"what": self.what, "before": text(self.before), "after": text(self.after)}


def _when(moment: datetime, zone: str) -> str:
    """A moment in a message: "27 March 2027 at 17:00", in the country's time zone."""
    local = local_time(moment, zone)
    return f"{local.day} {local:%B %Y} at {local:%H:%M}"


def _days(days: list[int]) -> str:
    return ", ".join(f"{d} days" if d != 1 else "1 day" for d in days) + " before closing" if days \
        else "none"


def _have_started(count: int, whose: str = "") -> str:
    """"1 official has started answering", "3 of its officials have started answering"."""
    noun = "official" if count == 1 and not whose else "officials"
    return f"{count} {whose}{noun} {'has' if count == 1 else 'have'} started answering"


def _attempt_counts(session: Session, campaign: Campaign) -> dict[int, int]:
    """Organisation id -> how many officials have started in the campaign, in one grouped query."""
    return dict(session.execute(
        select(Attempt.organisation_id, func.count()).where(Attempt.campaign_id == campaign.id)
        .group_by(Attempt.organisation_id)).all())


def _check_window(session: Session, campaign: Campaign, opens_at: datetime, closes_at: datetime,
                  started: int, now: datetime, problems: list[ValidationFailed]) -> None:
    """The window's rules; ``started``: how many officials have started answering."""
    zone = campaign.country.time_zone
    if closes_at <= opens_at:
        problems.append(ValidationFailed("The closing date must be after the opening date",
                                         field="closes"))
    if closes_at != campaign.closes_at and closes_at <= now:
        problems.append(ValidationFailed(
            f"The closing time must be in the future (it is {_when(now, zone)} now). To end the "
            "campaign now, use Close early", field="closes"))
    first = session.scalar(select(func.min(Attempt.started_at)).where(Attempt.campaign_id == campaign.id)) \
        if started and opens_at > campaign.opens_at else None
    if first is not None and opens_at > now:
        problems.append(ValidationFailed(
            f"The campaign opened on {_when(campaign.opens_at, zone)} and {_have_started(started)}, so "
            "it cannot open later than now", field="opens"))
    elif first is not None and opens_at > first:
        problems.append(ValidationFailed(
            f"The first official started answering on {_when(first, zone)}, so the campaign cannot open "
            "after that", field="opens"))
    if campaign.baseline is not None and opens_at <= campaign.baseline.opens_at:
        problems.append(ValidationFailed(
            f"A follow-up must open after the campaign it follows ({campaign.baseline.name} opened on "
            f"{_when(campaign.baseline.opens_at, zone)})", field="opens"))
    follower = session.scalar(select(Campaign).where(Campaign.baseline_id == campaign.id)
                              .order_by(Campaign.opens_at).limit(1))
    if follower is not None and opens_at >= follower.opens_at:
        problems.append(ValidationFailed(
            f"{follower.name} follows this campaign and opens on {_when(follower.opens_at, zone)}: "
            "this campaign must open before it", field="opens"))


def _check_organisations(session: Session, campaign: Campaign, wanted: list[Organisation],
                         started: dict[int, int], problems: list[ValidationFailed]) -> None:
    if not wanted:
        problems.append(ValidationFailed("Choose at least one organisation", field="organisations"))
    for organisation in wanted:
        if organisation.country_id != campaign.country_id:
            problems.append(ValidationFailed(f"{organisation.name} is not in {campaign.country.name}",
                                             field="organisations"))
    kept = {o.id for o in wanted}
    assessed = set(session.scalars(select(OrganisationAssessment.organisation_id)
                                   .where(OrganisationAssessment.campaign_id == campaign.id)))
    for link in campaign.organisations:
        if link.organisation_id in kept:
            continue
        count = started.get(link.organisation_id, 0)
        if count:
            problems.append(ValidationFailed(
                f"{link.organisation.name} cannot be removed: {_have_started(count, 'of its ')} in this "
                "campaign", field="organisations"))
        elif link.organisation_id in assessed:
            problems.append(ValidationFailed(
                f"{link.organisation.name} cannot be removed: its organisation assessment has been "
                "started", field="organisations"))


def _check_reminders(days: list[int], problems: list[ValidationFailed]) -> list[int]:
    wrong = [d for d in days if d not in REMINDER_CHOICES]
    if wrong:
        problems.append(ValidationFailed("Choose reminder days from the list", field="reminder_days"))
    return sorted(set(days) - set(wrong), reverse=True)


def closed(campaign: Campaign, now: datetime) -> str | None:
    """Why ``campaign`` can no longer be changed (it has closed), or None."""
    if window_state(campaign, now) != "closed":
        return None
    return (f"This campaign closed on {_when(ends_at(campaign), campaign.country.time_zone)}, so it can no "
            "longer be changed")


def edit_campaign(session: Session, actor: Actor, campaign: Campaign, edit: Edit,
                  now: datetime) -> list[Change]:
    """Apply ``edit`` to ``campaign``; what changed (empty when nothing did).

    Invitations to an organisation taken out of the campaign (nobody there has started) are withdrawn.
    Raises NotFound when the actor may not see the campaign's country, ValidationFailed when the
    campaign has closed, ManyProblems with every problem of the edit otherwise.
    """
    if actor.user is not None and not can_see_country(actor.user, campaign.country_id):
        raise NotFound("No such campaign")
    zone = campaign.country.time_zone
    refusal = closed(campaign, now)
    if refusal:
        raise ValidationFailed(refusal)
    problems: list[ValidationFailed] = []
    window = []
    for local, name in ((edit.opens_local, "opens"), (edit.closes_local, "closes")):
        try:
            window.append(to_utc(local, zone, field=name))
        except ValidationFailed as exc:
            problems.append(exc)
    started = _attempt_counts(session, campaign)
    if len(window) == 2:
        _check_window(session, campaign, *window, sum(started.values()), now, problems)
    _check_organisations(session, campaign, edit.organisations, started, problems)
    days = _check_reminders(edit.reminder_days, problems)
    if problems:
        raise ManyProblems(problems)
    changes = _apply(session, campaign, window[0], window[1], edit.organisations, days, now)
    if changes:
        audit.record(session, actor, "campaign.edit", campaign, country_id=campaign.country_id,
                     details={"changes": [change.audited() for change in changes]})
    return changes


def _apply(session: Session, campaign: Campaign, opens_at: datetime, closes_at: datetime,
           wanted: list[Organisation], days: list[int], now: datetime) -> list[Change]:
    changes = []
    if opens_at != campaign.opens_at:
        changes.append(Change("opens", campaign.opens_at, opens_at))
        campaign.opens_at = opens_at
    if closes_at != campaign.closes_at:
        changes.append(Change("closes", campaign.closes_at, closes_at))
        campaign.closes_at = closes_at
    before = sorted(link.organisation.name for link in campaign.organisations)
    kept = {o.id for o in wanted}
    removed = [link.organisation_id for link in campaign.organisations if link.organisation_id not in kept]
    current = {link.organisation_id for link in campaign.organisations}
    campaign.organisations = [link for link in campaign.organisations if link.organisation_id in kept] + [
        CampaignOrganisation(organisation=o) for o in sorted(wanted, key=lambda o: o.name)
        if o.id not in current]
    after = sorted(o.name for o in wanted)
    if before != after:
        changes.append(Change("organisations", ", ".join(before), ", ".join(after)))
    if removed:
        withdrawn = session.execute(delete(Invitation).where(
            Invitation.campaign_id == campaign.id, Invitation.organisation_id.in_(removed)),
            execution_options={"synchronize_session": False}).rowcount
        if withdrawn:
            changes.append(Change("invitations", "", str(withdrawn)))  # withdrawn
    if days != list(campaign.reminder_days or []):
        changes.append(Change("reminders", _days(list(campaign.reminder_days or [])), _days(days)))
        campaign.reminder_days = days
        campaign.reminders_done_until = now  # moments already past when the schedule is set are not due
    if changes:
        from app.services.evaluation import data_version  # here: evaluation imports assessment

        data_version.bump(session)
    return changes


# Scheduled reminders -----------------------------------------------------------------------------


def reminder_moments(campaign: Campaign) -> list[datetime]:
    """When the campaign's scheduled reminders go out (UTC), earliest first."""
    return sorted(campaign.closes_at - timedelta(days=d) for d in campaign.reminder_days or [])


def due_reminders(session: Session, now: datetime) -> list[Campaign]:
    """The open campaigns with a scheduled reminder due (its moment passed, not handled yet), each
    marked handled up to ``now``: the caller records and sends one reminder per campaign."""
    due = []
    for campaign in session.scalars(select(Campaign).where(
            Campaign.opens_at <= now, Campaign.closes_at > now, Campaign.closed_early_at.is_(None),
            func.coalesce(Campaign.reminders_done_until, Campaign.opens_at) < now)):
        done = campaign.reminders_done_until or campaign.opens_at
        if campaign.reminder_days and any(done < moment <= now for moment in reminder_moments(campaign)):
            campaign.reminders_done_until = now
            due.append(campaign)
    return due
