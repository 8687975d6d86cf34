"""The catalogue service: addresses, licences, languages, durations, search with every filter and sort."""

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import AuditEvent
from app.services import catalogue, catalogue_search
from app.services.audit import Actor
from app.services.catalogue_search import SearchFilters
from app.services.errors import NotFound, ValidationFailed
from tests.factories import CompetencyFactory, ResourceFactory, UserFactory, make_framework


@pytest.mark.parametrize("url", [
    "https://www.Example.org/guide/",
    "http://example.org/guide",
    "https://EXAMPLE.org:443/guide#part-2",
    "https://example.org/guide?utm_source=news&utm_medium=email",
    "https://www.example.org//guide/?fbclid=abc",
])
def test_addresses_of_the_same_page_normalise_alike(url):
    assert catalogue.normalise_url(url) == "example.org/guide"


def test_normalising_keeps_what_tells_pages_apart():
    assert catalogue.normalise_url("https://example.org/guide?b=2&a=1&utm_campaign=x") == \
        "example.org/guide?a=1&b=2"
    assert catalogue.normalise_url("https://example.org:8443/guide") == "example.org:8443/guide"
    assert catalogue.normalise_url("https://example.org/Guide") != catalogue.normalise_url(
        "https://example.org/guide")  # paths are case-sensitive
    assert catalogue.normalise_url("https://example.org/a") != catalogue.normalise_url(
        "https://example.org/b")


@pytest.mark.parametrize(("given", "expected"), [
    ("CC-BY-4.0", "CC-BY-4.0"), ("cc-by-sa-4.0", "CC-BY-SA-4.0"), (" OGL-UK-3.0 ", "OGL-UK-3.0"),
    ("Etalab-2.0", "etalab-2.0"), ("free-access", "free-access"), ("FREE-ACCESS", "free-access"),
    ("LicenseRef-Etalab-1.0", "LicenseRef-Etalab-1.0"), ("licenseref-My.Licence", "LicenseRef-My.Licence"),
])
def test_licences_are_checked_and_canonically_spelt(given, expected):
    assert catalogue.check_licence(given) == expected


@pytest.mark.parametrize("given", ["", "CC BY", "GPL", "LicenseRef-", "Creative Commons"])
def test_unknown_licences_are_refused_with_the_field(given):
    with pytest.raises(ValidationFailed) as caught:
        catalogue.check_licence(given)
    assert caught.value.field == "licence" and "SPDX" in str(caught.value)


def test_open_licence_means_a_licence_known_to_be_open():
    assert catalogue.is_open_licence("CC-BY-4.0")
    assert not catalogue.is_open_licence("LicenseRef-Etalab-1.0")  # the app cannot know what it allows
    assert not catalogue.is_open_licence("free-access")
    assert not catalogue.is_open_licence("")
    assert catalogue.licence_url("OGL-UK-3.0") == "https://spdx.org/licenses/OGL-UK-3.0.html"
    assert catalogue.licence_url("free-access") is None
    assert catalogue.licence_url("LicenseRef-Etalab-1.0") is None


@pytest.mark.parametrize(("hours", "duration"), [
    (6, "PT6H"), (1.5, "PT1H30M"), (0.25, "PT15M"), (0.75, "PT45M"), (40, "PT40H"), (0, "PT0M"),
    (2.999, "PT3H"),
])
def test_hours_become_iso_8601_durations(hours, duration):
    assert catalogue.iso_duration(hours) == duration


def test_languages_are_bcp47_tags_with_names():
    assert catalogue.check_languages("en, FR ar pt_br zh-hant") == ["en", "fr", "ar", "pt-BR", "zh-Hant"]
    assert catalogue.check_languages("fr, fr") == ["fr"]
    with pytest.raises(ValidationFailed, match="'french' is not a language tag"):
        catalogue.check_languages("en, french")
    with pytest.raises(ValidationFailed, match="at least one language"):
        catalogue.check_languages(" ")
    assert catalogue.language_name("fr") == "French"
    assert catalogue.language_name("ar", "fr") == "arabe"
    assert catalogue.language_name("qqq") == "qqq"


