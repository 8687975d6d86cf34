"""Evaluation pages: an official's own progress with its chart, the follow-up survey (owner only),
sending the follow-ups (page, job, command line). No page has inline style or script."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from app.extensions import db, mail
from app.models import Attempt, Campaign, FollowUp, Job
from app.models.base import utcnow
from app.services.learning import progress as learning
from tests.factories import (
    CampaignFactory,
    CompetencyFactory,
    CompetencyResultFactory,
    FocalPointFactory,
    ResourceFactory,
    UserFactory,
    make_path,
)
from tests.unit.test_follow_ups import TODAY, complete_path, follow_up_of, make_due
from tests.unit.test_plans import assessed, competencies, instrument_for

INLINE = re.compile(r"<style|\sstyle\s*=|<script(?![^>]*\ssrc=)", re.I)


def page_of(response, status: int = 200) -> str:
    """The page's HTML, checked for what the CSP would block: inline style or script."""
    assert response.status_code == status, response.status_code
    html = response.get_data(as_text=True)
    assert not INLINE.search(html), INLINE.search(html).group(0)
    return html


def svg_of(response) -> bytes:
    assert response.status_code == 200
    assert response.mimetype == "image/svg+xml"
    body = response.get_data()
    assert body.startswith(b"<?xml") and b"<svg" in body
    assert not INLINE.search(body.decode("utf-8"))
    return body


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


# Your progress ------------------------------------------------------------------------------------

@pytest.fixture
def two_cycles():
    """An official assessed in a baseline and a follow-up on the same framework (data and security)."""
    data, security = competencies("Data use", "Security basics")
    instrument = instrument_for(data.framework)
    baseline = CampaignFactory(instrument=instrument, name="Baseline 2025", cycle_label="baseline",
                               opens_at=at("2025-03-01T05:00"), closes_at=at("2025-04-01T05:00"))
    follow_up = CampaignFactory(country=baseline.country, instrument=instrument, baseline=baseline,
                                name="Follow-up 2026", cycle_label="follow-up 1",
                                opens_at=at("2026-03-01T05:00"), closes_at=at("2026-04-01T05:00"))
    official = assessed({data: (1, 3), security: (2, 2)}, campaign=follow_up)  # entered out of order
    assessed({data: (0, 3), security: (2, 2)}, campaign=baseline, user=official)
    return official, data, security


def test_progress_shows_each_cycle_in_order_in_a_table_and_a_chart(browser, two_cycles):
    official, data, security = two_cycles
    browser.sign_in_as(official)
    html = page_of(browser.get("/evaluation/me"))
    assert html.index("baseline") < html.index("follow-up 1")
    row = re.search(r"Data use</th>(.*?)</tr>", html, re.S).group(1)
    assert re.findall(r'numeric">(\S+)</td>', row) == ["0", "1", "3"]  # baseline, follow-up, target
    assert '<img class="app-chart__image" src="/evaluation/me/chart.svg" alt="Your calibrated level' in html
    assert "<figcaption" in html

    svg = svg_of(browser.get("/evaluation/me/chart.svg")).decode()
    assert "Data use" in svg and "Security basics" in svg and "baseline (2025-03)" in svg


def test_progress_says_not_assessed_never_0(browser, two_cycles):
    official, data, security = two_cycles
    baseline = db.session.scalar(select(Attempt).join(Campaign, Campaign.id == Attempt.campaign_id).where(
        Attempt.user_id == official.id, Campaign.cycle_label == "baseline"))
    baseline.results.remove(next(r for r in baseline.results if r.competency_id == data.id))
    db.session.flush()
    CompetencyResultFactory(attempt=baseline, competency=data, target_level=3, not_assessed=True)
    db.session.commit()
    browser.sign_in_as(official)
    html = page_of(browser.get("/evaluation/me"))
    row = re.search(r"Data use</th>(.*?)</tr>", html, re.S).group(1)
    assert re.findall(r'numeric">([^<]+)</td>', row) == ["not assessed", "1", "3"]  # not 0, not "–"
    assert "not assessed" in page_of(browser.get("/evaluation/me")).split("</table>")[1]  # explained
    svg = svg_of(browser.get("/evaluation/me/chart.svg")).decode()
    assert "Data use" in svg


