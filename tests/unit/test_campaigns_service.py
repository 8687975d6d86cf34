"""Campaigns: the window, creating one (scope, time zone, instrument), figures, reminders, closing."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import (
    Attempt,
    AttemptStatus,
    AuditEvent,
    Campaign,
    CampaignOrganisation,
    Country,
    Instrument,
    Invitation,
)
from app.models.base import utcnow
from app.services.assessment import campaigns
from app.services.audit import Actor
from app.services.errors import NotFound, ValidationFailed
from tests.factories import (
    CampaignFactory,
    CountryFactory,
    FocalPointFactory,
    InvitationFactory,
    OrganisationFactory,
    RoleProfileFactory,
    UserFactory,
    make_framework,
    make_instrument,
)


def make_campaign(country: Country | None = None, organisations=("Ministry of ICT", "Revenue Authority"),
                  roles: bool = True, **kwargs) -> Campaign:
    """A campaign in ``country`` over new organisations of these names. With ``roles``, the role
    profiles ``analyst`` (Data analyst, the first organisation's default) and ``developer``
    (Developer) on the instrument's framework (role profile codes are unique: once per test)."""
    country = country or CountryFactory()
    campaign = CampaignFactory(country=country, **kwargs)
    default = None
    if roles:
        default = RoleProfileFactory(framework=campaign.instrument.framework, code="analyst",
                                     name="Data analyst")
        RoleProfileFactory(framework=campaign.instrument.framework, code="developer", name="Developer")
    for n, name in enumerate(organisations):
        campaign.organisations.append(CampaignOrganisation(
            organisation=OrganisationFactory(country=country, name=name),
            default_role_profile=default if n == 0 else None))
    db.session.flush()
    return campaign


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


# The window --------------------------------------------------------------------------------------

def test_window_state_at_its_edges():
    campaign = CampaignFactory(opens_at=at("2026-03-01T05:00"), closes_at=at("2026-03-31T20:59"))
    assert campaigns.window_state(campaign, at("2026-03-01T04:59")) == "not_open"
    assert campaigns.window_state(campaign, at("2026-03-01T05:00")) == "open"
    assert campaigns.is_open(campaign, at("2026-03-31T20:58"))
    assert campaigns.window_state(campaign, at("2026-03-31T20:59")) == "closed"
    assert not campaigns.is_open(campaign, at("2026-03-31T20:59"))


def test_closing_early_ends_the_window_and_is_audited():
    campaign = CampaignFactory(opens_at=at("2026-03-01T05:00"), closes_at=at("2026-03-31T20:59"))
    admin = UserFactory(admin=True)
    campaigns.close_early(db.session, Actor(admin), campaign, at("2026-03-10T12:00"))
    assert campaign.closed_early_at == at("2026-03-10T12:00")
    assert campaigns.is_open(campaign, at("2026-03-10T11:59"))
    assert campaigns.window_state(campaign, at("2026-03-10T12:00")) == "closed"
    assert campaigns.ends_at(campaign) == at("2026-03-10T12:00")
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "campaign.close_early"))
    assert event.actor_id == admin.id and event.country_id == campaign.country_id
    with pytest.raises(ValidationFailed, match="already closed"):
        campaigns.close_early(db.session, Actor(admin), campaign, at("2026-03-11T12:00"))


def test_local_times_are_stored_in_utc_and_missing_times_are_refused():
    assert campaigns.to_utc(datetime(2026, 3, 1, 8, 0), "Africa/Nairobi", field="opens") == \
        at("2026-03-01T05:00")
    assert campaigns.to_utc(datetime(2026, 7, 1, 8, 0), "Europe/Paris", field="opens") == \
        at("2026-07-01T06:00")
    with pytest.raises(ValidationFailed, match="does not exist in Europe/Paris") as exc:
        campaigns.to_utc(datetime(2026, 3, 29, 2, 30), "Europe/Paris", field="opens")
    assert exc.value.field == "opens"


def test_parse_local_reads_a_date_or_a_date_and_time():
    assert campaigns.parse_local("2026-03-01", field="opens") == datetime(2026, 3, 1, 0, 0)
    assert campaigns.parse_local("2026-03-31", field="closes", end_of_day=True) == \
        datetime(2026, 3, 31, 23, 59)
    assert campaigns.parse_local("2026-03-01T08:30", field="opens") == datetime(2026, 3, 1, 8, 30)
    with pytest.raises(ValidationFailed, match="is not a date and time") as exc:
        campaigns.parse_local("1/3/2026", field="opens")
    assert exc.value.field == "opens"


