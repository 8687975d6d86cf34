"""A person's export holds their data; erasing them leaves nothing that names them, and every figure as is.

The world is analytics_fixture's (with analytics_learning's activity); the person is u3, "Official 3".
"""

import io
import json
import zipfile

import pytest
from sqlalchemy import JSON, String, Text, select

from app.extensions import db
from app.models import (
    Answer,
    Attempt,
    AuditEvent,
    Base,
    Feedback,
    FollowUp,
    InviteFile,
    Item,
    ItemKind,
    Job,
    PlanItem,
    Progress,
    Suggestion,
    TokenPurpose,
    User,
)
from app.services import accounts, audit, evaluation, privacy
from app.services.audit import Actor
from app.services.errors import ValidationFailed
from app.services.privacy import registry
from tests.factories import ResourceFactory, UserFactory
from tests.unit.analytics_fixture import build_world
from tests.unit.analytics_learning import add_learning

EMAIL, NAME = "official3@example.org", "Official 3"


@pytest.fixture
def world(tmp_path):
    world = build_world()
    add_learning(world)
    person = world.officials[3]
    admin = UserFactory(admin=True, name="Ada Admin", email="ada@example.org")
    _personal_traces(world, person, admin, tmp_path)
    db.session.flush()
    world.person, world.admin, world.evidence = person, admin, tmp_path
    return world


def _personal_traces(world, person, admin, evidence):
    """Everywhere the platform keeps something of a person, beyond the fixture's results and activity."""
    attempt = db.session.scalar(select(Attempt).where(Attempt.user_id == person.id,
                                                      Attempt.campaign_id == world.baseline.id))
    instrument = world.baseline.instrument
    text_item = Item(instrument=instrument, section=instrument.sections[0], code="ctx-notes",
                     kind=ItemKind.CONTEXT, prompt="Anything else?", input="text", position=99)
    db.session.add(text_item)
    db.session.flush()
    db.session.add(Answer(attempt=attempt, item=text_item, value="I am Official 3, call me"))
    db.session.add(Answer(attempt=attempt, item_id=instrument.items[0].id, value=["en"]))
    for result in attempt.results:
        result.manager_reason = "Official 3 showed the work"
    progress = db.session.scalar(select(Progress).where(Progress.user_id == person.id))
    (evidence / str(person.id)).mkdir()
    (evidence / str(person.id) / "abc.pdf").write_bytes(b"%PDF-1.4 certificate of Official 3")
    progress.evidence_file, progress.evidence_url = "abc.pdf", "https://example.org/official3"
    db.session.scalars(select(Feedback).where(Feedback.user_id == person.id)).first().comment = \
        "As Official 3 I liked it"
    db.session.scalars(select(FollowUp).where(FollowUp.user_id == person.id)).first().comment = \
        "Official 3 applied it"
    plan_item = db.session.scalar(select(PlanItem).join(PlanItem.plan).where(
        PlanItem.plan.has(user_id=person.id)).limit(1))
    plan_item.dismiss_reason = "not for me"
    world.officials[4].manager = person
    accounts.issue_token(db.session, person, TokenPurpose.RESET, 24)
    db.session.add(Suggestion(url="https://example.org/x", normalised_url="example.org/x",
                              reason="My team needs it", suggested_by_id=person.id))
    ResourceFactory(reviewed_by=NAME)
    db.session.add(Job(kind="invitations.send", params={"inviter": NAME, "campaign_id": 1},
                       message=f"sent to {EMAIL.upper()}"))
    rows = [{"row": 2, "email": EMAIL, "name": NAME},
            {"row": 3, "email": "official10@example.org", "name": "Official 10"}]
    db.session.add(InviteFile(campaign=world.baseline, filename="official3.csv", total_rows=2,
                              valid_rows=rows,
                              errors=[{"row": 4, "field": "email", "reason": f"{EMAIL} is on row 2"}]))
    accounts.set_active(db.session, Actor(admin), person, False)  # audited, as every change is
    accounts.set_active(db.session, Actor(admin), person, True)


def _figures(world):
    scope = world.scope
    return [evaluation.participation_funnel(db.session, scope, k=1).rows,
            evaluation.heatmap(db.session, scope, k=1).rows,
            evaluation.level_distribution(db.session, scope, k=1).rows,
            evaluation.learning_activity(db.session, scope, k=1).rows,
            evaluation.resource_feedback(db.session, scope, k=1).rows,
            evaluation.change_by_competency(db.session, scope, k=1).rows]


def _everything() -> dict[str, list]:
    """Every row of every table, as the database holds it."""
    return {table.name: [tuple(row) for row in db.session.execute(
        select(table).order_by(*table.primary_key.columns))] for table in Base.metadata.sorted_tables}


