"""Suggesting, reviewing, publishing, rejecting, retiring, review freshness and broken links."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import AuditEvent, Job, Resource, Suggestion
from app.models.base import utcnow
from tests.factories import FocalPointFactory, ResourceFactory, UserFactory, make_framework

ADMIN_PAGES = ["/catalogue/suggestions", "/catalogue/stale", "/catalogue/links"]


def _suggestion(user=None, **values) -> Suggestion:
    values = {"url": "https://example.org/course", "normalised_url": "example.org/course",
              "title": "", "reason": "Helps", **values}
    suggestion = Suggestion(suggested_by_id=(user or UserFactory()).id, **values)
    db.session.add(suggestion)
    db.session.flush()
    return suggestion


@pytest.mark.parametrize("make_user", [UserFactory, FocalPointFactory])
def test_officials_and_focal_points_cannot_reach_curation(browser, make_user):
    resource = ResourceFactory()
    suggestion = _suggestion()
    browser.sign_in_as(make_user())
    for url in [*ADMIN_PAGES, f"/catalogue/suggestions/{suggestion.id}/publish",
                f"/catalogue/suggestions/{suggestion.id}/reject"]:
        assert browser.get(url).status_code == 403, url
    for url in [f"/catalogue/resources/{resource.id}/retire", f"/catalogue/resources/{resource.id}/reviewed",
                f"/catalogue/resources/{resource.id}/restore", "/catalogue/links/check",
                f"/catalogue/suggestions/{suggestion.id}/reject"]:
        assert browser.post(url, {"reason": "x"}, token_from="/catalogue/").status_code == 403, url
    assert resource.status == "published" and suggestion.status == "pending"
    assert db.session.scalar(select(Job)) is None


def test_an_official_suggests_a_resource_and_sees_it_waiting(browser):
    user = UserFactory()
    browser.sign_in_as(user)
    response = browser.post("/catalogue/suggest", {"url": "https://learn.example.org/privacy",
                                                   "title": "Privacy basics",
                                                   "reason": "Short, in French, for beginners"},
                            follow_redirects=True)
    html = response.get_data(as_text=True)
    assert "an admin will review your suggestion" in html
    assert "Privacy basics" in html and "Waiting for review" in html
    suggestion = db.session.scalar(select(Suggestion))
    assert suggestion.suggested_by_id == user.id and suggestion.normalised_url == "learn.example.org/privacy"


def test_a_suggestion_needs_an_address_and_a_reason(browser):
    browser.sign_in_as(UserFactory())
    html = browser.post("/catalogue/suggest", {"url": "learn.example.org", "reason": "x"}
                        ).get_data(as_text=True)
    assert "There is a problem" in html and "starting with https://" in html
    html = browser.post("/catalogue/suggest", {"url": "https://example.org", "reason": ""}
                        ).get_data(as_text=True)
    assert "Say why it helps" in html
    assert db.session.scalar(select(Suggestion)) is None


def test_suggesting_what_is_already_in_the_catalogue_links_to_it(browser):
    ResourceFactory(code="service-manual", title="Service Manual", url="https://www.gov.uk/service-manual",
                    normalised_url="gov.uk/service-manual")
    browser.sign_in_as(UserFactory())
    response = browser.post("/catalogue/suggest", {
        "url": "http://gov.uk/service-manual/?utm_source=twitter", "reason": "Great"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "This is already in the catalogue" in html
    assert 'href="/catalogue/resources/service-manual">Service Manual</a>' in html
    assert db.session.scalar(select(Suggestion)) is None


def test_the_review_list_shows_possible_duplicates(browser):
    ResourceFactory(code="intro-open-data", title="An Introduction to Open Data",
                    url="https://odi.example/intro", normalised_url="odi.example/intro")
    first = _suggestion(url="https://www.govlearn.example/x/", normalised_url="govlearn.example/x",
                        title="Course X")
    _suggestion(url="https://govlearn.example/x?utm_medium=mail", normalised_url="govlearn.example/x",
                title="Introduction to open data")
    browser.sign_in_as(UserFactory(admin=True))
    html = browser.get("/catalogue/suggestions").get_data(as_text=True)
    assert html.count("Possible duplicate of") == 3
    assert 'href="/catalogue/resources/intro-open-data">An Introduction to Open Data</a>' in html
    assert "similar title (94%)" in html
    assert "the pending suggestion “Course X”" in html and "same address" in html
    assert f"/catalogue/suggestions/{first.id}/publish" in html


def test_an_admin_publishes_a_suggestion_with_licence_languages_and_levels(browser):
    admin = UserFactory(admin=True, name="Ada Admin")
    competency = make_framework(competencies=1).competencies[0]
    suggestion = _suggestion(title="Privacy basics")
    browser.sign_in_as(admin)
    form_page = browser.get(f"/catalogue/suggestions/{suggestion.id}/publish").get_data(as_text=True)
    assert 'value="https://example.org/course"' in form_page and 'value="Privacy basics"' in form_page

    response = browser.post(f"/catalogue/suggestions/{suggestion.id}/publish", {
        "title": "Privacy basics", "provider": "CNIL", "url": "https://example.org/course",
        "licence": "etalab-2.0", "languages": "fr", "format": "course", "hours": "2.5", "cost": "free",
        "competencies-0-competency": str(competency.id), "competencies-0-level_from": "0",
        "competencies-0-level_to": "2", "accessibility": ["captions", "transcript"],
        "description": "Le *RGPD* expliqué.", "confirmed": "yes"}, follow_redirects=True)
    html = response.get_data(as_text=True)
    assert "Privacy basics is published in the catalogue" in html
    resource = db.session.scalar(select(Resource).where(Resource.code == "privacy-basics"))
    assert resource.licence == "etalab-2.0" and resource.languages == ["fr"] and resource.hours == 2.5
    assert resource.reviewed_on == utcnow().date() and resource.reviewed_by == "Ada Admin"
    assert [(t.competency_id, t.level_from, t.level_to) for t in resource.teaches] == [(competency.id, 0, 2)]
    assert resource.accessibility == {"captions": True, "transcript": True, "screen_reader": False}
    assert "<em>RGPD</em>" in html and "French" in html
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "resource.publish"))
    assert event.actor_id == admin.id and event.object_id == str(resource.id)
    assert browser.get(f"/catalogue/suggestions/{suggestion.id}/publish").status_code == 302


def test_publishing_explains_each_bad_competency_row(browser):
    competency = make_framework(competencies=1).competencies[0]
    suggestion = _suggestion()
    browser.sign_in_as(UserFactory(admin=True))
    response = browser.post(f"/catalogue/suggestions/{suggestion.id}/publish", {
        "title": "T", "provider": "P", "url": "https://example.org/course", "licence": "CC-BY-4.0",
        "languages": "en", "format": "guide", "hours": "1", "cost": "free",
        "competencies-0-competency": str(competency.id), "competencies-0-level_from": "2",
        "competencies-0-level_to": "1", "competencies-1-competency": "999999",
        "competencies-1-level_from": "0", "competencies-1-level_to": "1"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "There is a problem" in html
    assert "Competency 1: the level it starts from must be below the level it reaches" in html
    assert "Competency 2: choose a competency from the list" in html
    assert db.session.scalar(select(Resource)) is None and suggestion.status == "pending"


def test_a_bad_licence_is_explained_on_the_field(browser):
    competency = make_framework(competencies=1).competencies[0]
    suggestion = _suggestion()
    browser.sign_in_as(UserFactory(admin=True))
    html = browser.post(f"/catalogue/suggestions/{suggestion.id}/publish", {
        "title": "T", "provider": "P", "url": "https://example.org/course", "licence": "Creative Commons",
        "languages": "en", "format": "guide", "hours": "1", "cost": "free",
        "competencies-0-competency": str(competency.id), "competencies-0-level_from": "0",
        "competencies-0-level_to": "1"}).get_data(as_text=True)
    assert "is not a licence we know" in html and 'id="licence-error"' in html


def test_a_rejection_reason_is_shown_to_the_suggester(browser):
    official = UserFactory()
    suggestion = _suggestion(user=official, title="Paywalled course")
    admin = UserFactory(admin=True)
    browser.sign_in_as(admin)
    assert "Say why it is rejected" in browser.post(
        f"/catalogue/suggestions/{suggestion.id}/reject", {"reason": ""}).get_data(as_text=True)
    response = browser.post(f"/catalogue/suggestions/{suggestion.id}/reject",
                            {"reason": "It is behind a paywall"}, follow_redirects=True)
    assert "its author can see why" in response.get_data(as_text=True)
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "suggestion.reject")
                             ).actor_id == admin.id

    browser.sign_in_as(official)
    html = browser.get("/catalogue/suggestions/mine").get_data(as_text=True)
    assert "Paywalled course" in html and "Reason: It is behind a paywall" in html


def test_my_suggestions_shows_only_mine(browser):
    me = UserFactory()
    _suggestion(user=me, title="Mine")
    _suggestion(title="Someone else's")
    browser.sign_in_as(me)
    html = browser.get("/catalogue/suggestions/mine").get_data(as_text=True)
    assert "Mine" in html and "Someone else" not in html


def test_retiring_hides_a_resource_and_is_audited(browser):
    resource = ResourceFactory(code="old-guide", title="Old guide")
    admin = UserFactory(admin=True)
    browser.sign_in_as(admin)
    page = browser.get("/catalogue/resources/old-guide").get_data(as_text=True)
    assert "Retire" in page and "Mark reviewed today" in page
    response = browser.post(f"/catalogue/resources/{resource.id}/retire",
                            token_from="/catalogue/resources/old-guide", follow_redirects=True)
    assert "Old guide is retired" in response.get_data(as_text=True)
    assert resource.status == "retired"
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "resource.retire")
                             ).object_id == str(resource.id)

    browser.sign_in_as(UserFactory())
    assert "Old guide" not in browser.get("/catalogue/").get_data(as_text=True)
    assert browser.get("/catalogue/resources/old-guide").status_code == 404

    browser.sign_in_as(admin)
    browser.post(f"/catalogue/resources/{resource.id}/restore", token_from="/catalogue/resources/old-guide")
    assert resource.status == "published"


def test_stale_list_is_oldest_first_paginated_and_marks_reviewed(browser):
    today = utcnow().date()
    for n in range(27):
        ResourceFactory(title=f"Stale {n:02d}", reviewed_on=today - timedelta(days=400 + 27 - n))
    ResourceFactory(title="Fresh", reviewed_on=today - timedelta(days=30))
    admin = UserFactory(admin=True, name="Ada Admin")
    browser.sign_in_as(admin)
    first = browser.get("/catalogue/stale").get_data(as_text=True)
    assert ">Stale 00</a>" in first and ">Stale 24</a>" in first and ">Stale 25</a>" not in first
    assert "Fresh" not in first and first.index(">Stale 00</a>") < first.index(">Stale 01</a>")
    assert "Showing 1 to 25 of 27 results" in first
    second = browser.get("/catalogue/stale?page=2").get_data(as_text=True)
    assert "Stale 25" in second and "Stale 26" in second

    oldest = db.session.scalar(select(Resource).where(Resource.title == "Stale 00"))
    response = browser.post(f"/catalogue/resources/{oldest.id}/reviewed?from=stale&page=1",
                            token_from="/catalogue/stale")
    assert response.status_code == 302 and response.headers["Location"].endswith("/catalogue/stale?page=1")
    assert oldest.reviewed_on == today and oldest.reviewed_by == "Ada Admin"
    assert ">Stale 00</a>" not in browser.get("/catalogue/stale").get_data(as_text=True)
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "resource.review")) is not None


def test_broken_links_page_lists_failures_and_starts_a_check(browser, monkeypatch):
    from app.services import links

    ResourceFactory(title="Gone away", link_status=404, link_checked_at=utcnow())
    ResourceFactory(title="Down", link_status=0, link_checked_at=utcnow())
    fine = ResourceFactory(title="Fine", link_status=200, link_checked_at=utcnow())
    browser.sign_in_as(UserFactory(admin=True))
    html = browser.get("/catalogue/links").get_data(as_text=True)
    assert "Gone away" in html and "HTTP 404" in html and "Down" in html and "unreachable" in html
    assert "Fine" not in html

    # The job runs inline here (no Redis); the network check itself is faked: test_links.py
    # exercises it against a real local server.
    monkeypatch.setattr(links, "check_url", lambda url, timeout: links.LinkResult(url, 503, url))
    response = browser.post("/catalogue/links/check", token_from="/catalogue/links")
    assert response.status_code == 302
    job = db.session.scalar(select(Job).where(Job.kind == "links.check"))
    assert response.headers["Location"].endswith(f"/catalogue/jobs/{job.id}")
    page = browser.get(f"/catalogue/jobs/{job.id}").get_data(as_text=True)
    assert "Done: 3 of 3 addresses checked." in page
    assert "3 checked: 0 ok, 0 redirected, 3 broken, 0 unreachable" in page
    assert fine.link_status == 503


def test_the_home_page_links_to_the_catalogue_by_role(browser):
    browser.sign_in_as(UserFactory())
    html = browser.get("/").get_data(as_text=True)
    assert 'href="/catalogue/"' in html and "/catalogue/suggestions/mine" in html
    assert "/catalogue/stale" not in html
    browser.sign_in_as(UserFactory(admin=True))
    html = browser.get("/").get_data(as_text=True)
    for url in ["/catalogue/", "/catalogue/suggestions", "/catalogue/stale", "/catalogue/links"]:
        assert f'href="{url}"' in html


def test_a_job_page_of_another_kind_is_404(browser):
    job = Job(kind="campaigns.invite", params={})
    db.session.add(job)
    db.session.flush()
    browser.sign_in_as(UserFactory(admin=True))
    assert browser.get(f"/catalogue/jobs/{job.id}").status_code == 404
    assert browser.get("/catalogue/jobs/999999").status_code == 404


def test_reviewed_date_is_shown_on_every_resource(browser):
    ResourceFactory(code="r", reviewed_on=date(2025, 1, 31), reviewed_by="Sam Curator")
    browser.sign_in_as(UserFactory())
    assert "31 January 2025 by Sam Curator" in browser.get("/catalogue/resources/r").get_data(as_text=True)
