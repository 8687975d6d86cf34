"""The home page, help and the health check."""

from __future__ import annotations

from flask import jsonify, render_template
from flask_login import current_user
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from app.extensions import db, limiter
from app.jobs import queue_state
from app.main import bp
from app.models import Role
from app.models.base import utcnow
from app.services.assessment import next_step


@bp.get("/")
def index():
    # an official's own open assessments only (next_step goes through their invitations)
    is_official = current_user.is_authenticated and current_user.role == Role.OFFICIAL
    open_now = next_step.open_assessments(db.session, current_user, utcnow()) if is_official else []
    return render_template("main/index.html", open_assessments=open_now)


@bp.get("/help")
def help():
    return render_template("main/help.html")


@bp.get("/healthz")
@limiter.exempt
def healthz():
    """The database and, when REDIS_URL is set, Redis. Redis down is "degraded", still 200: sign-in and
    assessments work (limits in memory, jobs refused or inline), so the load balancer keeps sending."""
    redis = {"inline": "not configured", "ok": "ok", "down": "down"}[queue_state()]
    try:
        db.session.execute(text("SELECT 1"))
    except SQLAlchemyError:
        db.session.rollback()
        return jsonify(status="error", database="unreachable", redis=redis), 503
    return jsonify(status="degraded" if redis == "down" else "ok", database="ok", redis=redis)
