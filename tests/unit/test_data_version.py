"""The data version moves with every committed change to what the dashboards count, once per
transaction, and not with autosave or sign-in."""

from __future__ import annotations

from sqlalchemy import select

from app.extensions import db
from app.models.base import utcnow
from app.models.evaluation import data_versions
from app.services.evaluation import data_version
from tests.factories import InvitationFactory, OrganisationFactory, UserFactory


def _version() -> int:
    return db.session.scalar(select(data_versions.c.version).where(data_versions.c.id == 1))


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
