"""Campaign pages: creating, the campaign page, inviting, reminders, closing, links, scope."""

import csv
import io
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import event, func, select

from app.extensions import db, mail
from app.models import (
    Attempt,
    AttemptStatus,
    AuditEvent,
    Campaign,
    Invitation,
    InviteFile,
    Job,
    OrganisationAssessment,
    User,
)
from app.models.base import utcnow
from tests.factories import (
    CountryFactory,
    FocalPointFactory,
    InvitationFactory,
    OrganisationFactory,
    UserFactory,
    make_framework,
    make_instrument,
)
from tests.unit.test_campaigns_org_maturity import make_org_instrument
from tests.unit.test_campaigns_service import make_campaign


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def _upload(browser, campaign, text: str, name="officials.csv"):
    return browser.post(f"/campaigns/{campaign.id}/invite",
                        {"file": (io.BytesIO(text.encode("utf-8")), name)},
                        token_from=f"/campaigns/{campaign.id}/invite", content_type="multipart/form-data")


# Creating ----------------------------------------------------------------------------------------

def test_a_focal_point_creates_a_campaign_in_their_country(browser):
    country = CountryFactory(name="Kenya", time_zone="Africa/Nairobi")
    ministry = OrganisationFactory(country=country, name="Ministry of ICT")
    OrganisationFactory(country=country, name="Revenue Authority")
    instrument = make_instrument(make_framework())
    from tests.factories import RoleProfileFactory
    profile = RoleProfileFactory(framework=instrument.framework, name="Data analyst")
    focal = FocalPointFactory(country=country)
    browser.sign_in_as(focal)
    form = browser.get("/campaigns/new").get_data(as_text=True)
    assert "Africa/Nairobi" in form and "Ministry of ICT" in form

    response = browser.post("/campaigns/new", {
        "name": "Baseline 2026", "cycle_label": "baseline", "instrument": instrument.id,
        "opens_date": ["1", "3", "2026"], "opens_time": "08:00",
        "closes_date": ["31", "3", "2026"], "closes_time": "17:00",
        "scope": "some", "organisations": [ministry.id], f"role_{ministry.id}": profile.id,
    }, follow_redirects=True)
    page = response.get_data(as_text=True)
    assert "Campaign Baseline 2026 created" in page
    campaign = db.session.scalar(select(Campaign))
    assert campaign.opens_at == datetime(2026, 3, 1, 5, 0, tzinfo=UTC)
    assert campaign.closes_at == datetime(2026, 3, 31, 14, 0, tzinfo=UTC)
    assert [(co.organisation, co.default_role_profile) for co in campaign.organisations] == \
        [(ministry, profile)]
    assert "1 March 2026 at 08:00 (Africa/Nairobi)" in page  # shown in the country's time zone
    event_ = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "campaign.create"))
    assert event_.actor_id == focal.id


def test_a_window_that_closes_before_it_opens_is_explained(browser):
    country = CountryFactory()
    OrganisationFactory(country=country)
    instrument = make_instrument(make_framework())
    browser.sign_in_as(FocalPointFactory(country=country))
    response = browser.post("/campaigns/new", {
        "name": "Backwards", "cycle_label": "baseline", "instrument": instrument.id,
        "opens_date": ["2", "3", "2026"], "opens_time": "08:00",
        "closes_date": ["1", "3", "2026"], "closes_time": "08:00", "scope": "all",
    })
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "There is a problem" in page
    assert "must close after it opens" in page
    assert _count(Campaign) == 0


def test_a_focal_point_cannot_create_a_campaign_in_another_country(browser):
    mine, theirs = CountryFactory(), CountryFactory()
    OrganisationFactory(country=theirs)
    instrument = make_instrument(make_framework())
    browser.sign_in_as(FocalPointFactory(country=mine))
    assert browser.get(f"/campaigns/new?country={theirs.id}").status_code == 404
    response = browser.post(f"/campaigns/new?country={theirs.id}", {
        "name": "Sneaky", "cycle_label": "baseline", "instrument": instrument.id,
        "opens_date": ["1", "3", "2026"], "opens_time": "08:00",
        "closes_date": ["31", "3", "2026"], "closes_time": "17:00", "scope": "all",
    }, token_from="/campaigns/new")
    assert response.status_code == 404 and _count(Campaign) == 0


