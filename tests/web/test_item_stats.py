"""The item statistics page and its CSV: admins only, "not enough responses" under 30 answers and the
figures from 30, an empty state, clear filter errors, the audit event, and a statement count that does
not grow with the items or attempts."""

from __future__ import annotations

from sqlalchemy import select

from app.extensions import db
from app.models import Answer, Attempt, AttemptItem, AttemptStatus, AuditEvent, ItemKind
from app.models.base import utcnow
from tests.factories import (
    CampaignFactory,
    FocalPointFactory,
    OrganisationFactory,
    UserFactory,
    make_framework,
    make_instrument,
)
from tests.unit.test_exports import context_of, read_csv
from tests.web.test_dashboard_queries import statements_per_url

NOT_ENOUGH = "not enough responses"


def _assessed(campaign, officials: int) -> None:
    """``officials`` submitted attempts showing every knowledge check of the campaign's instrument.
    Official n gets a check right ("a") when n % 5 >= its level, else answers "b": a check at level 1
    is right for 4 in 5 officials, one at level 3 for 2 in 5."""
    organisation = OrganisationFactory(country=campaign.country)
    checks = [item for item in campaign.instrument.items if item.kind == ItemKind.KNOWLEDGE]
    for n in range(officials):
        attempt = Attempt(campaign=campaign, user=UserFactory(organisation=organisation),
                          instrument=campaign.instrument, country_id=campaign.country_id,
                          organisation=organisation, status=AttemptStatus.SUBMITTED, submitted_at=utcnow())
        db.session.add(attempt)
        db.session.flush()
        for position, item in enumerate(checks):
            db.session.add(AttemptItem(attempt_id=attempt.id, item_id=item.id, position=position))
            db.session.add(Answer(attempt_id=attempt.id, item_id=item.id,
                                  value="a" if n % 5 >= item.level else "b"))
    db.session.commit()


def _csv(response) -> list[dict[str, str]]:
    """The rows of the CSV after its context block (which says what the file is), by column."""
    assert response.status_code == 200 and response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert context_of(response.get_data())["Table"] == "Item statistics"
    header, *rows = read_csv(response.get_data())
    return [dict(zip(header, row, strict=True)) for row in rows]


def _not_enough_cells(page: str) -> int:
    """How many figures read "not enough responses" (the page's explanation says it once)."""
    return page.count(NOT_ENOUGH) - 1


def _admin(browser):
    return browser.sign_in_as(UserFactory(admin=True))


def test_under_30_responses_the_page_and_csv_show_not_enough_responses(browser):
    campaign = CampaignFactory()
    _assessed(campaign, 29)
    page = _admin(browser).get("/admin/items").get_data(as_text=True)
    # Per competency (2): KR-20; per check (4): share right, discrimination, option shares.
    assert _not_enough_cells(page) == 2 * 1 + 4 * 3 and "80%" not in page
    rows = _csv(browser.get("/admin/items.csv"))
    assert len(rows) == 4
    for row in rows:
        assert row["times_answered"] == "29"
        # not shown: empty cells, named in the last column (the number columns stay numeric)
        assert (row["share_right"], row["discrimination"], row["option_shares"], row["kr20"]) == ("",) * 4
        assert row["Hidden figures"] == f"{NOT_ENOUGH}: kr20, share_right, discrimination, option_shares"
        assert row["flags"] == ""


def test_from_30_responses_the_page_and_csv_show_the_figures(browser):
    campaign = CampaignFactory()
    _assessed(campaign, 30)
    page = _admin(browser).get("/admin/items").get_data(as_text=True)
    assert _not_enough_cells(page) == 0
    assert "80%" in page and "40%" in page and "KR-20" in page
    rows = {row["item"]: row for row in _csv(browser.get("/admin/items.csv"))}
    level_1 = next(row for code, row in rows.items() if code.endswith("-k1"))
    level_3 = next(row for code, row in rows.items() if code.endswith("-k3"))
    assert (level_1["times_shown"], level_1["times_answered"]) == ("30", "30")
    assert float(level_1["share_right"]) == 0.8 and float(level_3["share_right"]) == 0.4
    assert level_1["option_shares"] == "a (key): 0.8; b: 0.2; c: 0.0; d: 0.0"
    # Each competency's two checks: the rest score of one is the other, so both share one correlation.
    assert level_1["discrimination"] == level_3["discrimination"] != ""
    assert level_1["Hidden figures"] == ""
    assert 0 < float(level_1["discrimination"]) <= 1 and float(level_1["kr20"]) > 0
    assert level_1["kr20_officials"] == "30" and level_1["kr20_checks"] == "2"


