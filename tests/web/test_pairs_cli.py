"""flask pairs check | rebuild: find a store of pairs out of step with the results, and put it back."""

from sqlalchemy import update

from app.extensions import db
from app.models import CompetencyResult
from tests.unit.analytics_fixture import build_world


def test_check_finds_results_written_round_the_application_and_rebuild_puts_the_pairs_back(app):
    world = build_world()
    runner = app.test_cli_runner()
    assert runner.invoke(args=["pairs", "check"]).exit_code == 0
    db.session.execute(update(CompetencyResult).where(CompetencyResult.competency_id == world.c1.id)
                       .values(calibrated_level=0))
    found = runner.invoke(args=["pairs", "check"])
    assert found.exit_code == 1
    assert "8 pairs of results differ from the results: run `flask pairs rebuild`" in found.output
    rebuilt = runner.invoke(args=["pairs", "rebuild"])
    assert rebuilt.exit_code == 0 and "Wrote 16 pairs of results" in rebuilt.output
    checked = runner.invoke(args=["pairs", "check"])
    assert checked.exit_code == 0 and "in step" in checked.output
