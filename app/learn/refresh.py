"""Refreshing an official's learning plan after their results change, from any view."""

from __future__ import annotations

from flask import current_app

from app.extensions import db
from app.models import User
from app.services.learning import plans


def refresh_plan_quietly(official: User) -> None:
    """New or validated results make a new plan. What changed them is saved already: if matching fails,
    the official still sees their results, and the plan page can be refreshed later."""
    try:
        plans.refresh_plan(db.session, official)
        db.session.commit()
    except Exception:
        db.session.rollback()
        current_app.logger.exception("learning plan refresh failed for user %s", official.id)
