"""Importing invitations at national scale: rows staged, then set-based statements that do not grow
with the file; exactly the same accounts, invitations and counts as one row at a time."""

import re
from contextlib import contextmanager

import pytest
from sqlalchemy import event, func, select, text

from app.extensions import db
from app.models import Invitation, User
from app.services.assessment import invite_import, invites
from app.services.audit import Actor
from tests.factories import CountryFactory, InvitationFactory, UserFactory
from tests.unit.test_campaigns_service import make_campaign
from tests.unit.test_invites import MANAGER_HEADER, csv_bytes, good_rows


@contextmanager
def statements():
    """The statements the session's connection runs: (sql, parameters per row, rows)."""
    seen: list[tuple[str, int, int]] = []

    def record(_conn, _cursor, statement, parameters, _context, executemany):
        rows = parameters if executemany else [parameters]
        seen.append((statement, max((len(row) for row in rows), default=0), len(rows)))

    connection = db.session.connection()
    event.listen(connection, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(connection, "before_cursor_execute", record)


def _staged(campaign, rows, name="f.csv", header=("email", "name", "organisation", "role profile")):
    staged = invites.stage_file(db.session, Actor(None), campaign, csv_bytes(rows, header), name)
    assert staged.errors == []
    db.session.flush()
    return staged


def _staging_batches(rows: int) -> int:
    """executemany batches of the staging table (PostgreSQL copies instead: none)."""
    if db.session.get_bind().dialect.name == "postgresql":
        return 0
    return -(-rows // invite_import.BATCH)


def test_the_statements_of_an_import_do_not_grow_with_its_rows():
    # Every lookup used to be an IN (...) list of 1,000 addresses per chunk, and every write a batch:
    # a 100,000-row file ran hundreds of statements binding 100,000 parameters between them.
    campaign = make_campaign()
    small_file = _staged(campaign, good_rows(10))
    large_file = _staged(campaign, good_rows(2_500, 10), "g.csv")

    with statements() as few:
        invites.import_file(db.session, Actor(None), small_file)
    with statements() as many:
        invites.import_file(db.session, Actor(None), large_file)

    assert len(many) - len(few) == _staging_batches(2_500) - _staging_batches(10)
    staging = f"INSERT INTO {invite_import.staging.name}"
    assert max(width for sql, width, _ in many if not sql.startswith(staging)) <= 10
    assert all(rows <= invite_import.BATCH for sql, _, rows in many if sql.startswith(staging))
    assert db.session.scalar(select(func.count()).select_from(Invitation)
                             .where(Invitation.campaign_id == campaign.id)) == 2_510


def test_a_second_file_reuses_accounts_and_skips_people_invited_already():
    campaign = make_campaign()
    ministry = campaign.organisations[0].organisation
    InvitationFactory(campaign=campaign, organisation=ministry,
                      user=UserFactory(email="official3@example.org", organisation=ministry))
    first = invites.import_file(db.session, Actor(None), _staged(campaign, good_rows(5)))
    assert (first.created, first.reused, first.invited, first.already_invited) == (4, 1, 4, 1)

    second = invites.import_file(db.session, Actor(None), _staged(campaign, good_rows(5, 3), "g.csv"))

    assert (second.created, second.reused, second.invited, second.already_invited) == (3, 2, 3, 2)
    emails = [f"official{i}@example.org" for i in range(8)]
    ids = dict(db.session.execute(select(User.email, User.id).where(User.email.in_(emails))).all())
    new = [ids[email] for email in emails if email != "official3@example.org"]
    assert new == sorted(new)  # accounts created in the file's order
    invited = db.session.scalars(select(Invitation.user_id).where(Invitation.campaign_id == campaign.id))
    assert sorted(invited) == sorted(ids.values())


def test_new_accounts_get_session_ids_like_every_other_account():
    campaign = make_campaign()
    invites.import_file(db.session, Actor(None), _staged(campaign, good_rows(300)))
    tokens = db.session.scalars(select(User.session_token).where(User.email.like("official%"))).all()
    assert len(tokens) == 300 and len(set(tokens)) == 300
    assert all(re.fullmatch(r"[A-Za-z0-9_-]{43}", token) for token in tokens)


def test_a_failure_half_way_leaves_nothing_written(monkeypatch):
    campaign = make_campaign()
    staged = _staged(campaign, good_rows(50))
    users_before = db.session.scalar(select(func.count()).select_from(User))

    def broken(*_args):
        db.session.execute(text("SELECT * FROM no_such_table"))
    monkeypatch.setattr(invite_import, "invite", broken)
    with pytest.raises(Exception, match="no_such_table"), db.session.begin_nested():
        invites.import_file(db.session, Actor(None), staged)

    assert db.session.scalar(select(func.count()).select_from(User)) == users_before
    assert staged.status == "checked"
    monkeypatch.undo()
    result = invites.import_file(db.session, Actor(None), staged)  # no staging table left behind
    assert (result.created, result.invited) == (50, 50)


def test_a_refused_import_leaves_no_staging_table_and_the_next_one_works():
    campaign = make_campaign()
    late = _staged(campaign, [("late@example.org", "Late", "Ministry of ICT", "")])
    UserFactory(email="late@example.org", organisation__country=CountryFactory())
    with pytest.raises(invites.ValidationFailed, match="another country"):
        invites.import_file(db.session, Actor(None), late)
    result = invites.import_file(db.session, Actor(None), _staged(campaign, good_rows(3), "g.csv"))
    assert (result.created, result.invited) == (3, 3)


def test_managers_are_set_from_the_staged_rows():
    campaign = make_campaign()
    ministry = campaign.organisations[0].organisation
    boss = UserFactory(email="boss@example.org", organisation=ministry)
    rows = [(f"o{i}@example.org", f"O {i}", "Ministry of ICT", "",
             "boss@example.org" if i == 0 else f"o{i - 1}@example.org") for i in range(1_200)]
    invites.import_file(db.session, Actor(None), _staged(campaign, rows, header=MANAGER_HEADER))
    managers = dict(db.session.execute(
        select(User.email, User.manager_id).where(User.email.like("o%@example.org"))).all())
    ids = dict(db.session.execute(select(User.email, User.id)).all())
    assert managers == {f"o{i}@example.org": boss.id if i == 0 else ids[f"o{i - 1}@example.org"]
                        for i in range(1_200)}