def test_an_admin_chooses_the_country_first(browser):
    CountryFactory(name="Alphaland")
    CountryFactory(name="Betaland")
    browser.sign_in_as(UserFactory(admin=True))
    page = browser.get("/campaigns/new").get_data(as_text=True)
    assert "Alphaland" in page and "Betaland" in page and 'method="get"' in page


def test_officials_cannot_open_campaign_pages(browser):
    campaign = make_campaign()
    browser.sign_in_as(UserFactory(organisation=campaign.organisations[0].organisation))
    assert browser.get("/campaigns/").status_code == 403
    assert browser.get(f"/campaigns/{campaign.id}").status_code == 403


# Another country's campaign: 404 everywhere -----------------------------------------------------

def test_a_focal_point_of_another_country_gets_404_on_everything(browser):
    campaign = make_campaign()
    ministry = campaign.organisations[0].organisation
    InvitationFactory(campaign=campaign, organisation=ministry,
                      user=UserFactory(organisation=ministry, invited=True))
    staged = InviteFile(campaign=campaign, filename="f.csv", valid_rows=[], errors=[])
    job = Job(kind="campaigns.invite", params={"campaign_id": campaign.id}, country_id=campaign.country_id)
    db.session.add_all([staged, job])
    db.session.flush()
    mine = make_campaign(roles=False)
    browser.sign_in_as(FocalPointFactory(country=mine.country))

    listing = browser.get("/campaigns/").get_data(as_text=True)
    assert mine.name in listing and campaign.name not in listing
    base = f"/campaigns/{campaign.id}"
    for url in (base, f"{base}/remind", f"{base}/close", f"{base}/invite",
                f"{base}/invite-files/{staged.id}", f"/campaigns/jobs/{job.id}",
                f"{base}/organisations/{ministry.id}/assessment"):
        assert browser.get(url).status_code == 404, url
    for url in (f"{base}/remind", f"{base}/close", f"{base}/invite-files/{staged.id}/import",
                f"{base}/links.csv", f"{base}/organisations/{ministry.id}/assessment"):
        assert browser.post(url, token_from="/campaigns/").status_code == 404, url
    # and the file of one campaign is not reachable under another's address
    assert browser.get(f"/campaigns/{mine.id}/invite-files/{staged.id}").status_code == 404
    assert _count(AccountToken_()) == 0 and campaign.closed_early_at is None


def AccountToken_():  # noqa: N802 - the model, imported late to keep the list above readable
    from app.models import AccountToken

    return AccountToken


# The campaign page -------------------------------------------------------------------------------

def _attempt(invitation, status):
    campaign = invitation.campaign
    db.session.add(Attempt(campaign=campaign, user=invitation.user, instrument=campaign.instrument,
                           country_id=campaign.country_id, organisation=invitation.organisation,
                           status=status))


def test_the_campaign_page_shows_figures_per_organisation(browser):
    campaign = make_campaign(name="Baseline 2026")
    ministry = campaign.organisations[0].organisation
    invitations = [InvitationFactory(campaign=campaign, organisation=ministry,
                                     user=UserFactory(organisation=ministry)) for _ in range(4)]
    _attempt(invitations[0], AttemptStatus.SUBMITTED)
    _attempt(invitations[1], AttemptStatus.IN_PROGRESS)
    browser.sign_in_as(FocalPointFactory(country=campaign.country))
    page = browser.get(f"/campaigns/{campaign.id}").get_data(as_text=True)
    row = page[page.index("Ministry of ICT</th>"):]
    row = row[:row.index("</tr>")]
    cells = [c.split(">")[-1] for c in row.split("</td>")[:-1]]
    assert cells == ["Data analyst", "4", "2", "1", "25%"]
    listing = browser.get("/campaigns/").get_data(as_text=True)
    assert "Baseline 2026" in listing and "25%" in listing


def _statements(browser, url) -> int:
    count = 0

    def counter(*_args):
        nonlocal count
        count += 1

    engine = db.session.get_bind().engine
    event.listen(engine, "before_cursor_execute", counter)
    try:
        assert browser.get(url).status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", counter)
    return count


