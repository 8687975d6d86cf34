"""Bad input gives a clear 4xx or a form error, never a 500: ids that are not ASCII digits within
64 bits (in a path, a query string, a page number, autosave's item), search text past its length,
JSON autosave cannot hold, a campaign form without its dates, and an indicator whose name looks like
matplotlib maths."""

from __future__ import annotations

import json
import re

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.ids import MAX_ID
from app.models import Answer, Campaign, Country, PathVersion, Resource, User
from app.services.audit import Actor
from app.services.evaluation import charts, indicators
from tests.factories import (
    CountryFactory,
    FocalPointFactory,
    OrganisationFactory,
    ResourceFactory,
    UserFactory,
)
from tests.web.test_assess import _items, attempt, invitation  # noqa: F401 - fixtures
from tests.web.test_campaigns import make_framework, make_instrument
from tests.web.test_evaluation import svg_of

TOO_BIG = "99999999999999999999"  # past 2**63
ARABIC_INDIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")


@pytest.fixture
def admin(browser):
    user = UserFactory(admin=True)
    browser.sign_in_as(user)
    return user


# Ids in paths --------------------------------------------------------------------------------------

@pytest.mark.parametrize("raw", [TOO_BIG, str(MAX_ID + 1), "²", "-1", "0"])
def test_a_path_id_that_is_not_an_id_is_a_404(browser, admin, raw):
    assert browser.get(f"/admin/countries/{raw}/edit").status_code == 404
    assert browser.get(f"/admin/users/{raw}").status_code == 404


def test_a_path_id_in_other_digits_is_a_404_not_the_object(browser, admin):
    country = CountryFactory(name="Kenya")
    assert browser.get(f"/admin/countries/{country.id}/edit").status_code == 200
    assert browser.get(f"/admin/countries/{str(country.id).translate(ARABIC_INDIC)}/edit").status_code == 404


def test_links_to_objects_still_use_plain_digits(app):
    with app.test_request_context():
        from flask import url_for

        assert url_for("admin.edit_country", country_id=12) == "/admin/countries/12/edit"


# Ids and page numbers in the query string ----------------------------------------------------------

QUERY_PAGES = ("/dashboard/", "/dashboard/skills", "/dashboard/chart/participation.svg",
               "/dashboard/export/participation.csv", "/dashboard/export/participation.xlsx",
               "/admin/organisations", "/campaigns/", "/campaigns/new", "/evaluation/indicators",
               "/evaluation/indicators/new")


@pytest.mark.parametrize("raw", ["²", "٣", TOO_BIG, "1x"])
@pytest.mark.parametrize("url", QUERY_PAGES)
def test_a_country_in_the_query_string_that_is_not_an_id_is_a_404(browser, admin, url, raw):
    CountryFactory()
    assert browser.get(f"{url}?country={raw}").status_code == 404


@pytest.mark.parametrize("name", ["organisation", "campaign", "role_profile"])
def test_a_dashboard_filter_in_unicode_digits_is_a_404(browser, admin, name):
    assert browser.get(f"/dashboard/?{name}=²").status_code == 404


@pytest.mark.parametrize("url", ["/admin/countries", "/admin/organisations", "/admin/users", "/admin/audit",
                                 "/campaigns/", "/evaluation/indicators", "/catalogue/",
                                 "/catalogue/suggestions", "/catalogue/stale"])
@pytest.mark.parametrize("raw", [TOO_BIG, str(MAX_ID), "²"])
def test_a_page_number_that_is_not_one_is_a_404(browser, admin, url, raw):
    assert browser.get(f"{url}?page=1").status_code == 200
    assert browser.get(f"{url}?page={raw}").status_code == 404


def test_a_page_past_the_end_is_still_an_empty_page(browser, admin):
    assert browser.get("/admin/countries?page=5000").status_code == 200


def test_the_invite_file_errors_page_refuses_a_page_number_past_64_bits(browser):
    from tests.unit.test_campaigns_service import make_campaign

    campaign = make_campaign()
    browser.sign_in_as(FocalPointFactory(country=campaign.country))
    from app.models import InviteFile

    staged = InviteFile(campaign=campaign, filename="officials.csv", total_rows=1,
                        errors=[{"row": 2, "field": "email", "reason": "bad"}])
    db.session.add(staged)
    db.session.flush()
    url = f"/campaigns/{campaign.id}/invite-files/{staged.id}"
    assert browser.get(url).status_code == 200
    assert browser.get(f"{url}?page={TOO_BIG}").status_code == 404


