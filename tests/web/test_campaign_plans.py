"""A focal point (or an admin) builds the learning plans of a campaign's officials from the campaign's
page: a background job, with a progress bar on its page (app/templates/macros/job.html)."""

from __future__ import annotations

from sqlalchemy import func, select

from app.extensions import db
from app.models import Job, LearningPlan
from tests.factories import FocalPointFactory, ResourceFactory
from tests.unit.analytics_fixture import build_world


def _world():
    world = build_world()
    ResourceFactory(languages=["en"], teaches={world.c1: (0, 3)})
    ResourceFactory(languages=["en"], teaches={world.c2: (0, 2)})
    db.session.flush()
    return world


def test_the_campaign_page_builds_every_plan_and_shows_the_job_to_the_end(browser):
    world = _world()
    browser.sign_in_as(FocalPointFactory(country=world.country))
    page = browser.get(f"/campaigns/{world.follow_up.id}").get_data(as_text=True)
    assert "Learning plans" in page and "Build the learning plans" in page

    response = browser.post(f"/campaigns/{world.follow_up.id}/plans",
                            token_from=f"/campaigns/{world.follow_up.id}")
    assert response.status_code == 302
    job = db.session.scalar(select(Job).where(Job.kind == "plans.build"))
    assert response.headers["Location"].endswith(f"/campaigns/jobs/{job.id}")

    shown = browser.get(response.headers["Location"]).get_data(as_text=True)
    assert "Building learning plans" in shown and world.follow_up.name in shown
    assert "Done: 9 of 9 officials' plans built." in shown  # the 9 who submitted the follow-up
    assert '<progress max="9" value="9">' in shown
    assert db.session.scalar(select(func.count()).select_from(LearningPlan)) == 9
    campaign_page = browser.get(f"/campaigns/{world.follow_up.id}").get_data(as_text=True)
    assert f"/campaigns/jobs/{job.id}" in campaign_page  # listed with the campaign's jobs


def test_a_running_build_shows_how_far_it_has_got_and_refreshes(browser):
    world = _world()
    job = Job(kind="plans.build", params={"campaign_id": world.follow_up.id},
              country_id=world.country.id, status="running", done=250, total=1000)
    db.session.add(job)
    db.session.flush()
    browser.sign_in_as(FocalPointFactory(country=world.country))
    page = browser.get(f"/campaigns/jobs/{job.id}").get_data(as_text=True)
    assert "250 of 1000 officials' plans built so far" in page
    assert '<progress max="1000" value="250">' in page and 'http-equiv="refresh"' in page


def test_another_countrys_focal_point_can_neither_build_nor_watch(browser):
    world = _world()
    job = Job(kind="plans.build", params={"campaign_id": world.follow_up.id}, country_id=world.country.id)
    db.session.add(job)
    db.session.flush()
    other = build_world(prefix="Other ")
    browser.sign_in_as(FocalPointFactory(country=other.country))
    assert browser.get(f"/campaigns/jobs/{job.id}").status_code == 404
    response = browser.post(f"/campaigns/{world.follow_up.id}/plans",
                            token_from=f"/campaigns/{other.follow_up.id}")
    assert response.status_code == 404
    assert db.session.scalar(select(func.count()).select_from(Job).where(Job.kind == "plans.build")) == 1


def test_without_the_form_token_nothing_is_started(browser):
    world = _world()
    browser.sign_in_as(FocalPointFactory(country=world.country))
    assert browser.client.post(f"/campaigns/{world.follow_up.id}/plans").status_code == 400
    assert db.session.scalar(select(func.count()).select_from(Job)) == 0
