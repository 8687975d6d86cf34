"""The data version moves with every committed change to what the dashboards count, once per
transaction, and not with autosave or sign-in."""

from __future__ import annotations

from sqlalchemy import select

from app.extensions import db
from app.models import LearningPlan, PlanItem
from app.models.base import utcnow
from app.models.evaluation import data_versions
from app.services.evaluation import data_version
from tests.factories import InvitationFactory, OrganisationFactory, ResourceFactory, UserFactory


def _version(topic: int = data_version.RESULTS) -> int:
    return db.session.scalar(select(data_versions.c.version).where(data_versions.c.id == topic))


def test_an_added_row_of_a_counted_table_moves_the_version_once_per_transaction():
    db.session.commit()
    before = _version()
    OrganisationFactory()
    db.session.flush()
    OrganisationFactory()
    db.session.commit()
    assert _version() == before + 1
    OrganisationFactory()
    db.session.commit()
    assert _version() == before + 2


def test_a_changed_row_moves_it_and_a_rolled_back_one_does_not():
    organisation = OrganisationFactory()
    db.session.commit()
    before = _version()
    organisation.name = "Renamed ministry"
    db.session.flush()
    db.session.rollback()
    assert _version() == before
    db.session.get(type(organisation), organisation.id).name = "Renamed ministry"
    db.session.commit()
    assert _version() == before + 1


def test_signing_in_and_autosaving_do_not_move_it():
    invitation = InvitationFactory()
    user = UserFactory()
    db.session.commit()
    before = _version()
    user.last_login_at = utcnow()
    db.session.commit()
    assert _version() == before
    from app.services.assessment import taking

    attempt = taking.start(db.session, invitation.user, invitation.campaign_id, utcnow())
    db.session.commit()
    started = _version()
    assert started > before  # a new attempt: "started" moves on the participation table
    attempt.last_section = 2  # what autosave changes on the attempt, with the answer itself
    db.session.commit()
    assert _version() == started


def test_the_token_names_the_version_and_the_windows():
    assert data_version.DataVersion(7, 3, 1).token == "7.3.1"


def test_the_tokens_name_the_learning_version_only_where_it_counts():
    version = data_version.DataVersion(7, 3, 1, learning=4)
    assert version.token == "7.3.1"
    assert version.with_learning == "7.4.3.1"


def test_an_official_working_on_their_plan_moves_the_learning_version_only():
    """At national scale officials accept, start and finish resources all day: each of those moving
    the one data version made every dashboard page cold again. They move the learning version,
    which only the tables about learning are keyed by."""
    user = UserFactory()
    plan = LearningPlan(user_id=user.id, country_id=user.organisation.country_id)
    db.session.add(plan)
    db.session.commit()
    results, learning = _version(), _version(data_version.LEARNING)
    plan.items.append(PlanItem(kind="resource", resource_id=ResourceFactory().id, rank=1, position=1,
                               reason="gap", status="accepted"))
    db.session.commit()
    assert _version() == results + 1  # the resource is new: the catalogue is counted (content gaps)
    results, learning = _version(), _version(data_version.LEARNING)
    plan.items[0].status = "dismissed"
    db.session.commit()
    assert (_version(), _version(data_version.LEARNING)) == (results, learning + 1)


def test_a_submission_moves_the_results_version_not_the_learning_one():
    db.session.commit()
    results, learning = _version(), _version(data_version.LEARNING)
    OrganisationFactory()
    db.session.commit()
    assert (_version(), _version(data_version.LEARNING)) == (results + 1, learning)


def test_current_reads_both_versions_in_one_statement():
    version = data_version.current(db.session, utcnow())
    assert (version.version, version.learning) == (_version(), _version(data_version.LEARNING))
