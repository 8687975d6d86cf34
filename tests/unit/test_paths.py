import pytest

from app.extensions import db
from app.models import Enrolment
from app.services import paths
from app.services.audit import Actor
from app.services.errors import ValidationFailed
from tests.factories import ResourceFactory, RoleProfileFactory, UserFactory

ACTOR = Actor(None)


def _draft(steps: str, **kwargs) -> paths.PathDraft:
    values = {"title": "Data for policy makers", "description": "", "role_profile_ids": [],
              "competency_ids": [], "prerequisites": []} | kwargs
    return paths.PathDraft(steps=paths.parse_steps(steps), **values)


def test_parse_steps_reads_alternatives_and_optional_steps():
    steps = paths.parse_steps("intro\n\nvideo-a | guide-b\nextra (optional)\n")
    assert steps == [paths.StepSpec(("intro",)), paths.StepSpec(("video-a", "guide-b")),
                     paths.StepSpec(("extra",), optional=True)]


@pytest.mark.no_db
@pytest.mark.parametrize("text, message", [("", "at least one step"), ("a |  | b", "Line 1: an empty")])
def test_parse_steps_explains_bad_lines(text, message):
    with pytest.raises(ValidationFailed, match=message):
        paths.parse_steps(text)


def test_an_unknown_or_retired_resource_is_refused_with_its_step_number():
    ResourceFactory(code="old", status="retired")
    ResourceFactory(code="intro")
    with pytest.raises(ValidationFailed, match="Step 2: no resource with the id nope"):
        paths.create_path(db.session, ACTOR, "a-path", _draft("intro\nnope"))
    with pytest.raises(ValidationFailed, match="Step 1: old is retired"):
        paths.create_path(db.session, ACTOR, "a-path", _draft("old"))


def test_compose_format_round_trip_and_hours():
    ResourceFactory(code="intro", hours=2)
    ResourceFactory(code="video", hours=5)
    ResourceFactory(code="guide", hours=3)
    ResourceFactory(code="extra", hours=10)
    steps = "intro\nvideo | guide\nextra (optional)"
    version = paths.create_path(db.session, ACTOR, "data-path", _draft(steps))
    assert version.status == "draft" and version.version == 1
    assert paths.format_steps(version) == "intro\nvideo | guide\nextra (optional)"
    assert paths.estimated_hours(version) == 2 + 3  # the shorter alternative; optional steps don't count


def test_a_duplicate_path_id_is_refused():
    ResourceFactory(code="intro")
    paths.create_path(db.session, ACTOR, "data-path", _draft("intro"))
    with pytest.raises(ValidationFailed, match="already exists"):
        paths.create_path(db.session, ACTOR, "data-path", _draft("intro"))


def test_publishing_an_edit_makes_a_new_version_and_enrolled_officials_keep_theirs():
    ResourceFactory(code="intro")
    ResourceFactory(code="advanced")
    role = RoleProfileFactory()
    v1 = paths.create_path(db.session, ACTOR, "data-path", _draft("intro", role_profile_ids=[role.id]))
    paths.publish(db.session, ACTOR, v1)
    official = UserFactory()
    db.session.add(Enrolment(user_id=official.id, path_version=v1))

    with pytest.raises(ValidationFailed, match="cannot change"):
        paths.save_draft(db.session, ACTOR, v1, _draft("advanced"))
    v2 = paths.draft_of(db.session, ACTOR, v1.path)
    assert v2.version == 2 and [r.id for r in v2.role_profiles] == [role.id]
    assert paths.draft_of(db.session, ACTOR, v1.path) is v2  # one draft at a time
    paths.save_draft(db.session, ACTOR, v2, _draft("intro\nadvanced"))
    paths.publish(db.session, ACTOR, v2)
    db.session.flush()

    assert (v1.status, v2.status) == ("superseded", "published")
    assert [s.resource.code for s in v1.steps] == ["intro"]  # the published version never changed
    enrolment = db.session.query(Enrolment).filter_by(user_id=official.id).one()
    assert enrolment.path_version is v1


def test_only_a_draft_with_steps_can_be_published():
    ResourceFactory(code="intro")
    version = paths.create_path(db.session, ACTOR, "a-path", _draft("intro"))
    paths.publish(db.session, ACTOR, version)
    with pytest.raises(ValidationFailed, match="Only a draft"):
        paths.publish(db.session, ACTOR, version)
