"""The plan and path pages in words for people: one clear action per suggestion, titles that lead to
the resource's page in the app, a path's true number of steps, alternatives said as such."""

from __future__ import annotations

from app.extensions import db
from app.models import PathStep
from app.services.learning import plans
from tests.factories import ResourceFactory, make_path
from tests.unit.test_plans import assessed, competencies
from tests.web.test_learn import page


def test_a_suggested_resource_has_one_action_that_says_what_it_does(browser):
    analysis, = competencies("Data analysis")
    ResourceFactory(code="ana-en", title="Data analysis basics", languages=["en"], hours=1,
                    teaches={analysis: (1, 2)})
    official = assessed({analysis: (1, 2)}, languages=["en"])
    plans.refresh_plan(db.session, official)
    html = page(browser.sign_in_as(official))
    assert ">Accept<" not in html
    assert "Add to my plan" in html
    assert "Suggested for you: add it to your plan to keep track of it, or dismiss it." in html
    assert 'href="/catalogue/resources/ana-en"' in html  # its page in the app, not the external site
    assert "1 hour" in html and "1 hours" not in html


def _path_with_alternatives_and_an_optional_step(analysis):
    first = ResourceFactory(code="intro", title="Introduction", hours=2, languages=["en", "fr"],
                            teaches={analysis: (1, 2)})
    english = ResourceFactory(code="method-en", title="Methods", hours=4, languages=["en"])
    french = ResourceFactory(code="method-fr", title="Méthodes", hours=6, languages=["fr"])
    last = ResourceFactory(code="wrap", title="Wrap-up", hours=1, languages=["en", "fr"])
    extra = ResourceFactory(code="extra", title="Going further", hours=3, languages=["en", "fr"])
    version = make_path([first, english, french, last, extra])
    steps = sorted(version.steps, key=lambda s: s.position)
    steps[1].alternative_group = steps[2].alternative_group = "step-2"
    steps[4].optional = True
    db.session.flush()
    return version


def test_a_suggested_path_has_one_action_and_counts_its_steps_as_the_path_page_does(browser):
    analysis, = competencies("Data analysis")
    version = _path_with_alternatives_and_an_optional_step(analysis)
    official = assessed({analysis: (1, 2)}, languages=["fr"])
    plans.refresh_plan(db.session, official)
    html = page(browser.sign_in_as(official))
    assert f'href="/learn/paths/{version.id}"' in html
    assert "Course path of 3 steps and 1 optional step" in html
    assert "Enrol in this path" in html and ">Accept<" not in html
    assert "Enrolling adds the path to your plan" in html

    path = page(browser, f"/learn/paths/{version.id}")
    assert "one of the alternatives" not in path and "step-2" not in path
    assert "Take one of these" in path
    assert path.count('class="app-path-step"') == 4  # 3 steps and the optional one, as the plan says
    assert "(optional)" in path
    # the hours: the steps a French speaker follows (the French alternative), the same on both pages
    assert "About 9 hours of learning" in path  # 2 + 6 + 1, the optional step not counted
    assert "9 hours" in html


def test_the_path_steps_lead_to_their_pages_in_the_app(browser):
    analysis, = competencies("Data analysis")
    version = _path_with_alternatives_and_an_optional_step(analysis)
    official = assessed({analysis: (1, 2)}, languages=["en"])
    plans.refresh_plan(db.session, official)
    path = page(browser.sign_in_as(official), f"/learn/paths/{version.id}")
    assert 'href="/catalogue/resources/intro"' in path
    assert isinstance(version.steps[0], PathStep)