# Creating ----------------------------------------------------------------------------------------

def _create(actor, country, instrument, **kwargs):
    values = dict(name="Baseline 2026", cycle_label="baseline", opens_local=datetime(2026, 3, 1, 8, 0),
                  closes_local=datetime(2026, 3, 31, 23, 59))
    values.update(kwargs)
    return campaigns.create_campaign(db.session, actor, country=country, instrument=instrument, **values)


def test_a_focal_point_creates_a_campaign_in_their_country_in_its_time_zone():
    country = CountryFactory(time_zone="Africa/Nairobi")
    first, second = OrganisationFactory(country=country, name="B agency"), OrganisationFactory(
        country=country, name="A ministry")
    OrganisationFactory()  # another country's: never in scope
    instrument = make_instrument(make_framework())
    profile = RoleProfileFactory(framework=instrument.framework)
    focal = FocalPointFactory(country=country)
    campaign = _create(Actor(focal, "10.0.0.9"), country, instrument, role_profiles={first.id: profile})
    assert campaign.opens_at == at("2026-03-01T05:00") and campaign.closes_at == at("2026-03-31T20:59")
    assert [co.organisation for co in campaign.organisations] == [second, first]
    assert {co.organisation_id: co.default_role_profile for co in campaign.organisations} == \
        {first.id: profile, second.id: None}
    assert campaign.created_by_id == focal.id
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "campaign.create"))
    assert (event.object_id, event.country_id, event.ip) == (str(campaign.id), country.id, "10.0.0.9")
    assert event.details["default_role_profiles"] == {str(first.id): profile.code}


def test_a_campaign_may_cover_some_organisations_only():
    country = CountryFactory()
    chosen = OrganisationFactory(country=country)
    OrganisationFactory(country=country)
    campaign = _create(Actor(None), country, make_instrument(make_framework()), organisations=[chosen])
    assert [co.organisation for co in campaign.organisations] == [chosen]


def test_a_focal_point_cannot_create_a_campaign_in_another_country():
    mine, theirs = CountryFactory(), CountryFactory()
    OrganisationFactory(country=theirs)
    with pytest.raises(NotFound):
        _create(Actor(FocalPointFactory(country=mine)), theirs, make_instrument(make_framework()))
    assert db.session.scalar(select(Campaign)) is None


@pytest.mark.parametrize(("change", "field", "message"), [
    ({"closes_local": datetime(2026, 3, 1, 8, 0)}, "closes", "must close after it opens"),
    ({"name": "  "}, "name", "Enter the campaign's name"),
    ({"cycle_label": ""}, "cycle_label", "Enter the cycle label"),
])
def test_bad_campaign_input_is_explained(change, field, message):
    country = CountryFactory()
    OrganisationFactory(country=country)
    with pytest.raises(ValidationFailed, match=message) as exc:
        _create(Actor(None), country, make_instrument(make_framework()), **change)
    assert exc.value.field == field


def test_only_the_current_version_of_an_individual_instrument_is_accepted():
    country = CountryFactory()
    OrganisationFactory(country=country)
    framework = make_framework()
    old = make_instrument(framework, code="tna", version=1)
    old.current = False
    with pytest.raises(ValidationFailed, match="not the current version") as exc:
        _create(Actor(None), country, old)
    assert exc.value.field == "instrument"
    organisation_kind = make_instrument(framework, code="org")
    organisation_kind.kind = "organisation"
    with pytest.raises(ValidationFailed, match="individual"):
        _create(Actor(None), country, organisation_kind)


def test_organisations_and_role_profiles_must_fit():
    country = CountryFactory()
    mine = OrganisationFactory(country=country)
    instrument = make_instrument(make_framework())
    with pytest.raises(ValidationFailed, match="is not in"):
        _create(Actor(None), country, instrument, organisations=[mine, OrganisationFactory()])
    foreign_profile = RoleProfileFactory()  # another framework
    with pytest.raises(ValidationFailed, match="does not belong to the instrument's framework"):
        _create(Actor(None), country, instrument, role_profiles={mine.id: foreign_profile})
    empty = CountryFactory()
    with pytest.raises(ValidationFailed, match="has no organisations"):
        _create(Actor(None), empty, instrument)


def test_individual_instruments_lists_current_individual_versions_only():
    framework = make_framework()
    current = make_instrument(framework, code="tna", version=2)
    old = make_instrument(framework, code="tna", version=1)
    old.current = False
    db.session.flush()
    assert list(db.session.scalars(campaigns.individual_instruments_query())) == [current]
    assert isinstance(current, Instrument)