def test_slugs_and_unique_codes():
    assert catalogue.slugify("Données ouvertes : le guide!") == "donnees-ouvertes-le-guide"
    assert catalogue.slugify("***") == "resource"
    ResourceFactory(code="open-data-guide")
    ResourceFactory(code="open-data-guide-2")
    assert catalogue.unique_code(db.session, "Open data guide") == "open-data-guide-3"
    assert catalogue.unique_code(db.session, "Something new") == "something-new"


def test_twelve_months_before_handles_month_ends():
    assert catalogue.stale_before(date(2026, 11, 22)) == date(2025, 11, 22)
    assert catalogue.stale_before(date(2028, 2, 29)) == date(2027, 2, 28)
    assert catalogue.stale_before(date(2026, 1, 15), months=1) == date(2025, 12, 15)


# Search -------------------------------------------------------------------------------------------


def _codes(filters: SearchFilters, **kwargs) -> list[str]:
    return [r.code for r in db.session.scalars(catalogue_search.search_query(filters, **kwargs))]


def test_search_matches_every_word_in_title_description_or_provider():
    ResourceFactory(code="a", title="Open data basics", description="Publishing datasets")
    ResourceFactory(code="b", title="User research", description="Talk to users about open services")
    ResourceFactory(code="c", title="Accessibility", provider="Open Data Institute")
    ResourceFactory(code="d", title="Cloud", description="Nothing relevant", provider="GDS")
    assert set(_codes(SearchFilters(text="open"))) == {"a", "b", "c"}
    assert set(_codes(SearchFilters(text="OPEN data"))) == {"a", "c"}
    assert _codes(SearchFilters(text="open datasets")) == ["a"]
    assert _codes(SearchFilters(text="missing")) == []


def test_search_escapes_like_wildcards():
    ResourceFactory(code="pct", title="100% open")
    ResourceFactory(code="under", title="snake_case names")
    ResourceFactory(code="plain", title="Ten open things")
    assert _codes(SearchFilters(text="%")) == ["pct"]
    assert _codes(SearchFilters(text="e_c")) == ["under"]


def test_relevance_puts_title_matches_before_description_matches():
    ResourceFactory(code="desc", title="Aaa guide", description="all about privacy")
    ResourceFactory(code="title", title="Zzz privacy guide", description="")
    ResourceFactory(code="prov", title="Mmm guide", provider="Privacy International")
    assert _codes(SearchFilters(text="privacy")) == ["title", "prov", "desc"]
    assert _codes(SearchFilters(text="privacy", sort="title")) == ["desc", "prov", "title"]


def test_filter_by_competency_and_level_uses_the_same_range():
    framework = make_framework(competencies=2)
    data, design = framework.competencies
    ResourceFactory(code="data-0-2", teaches={data: (0, 2)})
    ResourceFactory(code="data-2-4", teaches={data: (2, 4)})
    ResourceFactory(code="design-3-4-data-0-1", teaches={design: (3, 4), data: (0, 1)})
    assert set(_codes(SearchFilters(competency_id=data.id))) == {"data-0-2", "data-2-4",
                                                                  "design-3-4-data-0-1"}
    assert set(_codes(SearchFilters(level=2))) == {"data-0-2", "data-2-4"}
    assert set(_codes(SearchFilters(level=4))) == {"data-2-4", "design-3-4-data-0-1"}
    # data at level 3: only data-2-4; the other reaches 4 for design, not for data
    assert _codes(SearchFilters(competency_id=data.id, level=3)) == ["data-2-4"]
    assert _codes(SearchFilters(competency_id=design.id, level=1)) == []


