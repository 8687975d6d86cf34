"""Inviting officials from a CSV file: every row checked first, nothing written until imported."""

import json
import time

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import AccountToken, AuditEvent, Invitation, InviteFile, Role, User
from app.models.base import utcnow
from app.services.assessment import invite_file, invites
from app.services.audit import SYSTEM, Actor
from app.services.errors import ValidationFailed
from app.services.spreadsheet import csv_text, escape_cell
from tests.factories import CountryFactory, FocalPointFactory, InvitationFactory, UserFactory
from tests.unit.test_campaigns_service import make_campaign


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def csv_bytes(rows, header=("email", "name", "organisation", "role profile"), delimiter=",",
              bom=False) -> bytes:
    lines = [delimiter.join(header)] + [delimiter.join(row) for row in rows]
    return (("\ufeff" if bom else "") + "\r\n".join(lines) + "\r\n").encode("utf-8")


def good_rows(n: int, start: int = 0):
    organisations = ("Ministry of ICT", "revenue authority")  # organisation names in any case
    roles = ("", "analyst", "Developer")                       # empty = the organisation's default
    return [(f"official{i}@example.org", f"Official {i}", organisations[i % 2], roles[i % 3])
            for i in range(start, start + n)]


def test_a_10000_row_file_with_bad_rows_reports_every_one_and_writes_nothing():
    campaign = make_campaign()
    rows = good_rows(10_000)
    bad = {  # file row number (header = 1) -> (field, what the reason says)
        2 + 10: ("email", "not a valid address"),
        2 + 500: ("organisation", "is not one of this campaign's organisations"),
        2 + 501: ("email", "is already on row 2"),
        2 + 7000: ("role_profile", "is not a known role profile"),
        2 + 9999: ("name", "missing"),
    }
    rows[10] = ("not-an-email", "Bad Email", "Ministry of ICT", "")
    rows[500] = ("x500@example.org", "Lost", "Ministry of Magic", "")
    rows[501] = ("OFFICIAL0@example.org", "Twice", "Ministry of ICT", "")
    rows[7000] = ("x7000@example.org", "Odd Role", "Ministry of ICT", "astronaut")
    rows[9999] = ("x9999@example.org", "", "Ministry of ICT", "")
    before = (_count(User), _count(Invitation))

    started = time.perf_counter()
    result = invites.check_rows(db.session, campaign, invite_file.read_rows(csv_bytes(rows)))
    print(f"\nchecked 10,000 rows in {time.perf_counter() - started:.2f} s")

    assert result.total_rows == 10_000 and len(result.valid_rows) == 10_000 - len(bad)
    assert [(e["row"], e["field"]) for e in result.errors] == \
        [(row, field) for row, (field, _) in sorted(bad.items())]
    for error in result.errors:
        assert bad[error["row"]][1] in error["reason"]
    assert (_count(User), _count(Invitation)) == before


def test_a_good_10000_row_file_imports_quickly_in_one_go():
    campaign = make_campaign()
    focal = FocalPointFactory(country=campaign.country)
    before_users = _count(User)

    started = time.perf_counter()
    staged = invites.stage_file(db.session, Actor(focal), campaign, csv_bytes(good_rows(10_000)), "all.csv")
    checked = time.perf_counter()
    assert (_count(User), _count(Invitation)) == (before_users, 0)  # staged, nothing imported
    result = invites.import_file(db.session, Actor(focal), staged)
    db.session.flush()
    done = time.perf_counter()
    print(f"\nchecked in {checked - started:.2f} s, imported in {done - checked:.2f} s "
          f"({db.session.get_bind().dialect.name})")

    assert done - started < 30
    assert (result.created, result.reused, result.invited, result.already_invited) == (10_000, 0, 10_000, 0)
    assert _count(User) == before_users + 10_000 and _count(Invitation) == 10_000
    new = db.session.scalar(select(User).where(User.email == "official2@example.org"))
    assert (new.role, new.country_id, new.password_hash, new.activated_at, new.active) == \
        (Role.OFFICIAL, campaign.country_id, None, None, True)
    assert new.organisation.name == "Ministry of ICT"
    tokens = db.session.scalars(select(User.session_token).where(User.email.like("official%"))).all()
    assert len(set(tokens)) == 10_000  # every new account gets its own session id
    by_user = {i.user.email: i for i in db.session.scalars(
        select(Invitation).where(Invitation.user_id.in_(
            select(User.id).where(User.email.in_(["official0@example.org", "official1@example.org",
                                                  "official2@example.org", "official3@example.org"])))))}
    assert by_user["official0@example.org"].role_profile.code == "analyst"  # the organisation's default
    assert by_user["official1@example.org"].role_profile.code == "analyst"  # by code
    assert by_user["official2@example.org"].role_profile.code == "developer"  # by name, any case
    assert by_user["official3@example.org"].role_profile is None  # Revenue Authority has no default
    assert staged.status == "imported" and staged.imported_at is not None
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "campaign.invite_import")).all()
    assert len(events) == 1 and events[0].details["created"] == 10_000
    with pytest.raises(ValidationFailed, match="already been imported"):
        invites.import_file(db.session, Actor(focal), staged)


