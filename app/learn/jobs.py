"""Background jobs of learning plans: build every plan of a campaign."""

from __future__ import annotations

from collections.abc import Callable

from app.extensions import db
from app.jobs import enqueue, handler
from app.models import Campaign, Job, User
from app.services.learning import plans

PLANS_BUILD = "plans.build"


@handler(PLANS_BUILD)
def build_plans(job: Job, progress: Callable[[int, int], None]) -> str:
    """Build or refresh the plan of every official with a submitted attempt in the job's campaign."""
    report = plans.build_campaign_plans(db.session, int(job.params["campaign_id"]), progress=progress)
    return report.summary()


def start_plans_build(campaign: Campaign, user: User | None = None) -> Job:
    """Record the build of a campaign's plans on its own and start it (inline without Redis): for
    ``flask plans build --background``. The campaign page's button adds the job to its own
    transaction instead (app.campaigns.routes.build_plans)."""
    return enqueue(PLANS_BUILD, {"campaign_id": campaign.id}, country_id=campaign.country_id,
                   created_by_id=user.id if user else None)
