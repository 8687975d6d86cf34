"""flask plans build CAMPAIGN_ID [--dry-run] [--background]; flask plans refresh EMAIL."""

from sqlalchemy import func, select

from app.extensions import db
from app.models import Job, LearningPlan
from tests.factories import CampaignFactory, ResourceFactory, UserFactory
from tests.unit.test_plans import assessed, competencies, instrument_for


def _campaign_of_two():
    analysis, security = competencies("Data analysis", "Cybersecurity")
    ResourceFactory(title="Analysis course", teaches={analysis: (1, 2)})
    campaign = CampaignFactory(instrument=instrument_for(analysis.framework))
    assessed({analysis: (1, 2)}, campaign=campaign, email="first@example.org")
    assessed({security: (1, 2)}, campaign=campaign, email="second@example.org")
    return campaign


def _plans() -> int:
    return db.session.scalar(select(func.count()).select_from(LearningPlan))


def test_a_dry_run_prints_what_would_change_and_writes_nothing(app):
    campaign = _campaign_of_two()
    result = app.test_cli_runner().invoke(args=["plans", "build", str(campaign.id), "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "first@example.org: new plan, 1 items added, 0 removed, 0 kept" in result.output
    assert "second@example.org: new plan, 0 items added" in result.output  # only an unmet gap
    assert "2 officials: 2 plans would be created" in result.output
    assert _plans() == 0


def test_build_writes_the_plans_and_reports_counts(app):
    campaign = _campaign_of_two()
    result = app.test_cli_runner().invoke(args=["plans", "build", str(campaign.id)])
    assert result.exit_code == 0, result.output
    assert "2/2 officials" in result.output
    assert "2 officials: 2 plans were created, 0 updated, 0 unchanged; 1 items added" in result.output
    assert _plans() == 2


def test_build_in_the_background_records_a_job(app):
    campaign = _campaign_of_two()
    result = app.test_cli_runner().invoke(args=["plans", "build", str(campaign.id), "--background"])
    assert result.exit_code == 0, result.output
    job = db.session.scalar(select(Job).where(Job.kind == "plans.build"))
    assert (job.status, job.done, job.total, job.country_id) == ("done", 2, 2, campaign.country_id)
    assert f"Job {job.id} (done)" in result.output


def test_an_unknown_campaign_is_explained(app):
    result = app.test_cli_runner().invoke(args=["plans", "build", "999999"])
    assert result.exit_code == 2 and "no campaign with id 999999" in result.output


def test_refresh_one_official(app):
    _campaign_of_two()  # two officials; only one is refreshed
    runner = app.test_cli_runner()
    result = runner.invoke(args=["plans", "refresh", "First@example.org"])
    assert result.exit_code == 0, result.output
    assert "first@example.org: 1 items, 0 gaps without material" in result.output
    result = runner.invoke(args=["plans", "refresh", UserFactory().email])
    assert result.exit_code == 1 and "has no submitted assessment yet" in result.output
    assert _plans() == 1
