from app.dashboard.cli import catalogue_cli
from app.services.spreadsheet import escape_cell
from tests.factories import FocalPointFactory, InvitationFactory, UserFactory
from tests.unit.test_content_gaps import _submitted


def _gap_in_a_new_country(name):
    invitation = InvitationFactory(campaign__country__name=name)
    competency = invitation.campaign.instrument.framework.competencies[0]
    competency.name = f"Skill of {name}"
    _submitted(invitation.campaign, invitation.organisation, results={competency: (0, 2)},
               languages=["fr"])
    return invitation.campaign.country


def test_a_focal_point_sees_their_countrys_gaps_only_on_the_page_and_in_the_csv(browser):
    mine, theirs = _gap_in_a_new_country("Mineland"), _gap_in_a_new_country("Theirland")
    browser.sign_in_as(FocalPointFactory(country=mine))

    page = browser.get("/dashboard/content-gaps").get_data(as_text=True)
    assert "Skill of Mineland" in page and "Skill of Theirland" not in page
    assert browser.get(f"/dashboard/content-gaps?country={theirs.id}").status_code == 404
    assert browser.get(f"/dashboard/content-gaps?country={theirs.id}&format=csv").status_code == 404
    csv = browser.get("/dashboard/content-gaps?format=csv")
    assert csv.mimetype == "text/csv"
    lines = csv.get_data(as_text=True).splitlines()
    assert lines[0].startswith("competency,competency_name,level,language,officials_affected")
    assert len(lines) == 2 and "Skill of Mineland" in lines[1] and ",fr,1,0,0,none" in lines[1]


def test_an_admin_sees_every_country_and_can_pick_one(browser):
    mine, _ = _gap_in_a_new_country("Mineland"), _gap_in_a_new_country("Theirland")
    browser.sign_in_as(UserFactory(admin=True))
    page = browser.get("/dashboard/content-gaps").get_data(as_text=True)
    assert "Skill of Mineland" in page and "Skill of Theirland" in page
    picked = browser.get(f"/dashboard/content-gaps?country={mine.id}").get_data(as_text=True)
    assert "Skill of Theirland" not in picked


def test_officials_cannot_see_the_report(browser):
    browser.sign_in_as(UserFactory())
    assert browser.get("/dashboard/content-gaps").status_code == 403


def test_the_cli_prints_the_report_for_one_country(app):
    mine, _ = _gap_in_a_new_country("Mineland"), _gap_in_a_new_country("Theirland")
    result = app.test_cli_runner().invoke(catalogue_cli, ["gaps", "--country", mine.code])
    assert result.exit_code == 0, result.output
    assert len(result.output.strip().splitlines()) == 2 and "none" in result.output
    unknown = app.test_cli_runner().invoke(catalogue_cli, ["gaps", "--country", "QQ"])
    assert unknown.exit_code == 2 and "no country with code QQ" in unknown.output


def test_csv_cells_that_look_like_formulas_are_escaped():
    assert [escape_cell(v) for v in ["=SUM(A1)", "+1", "-2", "@x", "plain", 3]] == [
        "'=SUM(A1)", "'+1", "'-2", "'@x", "plain", 3]