# Search text ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("url", ["/admin/countries", "/admin/organisations", "/admin/users"])
def test_a_very_long_search_is_refused_with_a_message(browser, admin, url):
    CountryFactory(name="Kenya")
    response = browser.get(url, query_string={"q": "%_" * 50_000})
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Search for 200 characters or fewer" in page
    assert "%_" * 100 in page and "%_" * 101 not in page  # searched for, and shown back, cut to 200


def test_a_search_of_200_characters_is_fine(browser, admin):
    CountryFactory(name="Kenya")
    page = browser.get("/admin/countries", query_string={"q": "k" * 200}).get_data(as_text=True)
    assert "Search for 200 characters or fewer" not in page and "No country matches" in page


def test_a_very_long_catalogue_search_is_refused_with_a_message(browser):
    browser.sign_in_as(UserFactory())
    response = browser.get("/catalogue/", query_string={"q": "%_" * 50_000})
    assert response.status_code == 200
    assert "Search for 200 characters or fewer" in response.get_data(as_text=True)


# Autosave -----------------------------------------------------------------------------------------

def _raw_autosave(browser, attempt, body: str | bytes):  # noqa: F811 - the fixture's name
    page = browser.get(f"/assess/attempts/{attempt.id}/sections/1").get_data(as_text=True)
    from tests.conftest import csrf_from

    return browser.client.post(f"/assess/attempts/{attempt.id}/answers", data=body,
                               content_type="application/json",
                               headers={"X-CSRFToken": csrf_from(page)})


def _saved(attempt) -> int:  # noqa: F811
    return db.session.scalar(select(func.count()).select_from(Answer).where(Answer.attempt_id == attempt.id))


@pytest.mark.parametrize("constant", ["Infinity", "-Infinity", "NaN"])
def test_autosave_refuses_infinity_and_nan(browser, attempt, constant):  # noqa: F811
    browser.sign_in_as(attempt.user)
    item = next(iter(_items(attempt).values()))
    response = _raw_autosave(browser, attempt, f'{{"item": {item.id}, "value": {constant}}}')
    assert response.status_code == 400
    assert response.json["saved"] is False and constant.lstrip("-") in response.json["error"]
    assert _saved(attempt) == 0


@pytest.mark.parametrize("depth, problem", [(25, "nested too deeply"), (30_000, "nested too deeply"),
                                            (100_000, "too large")])
def test_autosave_refuses_json_too_deep(browser, attempt, depth, problem):  # noqa: F811
    browser.sign_in_as(attempt.user)
    item = next(iter(_items(attempt).values()))
    body = f'{{"item": {item.id}, "value": {"[" * depth}{"]" * depth}}}'
    response = _raw_autosave(browser, attempt, body)
    assert response.status_code == 400 and response.json["saved"] is False
    assert problem in response.json["error"]
    assert _saved(attempt) == 0


def test_autosave_counts_brackets_in_text_as_text(browser, attempt):  # noqa: F811
    browser.sign_in_as(attempt.user)
    item = _items(attempt)[f"{attempt.instrument.framework.competencies[1].code}-k3"]
    response = _raw_autosave(browser, attempt, json.dumps({"item": item.id, "value": "[" * 30, "x": "\\"}))
    assert "nested" not in response.json.get("error", "")


def test_autosave_refuses_a_number_too_large_for_a_float(browser, attempt):  # noqa: F811
    browser.sign_in_as(attempt.user)
    item = next(iter(_items(attempt).values()))
    response = _raw_autosave(browser, attempt, f'{{"item": {item.id}, "value": 1e999}}')
    assert response.status_code == 400 and "too large a number" in response.json["error"]


def test_autosave_refuses_a_body_too_large(browser, attempt):  # noqa: F811
    browser.sign_in_as(attempt.user)
    item = next(iter(_items(attempt).values()))
    response = _raw_autosave(browser, attempt, json.dumps({"item": item.id, "value": "x" * 200_000}))
    assert response.status_code == 400
    assert "too large" in response.json["error"]


@pytest.mark.parametrize("item", [TOO_BIG, str(MAX_ID + 1), "-1", "0", '"12"', "1.5", "true"])
def test_autosave_refuses_an_item_that_is_not_an_id(browser, attempt, item):  # noqa: F811
    browser.sign_in_as(attempt.user)
    response = _raw_autosave(browser, attempt, f'{{"item": {item}, "value": "a"}}')
    assert response.status_code == 400 and response.json["saved"] is False


