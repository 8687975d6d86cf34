"""A newly published path reaches the plans of the officials whose gaps it fits, without their asking:
app/services/learning/path_plans.py, run as a background job when a path is published."""

from sqlalchemy import select

from app.extensions import db
from app.models import LearningPlan
from app.services import paths
from app.services.audit import Actor
from app.services.learning import path_plans, plans
from tests.factories import ResourceFactory, make_path
from tests.unit.test_plans import assessed, competencies, refs


def test_publishing_a_path_refreshes_the_plans_it_concerns_only():
    analysis, security = competencies("Data analysis", "Cybersecurity")
    step1 = ResourceFactory(code="step-1", teaches={analysis: (1, 2)})
    step2 = ResourceFactory(code="step-2", teaches={analysis: (2, 3)})
    ResourceFactory(code="sec", teaches={security: (1, 2)})
    fits = assessed({analysis: (1, 3)})
    other = assessed({security: (1, 2)})
    without_plan = assessed({analysis: (1, 3)})
    for official in (fits, other):
        plans.refresh_plan(db.session, official)
    assert refs(fits) == ["step-1", "step-2"]
    other_built = db.session.scalar(select(LearningPlan.built_at).where(LearningPlan.user_id == other.id))

    draft = make_path([step1, step2], status="draft")
    paths.publish(db.session, Actor(None), draft)
    assert path_plans.concerned_officials(db.session, draft.id) == [fits.id]
    report = path_plans.refresh_for_path(db.session, draft.id)

    assert refs(fits) == [f"path:{draft.id}"]
    assert report.officials == 1 and report.updated == 1
    built = db.session.scalar(select(LearningPlan.built_at).where(LearningPlan.user_id == other.id))
    assert built == other_built
    assert db.session.scalar(select(LearningPlan).where(LearningPlan.user_id == without_plan.id)) is None
    assert "1 official" in report.summary()


def test_a_draft_or_unknown_version_concerns_nobody():
    analysis, = competencies("Data analysis")
    step = ResourceFactory(code="step-1", teaches={analysis: (1, 2)})
    official = assessed({analysis: (1, 3)})
    plans.refresh_plan(db.session, official)
    draft = make_path([step], status="draft")
    assert path_plans.concerned_officials(db.session, draft.id) == []
    assert path_plans.concerned_officials(db.session, 999_999) == []