@pytest.mark.parametrize("url", ["/campaigns/", "/campaigns/{id}"])
def test_list_and_campaign_pages_make_the_same_number_of_queries_whatever_the_size(browser, url):
    campaign = make_campaign()
    browser.sign_in_as(FocalPointFactory(country=campaign.country))

    def grow(n):
        for _ in range(n):
            other = make_campaign(country=campaign.country, organisations=(), roles=False)
            for co in campaign.organisations:
                organisation = co.organisation
                invitation = InvitationFactory(campaign=campaign, organisation=organisation,
                                               user=UserFactory(organisation=organisation))
                _attempt(invitation, AttemptStatus.SUBMITTED)
                InvitationFactory(campaign=other, organisation=organisation,
                                  user=UserFactory(organisation=organisation))
        db.session.flush()

    grow(2)
    small = _statements(browser, url.format(id=campaign.id))
    grow(8)
    large = _statements(browser, url.format(id=campaign.id))
    assert large == small


def test_closing_early_asks_first_then_stops_the_window(browser):
    campaign = make_campaign()
    focal = FocalPointFactory(country=campaign.country)
    browser.sign_in_as(focal)
    confirm = browser.get(f"/campaigns/{campaign.id}/close").get_data(as_text=True)
    assert "Close the campaign now" in confirm
    assert db.session.get(Campaign, campaign.id).closed_early_at is None
    page = browser.post(f"/campaigns/{campaign.id}/close", follow_redirects=True).get_data(as_text=True)
    assert "is closed" in page and "Closed early" in page
    closed = db.session.get(Campaign, campaign.id)
    assert closed.closed_early_at is not None and closed.closed_early_at <= utcnow()
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "campaign.close_early"))


# Reminders ---------------------------------------------------------------------------------------

def test_reminders_go_only_to_those_who_have_not_submitted(browser):
    campaign = make_campaign()
    ministry = campaign.organisations[0].organisation
    people = {name: InvitationFactory(campaign=campaign, organisation=ministry,
                                      user=UserFactory(organisation=ministry, email=f"{name}@example.org",
                                                       **extra))
              for name, extra in (("waiting", {}), ("started", {}), ("done", {}),
                                  ("new", {"invited": True}))}
    _attempt(people["started"], AttemptStatus.IN_PROGRESS)
    _attempt(people["done"], AttemptStatus.SUBMITTED)
    browser.sign_in_as(FocalPointFactory(country=campaign.country))
    confirm = browser.get(f"/campaigns/{campaign.id}/remind").get_data(as_text=True)
    assert "Send 3 reminders" in confirm

    with mail.record_messages() as outbox:
        response = browser.post(f"/campaigns/{campaign.id}/remind", follow_redirects=True)
    page = response.get_data(as_text=True)
    assert "Reminders are being sent to 3 officials" in page and "Done: 3 of 3" in page
    assert sorted(m.recipients[0] for m in outbox) == ["new@example.org", "started@example.org",
                                                       "waiting@example.org"]
    new_mail = next(m for m in outbox if m.recipients[0] == "new@example.org")
    assert "http://localhost/auth/" in new_mail.body  # a fresh invitation link: no password yet
    assert all(campaign.name in m.subject for m in outbox)
    counts = {i.user.email: i.reminders for i in db.session.scalars(select(Invitation))}
    assert counts == {"waiting@example.org": 1, "started@example.org": 1, "done@example.org": 0,
                      "new@example.org": 1}


# Inviting ----------------------------------------------------------------------------------------

def test_upload_check_then_import_on_purpose_then_emails(browser):
    campaign = make_campaign(name="Baseline 2026")
    ministry = campaign.organisations[0].organisation
    UserFactory(email="known@example.org", organisation=ministry)
    browser.sign_in_as(FocalPointFactory(country=campaign.country, name="Fatou Focal"))
    lines = ["Email;Name;Organisation;Role"]
    lines += [f"p{i}@example.org;Person {i};Ministry of ICT;" for i in range(60)]
    lines += ["broken;Broken;Ministry of ICT;", "known@example.org;Known;ministry of ict;developer"]
    users_before = _count(User)
    response = _upload(browser, campaign, "\ufeff" + "\n".join(lines) + "\n")
    assert response.status_code == 302
    staged = db.session.scalar(select(InviteFile))
    page = browser.get(response.headers["Location"]).get_data(as_text=True)
    assert "Import the 61 valid rows" in page and "Rows with problems" in page
    assert "<td class=\"govuk-table__cell govuk-table__cell--numeric\" data-label=\"Row\">62</td>" in page
    assert _count(User) == users_before and _count(Invitation) == 0  # nothing yet

    with mail.record_messages() as outbox:
        done = browser.post(f"/campaigns/{campaign.id}/invite-files/{staged.id}/import",
                            token_from=response.headers["Location"], follow_redirects=True)
    page = done.get_data(as_text=True)
    assert "61 officials invited: 60 with new accounts and 1 who already had an account" in page
    assert "Done: 61 of 61" in page and "http-equiv=\"refresh\"" not in page
    assert _count(User) == users_before + 60 and _count(Invitation) == 61
    assert len(outbox) == 61
    known = next(m for m in outbox if m.recipients[0] == "known@example.org")
    assert "Baseline 2026" in known.subject and "http://localhost/auth/login" in known.body
    new = next(m for m in outbox if m.recipients[0] == "p0@example.org")
    assert "Fatou Focal" in new.body and "Baseline 2026" in new.body and "/auth/activate/" in new.body
    assert all(i.emailed_at is not None for i in db.session.scalars(select(Invitation)))
    # importing the same file twice is refused
    again = browser.post(f"/campaigns/{campaign.id}/invite-files/{staged.id}/import",
                         token_from=f"/campaigns/{campaign.id}", follow_redirects=True)
    assert "already been imported" in again.get_data(as_text=True) and _count(Invitation) == 61


