"""Suggestions: submitting, duplicates by address and title, publishing and rejecting, with audit."""

from datetime import date

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import AuditEvent, Resource
from app.services.audit import Actor
from app.services.errors import ValidationFailed
from app.services.learning import suggestions
from app.services.learning.suggestions import ResourceDetails
from tests.factories import (
    CompetencyFactory,
    FrameworkFactory,
    ResourceFactory,
    UserFactory,
    make_framework,
)

TODAY = date(2026, 11, 22)


def _suggest(url="https://example.org/course", reason="Short and practical", title="", user=None):
    return suggestions.suggest(db.session, user or UserFactory(), url=url, reason=reason, title=title)


def _details(**overrides) -> ResourceDetails:
    values = dict(title="Open data essentials", provider="Open Data Institute",
                  url="https://example.org/course", licence="cc-by-4.0", languages="en, fr",
                  format="course", hours=3.5, cost="free", competencies="", description="**Good**")
    values.update(overrides)
    return ResourceDetails(**values)


def test_a_suggestion_is_recorded_with_its_normalised_address():
    user = UserFactory()
    suggestion = _suggest("https://www.Example.org/course/?utm_source=x", title=" Course ", user=user)
    assert suggestion.status == "pending" and suggestion.suggested_by_id == user.id
    assert suggestion.normalised_url == "example.org/course" and suggestion.title == "Course"


@pytest.mark.parametrize(("url", "reason", "field"), [
    ("example.org/course", "why", "url"), ("ftp://example.org/x", "why", "url"),
    ("https://", "why", "url"), ("https://example.org/x", "  ", "reason"),
])
def test_bad_suggestions_are_refused_on_their_field(url, reason, field):
    with pytest.raises(ValidationFailed) as caught:
        _suggest(url, reason)
    assert caught.value.field == field


@pytest.mark.parametrize("url", [
    "https://learn.example.org/course/7", "http://www.learn.example.org/course/7/",
    "https://LEARN.example.org/course/7?utm_source=newsletter&utm_medium=email#top",
])
def test_an_address_already_in_the_catalogue_is_caught_at_submission(url):
    resource = ResourceFactory(url="https://learn.example.org/course/7",
                               normalised_url="learn.example.org/course/7")
    with pytest.raises(suggestions.AlreadyInCatalogue) as caught:
        _suggest(url)
    assert caught.value.resource == resource
    assert db.session.scalar(select(suggestions.Suggestion)) is None  # nothing saved


def test_a_retired_resource_can_be_suggested_again_and_is_shown_as_a_duplicate():
    retired = ResourceFactory(url="https://example.org/old", normalised_url="example.org/old",
                              status="retired")
    suggestion = _suggest("https://example.org/old/")
    [duplicate] = suggestions.find_duplicates(db.session, [suggestion])[suggestion.id]
    assert (duplicate.kind, duplicate.id, duplicate.status, duplicate.same_url) == \
        ("resource", retired.id, "retired", True)


def test_duplicates_are_found_by_address_and_by_similar_title():
    by_title = ResourceFactory(title="An Introduction to Open Data", url="https://odi.example/intro",
                               normalised_url="odi.example/intro")
    ResourceFactory(title="Open data for leaders", url="https://odi.example/leaders",
                    normalised_url="odi.example/leaders")
    first = _suggest("https://www.govlearn.example/x?utm_campaign=a", title="Something else")
    second = _suggest("http://govlearn.example/x/", title="Introduction to open data")
    third = _suggest("https://other.example/y", title="Open data for beginners")

    found = suggestions.find_duplicates(db.session, [first, second, third])
    assert [(d.kind, d.id, d.same_url) for d in found[first.id]] == [("suggestion", second.id, True)]
    assert [(d.kind, d.id, d.same_url) for d in found[second.id]] == [
        ("suggestion", first.id, True), ("resource", by_title.id, False)]
    assert found[second.id][1].similarity >= 0.85
    assert found[third.id] == []  # 0.82 similar to "Open data for leaders": different material


def test_similar_titles_rule():
    assert suggestions.similar_titles("Data protection: an introduction",
                                      "An introduction to data protection")
    assert suggestions.similar_titles("Web Accessibility Tutorials", "web accessibility tutorial")
    assert suggestions.similar_titles("Données ouvertes", "Donnees ouvertes")
    assert not suggestions.similar_titles("Agile delivery", "Agile governance")
    assert not suggestions.similar_titles("", "Anything")


def test_decided_suggestions_are_not_compared_with():
    first = _suggest("https://example.org/a", title="Digital service standard")
    first.status = "rejected"
    second = _suggest("https://example.org/a", title="Digital service standard")
    assert suggestions.find_duplicates(db.session, [second])[second.id] == []


# Competency lines -------------------------------------------------------------------------------


def test_competency_lines_are_parsed_with_every_error_reported_by_line():
    framework = make_framework(competencies=2)
    first, second = framework.competencies
    taught = suggestions.parse_competency_lines(db.session, f"{first.code} 0-2\n\n{second.code} 1 → 3\n")
    assert [(t.competency, t.level_from, t.level_to) for t in taught] == [(first, 0, 2), (second, 1, 3)]

    with pytest.raises(suggestions.LinesInvalid) as caught:
        suggestions.parse_competency_lines(db.session, "\n".join([
            f"{first.code} 1-3", "NOPE 1-2", f"{second.code} 3-1", f"{second.code} 1-9",
            "just words", f"{first.code} 0-1"]))
    assert caught.value.field == "competencies"
    assert caught.value.messages == [
        "Line 2: no competency has the code NOPE",
        "Line 3: the level it starts from (3) must be below the level it reaches (1)",
        "Line 4: levels of " + second.code + " go from 0 to 4",
        "Line 5: 'just words' is not CODE FROM-TO, e.g. DATA.ANALYSIS 1-3",
        f"Line 6: {first.code} is given twice",
    ]


