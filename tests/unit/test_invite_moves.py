"""An existing official whose organisation or role profile in the file differs from their current one:
the check warns row by row, nothing moves unless the focal point chooses so, and the choice is applied
in the import's one transaction, set-based, and audited."""

import pytest
from sqlalchemy import event, select

from app.extensions import db
from app.models import AuditEvent, Invitation, User
from app.services.assessment import invite_file, invites
from app.services.audit import Actor
from app.services.errors import ValidationFailed
from tests.factories import InvitationFactory, OrganisationFactory, UserFactory
from tests.unit.test_campaigns_service import make_campaign
from tests.unit.test_invites import csv_bytes


def _setup():
    campaign = make_campaign(organisations=("Ministry of Health", "Ministry of Finance"))
    health, finance = (co.organisation for co in campaign.organisations)
    amina = UserFactory(email="amina@example.org", name="Amina", organisation=health,
                        country=campaign.country)
    return campaign, health, finance, amina


def _invitation(campaign, user):
    return db.session.scalar(select(Invitation).where(Invitation.campaign_id == campaign.id,
                                                      Invitation.user_id == user.id))


def test_the_check_warns_row_by_row_and_writes_nothing_about_the_move():
    campaign, health, finance, amina = _setup()
    rows = [("new@example.org", "New", "Ministry of Finance", ""),
            ("amina@example.org", "Amina", "Ministry of Finance", "")]
    staged = invites.stage_file(db.session, Actor(None), campaign, csv_bytes(rows), "f.csv")
    assert invites.move_warnings(staged) == [
        {"row": 3, "email": "amina@example.org",
         "text": "Row 3: amina@example.org is in Ministry of Health; the file says Ministry of Finance",
         "keep": "Keep in Ministry of Health", "move": "Move to Ministry of Finance",
         "ask": "Choose whether to keep amina@example.org in Ministry of Health or move them"}]
    assert db.session.get(User, amina.id).organisation_id == health.id


def test_a_different_role_profile_is_warned_too():
    campaign, health, finance, amina = _setup()
    earlier = make_campaign(country=campaign.country, organisations=(), roles=False)
    analyst = campaign.organisations[0].default_role_profile
    InvitationFactory(campaign=earlier, user=amina, organisation=health, role_profile=analyst)
    rows = [("amina@example.org", "Amina", "Ministry of Health", "developer")]
    staged = invites.stage_file(db.session, Actor(None), campaign, csv_bytes(rows), "f.csv")
    [warning] = invites.move_warnings(staged)
    assert warning["text"] == ("Row 2: amina@example.org has the role profile Data analyst; "
                               "the file says Developer")
    invites.import_file(db.session, Actor(None), staged, choices={2: "keep"})
    assert _invitation(campaign, amina).role_profile_id == analyst.id


def test_keeping_invites_them_where_they_are():
    campaign, health, finance, amina = _setup()
    staged = invites.stage_file(db.session, Actor(None), campaign,
                                csv_bytes([("amina@example.org", "Amina", "Ministry of Finance", "")]), "f")
    invites.import_file(db.session, Actor(None), staged, choices={2: "keep"})
    db.session.expire_all()
    assert db.session.get(User, amina.id).organisation_id == health.id
    assert _invitation(campaign, amina).organisation_id == health.id
    audit = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "campaign.invite_import"))
    assert audit.details["kept"] == [amina.id] and audit.details["moved"] == []


def test_moving_moves_the_account_and_invites_them_there():
    campaign, health, finance, amina = _setup()
    boss = UserFactory(organisation=health, country=campaign.country)
    amina.manager = boss
    db.session.flush()
    staged = invites.stage_file(db.session, Actor(None), campaign,
                                csv_bytes([("amina@example.org", "Amina", "Ministry of Finance", "")]), "f")
    invites.import_file(db.session, Actor(None), staged, choices={2: "move"})
    db.session.expire_all()
    moved = db.session.get(User, amina.id)
    assert moved.organisation_id == finance.id
    assert moved.manager_id is None  # a line manager is in the official's own organisation
    assert _invitation(campaign, amina).organisation_id == finance.id
    audit = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "campaign.invite_import"))
    assert audit.details["moved"] == [{"user_id": amina.id, "organisation": [health.id, finance.id],
                                       "role_profile": None}]


def test_keeping_someone_whose_organisation_is_outside_the_campaign_leaves_them_out():
    campaign, health, finance, amina = _setup()
    elsewhere = OrganisationFactory(country=campaign.country, name="Agency outside")
    amina.organisation = elsewhere
    db.session.flush()
    staged = invites.stage_file(db.session, Actor(None), campaign,
                                csv_bytes([("amina@example.org", "Amina", "Ministry of Finance", "")]), "f")
    [warning] = invites.move_warnings(staged)
    assert warning["keep"] == "Keep in Agency outside (not invited: it is not in this campaign)"
    result = invites.import_file(db.session, Actor(None), staged, choices={2: "keep"})
    assert result.left_out == 1 and result.invited == 0
    assert _invitation(campaign, amina) is None


def test_an_import_needs_a_choice_for_every_warned_row():
    campaign, health, finance, amina = _setup()
    staged = invites.stage_file(db.session, Actor(None), campaign,
                                csv_bytes([("amina@example.org", "Amina", "Ministry of Finance", "")]), "f")
    with pytest.raises(ValidationFailed, match="Choose whether to keep or move the official on row 2"):
        invites.import_file(db.session, Actor(None), staged, choices={})
    assert _invitation(campaign, amina) is None


def test_an_account_moved_since_the_check_refuses_the_import():
    campaign, health, finance, amina = _setup()
    staged = invites.stage_file(db.session, Actor(None), campaign,
                                csv_bytes([("amina@example.org", "Amina", "Ministry of Finance", "")]), "f")
    amina.organisation = OrganisationFactory(country=campaign.country)
    db.session.flush()
    with pytest.raises(ValidationFailed, match="row 2: amina@example.org has changed organisation"):
        invites.import_file(db.session, Actor(None), staged, choices={2: "move"})


def test_moves_are_applied_in_a_fixed_number_of_statements_whatever_the_number_of_rows():
    def statements_for(n):
        campaign = make_campaign(organisations=(f"Health {n}", f"Finance {n}"), roles=False)
        health = campaign.organisations[0].organisation
        rows = []
        for i in range(n):
            UserFactory(email=f"m{n}-{i}@example.org", organisation=health, country=campaign.country)
            rows.append((f"m{n}-{i}@example.org", f"M {i}", f"Finance {n}", ""))
        staged = invites.stage_file(db.session, Actor(None), campaign, csv_bytes(rows), "f")
        seen = []

        def count(conn, cursor, statement, parameters, context, executemany):
            seen.append(statement)

        event.listen(db.session.get_bind(), "before_cursor_execute", count)
        try:
            invites.import_file(db.session, Actor(None), staged,
                                choices={w["row"]: "move" for w in invites.move_warnings(staged)})
        finally:
            event.remove(db.session.get_bind(), "before_cursor_execute", count)
        return len(seen)

    few = statements_for(3)
    assert 0 < few == statements_for(30)


def test_the_template_is_what_the_importer_reads():
    rows = list(invite_file.read_rows(invite_file.template_csv().encode()))
    assert rows == [(2, {"email": "amina.okafor@example.org", "name": "Amina Okafor",
                         "organisation": "Ministry of Health", "role_profile": "",
                         "manager_email": "grace.mwangi@example.org"})]
