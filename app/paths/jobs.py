"""Background jobs of course paths: once a version is published, the plans it fits are refreshed."""

from __future__ import annotations

from collections.abc import Callable

from app.extensions import db
from app.jobs import add, handler
from app.models import Job, PathVersion
from app.services.learning import path_plans

PATH_PLANS = "plans.path"


@handler(PATH_PLANS)
def refresh_plans(job: Job, progress: Callable[[int, int], None]) -> str:
    """Refresh the plans of the officials whose gaps the job's path version fits."""
    return path_plans.refresh_for_path(db.session, int(job.params["path_version_id"]),
                                       progress=progress).summary()


def add_plans_refresh(version: PathVersion, user_id: int | None) -> Job:
    """The refresh, in the transaction that publishes ``version``: it starts once that commits."""
    return add(PATH_PLANS, {"path_version_id": version.id}, created_by_id=user_id)