@pytest.mark.parametrize(("header", "delimiter", "bom"), [
    (("email", "name", "organisation", "role profile"), ",", False),
    (("EMAIL", "Name", "ORGANISATION", "Role_Profile"), ";", True),
    (("E-mail", "Full name", "Organization", "role"), ";", False),
    (("Email", "Name", "Organisation"), ",", True),
])
def test_bom_semicolons_and_header_variants(header, delimiter, bom):
    campaign = make_campaign()
    name = "Ana Lima, PhD" if delimiter == ";" else "Ana Lima"  # a comma inside a semicolon file
    rows = [("Ana@Example.org", name, "MINISTRY OF ICT", "developer"),
            ("ben@example.org", "Ben Okoro", "Revenue Authority", "")]
    if len(header) == 3:
        rows = [row[:3] for row in rows]
    result = invites.check_rows(db.session, campaign,
                                invite_file.read_rows(csv_bytes(rows, header, delimiter, bom)))
    assert result.errors == []
    assert [(r["row"], r["email"]) for r in result.valid_rows] == \
        [(2, "ana@example.org"), (3, "ben@example.org")]
    assert result.valid_rows[0]["name"] == rows[0][1]


def test_quoted_cells_blank_lines_and_extra_columns():
    campaign = make_campaign()
    data = (b'email,name,organisation,staff number\n"a@example.org","Doe, Jane",Ministry of ICT,17\n'
            b'\n,,,\nb@example.org,Bo,Ministry of ICT,18\n')
    result = invites.check_rows(db.session, campaign, invite_file.read_rows(data))
    assert result.errors == [] and result.total_rows == 2
    assert [(r["row"], r["name"]) for r in result.valid_rows] == [(2, "Doe, Jane"), (5, "Bo")]


@pytest.mark.parametrize(("data", "message"), [
    (b"", "The file is empty"),
    (b"mail,who,where\nx@example.org,X,Y\n", "Row 1 (header): no column for email, name, organisation"),
    (b"email,name\nx@example.org,X\n", "no column for organisation"),
    (b"email,name,organisation,email\n", "appears twice"),
    ("email,name,organisation\nx@example.org,Zoë,Ministry\n".encode("latin-1"),
     "not UTF-8 text (first bad byte on line 2)"),
])
def test_a_file_that_cannot_be_read_is_refused_whole(data, message):
    with pytest.raises(ValidationFailed, match=message.replace("(", r"\(").replace(")", r"\)")) as exc:
        list(invite_file.read_rows(data))
    assert exc.value.field == "file"


def test_existing_accounts_are_reused_and_people_in_other_countries_refused():
    campaign = make_campaign()
    ministry = campaign.organisations[0].organisation
    mine = UserFactory(email="mine@example.org", organisation=ministry)
    already = InvitationFactory(campaign=campaign, organisation=ministry,
                                user=UserFactory(email="again@example.org", organisation=ministry))
    UserFactory(email="abroad@example.org")  # an official of another country
    FocalPointFactory(email="boss@example.org", country=campaign.country)
    UserFactory(email="gone@example.org", organisation=ministry, active=False)
    rows = [("MINE@example.org", "Mine", "Ministry of ICT", ""),
            ("again@example.org", "Again", "Ministry of ICT", ""),
            ("abroad@example.org", "Abroad", "Ministry of ICT", ""),
            ("boss@example.org", "Boss", "Ministry of ICT", ""),
            ("gone@example.org", "Gone", "Ministry of ICT", ""),
            ("new@example.org", "New", "Revenue Authority", "")]
    users_before = _count(User)
    staged = invites.stage_file(db.session, Actor(None), campaign, csv_bytes(rows), "mixed.csv")
    assert [(e["row"], e["field"]) for e in staged.errors] == [(4, "email"), (5, "email"), (6, "email")]
    reasons = [e["reason"] for e in staged.errors]
    assert "another country" in reasons[0] and "only officials" in reasons[1] and "deactivated" in reasons[2]

    result = invites.import_file(db.session, Actor(None), staged)
    assert (result.created, result.reused, result.invited, result.already_invited) == (1, 2, 2, 1)
    assert _count(User) == users_before + 1
    invited = set(db.session.scalars(select(Invitation.user_id).where(Invitation.campaign_id == campaign.id)))
    new = db.session.scalar(select(User).where(User.email == "new@example.org"))
    assert invited == {mine.id, already.user_id, new.id}