def test_progress_is_the_officials_own(browser, two_cycles):
    other = UserFactory()
    browser.sign_in_as(other)
    html = page_of(browser.get("/evaluation/me"))
    assert "Data use" not in html and "You have not submitted a skills assessment yet" in html
    svg = svg_of(browser.get("/evaluation/me/chart.svg")).decode()
    assert "Data use" not in svg and "No submitted assessment yet" in svg


def test_one_assessment_says_the_trend_comes_after_the_next(browser):
    (data,) = competencies("Data use")
    official = assessed({data: (2, 3)})
    browser.sign_in_as(official)
    assert "after the next one" in page_of(browser.get("/evaluation/me"))


def test_progress_needs_signing_in(client):
    assert client.get("/evaluation/me").status_code == 302
    assert client.get("/evaluation/me/chart.svg").status_code == 302


# The follow-up survey -----------------------------------------------------------------------------

@pytest.fixture
def due(app):
    official, enrolment, _r = complete_path()
    return official, make_due(follow_up_of(enrolment))


def test_the_survey_is_answered_thanked_for_and_can_be_changed(browser, due):
    official, follow_up = due
    browser.sign_in_as(official)
    assert "Questions waiting for you" in page_of(browser.get("/evaluation/me"))
    url = f"/evaluation/follow-ups/{follow_up.id}"
    html = page_of(browser.get(url))
    for text in ("Have you applied what you learned at work?", "How often do you use it?",
                 "No support from my manager", "The training did not fit my work", "No tools or access"):
        assert text in html
    response = browser.post(url, {"applied": "partly", "frequency": "monthly",
                                  "barriers": ["no_time", "no_manager_support"], "comment": "Busy season"})
    assert response.status_code == 302 and response.location.endswith(f"{url}/thanks")
    assert "Thank you" in page_of(browser.get(f"{url}/thanks"))
    assert (follow_up.applied, follow_up.frequency, follow_up.barriers) == (
        "partly", "monthly", ["no_time", "no_manager_support"])
    assert "Questions waiting for you" not in page_of(browser.get("/evaluation/me"))

    html = page_of(browser.get(url))  # answering again: the form shows the answers given
    assert re.search(r'value="partly"\s+checked|checked[^>]*value="partly"', html)
    assert "sending the form again changes your answers" in html
    browser.post(url, {"applied": "yes", "frequency": "daily"})
    assert (follow_up.applied, follow_up.barriers) == ("yes", [])


@pytest.mark.parametrize(("data", "message"), [
    ({"frequency": "daily"}, "Say whether you have applied what you learned"),
    ({"applied": "yes"}, "Say how often you use it"),
    ({"applied": "yes", "frequency": "daily", "barriers": ["other"]}, "Say what else stopped you"),
    ({"applied": "sometimes", "frequency": "daily"}, "Not a valid choice"),
])
def test_the_survey_says_what_is_missing(browser, due, data, message):
    official, follow_up = due
    browser.sign_in_as(official)
    html = page_of(browser.post(f"/evaluation/follow-ups/{follow_up.id}", data))
    assert message in html and "There is a problem" in html
    assert follow_up.answered_at is None


def test_someone_elses_survey_or_one_not_due_is_not_found(browser, due):
    _official, follow_up = due
    url = f"/evaluation/follow-ups/{follow_up.id}"
    for other in (UserFactory(), UserFactory(admin=True), FocalPointFactory()):
        browser.sign_in_as(other)
        assert browser.get(url).status_code == 404
        assert browser.get(f"{url}/thanks").status_code == 404
        assert browser.post(url, {"applied": "yes", "frequency": "daily"}, token_from="/evaluation/me"
                            ).status_code == 404
    assert follow_up.answered_at is None
    _other_official, later_enrolment, _r = complete_path()  # not due for eight weeks
    browser.sign_in_as(_other_official)
    assert browser.get(f"/evaluation/follow-ups/{follow_up_of(later_enrolment).id}").status_code == 404


def test_the_thanks_page_before_answering_goes_to_the_survey(browser, due):
    official, follow_up = due
    browser.sign_in_as(official)
    response = browser.get(f"/evaluation/follow-ups/{follow_up.id}/thanks")
    assert response.status_code == 302 and response.location.endswith(f"/follow-ups/{follow_up.id}")


