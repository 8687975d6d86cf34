"""The learning-plan page in pages of 25 items: totals (items, hours left) for the whole plan on every
page, counted in SQL; a page past the end answered like the other lists; the same SQL statements for a
plan of 30 items or 300."""

from __future__ import annotations

import re

from app.extensions import db
from app.models import LearningPlan, PlanItem, Progress
from app.models.base import utcnow
from app.services.learning import plan_view
from tests.factories import ResourceFactory, make_path
from tests.unit.test_plans import assessed, competencies
from tests.web.test_dashboard_queries import statements_per_url

PER_PAGE = 25


def _official_with_plan(size: int, *, path: bool = False):
    """An official whose plan has ``size`` resources (Resource 0, 1, ... of 1, 2, 3, 1, 2, 3 ... hours)
    and, with ``path``, a course path of two 5-hour steps in third place."""
    (analysis,) = competencies("Data analysis")
    official = assessed({analysis: (1, 2)}, languages=["en"], hours="3-5")
    resources = [ResourceFactory(title=f"Material {n:03d}", hours=float(n % 3 + 1))
                 for n in range(size)]
    plan = LearningPlan(user=official, country_id=official.country_id, built_at=utcnow(), unmet=[])
    for n, resource in enumerate(resources):
        plan.items.append(PlanItem(kind="resource", resource=resource, rank=n, position=n * 10,
                                   reason="", closes=[]))
    if path:
        steps = [ResourceFactory(hours=5.0) for n in range(2)]
        plan.items.append(PlanItem(kind="path", path_version=make_path(steps), rank=size, position=15,
                                   reason="", closes=[]))
    db.session.add(plan)
    db.session.flush()
    return official, plan, resources


def _titles(html: str) -> list[str]:
    return re.findall(r'href="/catalogue/resources/[^"]+">(Material \d+)</a>', html)  # their pages in the app


def _page(browser, number: int | None = None) -> str:
    response = browser.get("/learn/" + (f"?page={number}" if number else ""))
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_sixty_items_make_three_pages_each_with_the_plans_totals(browser):
    official, plan, resources = _official_with_plan(60)
    db.session.add(Progress(user_id=official.id, resource=resources[59], status="completed"))
    plan.items[58].status = "dismissed"
    db.session.flush()
    browser.sign_in_as(official)
    # 59 items shown; hours left: every resource but the dismissed (58: 2 h) and the completed (59: 3 h)
    hours = sum(r.hours for r in resources) - 2 - 3
    assert hours == 115
    pages = [_page(browser, n) for n in (None, 2, 3)]
    assert [len(_titles(html)) for html in pages] == [25, 25, 9]
    assert _titles(pages[0])[0] == "Material 000" and _titles(pages[1])[0] == "Material 025"
    assert _titles(pages[2])[-1] == "Material 059" and "Material 058" not in _titles(pages[2])
    for html, (first, last) in zip(pages, [(1, 25), (26, 50), (51, 59)], strict=True):
        assert f"Showing {first} to {last} of 59 results" in html
        assert f"About 29 weeks at 4 hours a week: {hours:g} hours of learning left." in html
        assert 'class="govuk-pagination' in html
    assert 'href="/learn/?page=2"' in pages[0] and 'href="/learn/?page=3"' in pages[1]
    # the dismissed item is listed once, at the end of the plan
    assert ["Dismissed" in html for html in pages] == [False, False, True]


def test_moving_works_across_pages_and_comes_back_to_the_items_page(browser):
    official, plan, _ = _official_with_plan(30)
    browser.sign_in_as(official)
    first, second = _page(browser), _page(browser, 2)
    assert first.count(">Move up<") == 24 and first.count(">Move down<") == 25  # not the first item
    assert second.count(">Move up<") == 5 and second.count(">Move down<") == 4  # not the last item
    item = plan.items[24]  # last on page 1
    response = browser.post(f"/learn/items/{item.id}/move/down", token_from="/learn/")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/learn/?page=2#item-{item.id}")
    assert _titles(_page(browser, 2))[0] == "Material 024"


def test_a_path_counts_with_its_steps_hours_on_every_page(browser):
    official, _, resources = _official_with_plan(26, path=True)
    browser.sign_in_as(official)
    hours = sum(r.hours for r in resources) + 10
    for number in (1, 2):
        assert f"{hours:g} hours of learning left." in _page(browser, number)
    assert "Course path of 2 steps" in _page(browser)


def test_a_page_past_the_end_says_so_with_the_totals(browser):
    official, _, _ = _official_with_plan(30)
    browser.sign_in_as(official)
    html = _page(browser, 3)
    assert _titles(html) == []
    assert "There is no page 3 of your plan: it has 2 pages." in html and 'href="/learn/"' in html
    assert "hours of learning left." in html and "your results meet the targets" not in html
    assert browser.get("/learn/?page=0").status_code == 404
    assert browser.get("/learn/?page=two").status_code == 404


def test_statements_per_page_do_not_grow_with_the_plan(browser):
    counts = []
    for size in (30, 300):
        official, _, _ = _official_with_plan(size, path=True)
        browser.sign_in_as(official)
        last = -(-(size + 1) // PER_PAGE)
        counts.append(list(statements_per_url(browser, ["/learn/", f"/learn/?page={last}"]).values()))
    assert counts[0] == counts[1], counts
    assert all(n > 5 for n in counts[0])


def test_the_pages_together_are_the_whole_plan(browser):
    official, plan, resources = _official_with_plan(60, path=True)
    resources[55].prerequisites = [resources[3].code]  # needed from page 3, shown on page 1
    db.session.add(Progress(user_id=official.id, resource=resources[10], status="completed"))
    plan.items[20].status = "dismissed"
    db.session.flush()
    whole = plan_view.plan_view(db.session, official)
    pages = [plan_view.plan_page(db.session, official, n, PER_PAGE) for n in (1, 2, 3)]
    paged = [e for page in pages for e in page.entries]
    assert [(e.item.id, e.title, e.hours, e.done, e.prerequisite_for, e.in_language) for e in paged] == [
        (e.item.id, e.title, e.hours, e.done, e.prerequisite_for, e.in_language) for e in whole.entries]
    assert next(e for e in paged if e.title == "Material 003").prerequisite_for == "Material 055"
    assert {(p.total, p.hours_left, p.weeks) for p in pages} == {(whole.total, whole.hours_left, whole.weeks)}
    assert [[e.item.id for e in p.dismissed] for p in pages] == [[], [], [plan.items[20].id]]