def test_filter_by_language_format_licence_cost_hours_offline():
    ResourceFactory(code="fr-guide", languages=["fr"], format="guide", licence="etalab-2.0",
                    hours=2, cost="free", offline=True)
    ResourceFactory(code="en-fr-course", languages=["en", "fr-CA"], format="course",
                    licence="free-access", hours=10, cost="paid")
    ResourceFactory(code="ar-video", languages=["ar"], format="video", licence="CC-BY-4.0",
                    hours=1.5, cost="free")
    ResourceFactory(code="frr", languages=["frr"], format="book", hours=3)  # North Frisian, not French
    assert set(_codes(SearchFilters(language="fr"))) == {"fr-guide", "en-fr-course"}
    assert _codes(SearchFilters(language="ar")) == ["ar-video"]
    assert _codes(SearchFilters(language="x%")) == []
    assert _codes(SearchFilters(format="course")) == ["en-fr-course"]
    assert set(_codes(SearchFilters(licence="open"))) == {"fr-guide", "ar-video", "frr"}
    assert _codes(SearchFilters(licence="free-access")) == ["en-fr-course"]
    assert _codes(SearchFilters(cost="paid")) == ["en-fr-course"]
    assert set(_codes(SearchFilters(max_hours=2))) == {"fr-guide", "ar-video"}
    assert _codes(SearchFilters(offline=True)) == ["fr-guide"]
    assert _codes(SearchFilters(language="fr", cost="free")) == ["fr-guide"]


def test_sorting_by_title_hours_and_review_date():
    today = date(2026, 11, 22)
    ResourceFactory(code="b", title="beta", hours=5, reviewed_on=today - timedelta(days=10))
    ResourceFactory(code="a", title="Alpha", hours=9, reviewed_on=today - timedelta(days=400))
    ResourceFactory(code="c", title="Gamma", hours=1, reviewed_on=today)
    assert _codes(SearchFilters(sort="title")) == ["a", "b", "c"]
    assert _codes(SearchFilters(sort="relevance")) == ["a", "b", "c"]  # no words: alphabetical
    assert _codes(SearchFilters(sort="hours")) == ["c", "b", "a"]
    assert _codes(SearchFilters(sort="reviewed")) == ["c", "b", "a"]


def test_retired_resources_are_left_out_unless_asked():
    ResourceFactory(code="live")
    ResourceFactory(code="gone", status="retired")
    assert _codes(SearchFilters()) == ["live"]
    assert set(_codes(SearchFilters(), include_retired=True)) == {"live", "gone"}
    with pytest.raises(NotFound):
        catalogue.get_resource(db.session, "gone")
    assert catalogue.get_resource(db.session, "gone", include_retired=True).code == "gone"


def test_search_loads_what_resources_teach_in_a_fixed_number_of_queries(app):
    from sqlalchemy import event

    framework = make_framework(competencies=3)
    for n in range(12):
        ResourceFactory(teaches={c: (0, 2) for c in framework.competencies[: 1 + n % 3]})
    db.session.expire_all()
    statements = []
    engine = db.session.get_bind()
    listener = lambda *args: statements.append(args[2])  # noqa: E731
    event.listen(engine, "before_cursor_execute", listener)
    try:
        results = list(db.session.scalars(catalogue_search.search_query(SearchFilters())))
        names = {t.competency.name for r in results for t in r.teaches}
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    assert len(results) == 12 and len(names) == 3
    assert len(statements) == 3  # resources, their teaches rows, the competencies


def test_filter_choices_list_what_published_resources_offer():
    framework = make_framework(competencies=2)
    taught, untaught = framework.competencies
    ResourceFactory(languages=["fr", "en"], teaches={taught: (0, 1)})
    ResourceFactory(languages=["ar"], status="retired")
    choices = catalogue_search.filter_choices(db.session)
    assert [id_ for id_, _ in choices.competencies] == [taught.id]
    assert choices.languages == ["en", "fr"]
    assert (2, "2 · Working") in choices.levels


# One resource -----------------------------------------------------------------------------------