def test_an_import_is_refused_when_a_row_turned_bad_since_the_check():
    campaign = make_campaign()
    staged = invites.stage_file(db.session, Actor(None), campaign,
                                csv_bytes([("late@example.org", "Late", "Ministry of ICT", "")]), "f.csv")
    UserFactory(email="late@example.org", organisation__country=CountryFactory())  # created meanwhile
    with pytest.raises(ValidationFailed,
                       match="row 2: late@example.org belongs to an account in another country"):
        invites.import_file(db.session, Actor(None), staged)
    assert _count(Invitation) == 0


def test_a_closed_campaign_takes_no_invitations():
    campaign = make_campaign()
    campaign.closed_early_at = utcnow()
    with pytest.raises(ValidationFailed, match="closed"):
        invites.stage_file(db.session, Actor(None), campaign, csv_bytes(good_rows(1)), "f.csv")
    assert _count(InviteFile) == 0


def test_link_rows_issue_fresh_tokens_for_those_not_activated():
    campaign = make_campaign()
    ministry = campaign.organisations[0].organisation
    InvitationFactory(campaign=campaign, organisation=ministry,
                      user=UserFactory(email="new@example.org", organisation=ministry, invited=True))
    InvitationFactory(campaign=campaign, organisation=ministry,
                      user=UserFactory(email="old@example.org", organisation=ministry))
    rows = {row.email: row for row in invites.link_rows(db.session, Actor(None), campaign, hours=24)}
    assert rows["new@example.org"].token and rows["old@example.org"].token is None
    assert _count(AccountToken) == 1
    again = {row.email: row for row in invites.link_rows(db.session, Actor(None), campaign, hours=24)}
    assert again["new@example.org"].token != rows["new@example.org"].token


@pytest.mark.parametrize(("cell", "written"), [
    ("=HYPERLINK(\"x\")", "'=HYPERLINK(\"x\")"), ("+1", "'+1"), ("-2", "'-2"), ("@SUM(A1)", "'@SUM(A1)"),
    ("\tx", "'\tx"), ("plain", "plain"), ("a=b", "a=b"),
])
def test_csv_cells_that_look_like_formulas_are_escaped(cell, written):
    assert escape_cell(cell) == written
    text = csv_text(["email"], [[cell]])
    assert text.splitlines()[1].strip('"').replace('""', '"') == written


# The optional manager email column ----------------------------------------------------------------

MANAGER_HEADER = ("email", "name", "organisation", "role profile", "manager email")


def test_manager_email_errors_are_reported_by_row_and_field():
    campaign = make_campaign()
    ministry = campaign.organisations[0].organisation
    UserFactory(email="boss@example.org", organisation=ministry)
    UserFactory(email="elsewhere@example.org", organisation=campaign.organisations[1].organisation)
    UserFactory(email="gone@example.org", organisation=ministry, active=False)
    rows = [("a@example.org", "A", "Ministry of ICT", "", "BOSS@example.org"),          # 2: an account
            ("b@example.org", "B", "Ministry of ICT", "", "a@example.org"),             # 3: a row above
            ("c@example.org", "C", "Ministry of ICT", "", "not-an-address"),            # 4
            ("d@example.org", "D", "Ministry of ICT", "", "d@example.org"),             # 5: themselves
            ("e@example.org", "E", "Ministry of ICT", "", "elsewhere@example.org"),     # 6
            ("f@example.org", "F", "Ministry of ICT", "", "gone@example.org"),          # 7
            ("g@example.org", "G", "Ministry of ICT", "", "nobody@example.org"),        # 8
            ("h@example.org", "H", "Revenue Authority", "", "a@example.org"),           # 9: other org
            ("i@example.org", "", "Ministry of ICT", "", ""),                           # 10: bad row
            ("j@example.org", "J", "Ministry of ICT", "", "i@example.org"),             # 11
            ("k@example.org", "K", "Ministry of ICT", "", "j@example.org"),             # 12: in turn
            ("l@example.org", "L", "Ministry of ICT", "", "")]                          # 13: no manager
    result = invites.check_rows(db.session, campaign,
                                invite_file.read_rows(csv_bytes(rows, MANAGER_HEADER)))

    assert [(e["row"], e["field"]) for e in result.errors] == [
        (4, "manager_email"), (5, "manager_email"), (6, "manager_email"), (7, "manager_email"),
        (8, "manager_email"), (9, "manager_email"), (10, "name"), (11, "manager_email"),
        (12, "manager_email")]
    reasons = {e["row"]: e["reason"] for e in result.errors}
    assert "'not-an-address' is not a valid address" in reasons[4]
    assert "own address" in reasons[5]
    assert "another organisation" in reasons[6]
    assert "deactivated" in reasons[7]
    assert "neither an account in this official's organisation nor a row of this file" in reasons[8]
    assert "a@example.org (row 2) is not in the same organisation" in reasons[9]
    assert "i@example.org is on row 10, which has problems" in reasons[11]
    assert "j@example.org is on row 11, which has problems" in reasons[12]
    assert {r["email"]: r["manager_email"] for r in result.valid_rows} == {
        "a@example.org": "boss@example.org", "b@example.org": "a@example.org", "l@example.org": None}


