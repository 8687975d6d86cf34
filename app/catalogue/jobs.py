"""The link check as a background job (on RQ with Redis, inline without)."""

from __future__ import annotations

from collections.abc import Callable

from app.extensions import db
from app.jobs import handler
from app.models import Job
from app.services import links

LINKS_CHECK = "links.check"


@handler(LINKS_CHECK)
def check_links(job: Job, progress: Callable[[int, int], None]) -> str:
    """params: {"stale_days": N or None}. ``progress`` commits, so results are saved as they come."""
    summary = links.check_resources(db.session, stale_days=job.params.get("stale_days"),
                                    progress=progress)
    return summary.line()