def test_json_ld_describes_a_learning_resource():
    framework = make_framework(competencies=1)
    competency = framework.competencies[0]
    other = CompetencyFactory(area=competency.area, framework=framework, code="DATA.X", name="Data X")
    resource = ResourceFactory(title="Open data </script> guide", provider="Etalab", licence="etalab-2.0",
                               languages=["fr", "en"], hours=1.5, format="guide", cost="free",
                               url="https://example.gouv.fr/guide",
                               teaches={competency: (1, 2), other: (0, 1)})
    resource = catalogue.get_resource(db.session, resource.code)
    data = catalogue.json_ld(resource)
    assert data["@type"] == "LearningResource" and data["@context"] == "https://schema.org"
    assert data["name"] == "Open data </script> guide"
    assert data["url"] == "https://example.gouv.fr/guide"
    assert data["provider"] == {"@type": "Organization", "name": "Etalab"}
    assert {"@type": "DefinedTerm", "name": "Data X", "termCode": "DATA.X",
            "inDefinedTermSet": framework.name} in data["teaches"]
    assert {t["termCode"] for t in data["teaches"]} == {competency.code, "DATA.X"}
    assert data["educationalLevel"] == ["None", "Awareness", "Working"]
    assert data["inLanguage"] == ["fr", "en"]
    assert data["license"] == "https://spdx.org/licenses/etalab-2.0.html"
    assert data["timeRequired"] == "PT1H30M"
    assert data["isAccessibleForFree"] is True
    assert data["learningResourceType"] == "guide"

    script = str(catalogue.json_for_script(data))
    assert "</script>" not in script and "<" not in script
    import json
    assert json.loads(script) == data


def test_json_ld_leaves_out_the_licence_of_free_access_material():
    resource = ResourceFactory(licence="free-access", cost="paid", hours=6)
    data = catalogue.json_ld(catalogue.get_resource(db.session, resource.code))
    assert "license" not in data
    assert data["isAccessibleForFree"] is False and data["timeRequired"] == "PT6H"


def test_prerequisites_come_in_their_order_without_retired_ones():
    first, second = ResourceFactory(code="first"), ResourceFactory(code="second")
    ResourceFactory(code="old", status="retired")
    resource = ResourceFactory(prerequisites=["second", "old", "missing", "first"])
    assert catalogue.prerequisites_of(db.session, resource) == [second, first]


# Curation ---------------------------------------------------------------------------------------


def test_stale_list_holds_published_resources_reviewed_a_year_ago_or_more_oldest_first():
    today = date(2026, 11, 22)
    ResourceFactory(code="fresh", reviewed_on=date(2025, 11, 23))
    ResourceFactory(code="year", reviewed_on=date(2025, 11, 22))
    ResourceFactory(code="older", reviewed_on=date(2024, 3, 1))
    ResourceFactory(code="retired", reviewed_on=date(2020, 1, 1), status="retired")
    assert [r.code for r in db.session.scalars(catalogue.stale_query(today))] == ["older", "year"]


def test_curation_actions_are_audited():
    admin = UserFactory(admin=True, name="Ada Admin")
    actor = Actor(admin, "10.0.0.9")
    resource = ResourceFactory(reviewed_on=date(2020, 1, 1))
    catalogue.mark_reviewed(db.session, actor, resource, date(2026, 11, 22))
    assert resource.reviewed_on == date(2026, 11, 22) and resource.reviewed_by == "Ada Admin"
    catalogue.retire(db.session, actor, resource)
    assert resource.status == "retired"
    with pytest.raises(ValidationFailed, match="already retired"):
        catalogue.retire(db.session, actor, resource)
    catalogue.restore(db.session, actor, resource)
    assert resource.status == "published"
    actions = list(db.session.scalars(select(AuditEvent.action).where(
        AuditEvent.object_type == "Resource", AuditEvent.object_id == str(resource.id))
        .order_by(AuditEvent.id)))
    assert actions == ["resource.review", "resource.retire", "resource.restore"]


def test_broken_links_are_errors_and_unreachable_ones():
    ResourceFactory(code="ok", link_status=200)
    ResourceFactory(code="missing", link_status=404)
    ResourceFactory(code="down", link_status=0)
    ResourceFactory(code="unknown", link_status=None)
    ResourceFactory(code="loop", link_status=302)
    ResourceFactory(code="retired", link_status=500, status="retired")
    assert {r.code for r in db.session.scalars(catalogue.broken_links_query())} == {"missing", "down", "loop"}
