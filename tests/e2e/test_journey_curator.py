"""The curator's journey, in Chromium with JavaScript on, from sign-in to the last step: publish a
suggestion waiting for review with the pickers (licence and competency autocompletes, a level range),
through its confirmation page; compose a path with the resource picker, preview it and publish it
through its confirmation; an official then finds it among the course paths. Every page is checked at
390 and 1280 px (axe, nothing wider than the screen) and its screenshots saved (tests/e2e/journeys.py)."""

import re

import pytest

pytestmark = pytest.mark.no_db


def _pick(page, field_id: str, typed: str, option: str) -> None:
    """Type into an autocomplete and choose one of the options it offers, as a person would."""
    box = page.locator(f"#{field_id}")
    box.click()
    box.fill(typed)
    page.get_by_role("option", name=option, exact=True).click()
    assert box.input_value() == option


def test_a_curator_publishes_a_suggestion_then_composes_and_publishes_a_path(journey):
    page = journey.sign_in("admin@example.org")
    page.goto(journey.url("/catalogue/suggestions"))
    journey.check(page, "suggestions")
    assert page.get_by_role("heading", name="Digital Services Playbook").is_visible()

    page.get_by_role("link", name="Publish Digital Services Playbook").click()
    assert page.locator("#licence").get_attribute("role") == "combobox"  # the script enhanced the select
    journey.check(page, "publish-form")
    page.fill("#provider", "United States Digital Service")
    _pick(page, "licence", "cc0", "CC0-1.0 · open licence")
    page.fill("#languages", "en")
    page.select_option("#format", "guide")
    page.fill("#hours", "1,5")
    _pick(page, "competencies-0-competency", "service des", "Service design (SERV.DESIGN)")
    page.select_option("#competencies-0-level_from", "1")
    page.select_option("#competencies-0-level_to", "3")
    page.get_by_role("button", name="Continue").click()

    assert page.get_by_role("heading", name="Publish Digital Services Playbook?").is_visible()
    assert page.get_by_text("CC0-1.0 · open licence").is_visible()
    journey.check(page, "publish-confirm")
    page.get_by_role("button", name="Publish", exact=True).click()
    assert page.get_by_text("Digital Services Playbook is published in the catalogue").is_visible()
    assert page.get_by_text("Open licence:").is_visible()
    journey.check(page, "published-resource")

    page.goto(journey.url("/paths/new"))
    journey.check(page, "compose-path")
    page.fill("#code", "service-teams-start-here")
    page.fill("#title", "Service teams: start here")
    page.fill("#description", "The service standard, then the playbook's plays.")
    _pick(page, "steps-0-resource", "service standard government",
          "Service Standard — Government Digital Service (UK), en")
    _pick(page, "steps-1-resource", "playbook",
          "Digital Services Playbook — United States Digital Service, en")
    page.get_by_role("button", name="Save draft").click()

    assert page.get_by_text("This is a preview").is_visible()
    journey.check(page, "path-preview")
    page.get_by_role("button", name="Publish version 1").click()
    assert page.get_by_role("heading", name=re.compile("Publish version 1 of Service teams")).is_visible()
    journey.check(page, "path-publish-confirm")
    page.get_by_role("button", name="Publish", exact=True).click()
    assert page.get_by_text("Version 1 of Service teams: start here is published").is_visible()
    journey.check(page, "path-published")

    official = journey.sign_in("chloe.martin@example.org")
    official.goto(journey.url("/paths/?q=service+teams"))
    official.get_by_role("link", name="Service teams: start here").click()
    assert official.get_by_role("heading", name="Service teams: start here").is_visible()
    journey.check(official, "official-opens-path")