def test_a_code_in_two_frameworks_needs_the_framework():
    one = make_framework(competencies=1).competencies[0]
    other_framework = FrameworkFactory(code="other")
    CompetencyFactory(framework=other_framework, area__framework=other_framework, code=one.code)
    with pytest.raises(suggestions.LinesInvalid, match="more than one framework"):
        suggestions.parse_competency_lines(db.session, f"{one.code} 0-1")
    [taught] = suggestions.parse_competency_lines(db.session, f"{one.framework.code}/{one.code} 0-1")
    assert taught.competency == one


# Publish and reject -----------------------------------------------------------------------------


def test_publishing_creates_a_reviewed_resource_and_audits_it():
    admin = UserFactory(admin=True, name="Ada Admin")
    competency = make_framework(competencies=1).competencies[0]
    ResourceFactory(code="open-data-essentials")
    ResourceFactory(code="basics")
    suggestion = _suggest(title="ODI course")
    resource = suggestions.publish(
        db.session, Actor(admin, "10.1.1.1"), suggestion,
        _details(competencies=f"{competency.code} 1-3", prerequisites="basics",
                 accessibility=["captions"], offline=True), TODAY)
    assert resource.code == "open-data-essentials-2"
    assert (resource.licence, resource.languages, resource.hours) == ("CC-BY-4.0", ["en", "fr"], 3.5)
    assert resource.normalised_url == "example.org/course" and resource.status == "published"
    assert resource.reviewed_on == TODAY and resource.reviewed_by == "Ada Admin"
    assert resource.prerequisites == ["basics"] and resource.offline
    assert resource.accessibility == {"captions": True, "transcript": False, "screen_reader": False}
    assert [(t.competency, t.level_from, t.level_to) for t in resource.teaches] == [(competency, 1, 3)]
    assert suggestion.status == "published" and suggestion.resource_id == resource.id
    assert suggestion.decided_by_id == admin.id and suggestion.decided_at is not None
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "resource.publish"))
    assert event.object_id == str(resource.id) and event.actor_id == admin.id
    assert event.details["suggestion_id"] == suggestion.id and event.ip == "10.1.1.1"


@pytest.mark.parametrize(("overrides", "field"), [
    ({"title": " "}, "title"), ({"provider": ""}, "provider"), ({"licence": "CC BY"}, "licence"),
    ({"languages": "english"}, "languages"), ({"format": "podcast"}, "format"),
    ({"cost": "cheap"}, "cost"), ({"hours": 0}, "hours"), ({"url": "not a url"}, "url"),
    ({"prerequisites": "nope"}, "prerequisites"), ({"competencies": ""}, "competencies"),
])
def test_publishing_refuses_bad_details_on_their_field(overrides, field):
    competency = make_framework(competencies=1).competencies[0]
    suggestion = _suggest()
    details = _details(competencies=f"{competency.code} 0-1")
    details = ResourceDetails(**{**details.__dict__, **overrides})
    with pytest.raises(ValidationFailed) as caught:
        suggestions.publish(db.session, Actor(UserFactory(admin=True)), suggestion, details, TODAY)
    assert [problem.field for problem in caught.value.problems] == [field]
    assert suggestion.status == "pending"
    assert db.session.scalar(select(Resource).where(Resource.title == "Open data essentials")) is None


def test_publishing_an_address_already_in_the_catalogue_is_refused():
    ResourceFactory(url="https://example.org/course", normalised_url="example.org/course",
                    status="retired", title="Old course")
    competency = make_framework(competencies=1).competencies[0]
    suggestion = _suggest("https://example.org/other")
    with pytest.raises(ValidationFailed, match="already the resource Old course"):
        suggestions.publish(db.session, Actor(UserFactory(admin=True)), suggestion,
                            _details(url="https://www.example.org/course/",
                                     competencies=f"{competency.code} 0-1"), TODAY)


def test_rejecting_needs_a_reason_and_is_audited_and_final():
    admin = UserFactory(admin=True)
    suggestion = _suggest()
    with pytest.raises(ValidationFailed) as caught:
        suggestions.reject(db.session, Actor(admin), suggestion, "  ")
    assert caught.value.field == "reason"
    suggestions.reject(db.session, Actor(admin), suggestion, "Behind a paywall")
    assert suggestion.status == "rejected" and suggestion.rejection_reason == "Behind a paywall"
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "suggestion.reject"))
    assert event.object_id == str(suggestion.id) and event.details["reason"] == "Behind a paywall"
    with pytest.raises(ValidationFailed, match="already rejected"):
        suggestions.reject(db.session, Actor(admin), suggestion, "Again")
    with pytest.raises(ValidationFailed, match="already rejected"):
        suggestions.publish(db.session, Actor(admin), suggestion, _details(), TODAY)


def test_my_suggestions_are_mine_only_newest_first():
    me, other = UserFactory(), UserFactory()
    old = _suggest("https://example.org/1", user=me)
    new = _suggest("https://example.org/2", user=me)
    _suggest("https://example.org/3", user=other)
    mine = list(db.session.scalars(suggestions.mine_query(me)))
    assert set(mine) == {old, new}
