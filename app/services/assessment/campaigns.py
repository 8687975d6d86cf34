"""Campaigns: one assessment round in a country — creating one, its window, its figures, reminders.

Times: a campaign's window is entered and shown in its country's time zone and stored in UTC.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime, time
from zoneinfo import ZoneInfo

from sqlalchemy import Select, case, func, select, update
from sqlalchemy.orm import Session, selectinload

from app.models import (
    Attempt,
    AttemptStatus,
    Campaign,
    CampaignOrganisation,
    Country,
    Instrument,
    InstrumentKind,
    Invitation,
    Organisation,
    RoleProfile,
    User,
)
from app.services import audit
from app.services.audit import Actor
from app.services.errors import NotFound, ValidationFailed
from app.services.scope import can_see_country, scoped

# The window --------------------------------------------------------------------------------------


def window_state(campaign: Campaign, now: datetime) -> str:
    """"not_open" before opens_at, "open" inside the window, "closed" from closes_at or closed_early_at."""
    if now < campaign.opens_at:
        return "not_open"
    return "open" if now < ends_at(campaign) else "closed"


def is_open(campaign: Campaign, now: datetime) -> bool:
    """Whether officials may answer ``campaign`` at ``now`` (an aware datetime)."""
    return window_state(campaign, now) == "open"


def ends_at(campaign: Campaign) -> datetime:
    """When the window really ends: closes_at, or earlier if the campaign was closed early."""
    if campaign.closed_early_at is not None and campaign.closed_early_at < campaign.closes_at:
        return campaign.closed_early_at
    return campaign.closes_at


def local_time(moment: datetime, time_zone: str) -> datetime:
    """``moment`` (aware) as wall-clock time in ``time_zone``."""
    return moment.astimezone(ZoneInfo(time_zone))


def to_utc(local: datetime, time_zone: str, *, field: str) -> datetime:
    """The UTC instant of the wall-clock time ``local`` (naive) in ``time_zone``.

    Raises ValidationFailed (on ``field``) for a time that does not exist there, such as one
    skipped when the clocks go forward.
    """
    zone = ZoneInfo(time_zone)
    aware = local.replace(tzinfo=zone)
    back = aware.astimezone(ZoneInfo("UTC")).astimezone(zone).replace(tzinfo=None)
    if back != local:
        raise ValidationFailed(
            f"{local:%Y-%m-%d %H:%M} does not exist in {time_zone} (the clocks change then)",
            field=field,
        )
    return aware.astimezone(ZoneInfo("UTC"))


def parse_local(text: str, *, field: str, end_of_day: bool = False) -> datetime:
    """A wall-clock time from ``YYYY-MM-DD`` or ``YYYY-MM-DDTHH:MM`` (a space works for the T).

    A date alone means the start of that day, or its last minute (23:59) with ``end_of_day``.
    Raises ValidationFailed on ``field`` for anything else.
    """
    given = text.strip()
    try:
        if "T" in given or " " in given:
            return datetime.strptime(given.replace(" ", "T", 1), "%Y-%m-%dT%H:%M")
        day = datetime.strptime(given, "%Y-%m-%d")
    except ValueError as exc:
        raise ValidationFailed(
            f"{given!r} is not a date and time like 2026-03-01 or 2026-03-01T08:00", field=field
        ) from exc
    return datetime.combine(day.date(), time(23, 59) if end_of_day else time(0, 0))


# Creating a campaign -----------------------------------------------------------------------------


def individual_instruments_query() -> Select[tuple[Instrument]]:
    """The instruments a campaign may use: the current version of each individual instrument."""
    return (select(Instrument)
            .where(Instrument.current.is_(True), Instrument.kind == InstrumentKind.INDIVIDUAL)
            .order_by(Instrument.name, Instrument.code))


def role_profiles_for(session: Session, instrument: Instrument) -> list[RoleProfile]:
    """The role profiles officials of a campaign on ``instrument`` may have (same framework, live)."""
    return list(session.scalars(
        select(RoleProfile)
        .where(RoleProfile.framework_id == instrument.framework_id, RoleProfile.retired.is_(False))
        .order_by(RoleProfile.name)
    ))


def _names(name: str, cycle_label: str) -> tuple[str, str]:
    name, cycle_label = name.strip(), cycle_label.strip()
    if not name:
        raise ValidationFailed("Enter the campaign's name", field="name")
    if len(name) > 200:
        raise ValidationFailed("The name must be 200 characters or fewer", field="name")
    if not cycle_label:
        raise ValidationFailed("Enter the cycle label, for example baseline or follow-up 1",
                               field="cycle_label")
    if len(cycle_label) > 60:
        raise ValidationFailed("The cycle label must be 60 characters or fewer", field="cycle_label")
    return name, cycle_label


def _scope(session: Session, country: Country, instrument: Instrument,
           organisations: list[Organisation] | None,
           role_profiles: dict[int, RoleProfile | None]) -> list[Organisation]:
    """The campaign's organisations (None: all of the country), each checked with its default profile."""
    if organisations is None:
        organisations = list(session.scalars(
            select(Organisation).where(Organisation.country_id == country.id)))
    if not organisations:
        raise ValidationFailed(f"{country.name} has no organisations yet: add one first",
                               field="organisations")
    for organisation in organisations:
        if organisation.country_id != country.id:
            raise ValidationFailed(f"{organisation.name} is not in {country.name}",
                                   field="organisations")
    in_scope = {o.id for o in organisations}
    for organisation_id, profile in role_profiles.items():
        if organisation_id not in in_scope:
            raise ValidationFailed("A default role profile was given for an organisation outside "
                                   "the campaign", field="role_profiles")
        if profile is not None and (profile.framework_id != instrument.framework_id or profile.retired):
            raise ValidationFailed(
                f"The role profile {profile.name} does not belong to the instrument's framework",
                field="role_profiles")
    return organisations