def test_importing_sets_each_officials_manager_with_the_rest():
    campaign = make_campaign()
    ministry = campaign.organisations[0].organisation
    boss = UserFactory(email="boss@example.org", organisation=ministry)
    known = UserFactory(email="known@example.org", organisation=ministry)
    rows = [("a@example.org", "A", "Ministry of ICT", "", "boss@example.org"),
            ("b@example.org", "B", "Ministry of ICT", "", "a@example.org"),
            ("known@example.org", "Known", "Ministry of ICT", "", "b@example.org"),
            ("c@example.org", "C", "Ministry of ICT", "", "")]
    staged = invites.stage_file(db.session, Actor(None), campaign, csv_bytes(rows, MANAGER_HEADER), "m.csv")
    assert staged.errors == []
    assert boss.manager_id is None

    invites.import_file(db.session, Actor(None), staged)
    managers = dict(db.session.execute(select(User.email, User.manager_id).where(
        User.email.in_(["a@example.org", "b@example.org", "known@example.org", "c@example.org"]))).all())
    ids = dict(db.session.execute(select(User.email, User.id)).all())
    assert managers == {"a@example.org": boss.id, "b@example.org": ids["a@example.org"],
                        "known@example.org": ids["b@example.org"], "c@example.org": None}
    assert known.manager.email == "b@example.org"  # loaded objects see it too


def test_an_import_is_refused_when_a_manager_turned_bad_since_the_check():
    campaign = make_campaign()
    boss = UserFactory(email="boss@example.org", organisation=campaign.organisations[0].organisation)
    staged = invites.stage_file(db.session, Actor(None), campaign, csv_bytes(
        [("a@example.org", "A", "Ministry of ICT", "", "boss@example.org")], MANAGER_HEADER), "m.csv")
    boss.active = False  # deactivated meanwhile
    with pytest.raises(ValidationFailed, match="row 2: boss@example.org belongs to a deactivated account"):
        invites.import_file(db.session, Actor(None), staged)
    assert _count(Invitation) == 0


def test_a_file_of_bad_rows_stores_a_bounded_list_of_errors():
    # 1.3 MB of bad rows stored 25 MB of error data: each reason quoted the cell, and every error was kept.
    campaign = make_campaign()
    long_address = "x" * 2000
    rows = [(f"{long_address}{i}", "", "Ministry of Magic " + "m" * 500, "astronaut " + "a" * 500)
            for i in range(500)]
    rows += good_rows(3)
    data = csv_bytes(rows)
    staged = invites.stage_file(db.session, SYSTEM, campaign, data, "bad.csv")
    db.session.flush()

    assert len(staged.errors) == invites.MAX_STORED_ERRORS == 100
    assert all(len(error["reason"]) <= invites.MAX_REASON_LENGTH + 1 for error in staged.errors)
    assert staged.errors[0]["row"] == 2 and staged.errors[0]["reason"].endswith("…")
    stored = len(json.dumps(staged.errors))
    assert stored < 60_000, stored  # was ~4 reasons of 2 KB for each of the 500 rows
    counts = invites.problem_counts(staged)
    shown = len({error["row"] for error in staged.errors})
    assert counts == invites.ProblemCounts(bad_rows=500, shown_rows=shown, more_rows=500 - shown)
    assert counts.more_rows > 0
    assert len(staged.valid_rows) == 3


def test_problem_counts_of_a_file_with_few_errors_hide_nothing():
    campaign = make_campaign()
    rows = [*good_rows(4), ("nope", "N", "Ministry of ICT", "")]
    staged = invites.stage_file(db.session, SYSTEM, campaign, csv_bytes(rows), "f.csv")
    assert invites.problem_counts(staged) == invites.ProblemCounts(bad_rows=1, shown_rows=1, more_rows=0)
    assert staged.errors[0]["row"] == 6 and "'nope' is not a valid address" in staged.errors[0]["reason"]
