"""The official's journey in Chromium on a 390 px phone, from sign-in to the last step: the home page
says what to do next; they take the open follow-up assessment, change an answer from the review and land
back on the review, submit, open their results, add an item to their plan, record progress on it and
give feedback. Every page visited passes axe and fits the screen at 390 and 1280 px (journey.check).

Brian Otieno took only the baseline: the demo's follow-up is open for him and not started.
"""

from __future__ import annotations

import re

import pytest

from tests.e2e.journeys import _TOO_WIDE, HEIGHT

pytestmark = pytest.mark.no_db

OFFICIAL = "brian.otieno@example.org"

# Answers every question on a section page that is not answered yet: the first option of each group of
# radios or checkboxes, a number in a number field. Returns how many it answered.
_ANSWER_ALL = """() => {
  let answered = 0;
  const groups = {};
  for (const input of document.querySelectorAll('form input[type=radio], form input[type=checkbox]')) {
    (groups[input.name] = groups[input.name] || []).push(input);
  }
  for (const inputs of Object.values(groups)) {
    if (!inputs.some(i => i.checked)) { inputs[0].click(); answered++; }
  }
  for (const input of document.querySelectorAll('form input[inputmode=numeric], form input[type=number]')) {
    if (!input.value) { input.value = '2'; answered++; }
  }
  return answered;
}"""


def _answer_sections(page, journey) -> None:
    """Answer every section, "Save and continue" each, until the review page."""
    for number in range(1, 30):
        if "/review" in page.url:
            return
        assert re.search(r"/sections/\d+$", page.url), page.url
        page.evaluate(_ANSWER_ALL)
        if number == 1:
            journey.check(page, "section")
        page.get_by_role("button", name="Save and continue").click()
        page.wait_for_load_state()
    pytest.fail("the assessment never reached the review page")


def test_an_official_takes_the_follow_up_on_a_phone_and_acts_on_the_plan(journey):
    page = journey.sign_in(OFFICIAL)
    assert page.viewport_size["width"] == 390

    # Home: what to do next, by when, how long.
    next_step = page.locator("[data-next-step]")
    assert "Your follow-up assessment" in next_step.inner_text() or "follow-up" in next_step.inner_text()
    assert re.search(r"open until \d{1,2} \w+", next_step.inner_text())
    assert "minutes" in next_step.inner_text()
    journey.check(page, "home")

    page.get_by_role("link", name="Your assessments").first.click()
    journey.check(page, "assessments")
    start = page.get_by_role("button", name=re.compile("^Start"))
    start.scroll_into_view_if_needed()
    box = start.bounding_box()
    assert box is not None and box["x"] + box["width"] <= 390  # on the screen, not off to the right
    start.click()
    page.wait_for_load_state()

    _answer_sections(page, journey)
    journey.check(page, "review")

    # Change one answer from the review: back on the review afterwards, not in the next section.
    section = page.locator("details.app-review-section").first  # the answers, behind disclosure
    if section.get_attribute("open") is None:
        section.locator("summary").click()
    page.get_by_role("link", name=re.compile("^Change")).first.click()
    assert "from=review" in page.url
    save = page.get_by_role("button", name="Save and return to your answers")
    assert page.get_by_role("button", name="Save and continue").count() == 0
    page.evaluate("""() => {
      const radios = [...document.querySelectorAll('form input[type=radio]')];
      const other = radios.find(r => !r.checked && radios.some(o => o.name === r.name && o.checked));
      if (other) other.click();
    }""")
    save.click()
    page.wait_for_load_state()
    assert page.url.split("#")[0].endswith("/review"), page.url

    confirm = page.locator("#confirm-yes")
    if confirm.count():
        confirm.check()
    page.get_by_role("button", name="Submit my answers").click()
    page.wait_for_load_state()
    assert "/results" in page.url
    results_url = page.url
    assert "Your assessment is submitted" in page.locator("main").inner_text()
    assert page.locator("details").count() >= 1  # the detail behind disclosure, the summary first
    journey.check(page, "results")

    # The plan: one clear action per suggestion; add one resource to the plan.
    page.goto(journey.url("/learn/"))
    journey.check(page, "plan")
    assert page.get_by_role("button", name=re.compile("^Accept")).count() == 0
    add = page.get_by_role("button", name=re.compile("^Add to my plan")).first
    title = add.evaluate("b => b.closest('li').querySelector('h2').innerText")
    add.click()
    page.wait_for_load_state()
    item = page.locator("li", has=page.get_by_role("heading", name=title, exact=True)).first
    assert "In your plan" in item.inner_text()

    # The title leads to the resource's own page in the app, not straight to the external site.
    item.get_by_role("link", name=title, exact=True).click()
    assert "/catalogue/resources/" in page.url
    journey.check(page, "resource")
    page.go_back()

    page.locator("li", has=page.get_by_role("heading", name=title, exact=True)).first.get_by_role(
        "link", name=re.compile("^Record progress")).click()
    journey.check(page, "progress")
    page.get_by_label("I have completed it").check()
    today = page.evaluate("() => { const d = new Date(); "
                          "return [d.getDate(), d.getMonth() + 1, d.getFullYear()]; }")
    for part, value in zip(("day", "month", "year"), today, strict=True):
        page.locator(f"input[name='completed_on-{part}'], input[name='completed_on_{part}'], "
                     f"#completed_on-{part}").first.fill(str(value))
    page.get_by_role("button", name="Save progress").click()
    page.wait_for_load_state()
    assert "/feedback" in page.url  # completing it asks straight away how it was
    assert "is completed" in page.locator("main").inner_text()
    journey.check(page, "feedback")
    page.locator("input[name=rating][value='4']").check()
    page.locator("input[name=relevance][value='5']").check()
    page.locator("input[name=would_recommend]").first.check()
    page.get_by_role("button", name="Send feedback").click()
    page.wait_for_load_state()
    assert page.locator(".govuk-notification-banner").count() >= 1

    page.goto(journey.url("/learn/"))
    item = page.locator("li", has=page.get_by_role("heading", name=title, exact=True)).first
    assert "Completed" in item.inner_text()

    page.goto(journey.url("/evaluation/me"))
    journey.check(page, "progress-across-assessments")
    page.goto(journey.url("/account/"))
    journey.check(page, "account")

    # The narrowest phones in use (320 px): still nothing wider than the screen.
    page.set_viewport_size({"width": 320, "height": HEIGHT})
    for path in ("/", "/assess/", results_url.replace(journey.base, ""), "/learn/", "/evaluation/me",
                 "/account/"):
        page.goto(journey.url(path))
        assert page.evaluate(_TOO_WIDE) == [], f"{path} is wider than 320 px"