def test_completing_a_path_on_the_site_uses_the_configured_weeks(app, browser):
    official = UserFactory()
    resource = ResourceFactory()
    version = make_path([resource])
    learning.enrol(db.session, official, version.id)
    browser.sign_in_as(official)
    app.config["FOLLOW_UP_WEEKS"] = 3
    try:
        response = browser.post(f"/learn/resources/{resource.id}/progress", {
            "status": "completed", "completed_on": [str(TODAY.day), str(TODAY.month), str(TODAY.year)]})
    finally:
        app.config["FOLLOW_UP_WEEKS"] = 8
    assert response.status_code == 302
    follow_up = db.session.scalar(select(FollowUp).where(FollowUp.user_id == official.id))
    assert follow_up.due_at - timedelta(weeks=3) < utcnow() <= follow_up.due_at


# Sending ------------------------------------------------------------------------------------------

def test_the_job_sends_each_due_follow_up_once(app, due):
    from app.evaluation.jobs import send_due

    official, follow_up = due
    complete_path()  # not due yet
    seen = []
    with app.app_context(), mail.record_messages() as outbox:
        result = send_due(lambda done, total: seen.append((done, total)), weeks=8)
        again = send_due(lambda done, total: None, weeks=8)
    assert (result.sent, again.sent) == (1, 0)
    assert [m.recipients for m in outbox] == [[official.email]]
    assert f"http://localhost/evaluation/follow-ups/{follow_up.id}" in outbox[0].body
    assert follow_up.path_version.title in outbox[0].subject
    assert follow_up.sent_at is not None
    assert seen == [(0, 1), (1, 1)]


def test_an_admin_sends_the_due_follow_ups_from_a_page(browser, due):
    official, follow_up = due
    browser.sign_in_as(UserFactory(admin=True))
    html = page_of(browser.get("/evaluation/follow-ups"))
    assert re.search(r"Due, not sent yet\s*</dt>\s*<dd[^>]*>\s*1\s*</dd>", html)
    with mail.record_messages() as outbox:
        response = browser.post("/evaluation/follow-ups/send", token_from="/evaluation/follow-ups")
    assert response.status_code == 302
    job = db.session.scalar(select(Job).where(Job.kind == "follow_ups.send"))
    assert response.location.endswith(f"/evaluation/follow-ups/jobs/{job.id}")
    assert (job.status, job.done, job.total) == ("done", 1, 1)
    assert "Done: 1 of 1 e-mails handled." in page_of(browser.get(response.location))
    assert [m.recipients for m in outbox] == [[official.email]]
    assert follow_up.sent_at is not None


def test_only_admins_send_follow_ups(browser, due):
    for user in (FocalPointFactory(), UserFactory()):
        browser.sign_in_as(user)
        assert browser.get("/evaluation/follow-ups").status_code == 403
        assert browser.post("/evaluation/follow-ups/send", token_from="/evaluation/me").status_code == 403
    assert db.session.scalar(select(Job)) is None


def test_the_command_line_sends_them_with_a_progress_bar(app, due):
    official, follow_up = due
    with mail.record_messages() as outbox:
        result = app.test_cli_runner().invoke(args=["follow-ups", "send"])
    assert result.exit_code == 0, result.output
    assert "Sending follow-up surveys" in result.output
    assert "e-mailed 1 follow-up surveys" in result.output
    assert len(outbox) == 1 and follow_up.sent_at is not None
    again = app.test_cli_runner().invoke(args=["follow-ups", "send"])
    assert "e-mailed 0 follow-up surveys" in again.output


def test_progress_says_in_words_what_a_missing_level_or_target_means(browser, two_cycles):
    official, data, security = two_cycles
    follow_up = db.session.scalar(select(Attempt).join(Campaign, Campaign.id == Attempt.campaign_id).where(
        Attempt.user_id == official.id, Campaign.cycle_label == "follow-up 1"))
    CompetencyResultFactory(attempt=follow_up, target_level=None, calibrated_level=2,
                            competency=CompetencyFactory(framework=data.framework, area=data.area,
                                                         name="Newly added"))
    db.session.commit()
    html = page_of(browser.sign_in_as(official).get("/evaluation/me"))
    row = re.search(r"Newly added</th>(.*?)</tr>", html, re.S).group(1)
    cells = [re.sub(r"<[^>]+>", "", cell).strip() for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]
    assert cells == ["not in this assessment", "2", "no target"]  # one sign no longer means two things
    assert "–" not in html.split("<tbody")[1].split("</tbody>")[0]