# Figures and reminders ---------------------------------------------------------------------------

def _attempt(invitation, status=AttemptStatus.IN_PROGRESS):
    attempt = Attempt(campaign=invitation.campaign, user=invitation.user,
                      instrument=invitation.campaign.instrument, country_id=invitation.campaign.country_id,
                      organisation=invitation.organisation, status=status)
    db.session.add(attempt)
    db.session.flush()
    return attempt


def _invite(campaign, organisation, **kwargs):
    return InvitationFactory(campaign=campaign, organisation=organisation,
                             user=UserFactory(organisation=organisation, **kwargs))


def test_figures_per_organisation_and_in_total():
    campaign = make_campaign()
    ministry, revenue = (co.organisation for co in campaign.organisations)
    a, b, c = (_invite(campaign, ministry) for _ in range(3))
    d = _invite(campaign, revenue)
    _attempt(a)
    _attempt(b, AttemptStatus.SUBMITTED)
    _attempt(d, AttemptStatus.SUBMITTED)
    other = make_campaign(roles=False)  # another campaign: not counted
    _attempt(_invite(other, other.organisations[0].organisation), AttemptStatus.SUBMITTED)

    result = campaigns.figures_by_organisation(db.session, campaign)
    by_name = {row.organisation.name: row.figures for row in result.organisations}
    assert (by_name["Ministry of ICT"].invited, by_name["Ministry of ICT"].started,
            by_name["Ministry of ICT"].submitted) == (3, 2, 1)
    assert by_name["Ministry of ICT"].response_rate == pytest.approx(1 / 3)
    assert (by_name["Revenue Authority"].invited, by_name["Revenue Authority"].submitted) == (1, 1)
    assert (result.total.invited, result.total.started, result.total.submitted) == (4, 3, 2)
    assert result.total.response_rate == 0.5
    totals = campaigns.figures_by_campaign(db.session, [campaign.id, other.id])
    assert (totals[campaign.id].invited, totals[campaign.id].submitted) == (4, 2)
    assert (totals[other.id].invited, totals[other.id].submitted) == (1, 1)
    assert c is not None


def test_figures_of_an_empty_campaign_have_no_rate():
    campaign = make_campaign()
    result = campaigns.figures_by_organisation(db.session, campaign)
    assert [row.figures.invited for row in result.organisations] == [0, 0]
    assert result.total.response_rate is None


def test_reminders_go_only_to_those_who_have_not_submitted():
    campaign = make_campaign()
    ministry = campaign.organisations[0].organisation
    waiting = _invite(campaign, ministry)
    started = _invite(campaign, ministry)
    _attempt(started)
    done = _invite(campaign, ministry)
    _attempt(done, AttemptStatus.SUBMITTED)
    gone = _invite(campaign, ministry, active=False)
    now = utcnow()
    assert campaigns.reminder_count(db.session, campaign) == 2
    ids = campaigns.record_reminders(db.session, Actor(None), campaign, now)
    assert sorted(ids) == sorted([waiting.id, started.id])
    reminded = {i.id: (i.reminders, i.reminded_at) for i in db.session.scalars(select(Invitation))}
    assert reminded[waiting.id] == (1, now) and reminded[started.id] == (1, now)
    assert reminded[done.id] == (0, None) and reminded[gone.id] == (0, None)
    campaigns.record_reminders(db.session, Actor(None), campaign, now + timedelta(days=1))
    assert db.session.get(Invitation, waiting.id).reminders == 2
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "campaign.remind"))
    assert event.details == {"reminded": 2}


def test_no_reminders_once_closed():
    campaign = make_campaign(closes_at=utcnow() - timedelta(minutes=1),
                             opens_at=utcnow() - timedelta(days=3))
    with pytest.raises(ValidationFailed, match="closed"):
        campaigns.record_reminders(db.session, Actor(None), campaign, utcnow())


def test_campaigns_query_is_scoped():
    mine, theirs = make_campaign(), make_campaign(roles=False)
    focal = FocalPointFactory(country=mine.country)
    assert list(db.session.scalars(campaigns.campaigns_query(focal))) == [mine]
    admin = UserFactory(admin=True)
    assert set(db.session.scalars(campaigns.campaigns_query(admin))) == {mine, theirs}
    only = campaigns.campaigns_query(admin, country_id=theirs.country_id)
    assert list(db.session.scalars(only)) == [theirs]
