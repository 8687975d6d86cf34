"""Inviting from a file, as the focal point sees it: the template to start from, the warning for an
official the file would move and the choice for them, and the result in plain words."""

import csv
import io

from sqlalchemy import select

from app.extensions import db
from app.models import Invitation, InviteFile, User
from tests.factories import FocalPointFactory, UserFactory
from tests.unit.test_campaigns_service import make_campaign
from tests.web.test_campaigns import _upload

FILE = ("email,name,organisation\r\n"
        "new@example.org,New Person,Ministry of Finance\r\n"
        "other@example.org,Other Person,Ministry of Health\r\n"
        "amina@example.org,Amina Okafor,Ministry of Finance\r\n")


def _setup(browser):
    campaign = make_campaign(organisations=("Ministry of Health", "Ministry of Finance"))
    health, finance = (co.organisation for co in campaign.organisations)
    amina = UserFactory(email="amina@example.org", organisation=health, country=campaign.country)
    browser.sign_in_as(FocalPointFactory(country=campaign.country))
    response = _upload(browser, campaign, FILE)
    assert response.status_code == 302
    return campaign, health, finance, amina, response.headers["Location"]


def _import(browser, campaign, check_url, choices):
    staged = db.session.scalar(select(InviteFile))
    return browser.post(f"/campaigns/{campaign.id}/invite-files/{staged.id}/import", choices,
                        token_from=check_url, follow_redirects=True)


def test_the_check_warns_about_a_moved_official_and_asks_what_to_do(browser):
    campaign, health, finance, amina, check_url = _setup(browser)
    page = browser.get(check_url).get_data(as_text=True)
    assert "Row 4: amina@example.org is in Ministry of Health; the file says Ministry of Finance" in page
    assert "Keep in Ministry of Health" in page and "Move to Ministry of Finance" in page
    assert 'name="move_4"' in page


def test_importing_without_choosing_says_so_and_writes_nothing(browser):
    campaign, health, finance, amina, check_url = _setup(browser)
    response = _import(browser, campaign, check_url, {})
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "There is a problem" in page
    assert "Choose whether to keep amina@example.org in Ministry of Health or move them" in page
    assert db.session.scalar(select(Invitation)) is None


def test_keep_leaves_the_official_where_they_are(browser):
    campaign, health, finance, amina, check_url = _setup(browser)
    page = _import(browser, campaign, check_url, {"move_4": "keep"}).get_data(as_text=True)
    assert "3 officials invited: 2 with new accounts and 1 who already had an account" in page
    assert "1 official kept where they are" in page
    db.session.expire_all()
    assert db.session.get(User, amina.id).organisation_id == health.id
    invitation = db.session.scalar(select(Invitation).where(Invitation.user_id == amina.id))
    assert invitation.organisation_id == health.id


def test_move_moves_the_official_as_the_file_says(browser):
    campaign, health, finance, amina, check_url = _setup(browser)
    page = _import(browser, campaign, check_url, {"move_4": "move"}).get_data(as_text=True)
    assert "1 official moved as the file says" in page
    db.session.expire_all()
    assert db.session.get(User, amina.id).organisation_id == finance.id
    invitation = db.session.scalar(select(Invitation).where(Invitation.user_id == amina.id))
    assert invitation.organisation_id == finance.id


def test_one_invited_is_said_in_the_singular(browser):
    campaign = make_campaign()
    browser.sign_in_as(FocalPointFactory(country=campaign.country))
    response = _upload(browser, campaign, "email,name,organisation\nsolo@example.org,Solo,Ministry of ICT\n")
    page = _import(browser, campaign, response.headers["Location"], {}).get_data(as_text=True)
    assert "1 official invited: 1 with a new account" in page
    assert "accounts" not in page.split("1 official invited")[1].split("<")[0]


def test_the_template_downloads_with_the_columns_the_importer_reads(browser):
    campaign = make_campaign()
    browser.sign_in_as(FocalPointFactory(country=campaign.country))
    invite_page = browser.get(f"/campaigns/{campaign.id}/invite").get_data(as_text=True)
    assert 'href="/campaigns/invitations-template.csv"' in invite_page
    response = browser.get("/campaigns/invitations-template.csv")
    assert response.status_code == 200
    assert 'filename="invitations-template.csv"' in response.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0] == ["email", "name", "organisation", "role profile", "manager email"]
    assert len(rows) == 2 and rows[1][0] == "amina.okafor@example.org"


def test_officials_cannot_download_the_template(browser):
    browser.sign_in_as(UserFactory())
    assert browser.get("/campaigns/invitations-template.csv").status_code == 403


def _cli_setup(tmp_path):
    campaign = make_campaign(organisations=("Ministry of Health", "Ministry of Finance"))
    health = campaign.organisations[0].organisation
    amina = UserFactory(email="amina@example.org", organisation=health, country=campaign.country)
    path = tmp_path / "officials.csv"
    path.write_text(FILE, encoding="utf-8")
    return campaign, health, amina, path


def test_the_command_line_import_refuses_moved_officials_without_a_choice(app, tmp_path):
    campaign, health, amina, path = _cli_setup(tmp_path)
    refused = app.test_cli_runner().invoke(args=["campaigns", "invite", str(campaign.id), str(path)])
    assert refused.exit_code == 1
    assert "Row 4: amina@example.org is in Ministry of Health; the file says Ministry of Finance" in \
        refused.output
    assert "give --moves keep or --moves move" in refused.output


def test_the_command_line_import_keeps_moved_officials_when_told(app, tmp_path):
    campaign, health, amina, path = _cli_setup(tmp_path)
    runner = app.test_cli_runner()
    done = runner.invoke(args=["campaigns", "invite", str(campaign.id), str(path), "--moves", "keep"])
    assert done.exit_code == 0, done.output
    assert "Invited 3 officials: 2 with new accounts, 1 who already had one" in done.output
    db.session.expire_all()
    assert db.session.get(User, amina.id).organisation_id == health.id