def test_autosave_still_saves_a_good_answer(browser, attempt):  # noqa: F811
    browser.sign_in_as(attempt.user)
    item = _items(attempt)[f"{attempt.instrument.framework.competencies[1].code}-k3"]
    response = _raw_autosave(browser, attempt, json.dumps({"item": item.id, "value": "d"}))
    assert response.status_code == 200 and response.json["saved"] is True
    assert _saved(attempt) == 1


# A campaign without its dates ------------------------------------------------------------------------

@pytest.mark.parametrize("dates", [{}, {"opens_date": ["", "", ""], "closes_date": ["", "", ""]},
                                   {"opens_date": "1", "closes_date": "31"},
                                   {"opens_date": ["31", "2", "2026"], "closes_date": ["1", "3", "²"]}])
def test_a_campaign_without_its_dates_is_a_form_error(browser, dates):
    country = CountryFactory()
    OrganisationFactory(country=country)
    instrument = make_instrument(make_framework())
    browser.sign_in_as(FocalPointFactory(country=country))
    response = browser.post("/campaigns/new", {
        "name": "No dates", "cycle_label": "baseline", "instrument": instrument.id,
        "opens_time": "08:00", "closes_time": "17:00", "scope": "all", **dates})
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "There is a problem" in page
    assert db.session.scalar(select(func.count()).select_from(Campaign)) == 0


# Chart text that looks like maths -------------------------------------------------------------------

@pytest.mark.parametrize("unit, organisation", [("", "Ministry of ICT"), ("%", r"Ministry $x^2$ of $\frac")])
def test_an_indicator_named_like_maths_text_draws_its_chart(browser, unit, organisation):
    country = CountryFactory(name="Kenya")
    ministry = OrganisationFactory(country=country, name=organisation)
    focal = FocalPointFactory(country=country)
    name = r"Spend $\frac{$"
    record = indicators.create_indicator(db.session, Actor(focal), country=country, name=name, unit=unit)
    for period, value in (("2025", 3), ("2026", 5)):
        indicators.record_value(db.session, Actor(focal), record, organisation=ministry, period=period,
                                value=value)
    db.session.commit()
    browser.sign_in_as(focal)
    svg = svg_of(browser.get(f"/evaluation/indicators/{record.id}/chart.svg")).decode("utf-8")
    drawn = re.findall(r"<text[^>]*>([^<]*)</text>", svg)  # svg.fonttype "none": text stays text
    assert any(r"Spend $\frac{$" in text for text in drawn), drawn  # as typed, not as maths
    assert organisation in svg


MATHS = r"Spend $\frac{$"
MATHS_TOO = r"$x^2$ and \$5"  # a valid formula and an escaped dollar: both drawn as typed


def _texts(svg: bytes) -> str:
    return "\n".join(re.findall(r"<text[^>]*>([^<]*)</text>", svg.decode("utf-8")))


@pytest.mark.no_db
@pytest.mark.parametrize("draw", [
    lambda: charts.bar_chart([MATHS, MATHS_TOO], [1.0, None], title=MATHS, description="d",
                             axis_label=MATHS, missing_label=MATHS_TOO),
    lambda: charts.grouped_bar_chart([MATHS], {MATHS_TOO: [1.0], MATHS: [None]}, title=MATHS,
                                     description="d", axis_label=MATHS, missing_label=MATHS_TOO),
    lambda: charts.heatmap([MATHS], [MATHS_TOO, "b"], [[1.0, None]], title=MATHS, description="d",
                           colour_label=MATHS, missing_label=MATHS_TOO),
    lambda: charts.level_distribution([MATHS, MATHS_TOO], [MATHS, "L1"], [[3, 4], None], title=MATHS,
                                      description="d", axis_label=MATHS, hidden_label=MATHS_TOO),
    lambda: charts.trend_chart(["2025", MATHS], {MATHS: [1.0, 2.0], MATHS_TOO: [2.0, None]}, title=MATHS,
                               description="d", axis_label=MATHS),
    lambda: charts.trend_chart(["2025", "2026"], {f"{MATHS} {n}": [1.0, 2.0] for n in range(8)},
                               title=MATHS, description="d", axis_label=MATHS_TOO),  # small panels
    lambda: charts.bar_chart([], [], title=MATHS, description="d", empty_label=MATHS),
])
def test_every_chart_draws_dollar_signs_as_typed(draw):
    drawn = _texts(draw())
    assert MATHS in drawn
    assert "\\frac" in drawn and "$" in drawn


