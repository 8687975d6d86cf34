"""Reports for admins and focal points, each scoped to the countries the viewer may see."""

from __future__ import annotations

from flask import Response, render_template, request
from flask_login import current_user

from app.authz import require_role
from app.dashboard import bp
from app.dashboard.export import csv_response
from app.extensions import db
from app.models import Role
from app.services import places
from app.services.content_gaps import content_gaps
from app.services.scope import visible_country_ids


def _countries_in_view() -> tuple[frozenset[int] | None, int | None]:
    """The countries the report covers: all the viewer may see, or the one they picked of those."""
    visible = visible_country_ids(current_user)
    picked = request.args.get("country", type=int)
    if picked and (visible is None or picked in visible):
        return frozenset({picked}), picked
    return visible, None


@bp.get("/content-gaps")
@require_role(Role.ADMIN, Role.FOCAL_POINT)
def content_gap_report() -> Response | str:
    countries, picked = _countries_in_view()
    report = content_gaps(db.session, countries)
    if request.args.get("format") == "csv":
        header = ["competency", "competency_name", "level", "language", "officials_affected",
                  "resources_in_language", "resources_any_language", "status"]
        rows = [[g.competency_code, g.competency_name, g.level, g.language, g.officials,
                 g.resources_in_language, g.resources_any_language, g.status] for g in report]
        return csv_response("content-gaps.csv", header, rows)
    return render_template("dashboard/content_gaps.html", report=report, picked=picked,
                           countries=list(db.session.scalars(places.countries_query(current_user))))