def test_focal_points_and_officials_cannot_open_it(browser):
    campaign = CampaignFactory()
    _assessed(campaign, 2)
    for person in (FocalPointFactory(country=campaign.country), UserFactory()):
        browser.sign_in_as(person)
        assert browser.get("/admin/items").status_code == 403
        assert browser.get("/admin/items.csv").status_code == 403
    assert db.session.scalars(select(AuditEvent).where(AuditEvent.action == "analytics.export")).all() == []


def test_signed_out_visitors_are_sent_to_sign_in(client):
    assert "/login" in client.get("/admin/items").headers["Location"]


def test_the_admin_home_links_to_it(browser):
    assert "/admin/items" in _admin(browser).get("/").get_data(as_text=True)


def test_before_any_submission_the_page_says_so(browser):
    CampaignFactory()
    page = _admin(browser).get("/admin/items").get_data(as_text=True)
    assert "No assessment with knowledge checks has been submitted yet" in page
    assert "/admin/items.csv" not in page


def test_bad_filters_are_named(browser):
    campaign = CampaignFactory()
    _assessed(campaign, 2)
    _admin(browser)
    page = browser.get("/admin/items?instrument=nope").get_data(as_text=True)
    assert "There is no instrument with the code “nope”" in page
    page = browser.get("/admin/items?version=1").get_data(as_text=True)
    assert "Choose an instrument before one of its versions" in page
    page = browser.get(f"/admin/items?instrument={campaign.instrument.code}&version=9").get_data(as_text=True)
    assert f"Instrument {campaign.instrument.code} has no version “9”" in page
    assert browser.get("/admin/items.csv?country=abc").status_code == 400


def test_filters_narrow_the_table(browser):
    first, second = CampaignFactory(), CampaignFactory()
    _assessed(first, 3)
    _assessed(second, 2)
    _admin(browser)
    rows = _csv(browser.get(f"/admin/items.csv?instrument={second.instrument.code}&version=1"))
    assert {row["instrument"] for row in rows} == {second.instrument.code}
    rows = _csv(browser.get(f"/admin/items.csv?country={first.country_id}"))
    assert {row["instrument"] for row in rows} == {first.instrument.code}


def test_the_csv_is_escaped_and_in_the_audit_log(browser):
    campaign = CampaignFactory()
    item = next(i for i in campaign.instrument.items if i.kind == ItemKind.KNOWLEDGE)
    item.code = "=HYPERLINK(1)"
    _assessed(campaign, 2)
    admin = UserFactory(admin=True)
    browser.sign_in_as(admin)
    text = browser.get(f"/admin/items.csv?country={campaign.country_id}").get_data(as_text=True)
    assert "'=HYPERLINK(1)" in text and ",=HYPERLINK" not in text and ',"=HYPERLINK' not in text
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "analytics.export")).one()
    assert (event.actor_id, event.object_id, event.country_id) == (admin.id, "item-stats.csv",
                                                                   campaign.country_id)
    assert event.details["rows"] == 4 and event.details["countries"] == [campaign.country_id]


def test_statements_do_not_grow_with_items_or_attempts(browser):
    campaign = CampaignFactory()
    _assessed(campaign, 30)
    _admin(browser)
    urls = ("/admin/items", "/admin/items.csv")
    small = statements_per_url(browser, urls)

    bigger = make_instrument(make_framework(competencies=3), knowledge_levels=(1, 2, 3), code="bigger")
    _assessed(CampaignFactory(instrument=bigger), 40)
    _assessed(CampaignFactory(country=campaign.country, instrument=campaign.instrument), 20)
    large = statements_per_url(browser, urls)

    assert large == small
    assert all(n >= 3 for n in small.values())
