"""Checking what a curator records when publishing a suggestion: every problem at once, in words a
person uses, with the field (and row) each concerns; competencies and prerequisites as picked."""

from datetime import date

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import Resource
from app.services.audit import Actor
from app.services.errors import ManyProblems
from app.services.learning import suggestions
from app.services.learning.resource_details import LevelChoice, ResourceDetails, check_details
from tests.factories import ResourceFactory, UserFactory, make_framework

TODAY = date(2026, 11, 22)


def _details(**overrides) -> ResourceDetails:
    values = dict(title="Open data essentials", provider="Open Data Institute",
                  url="https://example.org/course", licence="CC-BY-4.0", languages="en, fr",
                  format="course", hours="3.5", cost="free", competencies=(), description="")
    values.update(overrides)
    return ResourceDetails(**values)


def _problems(details: ResourceDetails) -> dict[str, str]:
    with pytest.raises(ManyProblems) as caught:
        check_details(db.session, details)
    return {problem.field: str(problem) for problem in caught.value.problems}


def test_every_bad_detail_is_reported_at_once_in_plain_words():
    competency = make_framework(competencies=1).competencies[0]
    problems = _problems(_details(
        hours="two and a half", licence="Creative Commons", languages="english",
        prerequisites=["no-such-resource"],
        competencies=[LevelChoice(competency.id, 3, 1), LevelChoice(None, 1, 2)]))
    assert set(problems) == {"hours", "licence", "languages", "prerequisites",
                             "competencies.0.level_to", "competencies.1.competency"}
    assert problems["hours"] == "Enter the hours as a number, for example 2.5"
    assert "Not a valid" not in " ".join(problems.values())
    assert "must be below" in problems["competencies.0.level_to"]


def test_required_details_are_all_asked_for():
    problems = _problems(ResourceDetails(title="", provider="", url="", licence="", languages="",
                                         format="", hours="", cost="", competencies=()))
    assert problems == {
        "title": "Enter the title", "provider": "Enter the provider",
        "url": "Enter the full web address, starting with https://",
        "licence": "Choose the licence", "languages": "Enter at least one language, for example en",
        "format": "Choose the format", "hours": "Enter the estimated hours, for example 2.5",
        "cost": "Choose free or paid",
        "competencies.0.competency": "Choose at least one competency it teaches"}


@pytest.mark.parametrize(("hours", "expected"), [("2,5", 2.5), (" 1 ", 1.0), (4, 4.0)])
def test_hours_are_read_as_people_write_them(hours, expected):
    competency = make_framework(competencies=1).competencies[0]
    checked = check_details(db.session, _details(hours=hours,
                                                 competencies=[LevelChoice(competency.id, 0, 2)]))
    assert checked.hours == expected


def test_hours_out_of_range_say_what_is_allowed():
    assert _problems(_details(hours="0"))["hours"] == "Enter hours more than 0 and at most 1,000"


def test_picked_competencies_and_prerequisites_publish():
    competency = make_framework(competencies=2).competencies[1]
    ResourceFactory(code="basics")
    suggestion = suggestions.suggest(db.session, UserFactory(), url="https://example.org/course",
                                     reason="Good")
    resource = suggestions.publish(
        db.session, Actor(UserFactory(admin=True)), suggestion,
        _details(competencies=[LevelChoice(None, None, None), LevelChoice(competency.id, 1, 3)],
                 prerequisites=["basics", ""]), TODAY)
    assert [(t.competency, t.level_from, t.level_to) for t in resource.teaches] == [(competency, 1, 3)]
    assert resource.prerequisites == ["basics"]


def test_a_competency_given_twice_and_a_level_outside_the_scale_are_refused_on_their_row():
    competency, other = make_framework(competencies=2).competencies
    problems = _problems(_details(competencies=[LevelChoice(competency.id, 0, 2),
                                                LevelChoice(competency.id, 1, 3),
                                                LevelChoice(other.id, 0, 9)]))
    assert "already given" in problems["competencies.1.competency"]
    assert "go from 0 to 4" in problems["competencies.2.level_to"]
    assert db.session.scalar(select(Resource)) is None