def test_bad_rows_are_listed_page_by_page(browser):
    campaign = make_campaign()
    browser.sign_in_as(FocalPointFactory(country=campaign.country))
    lines = ["email,name,organisation"] + [f"bad{i},Person {i},Ministry of ICT" for i in range(120)]
    response = _upload(browser, campaign, "\n".join(lines))
    first = browser.get(response.headers["Location"]).get_data(as_text=True)
    # the first 100 errors are kept (see invites.MAX_STORED_ERRORS), the rest counted
    assert "No row can be imported" in first and "Showing 1 to 50 of 100 results" in first
    assert ">120<" in first.replace("\n", "").replace(" ", "") and "and 20 more rows with problems" in first
    second = browser.get(response.headers["Location"] + "?page=2").get_data(as_text=True)
    assert "&#39;bad99&#39; is not a valid address" in second and "bad100" not in second


def test_an_unreadable_file_is_explained_on_the_upload_page(browser):
    campaign = make_campaign()
    browser.sign_in_as(FocalPointFactory(country=campaign.country))
    response = _upload(browser, campaign, "who,what\nx,y\n")
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "no column for email, name, organisation" in page
    assert _count(InviteFile) == 0


def test_the_job_page_refreshes_itself_while_the_job_runs(browser):
    campaign = make_campaign()
    job = Job(kind="campaigns.invite", params={"campaign_id": campaign.id}, country_id=campaign.country_id,
              status="running", done=3, total=10)
    db.session.add(job)
    db.session.flush()
    browser.sign_in_as(FocalPointFactory(country=campaign.country))
    page = browser.get(f"/campaigns/jobs/{job.id}").get_data(as_text=True)
    assert '<meta http-equiv="refresh" content="3">' in page and "3 of 10" in page
    assert 'max="10" value="3"' in page


def test_download_invitation_links_as_csv_with_fresh_tokens_and_escaped_cells(browser):
    campaign = make_campaign()
    ministry = campaign.organisations[0].organisation
    InvitationFactory(campaign=campaign, organisation=ministry,
                      user=UserFactory(email="new@example.org", name="=cmd|' /C calc'!A0",
                                       organisation=ministry, invited=True))
    InvitationFactory(campaign=campaign, organisation=ministry,
                      user=UserFactory(email="old@example.org", name="Old Hand", organisation=ministry))
    browser.sign_in_as(FocalPointFactory(country=campaign.country))
    response = browser.post(f"/campaigns/{campaign.id}/links.csv", token_from=f"/campaigns/{campaign.id}")
    assert response.status_code == 200 and response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in response.headers["Content-Disposition"]
    assert response.headers["Cache-Control"] == "no-store"
    text = response.get_data().decode("utf-8-sig")  # with the BOM, for Excel
    rows = {row["email"]: row for row in csv.DictReader(io.StringIO(text))}
    assert rows["new@example.org"]["name"] == "'=cmd|' /C calc'!A0"
    assert rows["new@example.org"]["link"].startswith("http://localhost/auth/activate/")
    assert rows["old@example.org"]["link"] == "http://localhost/auth/login"
    token = rows["new@example.org"]["link"].rsplit("/", 1)[1]
    assert browser.get(f"/auth/activate/{token}").status_code == 200  # the link works


# The organisation assessment ---------------------------------------------------------------------

