"""Publishing a suggestion through the form a curator uses: pickers rather than codes, every problem
at once in plain words with the error summary, then a confirmation page before anything is written."""

from __future__ import annotations

import re

from sqlalchemy import select

from app.extensions import db
from app.models import Resource, Suggestion
from tests.factories import ResourceFactory, UserFactory, make_framework


def _suggestion(**values) -> Suggestion:
    values = {"url": "https://example.org/course", "normalised_url": "example.org/course",
              "title": "Privacy basics", "reason": "Helps", **values}
    suggestion = Suggestion(suggested_by_id=UserFactory().id, **values)
    db.session.add(suggestion)
    db.session.flush()
    return suggestion


def _form(competency_id, **overrides) -> dict:
    return {"title": "Privacy basics", "provider": "CNIL", "url": "https://example.org/course",
            "licence": "etalab-2.0", "languages": "fr", "format": "course", "hours": "2.5",
            "cost": "free", "competencies-0-competency": str(competency_id),
            "competencies-0-level_from": "0", "competencies-0-level_to": "2", **overrides}


def _summary(html: str) -> list[str]:
    start = html.index("govuk-error-summary")
    summary = html[start:html.index("</ul>", start)]
    links = re.findall(r'<a href="#[^"]+">([^<]+)</a>', summary)
    return [re.sub(r"\s+", " ", text).strip() for text in links]


def test_the_form_offers_pickers_not_codes(browser):
    competency = make_framework(competencies=1).competencies[0]
    ResourceFactory(code="basics", title="The basics")
    suggestion = _suggestion()
    browser.sign_in_as(UserFactory(admin=True))
    html = browser.get(f"/catalogue/suggestions/{suggestion.id}/publish").get_data(as_text=True)
    assert 'name="competencies-0-competency"' in html and 'data-autocomplete="true"' in html
    assert f">{competency.name} ({competency.code})</option>" in html
    assert '<select class="govuk-select" id="licence" name="licence"' in html
    assert ">CC-BY-4.0 · open licence</option>" in html
    assert ">The basics — " in html  # prerequisites are picked by title
    assert "DATA.ANALYSIS 1-3" not in html and "<textarea" in html  # only the description is free text
    assert "/static/build/autocomplete." in html


def test_every_problem_is_reported_at_once_in_plain_words(browser):
    competency = make_framework(competencies=1).competencies[0]
    suggestion = _suggestion()
    browser.sign_in_as(UserFactory(admin=True))
    response = browser.post(f"/catalogue/suggestions/{suggestion.id}/publish", _form(
        competency.id, hours="two", licence="", languages="english", **{
            "competencies-0-level_from": "3", "competencies-0-level_to": "1",
            "competencies-1-level_from": "1", "prerequisites-0": "no-such-thing"}))
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and html.count("There is a problem") == 1
    assert _summary(html) == [
        "Choose the licence", "&#39;english&#39; is not a language tag such as en, fr, ar or pt-BR",
        "Enter the hours as a number, for example 2.5",
        "Competency 1: the level it starts from must be below the level it reaches",
        "Competency 2: choose the competency", "No resource has the code no-such-thing"]
    assert 'href="#competencies-1-competency"' in html and 'id="hours-error"' in html
    assert "Not a valid" not in html
    assert db.session.scalar(select(Resource)) is None and suggestion.status == "pending"


def test_publishing_goes_through_a_confirmation_page(browser):
    competency = make_framework(competencies=1).competencies[0]
    ResourceFactory(code="basics", title="The basics")
    suggestion = _suggestion()
    browser.sign_in_as(UserFactory(admin=True))
    url = f"/catalogue/suggestions/{suggestion.id}/publish"
    confirm = browser.post(url, _form(competency.id, **{"prerequisites-0": "basics",
                                                        "accessibility": ["captions"]}))
    html = confirm.get_data(as_text=True)
    assert confirm.status_code == 200 and "Publish Privacy basics?" in html
    assert "it is added to the catalogue" in html and "Cancel" in html
    assert "etalab-2.0 · open licence" in html and "2.5 hours" in html
    assert f"{competency.name}: from None (0) to Working (2)" in html
    assert db.session.scalar(select(Resource).where(Resource.code == "privacy-basics")) is None  # not yet

    carried = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', html))
    assert carried["confirmed"] == "yes" and carried["prerequisites-0"] == "basics"
    changed = browser.post(url, {**carried, "action": "change"}, token_from=url).get_data(as_text=True)
    assert "Publish a suggestion" in changed and 'value="2.5"' in changed

    response = browser.post(url, {**carried, "accessibility": ["captions"]}, token_from=url,
                            follow_redirects=True)
    assert "Privacy basics is published in the catalogue" in response.get_data(as_text=True)
    resource = db.session.scalar(select(Resource).where(Resource.code == "privacy-basics"))
    assert resource.prerequisites == ["basics"] and resource.hours == 2.5
    assert resource.accessibility["captions"] is True
    assert [(t.competency_id, t.level_from, t.level_to) for t in resource.teaches] == [(competency.id, 0, 2)]


def test_another_licence_is_typed_and_its_problem_shown_where_it_was_typed(browser):
    competency = make_framework(competencies=1).competencies[0]
    suggestion = _suggestion()
    browser.sign_in_as(UserFactory(admin=True))
    url = f"/catalogue/suggestions/{suggestion.id}/publish"
    html = browser.post(url, _form(competency.id, licence="other", licence_other="Their own terms")
                        ).get_data(as_text=True)
    assert 'href="#licence_other"' in html and "is not a licence we know" in html
    html = browser.post(url, _form(competency.id, licence="other",
                                   licence_other="LicenseRef-Provider-Terms")).get_data(as_text=True)
    assert "LicenseRef-Provider-Terms · officials are told to check the licence terms" in html


def test_more_rows_keep_what_was_given(browser):
    competency = make_framework(competencies=1).competencies[0]
    suggestion = _suggestion()
    browser.sign_in_as(UserFactory(admin=True))
    url = f"/catalogue/suggestions/{suggestion.id}/publish"
    data = _form(competency.id, **{f"competencies-{n}-competency": str(competency.id) for n in (1, 2)})
    html = browser.post(url, {**data, "action": "more-rows-competencies"}).get_data(as_text=True)
    assert "There is a problem" not in html and "Competency 4" in html
    assert 'value="2.5"' in html and db.session.scalar(select(Resource)) is None


def test_enter_in_a_text_box_continues_rather_than_adding_rows(browser):
    suggestion = _suggestion()
    browser.sign_in_as(UserFactory(admin=True))
    html = browser.get(f"/catalogue/suggestions/{suggestion.id}/publish").get_data(as_text=True)
    form = html[html.index('<form method="post"'):]
    first_button = form[form.index("<button"):form.index("</button>")]
    assert "hidden" in first_button and "more-rows" not in first_button