@dataclass(frozen=True)
class Measurement:
    """A campaign's measurement settings: the minimum evidence for a competency to be assessed (its
    self-rating, and this many answered checks) and whether the form is adaptive."""

    min_checks: int = 2
    require_self_rating: bool = True
    adaptive: bool = False

    def checked(self) -> Measurement:
        if not 0 <= self.min_checks <= 6:
            raise ValidationFailed("The minimum of answered knowledge checks must be a whole number from 0 "
                                   "to 6", field="min_checks")
        if self.min_checks == 0 and not self.require_self_rating:
            raise ValidationFailed("Ask for the self-rating or at least one answered check, or nothing "
                                   "would be needed for a level", field="min_checks")
        return self


def create_campaign(
    session: Session,
    actor: Actor,
    *,
    country: Country,
    instrument: Instrument,
    name: str,
    cycle_label: str,
    opens_local: datetime,
    closes_local: datetime,
    organisations: list[Organisation] | None = None,
    role_profiles: dict[int, RoleProfile | None] | None = None,
    baseline: Campaign | None = None,
    measurement: Measurement | None = None,
) -> Campaign:
    """Create a campaign in ``country``; with ``baseline``, a follow-up of that earlier campaign.

    ``opens_local``/``closes_local`` are naive wall-clock times in the country's time zone.
    ``organisations`` None means every organisation of the country; ``role_profiles`` maps an
    organisation id to its default role profile. A baseline must be a campaign of the same country,
    on the same framework (so officials' results pair up per competency), that opened earlier.
    ``measurement`` sets the minimum evidence and the adaptive form (default: Measurement()).
    Raises NotFound when the actor may not see the country, ValidationFailed (with the field) for
    anything else that is wrong.
    """
    measurement = (measurement or Measurement()).checked()
    if actor.user is not None and not can_see_country(actor.user, country.id):
        raise NotFound("No such country")
    name, cycle_label = _names(name, cycle_label)
    if not instrument.current or instrument.kind != InstrumentKind.INDIVIDUAL:
        raise ValidationFailed(
            f"{instrument.code} v{instrument.version} is not the current version of an individual "
            "instrument", field="instrument")
    opens_at, closes_at = _window(country, opens_local, closes_local)
    if baseline is not None:
        _check_baseline(baseline, country, instrument, opens_at)

    organisations = _scope(session, country, instrument, organisations, role_profiles or {})
    role_profiles = role_profiles or {}

    campaign = Campaign(country=country, instrument=instrument, name=name, cycle_label=cycle_label,
                        opens_at=opens_at, closes_at=closes_at, created_by_id=actor.user_id,
                        baseline=baseline, **asdict(measurement))
    campaign.organisations = [
        CampaignOrganisation(organisation=o, default_role_profile=role_profiles.get(o.id))
        for o in sorted({o.id: o for o in organisations}.values(), key=lambda o: o.name)
    ]
    session.add(campaign)
    audit.record(session, actor, "campaign.create", campaign, country_id=country.id, details={
        "name": name, "cycle_label": cycle_label, "instrument": f"{instrument.code} v{instrument.version}",
        "opens_at": opens_at.isoformat(), "closes_at": closes_at.isoformat(),
        "baseline_id": baseline.id if baseline is not None else None, **asdict(measurement),
        "organisations": [co.organisation.id for co in campaign.organisations],
        "default_role_profiles": {str(co.organisation.id): co.default_role_profile.code
                                  for co in campaign.organisations if co.default_role_profile},
    })
    return campaign