def test_organisation_assessment_draft_resume_submit_and_shown_on_the_campaign(browser):
    campaign = make_campaign()
    instrument = make_org_instrument(campaign.instrument.framework)
    items = {item.code: item for item in instrument.items}
    ministry = campaign.organisations[0].organisation
    browser.sign_in_as(FocalPointFactory(country=campaign.country))
    url = f"/campaigns/{campaign.id}/organisations/{ministry.id}/assessment"
    assert "strategy question 1" in browser.get(url).get_data(as_text=True)

    browser.post(url, {f"item_{items['strategy-1'].id}": "s3", "save": "Save as draft"})
    saved = db.session.scalar(select(OrganisationAssessment))
    assert saved.answers == {"strategy-1": "s3"} and saved.submitted_at is None
    resumed = browser.get(url).get_data(as_text=True)
    assert 'value="s3" checked' in resumed

    missing = browser.post(url, {f"item_{items['strategy-1'].id}": "s3", "submit": "Submit"})
    assert "Answer every question before submitting" in missing.get_data(as_text=True)

    answers = {f"item_{items[code].id}": value for code, value in
               (("strategy-1", "s2"), ("strategy-2", "s3"), ("budget-1", "s4"), ("budget-2", "s4"),
                ("budget-3", "s4"))}
    done = browser.post(url, {**answers, "submit": "Submit"}, follow_redirects=True).get_data(as_text=True)
    assert "submitted" in done
    assert "Strategy: 2.50 (level 2)" in done and "Budget: 4.00 (level 4)" in done
    assert "3.25 (level 3)" in done
    after = browser.get(url).get_data(as_text=True)
    assert "was submitted on" in after and "<form method=\"post\"" not in after.split("main-content")[1]


def test_the_organisation_assessment_is_for_organisations_of_the_campaign_only(browser):
    campaign = make_campaign()
    make_org_instrument(campaign.instrument.framework)
    outside = OrganisationFactory(country=campaign.country)
    browser.sign_in_as(FocalPointFactory(country=campaign.country))
    assert browser.get(f"/campaigns/{campaign.id}/organisations/{outside.id}/assessment").status_code == 404


def test_a_closed_campaign_offers_no_invitations_or_reminders(browser):
    campaign = make_campaign(opens_at=utcnow() - timedelta(days=10), closes_at=utcnow() - timedelta(days=1))
    browser.sign_in_as(FocalPointFactory(country=campaign.country))
    page = browser.get(f"/campaigns/{campaign.id}").get_data(as_text=True)
    assert "Invite officials" not in page and "Send reminders" not in page and "Closed" in page
    response = browser.post(f"/campaigns/{campaign.id}/remind", follow_redirects=True)
    assert "This campaign is closed" in response.get_data(as_text=True)


def test_a_focal_point_sets_the_minimum_evidence_and_the_adaptive_form(browser):
    country = CountryFactory()
    OrganisationFactory(country=country)
    instrument = make_instrument(make_framework())
    browser.sign_in_as(FocalPointFactory(country=country))
    fields = {"name": "Adaptive round", "cycle_label": "baseline", "instrument": instrument.id,
              "opens_date": ["1", "3", "2026"], "opens_time": "08:00",
              "closes_date": ["31", "3", "2026"], "closes_time": "17:00", "scope": "all"}
    refused = browser.post("/campaigns/new", {**fields, "min_checks": "9"}).get_data(as_text=True)
    assert "Enter the number of knowledge checks as a whole number from 0 to 6" in refused
    assert _count(Campaign) == 0
    browser.post("/campaigns/new", {**fields, "min_checks": "3", "adaptive": "y"},
                 token_from="/campaigns/new")
    campaign = db.session.scalar(select(Campaign))
    assert (campaign.min_checks, campaign.require_self_rating, campaign.adaptive) == (3, True, True)


def test_the_defaults_are_two_checks_and_the_self_rating(browser):
    country = CountryFactory()
    OrganisationFactory(country=country)
    instrument = make_instrument(make_framework())
    browser.sign_in_as(FocalPointFactory(country=country))
    browser.post("/campaigns/new", {
        "name": "Plain", "cycle_label": "baseline", "instrument": instrument.id,
        "opens_date": ["1", "3", "2026"], "opens_time": "08:00",
        "closes_date": ["31", "3", "2026"], "closes_time": "17:00", "scope": "all"})
    campaign = db.session.scalar(select(Campaign))
    assert (campaign.min_checks, campaign.require_self_rating, campaign.adaptive) == (2, True, False)
