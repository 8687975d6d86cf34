"""Every dashboard page on a phone: at 390 px (and at 1280 px) no page is wider than the screen — a
wide table scrolls in its own region, which has a name and takes the keyboard focus — and axe finds
no violation. Focal points see their country's pages; admins also the countries side by side, the
person-level export and the follow-up surveys (tests/e2e/journeys.py does the checks)."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.no_db

FOCAL_PAGES = {
    "participation": "/dashboard/",
    "skills": "/dashboard/skills",
    "change": "/dashboard/change",
    "learning": "/dashboard/learning",
    "content-gaps": "/dashboard/content-gaps",
    "indicators": "/evaluation/indicators",
}
ADMIN_PAGES = {
    "countries": "/dashboard/countries",
    "people": "/dashboard/people",
    "follow-ups": "/evaluation/follow-ups",
    "admin-skills": "/dashboard/skills",
}


def _visit(journey, page, pages: dict[str, str]) -> list[str]:
    problems = []
    for name, path in pages.items():
        response = page.goto(journey.url(path))
        assert response is not None and response.ok, f"{path}: {response and response.status}"
        try:
            journey.check(page, name)
        except AssertionError as error:  # every page's problems at once, not the first one's
            problems.append(str(error))
    return problems


def test_a_focal_points_dashboard_pages_fit_a_phone_and_pass_axe(journey):
    page = journey.sign_in("focal@example.org")
    assert _visit(journey, page, FOCAL_PAGES) == []


def test_an_admins_dashboard_pages_fit_a_phone_and_pass_axe(journey):
    page = journey.sign_in("admin@example.org")
    assert _visit(journey, page, ADMIN_PAGES) == []


def test_every_wide_table_scrolls_in_a_named_region_that_takes_the_focus(journey):
    """A table wider than the phone's screen is inside a region with a name and tabindex=0, so a
    keyboard user can scroll it too."""
    page = journey.sign_in("focal@example.org")
    unscrollable = {}
    for path in FOCAL_PAGES.values():
        page.goto(journey.url(path))
        found = page.evaluate("""() => [...document.querySelectorAll('table')].filter(table => {
            const region = table.closest('[role=region][aria-label][tabindex="0"]');
            return table.getBoundingClientRect().width > document.documentElement.clientWidth && !region;
          }).map(table => (table.querySelector('caption') || table).textContent.trim().slice(0, 80))""")
        if found:
            unscrollable[path] = found
    assert unscrollable == {}


_CUT_CHOICES = r"""() => {
  const canvas = document.createElement('canvas').getContext('2d');
  return [...document.querySelectorAll('.app-filters select')].filter(select => {
    const style = getComputedStyle(select);
    canvas.font = `${style.fontWeight} ${style.fontSize} ${style.fontFamily}`;
    const room = select.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
    // the choices the page words ("Each official's latest", "All organisations" ...), not data's names
    return [...select.options].some(option => !/^\d+$/.test(option.value)
                                    && canvas.measureText(option.text).width > room);
  }).map(select => select.id);
}"""


def test_the_filters_show_their_choices_whole(journey):
    """"Each official's latest" and the filter bar's other words are not cut off, even at 320 px (a
    long campaign or organisation name may be: the list shows it whole)."""
    page = journey.sign_in("focal@example.org")
    page.goto(journey.url("/dashboard/skills"))
    for width in (320, 390, 1280):
        page.set_viewport_size({"width": width, "height": 844})
        assert page.evaluate(_CUT_CHOICES) == [], width
