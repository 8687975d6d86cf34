"""A country's own small-cell threshold, and a follow-up's tables kept to the organisations it ran in."""

from __future__ import annotations

from app.extensions import db
from app.models import AuditEvent, CampaignOrganisation
from app.services import evaluation
from tests.factories import FocalPointFactory, OrganisationFactory, UserFactory
from tests.unit.analytics_fixture import build_world, submit


def test_an_admin_sets_a_higher_threshold_for_a_country_and_its_dashboards_use_it(app, browser):
    world = build_world()  # O1 has 6 officials, O2 4
    db.session.commit()
    browser.sign_in_as(UserFactory(admin=True))
    url = f"/admin/countries/{world.country.id}/edit"
    fields = {"code": world.country.code, "name": world.country.name,
              "time_zone": world.country.time_zone}
    refused = browser.post(url, {**fields, "small_cell_k": "1"}).get_data(as_text=True)
    assert "Enter a whole number from 2 to 100" in refused
    browser.post(url, {**fields, "small_cell_k": "7"}, follow_redirects=True)
    assert world.country.small_cell_k == 7
    event = db.session.query(AuditEvent).filter_by(action="country.update").one()
    assert event.details["small_cell_k"] == 7

    browser.sign_in_as(FocalPointFactory(country=world.country))
    page = browser.get("/dashboard/").get_data(as_text=True)
    assert "fewer than 7" in page and "about fewer than 7 officials is hidden" in page
    csv = browser.get("/dashboard/export/participation.csv").get_data(as_text=True)
    assert ",6," not in csv  # O1's 6 officials are under this country's threshold
    browser.sign_in_as(UserFactory(admin=True)).post(url, {**fields, "small_cell_k": ""})
    assert world.country.small_cell_k is None


def test_a_lower_country_threshold_does_not_lower_the_deployments(app):
    from app.dashboard.selection import release_for  # noqa: PLC0415

    world = build_world()
    world.country.small_cell_k = 3
    assert release_for(app.config, [world.country]).k == app.config["SMALL_CELL_K"] == 5
    world.country.small_cell_k = 9
    assert release_for(app.config, [world.country]).k == 9


def test_a_follow_up_lists_only_the_organisations_it_was_run_in():
    world = build_world()
    other = OrganisationFactory(country=world.country, name="Not in the follow-up")
    for _ in range(6):  # baseline officials of an organisation the follow-up did not cover
        submit(world.baseline, UserFactory(organisation=other), other, world.role, (world.c1, world.c2),
               ((1, 0), (1, 0)), world.baseline.opens_at)
    for organisation in (world.o1, world.o2):
        db.session.add(CampaignOrganisation(campaign=world.follow_up, organisation=organisation))
    db.session.flush()
    rows = evaluation.pairing(db.session, world.scope, k=1, by="organisation").rows
    assert other.name not in {row.group for row in rows}
    total = next(row for row in rows if row.is_total)
    assert total.baseline_only == 1  # u6 only, not the six of the other organisation
