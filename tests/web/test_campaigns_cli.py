"""flask campaigns create | invite | list."""

from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from app.extensions import db, mail
from app.models import AuditEvent, Campaign, Invitation, InviteFile, User
from tests.factories import (
    CountryFactory,
    OrganisationFactory,
    RoleProfileFactory,
    make_framework,
    make_instrument,
)
from tests.unit.test_campaigns_service import make_campaign


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_create_a_campaign_from_the_command_line(app):
    country = CountryFactory(code="KE", time_zone="Africa/Nairobi")
    ministry = OrganisationFactory(country=country, name="Ministry of ICT")
    OrganisationFactory(country=country, name="Revenue Authority")
    OrganisationFactory(country=country, name="Not in scope")
    instrument = make_instrument(make_framework(), code="tna-individual")
    RoleProfileFactory(framework=instrument.framework, code="data-analyst")
    result = app.test_cli_runner().invoke(args=[
        "campaigns", "create", "--country", "ke", "--instrument", "tna-individual", "--name", "Baseline 2026",
        "--cycle", "baseline", "--opens", "2026-03-01T08:00", "--closes", "2026-03-31",
        "--organisation", "ministry of ict", "--organisation", "Revenue Authority",
        "--role-profile", "Ministry of ICT=data-analyst"])
    assert result.exit_code == 0, result.output
    assert "2026-03-01 08:00 to 2026-03-31 23:59 Africa/Nairobi" in result.output
    campaign = db.session.scalar(select(Campaign))
    assert campaign.opens_at == datetime(2026, 3, 1, 5, 0, tzinfo=UTC)
    assert campaign.closes_at == datetime(2026, 3, 31, 20, 59, tzinfo=UTC)
    defaults = {co.organisation.name: co.default_role_profile for co in campaign.organisations}
    assert set(defaults) == {"Ministry of ICT", "Revenue Authority"}
    assert defaults["Ministry of ICT"].code == "data-analyst" and defaults["Revenue Authority"] is None
    assert ministry in [co.organisation for co in campaign.organisations]
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "campaign.create"))
    assert event.actor_id is None


@pytest.mark.parametrize(("args", "code", "message"), [
    (["--opens", "2026-03-02", "--closes", "2026-03-01"], 1,
     "closes: The campaign must close after it opens"),
    (["--opens", "1 March", "--closes", "2026-03-01"], 1,
     "opens: '1 March' is not a date and time like 2026-03-01"),
    (["--opens", "2026-03-01", "--closes", "2026-03-02", "--instrument", "nope"], 2,
     "no current individual instrument with code nope"),
    (["--opens", "2026-03-01", "--closes", "2026-03-02", "--role-profile", "no equals sign"], 2,
     "is not ORG NAME=ROLE_CODE"),
    (["--opens", "2026-03-01", "--closes", "2026-03-02", "--organisation", "Ministry of Magic"], 2,
     "no organisation 'Ministry of Magic' in KE"),
])
def test_create_explains_bad_input(app, args, code, message):
    country = CountryFactory(code="KE")
    OrganisationFactory(country=country)
    make_instrument(make_framework(), code="tna-individual")
    result = app.test_cli_runner().invoke(args=[
        "campaigns", "create", "--country", "KE", "--instrument", "tna-individual", "--name", "X",
        "--cycle", "baseline", *args])
    assert result.exit_code == code and message in result.output
    assert _count(Campaign) == 0


def _write(tmp_path, lines) -> str:
    path = tmp_path / "officials.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return str(path)


def test_invite_with_bad_rows_prints_them_all_and_writes_nothing(app, tmp_path):
    campaign = make_campaign()
    path = _write(tmp_path, ["email,name,organisation,role profile",
                             "a@example.org,A,Ministry of ICT,",
                             "nope,B,Ministry of ICT,",
                             "c@example.org,C,Ministry of Magic,",
                             "d@example.org,,Ministry of ICT,astronaut"])
    users = _count(User)
    result = app.test_cli_runner().invoke(args=["campaigns", "invite", str(campaign.id), path])
    assert result.exit_code == 1
    assert "officials.csv: row 3: email: 'nope' is not a valid address" in result.output
    assert ("officials.csv: row 4: organisation: 'Ministry of Magic' is not one of this campaign's"
            in result.output)
    assert "officials.csv: row 5: name: missing" in result.output
    assert "officials.csv: row 5: role_profile: 'astronaut' is not a known role profile" in result.output
    assert "4 rows: 1 good, 3 with problems" in result.output and "nothing imported" in result.output
    assert (_count(User), _count(Invitation), _count(InviteFile)) == (users, 0, 0)


def test_invite_only_valid_imports_the_good_rows_and_sends(app, tmp_path):
    campaign = make_campaign()
    lines = ["Email;Name;Organisation"] + [f"p{i}@example.org;Person {i};Ministry of ICT" for i in range(25)]
    path = _write(tmp_path, [*lines, "bad;Bad;Ministry of ICT"])
    with mail.record_messages() as outbox:
        result = app.test_cli_runner().invoke(
            args=["campaigns", "invite", str(campaign.id), path, "--only-valid"])
    assert result.exit_code == 0, result.output
    assert "row 27: email" in result.output
    assert "Importing" in result.output and "Sending invitations" in result.output
    assert "Invited 25 officials: 25 with new accounts, 0 who already had one; 0 invited already" \
        in result.output
    assert "E-mailed 25 invitations" in result.output
    assert _count(Invitation) == 25 and len(outbox) == 25
    assert all(i.emailed_at for i in db.session.scalars(select(Invitation)))


def test_invite_explains_an_unreadable_file(app, tmp_path):
    campaign = make_campaign()
    path = _write(tmp_path, ["who,what", "x,y"])
    result = app.test_cli_runner().invoke(args=["campaigns", "invite", str(campaign.id), path])
    assert result.exit_code == 1 and "file: Row 1 (header): no column for email" in result.output


def test_list_campaigns(app):
    kenya = make_campaign(country=CountryFactory(code="KE", time_zone="Africa/Nairobi"),
                          name="Kenya baseline")
    make_campaign(country=CountryFactory(code="GH"), name="Ghana baseline", roles=False)
    runner = app.test_cli_runner()
    everything = runner.invoke(args=["campaigns", "list"])
    assert everything.exit_code == 0
    assert "Kenya baseline" in everything.output and "Ghana baseline" in everything.output
    only = runner.invoke(args=["campaigns", "list", "--country", "ke"])
    assert "Kenya baseline (baseline)" in only.output and "Ghana" not in only.output
    assert "Africa/Nairobi  open  invited 0, started 0, submitted 0 (-)" in only.output
    assert f"{kenya.id:>5}  KE" in only.output


def test_create_sets_the_measurement_from_the_command_line(app):
    country = CountryFactory(code="KE")
    OrganisationFactory(country=country)
    make_instrument(make_framework(), code="tna-individual")
    base = ["campaigns", "create", "--country", "KE", "--instrument", "tna-individual", "--name", "A",
            "--cycle", "baseline", "--opens", "2026-03-01", "--closes", "2026-03-31"]
    result = app.test_cli_runner().invoke(args=[*base, "--min-checks", "3", "--adaptive"])
    assert result.exit_code == 0, result.output
    campaign = db.session.scalar(select(Campaign))
    assert (campaign.min_checks, campaign.require_self_rating, campaign.adaptive) == (3, True, True)
    refused = app.test_cli_runner().invoke(args=[*base, "--min-checks", "0", "--no-self-rating"])
    assert refused.exit_code == 1 and "min_checks: Ask for the self-rating or at least one" in refused.output