# Free text past its column -------------------------------------------------------------------------

def test_a_country_time_zone_past_its_column_is_a_form_error(browser, admin):
    response = browser.post("/admin/countries/new", {"code": "KE", "name": "Kenya", "time_zone": "A" * 65})
    assert response.status_code == 200
    assert "cannot be longer than 64 characters" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Country)) == 0


def test_a_user_email_past_its_column_is_a_form_error(browser, admin):
    email = "a" * 250 + "@example.org"
    response = browser.post("/admin/users/new", {"email": email, "name": "Long", "role": "admin",
                                                 "organisation": 0, "country": 0})
    assert response.status_code == 200
    assert "cannot be longer than 254 characters" in response.get_data(as_text=True)
    assert db.session.scalar(select(User).where(User.email == email)) is None


@pytest.mark.parametrize("field, length, message", [
    ("code", 121, "The id must be 120 characters or fewer"), ("title", 301, "300 characters or fewer"),
    ("description", 10_001, "Write the description in 10,000 characters or fewer"),
    ("steps-0-resource", 10_001, "Step 1: no resource with the id xxx"),
    ("prerequisites-0", 2_001, "No resource with the id xxx")])
def test_path_text_past_its_limit_is_a_form_error(browser, admin, field, length, message):
    ResourceFactory(code="intro")
    fields = {"code": "open-data", "title": "Open data", "steps-0-resource": "intro", field: "x" * length}
    response = browser.post("/paths/new", fields)
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(PathVersion)) == 0


@pytest.mark.parametrize("field, value, message", [
    ("title", "x" * 301, "Use 300 characters or fewer"),
    ("provider", "x" * 201, "Use 200 characters or fewer"),
    ("licence", "x" * 81, "Give a licence id of 80 characters or fewer"),
    ("licence_other", "LicenseRef-" + "x" * 70, "Give a licence id of 80 characters or fewer"),
    ("languages", "x" * 501, "Enter the languages in 500 characters or fewer"),
    ("prerequisites-0", "x" * 2001, "No resource has the code xxx"),
    ("description", "x" * 10_001, "Write the description in 10,000 characters or fewer")])
def test_publish_text_past_its_limit_is_a_form_error(browser, admin, field, value, message):
    from tests.web.test_catalogue_curation import _suggestion

    competency = make_framework(competencies=1).competencies[0]
    suggestion = _suggestion(title="Privacy basics")
    fields = {"title": "Privacy basics", "provider": "CNIL", "url": "https://example.org/course",
              "licence": "other" if field == "licence_other" else "etalab-2.0", "languages": "fr",
              "format": "course", "hours": "2.5", "cost": "free",
              "competencies-0-competency": str(competency.id),
              "competencies-0-level_from": "0", "competencies-0-level_to": "2", "description": "About it.",
              "confirmed": "yes"}
    response = browser.post(f"/catalogue/suggestions/{suggestion.id}/publish", {**fields, field: value})
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
    assert db.session.scalar(select(Resource).where(Resource.code == "privacy-basics")) is None


# Ids in forms --------------------------------------------------------------------------------------

@pytest.mark.parametrize("spell", [lambda i: str(i).translate(ARABIC_INDIC), lambda i: f" {i}",
                                   lambda i: TOO_BIG])
def test_a_form_id_that_is_not_ascii_digits_is_a_field_error(browser, admin, spell):
    from app.models import Organisation

    country = CountryFactory(name="Kenya")
    response = browser.post("/admin/organisations/new", {"country": spell(country.id), "name": "Ministry X",
                                                         "parent": 0})
    assert response.status_code == 200 and "There is a problem" in response.get_data(as_text=True)
    assert db.session.scalar(select(Organisation).where(Organisation.name == "Ministry X")) is None


def test_after_a_catalogue_action_a_bad_page_number_is_dropped_not_a_404(browser, admin):
    resource = ResourceFactory(code="intro")
    response = browser.post(f"/catalogue/resources/{resource.id}/reviewed?from=stale&page={TOO_BIG}",
                            token_from="/catalogue/stale")
    assert response.status_code == 302 and response.location.endswith("/catalogue/stale")
    response = browser.post(f"/catalogue/resources/{resource.id}/reviewed?from=stale&page=3",
                            token_from="/catalogue/stale")
    assert response.location.endswith("/catalogue/stale?page=3")