def _window(country: Country, opens_local: datetime, closes_local: datetime) -> tuple[datetime, datetime]:
    """The window in UTC from wall-clock times in the country's time zone; it must end after it begins."""
    opens_at = to_utc(opens_local, country.time_zone, field="opens")
    closes_at = to_utc(closes_local, country.time_zone, field="closes")
    if closes_at <= opens_at:
        raise ValidationFailed(
            f"The campaign must close after it opens ({closes_local:%Y-%m-%d %H:%M} is not after "
            f"{opens_local:%Y-%m-%d %H:%M}, {country.time_zone})", field="closes")
    return opens_at, closes_at


def _check_baseline(baseline: Campaign, country: Country, instrument: Instrument,
                    opens_at: datetime) -> None:
    if baseline.country_id != country.id:
        raise ValidationFailed(f"{baseline.name} is a campaign of another country: a follow-up must "
                               f"follow a campaign of {country.name}", field="baseline")
    if baseline.instrument.framework_id != instrument.framework_id:
        raise ValidationFailed(f"{baseline.name} assessed another competency framework: results would not "
                               "pair up", field="baseline")
    if baseline.opens_at >= opens_at:
        raise ValidationFailed(f"A follow-up must open after the campaign it follows ({baseline.name})",
                               field="baseline")


def baseline_choices(session: Session, country: Country) -> list[Campaign]:
    """The campaigns of ``country`` a new campaign may follow, the latest first."""
    return list(session.scalars(select(Campaign).where(Campaign.country_id == country.id)
                                .order_by(Campaign.opens_at.desc(), Campaign.id.desc())))


def close_early(session: Session, actor: Actor, campaign: Campaign, now: datetime) -> None:
    """End the window now. Raises ValidationFailed when it has already ended."""
    if window_state(campaign, now) == "closed":
        raise ValidationFailed("This campaign is already closed")
    campaign.closed_early_at = now  # a change to a campaign: the data version moves with its flush
    audit.record(session, actor, "campaign.close_early", campaign, country_id=campaign.country_id,
                 details={"closed_early_at": now.isoformat()})


# Lists and figures -------------------------------------------------------------------------------


def campaigns_query(viewer: User, *, country_id: int | None = None) -> Select[tuple[Campaign]]:
    stmt = scoped(select(Campaign), Campaign.country_id, viewer).options(
        selectinload(Campaign.country), selectinload(Campaign.instrument))
    if country_id:
        stmt = stmt.where(Campaign.country_id == country_id)
    return stmt.order_by(Campaign.opens_at.desc(), Campaign.id.desc())


@dataclass
class Figures:
    """Invited, started (an attempt exists) and submitted officials, and the response rate."""

    invited: int = 0
    started: int = 0
    submitted: int = 0

    @property
    def response_rate(self) -> float | None:
        """Submitted / invited, from 0 to 1; None when nobody is invited."""
        return self.submitted / self.invited if self.invited else None

    def add(self, other: Figures) -> None:
        self.invited += other.invited
        self.started += other.started
        self.submitted += other.submitted


