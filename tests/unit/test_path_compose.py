"""Composing a path from picked rows: alternatives and optional steps from the rows' boxes, every
problem of a draft reported at once on its row, and the steps as an official reads them."""

import pytest

from app.extensions import db
from app.services import paths
from app.services.audit import Actor
from app.services.errors import ManyProblems
from tests.factories import ResourceFactory

ACTOR = Actor(None)


def _fields(caught) -> dict[str, str]:
    return {problem.field: str(problem) for problem in caught.value.problems}


@pytest.mark.no_db
def test_rows_make_steps_an_alternative_joins_the_step_above():
    rows = [paths.StepChoice("intro"), paths.StepChoice(""), paths.StepChoice("video-en"),
            paths.StepChoice("video-fr", alternative=True), paths.StepChoice("extra", optional=True)]
    assert paths.steps_from_rows(rows) == [
        paths.StepSpec(("intro",), rows=(0,)), paths.StepSpec(("video-en", "video-fr"), rows=(2, 3)),
        paths.StepSpec(("extra",), optional=True, rows=(4,))]


@pytest.mark.no_db
def test_bad_rows_are_all_reported_on_their_row():
    with pytest.raises(ManyProblems) as caught:
        paths.steps_from_rows([paths.StepChoice("a", alternative=True), paths.StepChoice("", optional=True)])
    assert _fields(caught) == {
        "steps.0.alternative": "Step 1 is the first: there is no step above it to be an alternative to",
        "steps.1.resource": "Row 2: choose a resource, or untick its boxes"}
    with pytest.raises(ManyProblems) as caught:
        paths.steps_from_rows([paths.StepChoice("")])
    assert _fields(caught) == {"steps.0.resource": "Add at least one step: choose a resource"}


def test_every_problem_of_a_draft_is_reported_at_once():
    ResourceFactory(code="old", status="retired")
    ResourceFactory(code="intro")
    draft = paths.PathDraft(
        title=" ", description="", role_profile_ids=[], competency_ids=[], prerequisites=["nope"],
        steps=paths.steps_from_rows([paths.StepChoice("intro"), paths.StepChoice("missing"),
                                     paths.StepChoice("old", alternative=True)]))
    with pytest.raises(ManyProblems) as caught:
        paths.create_path(db.session, ACTOR, "Bad Id!", draft)
    assert _fields(caught) == {
        "code": "The id must be lower-case letters, digits and hyphens",
        "title": "Enter the path's title",
        "steps.1.resource": "Step 2: no resource with the id missing",
        "steps.2.resource": "Step 2: old is retired",
        "prerequisites": "No resource with the id nope"}


def test_the_rows_of_a_version_round_trip_and_its_steps_read_as_groups():
    intro = ResourceFactory(code="intro", languages=["en"])
    english = ResourceFactory(code="video-en", languages=["en"])
    french = ResourceFactory(code="video-fr", languages=["fr"])
    rows = [paths.StepChoice("intro"), paths.StepChoice("video-en"),
            paths.StepChoice("video-fr", alternative=True, optional=True)]
    version = paths.create_path(db.session, ACTOR, "a-path", paths.PathDraft(
        title="A path", description="", steps=paths.steps_from_rows(rows), role_profile_ids=[],
        competency_ids=[], prerequisites=[]))
    assert paths.step_rows(version) == [paths.StepChoice("intro"),
                                        paths.StepChoice("video-en", optional=True),
                                        paths.StepChoice("video-fr", alternative=True, optional=True)]
    assert [(s.resources, s.optional) for s in paths.display_steps(version)] == [
        ([intro], False), ([english, french], True)]