def _mentions(needles: tuple[str, ...]) -> list[str]:
    """Every text or JSON value in the database that contains one of ``needles`` (case ignored)."""
    found = []
    for table in Base.metadata.sorted_tables:
        columns = [c for c in table.columns if isinstance(c.type, String | Text | JSON)]
        if not columns:
            continue
        for row in db.session.execute(select(*columns)):
            for column, value in zip(columns, row, strict=True):
                text = json.dumps(value, ensure_ascii=False) if isinstance(column.type, JSON) else value
                if text and any(needle.lower() in text.lower() for needle in needles):
                    found.append(f"{table.name}.{column.name}: {text[:80]}")
    return found


def test_the_export_holds_the_persons_data_and_files(world):
    result = privacy.export(db.session, Actor(world.admin), world.person, evidence_dir=world.evidence)
    archive = zipfile.ZipFile(io.BytesIO(result.data))
    tables = {name[len("tables/"):-len(".json")]: json.loads(archive.read(name))
              for name in archive.namelist() if name.startswith("tables/")}
    [user] = tables["users"]
    assert (user["email"], user["name"]) == (EMAIL, NAME)
    assert "password_hash" not in user and "session_token" not in user
    assert "I am Official 3, call me" in [answer["value"] for answer in tables["answers"]]
    assert {row["user_id"] for row in tables["attempts"]} == {world.person.id}
    assert len(tables["competency_results"]) == 4  # two competencies in each of two cycles
    assert "As Official 3 I liked it" in [row["comment"] for row in tables["feedback"]]
    assert archive.read("evidence/abc.pdf") == b"%PDF-1.4 certificate of Official 3"
    others = {row["user_id"] for name in ("invitations", "progress", "enrolments") for row in tables[name]}
    assert others == {world.person.id}  # nobody else's rows
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "privacy.export"))
    assert event.object_id == str(world.person.id) and EMAIL not in json.dumps(event.details)


def test_after_erasure_nothing_names_the_person_and_the_figures_are_unchanged(world):
    before = _figures(world)
    assert len(_mentions((EMAIL, NAME))) > 10  # the traces are really there

    result = privacy.erase(db.session, Actor(world.admin), world.person, evidence_dir=world.evidence)
    db.session.flush()

    assert _mentions((EMAIL, NAME)) == []
    assert audit.verify_chain(db.session).intact  # erasure rewrote no audit event
    assert not (world.evidence / str(world.person.id)).exists() and result.files == 1
    assert _figures(world) == before
    person = db.session.get(User, world.person.id)
    assert (person.email, person.name, person.active, person.password_hash) == (
        registry.erased_email(person.id), registry.ERASED_NAME, False, None)
    assert db.session.get(User, world.officials[4].id).manager_id is None
    # someone else's data, whose name begins like the person's, is left alone
    assert "Official 10" in json.dumps(db.session.scalar(select(InviteFile.valid_rows)))
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "privacy.erase"))
    assert event.object_id == str(world.person.id) and event.actor_id == world.admin.id


def test_erasure_is_idempotent(world):
    privacy.erase(db.session, Actor(world.admin), world.person, evidence_dir=world.evidence)
    db.session.flush()
    after_first = _everything()

    again = privacy.erase(db.session, Actor(world.admin), db.session.get(User, world.person.id),
                          evidence_dir=world.evidence)
    db.session.flush()

    assert again.changed == 0
    assert _everything() == after_first


def test_nobody_erases_their_own_account_or_the_last_admin(world):
    with pytest.raises(ValidationFailed):
        privacy.erase(db.session, Actor(world.admin), world.admin, evidence_dir=None)
    with pytest.raises(ValidationFailed):
        privacy.erase(db.session, Actor(None), world.admin, evidence_dir=None)


def test_an_export_holds_what_the_person_did_but_not_other_peoples_data(world):
    focal_point = UserFactory(name="Fatuma Focal", email="fatuma@example.org")
    db.session.add(InviteFile(campaign=world.baseline, uploaded_by_id=focal_point.id, filename="x.csv",
                              valid_rows=[{"row": 2, "email": EMAIL, "name": NAME}]))
    db.session.flush()

    result = privacy.export(db.session, Actor(world.admin), focal_point, evidence_dir=None)

    archive = zipfile.ZipFile(io.BytesIO(result.data))
    [staged] = json.loads(archive.read("tables/invite_files.json"))
    assert staged["uploaded_by_id"] == focal_point.id and "valid_rows" not in staged
    assert not any(EMAIL in archive.read(name).decode() for name in archive.namelist())