def _figures_query(*group_by):
    submitted = case((Attempt.status == AttemptStatus.SUBMITTED, 1), else_=0)
    return (
        select(*group_by, func.count(Invitation.id), func.count(Attempt.id),
               func.coalesce(func.sum(submitted), 0))
        .select_from(Invitation)
        .outerjoin(Attempt, (Attempt.campaign_id == Invitation.campaign_id)
                   & (Attempt.user_id == Invitation.user_id))
        .group_by(*group_by)
    )


def figures_by_campaign(session: Session, campaign_ids: list[int]) -> dict[int, Figures]:
    """Figures of each campaign, in one grouped query."""
    if not campaign_ids:
        return {}
    rows = session.execute(_figures_query(Invitation.campaign_id)
                           .where(Invitation.campaign_id.in_(campaign_ids)))
    figures = {cid: Figures() for cid in campaign_ids}
    for campaign_id, invited, started, submitted in rows:
        figures[campaign_id] = Figures(invited, started, int(submitted))
    return figures


@dataclass
class OrganisationFigures:
    organisation: Organisation
    default_role_profile: RoleProfile | None
    figures: Figures


@dataclass
class CampaignFigures:
    organisations: list[OrganisationFigures] = field(default_factory=list)
    total: Figures = field(default_factory=Figures)


def figures_by_organisation(session: Session, campaign: Campaign) -> CampaignFigures:
    """Per organisation in the campaign's scope and in total, in two queries whatever the size."""
    scope = session.execute(
        select(CampaignOrganisation, Organisation)
        .join(Organisation, Organisation.id == CampaignOrganisation.organisation_id)
        .where(CampaignOrganisation.campaign_id == campaign.id)
        .options(selectinload(CampaignOrganisation.default_role_profile))
        .order_by(Organisation.name)
    ).all()
    counts = {
        organisation_id: Figures(invited, started, int(submitted))
        for organisation_id, invited, started, submitted in session.execute(
            _figures_query(Invitation.organisation_id).where(Invitation.campaign_id == campaign.id))
    }
    result = CampaignFigures()
    for link, organisation in scope:
        figures = counts.get(organisation.id, Figures())
        result.organisations.append(OrganisationFigures(organisation, link.default_role_profile, figures))
        result.total.add(figures)
    return result


# Reminders ---------------------------------------------------------------------------------------


def _not_submitted(campaign: Campaign):
    submitted = (select(Attempt.user_id)
                 .where(Attempt.campaign_id == campaign.id, Attempt.status == AttemptStatus.SUBMITTED))
    return (Invitation.campaign_id == campaign.id) & Invitation.user_id.not_in(submitted)


def reminder_count(session: Session, campaign: Campaign) -> int:
    """How many invited officials (with an active account) have not submitted."""
    return session.scalar(
        select(func.count()).select_from(Invitation).join(User, User.id == Invitation.user_id)
        .where(_not_submitted(campaign), User.active.is_(True))
    ) or 0


def record_reminders(session: Session, actor: Actor, campaign: Campaign, now: datetime) -> list[int]:
    """Mark every invited official who has not submitted as reminded now; their invitation ids.

    The e-mails themselves go out in a background job. Raises ValidationFailed when the campaign
    is closed.
    """
    if window_state(campaign, now) == "closed":
        raise ValidationFailed("This campaign is closed: there is nothing left to remind anyone of")
    ids = list(session.scalars(
        select(Invitation.id).join(User, User.id == Invitation.user_id)
        .where(_not_submitted(campaign), User.active.is_(True)).order_by(Invitation.id)
    ))
    for start in range(0, len(ids), 1000):
        session.execute(
            update(Invitation).where(Invitation.id.in_(ids[start:start + 1000]))
            .values(reminded_at=now, reminders=Invitation.reminders + 1)
            .execution_options(synchronize_session=False))
    session.expire_all()
    audit.record(session, actor, "campaign.remind", campaign, country_id=campaign.country_id,
                 details={"reminded": len(ids)})
    return ids

