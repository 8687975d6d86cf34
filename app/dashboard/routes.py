"""Reports for admins and focal points, each scoped to the countries the viewer may see.

The dashboard is four pages sharing one filter bar (participation, skills, change over time,
learning), plus countries side by side and the person-level export for admins. Every table on a page
downloads as CSV and XLSX from /dashboard/export/<table>.<csv|xlsx> with the page's query string, and
every chart is an SVG image from /dashboard/chart/<name>.svg: the same table, built by the same call.
"""

from __future__ import annotations

from flask import Response, abort, current_app, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from markupsafe import Markup

from app.authz import current_actor, require_role
from app.dashboard import bp
from app.dashboard.cache import cached, rendered
from app.dashboard.charts import CHARTS
from app.dashboard.export import table_download
from app.dashboard.formatting import cell, dimension, heat_class, interval, label
from app.dashboard.forms import PersonExportForm
from app.dashboard.headers import header
from app.dashboard.paging import current_page
from app.dashboard.selection import Selection, current_selection, release_for
from app.dashboard.summary import page_summary
from app.dashboard.tables import PAGES, TABLES, build, column_groups, counts_learning, grid, level_grid
from app.extensions import db
from app.models import Role
from app.services import evaluation
from app.services.evaluation import exports
from app.services.evaluation.release import Release
from app.transactions import begin_writing

STAFF = (Role.ADMIN, Role.FOCAL_POINT)
PAGE_TITLES = {
    "index": _l("Participation"),
    "skills": _l("Skills and assets"),
    "change": _l("Change over time"),
    "learning": _l("Learning and feedback"),
    "countries": _l("Countries side by side"),
}


def _release(selection: Selection) -> Release:
    """The release layer for this request: the deployment's threshold, or a higher one a country in
    view has set for itself, and the deployment's noise and key."""
    return release_for(current_app.config, selection.countries_in_view)


@bp.context_processor
def _dashboard_helpers() -> dict[str, object]:
    return {"cell": cell, "interval": interval, "heat_class": heat_class, "label": label,
            "dimension": dimension, "page_titles": PAGE_TITLES, "charts": CHARTS,
            "heatmap_grid": evaluation.heatmap_grid, "level_grid": level_grid, "grid": grid,
            "column_groups": column_groups, "column_header": header}


def _page(page: str) -> str:
    """A dashboard page: its summary and sections rendered once per data version, selection and page
    of organisations (app.dashboard.cache: the key of the figures, and the page number), around the
    heading, navigation and filter bar rendered for this viewer."""
    selection = current_selection(db.session)
    release = _release(selection)
    organisations = current_page(selection)  # past the last page: a 404, cached or not

    def compute():
        tables = build(db.session, selection, release, PAGES[page])
        return tables, page_summary(db.session, page, tables)

    learning = counts_learning(PAGES[page])

    def render() -> tuple[list[str], str]:
        tables, summary = cached(f"page:{page}", selection, release, compute, learning=learning)
        return summary, render_template(f"dashboard/{page}.html", page=page, selection=selection,
                                        tables=tables, k=release.k, organisations=organisations)

    summary, body = rendered(f"html:{page}:{organisations.page}", selection, release, render,
                             learning=learning)
    return render_template("dashboard/_layout.html", page=page, selection=selection, k=release.k,
                           summary=summary, body=Markup(body))  # noqa: S704 - our own template's output


@bp.get("/")
@require_role(*STAFF)
def index() -> str:
    return _page("index")


@bp.get("/skills")
@require_role(*STAFF)
def skills() -> str:
    return _page("skills")


@bp.get("/change")
@require_role(*STAFF)
def change() -> str:
    return _page("change")


@bp.get("/learning")
@require_role(*STAFF)
def learning() -> str:
    return _page("learning")


@bp.get("/countries")
@require_role(Role.ADMIN)
def countries() -> str:
    return _page("countries")


@bp.get("/chart/<name>.svg")
@require_role(*STAFF)
def chart(name: str) -> Response:
    spec = CHARTS.get(name)
    if spec is None:
        abort(404)
    if TABLES[spec.table].admin_only and current_user.role != Role.ADMIN:
        abort(403)
    selection = current_selection(db.session)
    release = _release(selection)

    def draw() -> bytes:
        table = TABLES[spec.table].build(db.session, selection, release)
        return spec.draw(table, selection, str(spec.title), str(spec.description))

    return Response(cached(f"chart:{name}", selection, release, draw, learning=TABLES[spec.table].learning),
                    mimetype="image/svg+xml")


@bp.get("/export/<name>.<any(csv, xlsx):file_format>")
@require_role(*STAFF)
def export(name: str, file_format: str) -> Response:
    spec = TABLES.get(name)
    if spec is None:
        abort(404)
    if spec.admin_only and current_user.role != Role.ADMIN:
        abort(403)
    selection = current_selection(db.session)
    return _download(_table(name, selection), file_format, selection, {})


def _table(name: str, selection: Selection) -> evaluation.Table:
    """One table for a download or the content-gap report, computed once per data version."""
    release = _release(selection)
    return cached(f"table:{name}", selection, release,
                  lambda: TABLES[name].build(db.session, selection, release), learning=TABLES[name].learning)


def _download(table: evaluation.Table, file_format: str, selection, extra: dict, *,
              lines: tuple[tuple[str, str], ...] = (), parts: tuple[str, ...] = ()) -> Response:
    """The table as a file that says what it is (app.dashboard.export), worded as on the page, and
    the audit event of the download."""
    response = table_download(table, file_format, selection, noise=_release(selection).noise,
                              lines=lines, parts=parts)
    begin_writing()  # the event in a writing transaction of its own (a GET read until now)
    exports.record_export(db.session, current_actor(), f"{table.name}.{file_format}",
                          selection.audit_country_id,
                          {**selection.audit_details, "rows": len(table.rows), **extra})
    db.session.commit()
    return response


@bp.route("/people", methods=["GET", "POST"])
@require_role(Role.ADMIN)
def people() -> Response | str:
    """The person-level table (each official's latest levels): admins only, pseudonymised unless
    the admin ticks "include names" and the confirmation."""
    selection = current_selection(db.session)
    form = PersonExportForm()
    if form.validate_on_submit():
        pseudonymise = not form.include_names.data
        table = evaluation.person_levels(db.session, selection.scope, selection.filters,
                                        key=current_app.config["SECRET_KEY"], pseudonymise=pseudonymise,
                                        not_assessed_text=_("not assessed"))
        names = _("Pseudonymised") if pseudonymise else _("Names and e-mail addresses included")
        return _download(table, form.file_format.data, selection, {"pseudonymised": pseudonymise},
                         lines=((_("Names"), names),), parts=() if pseudonymise else ("named",))
    return render_template("dashboard/people.html", form=form, selection=selection, page="people",
                           action=url_for("dashboard.people", **selection.args))


@bp.get("/content-gaps")
@require_role(*STAFF)
def content_gap_report() -> Response | str:
    """The whole content-gap table (the skills page shows its largest rows); its files are the
    dashboard's export of it. The old ?format=csv link is sent there, so it is audited too."""
    selection = current_selection(db.session)  # a country the viewer may not see is a 404
    if request.args.get("format") == "csv":
        return redirect(url_for("dashboard.export", name="content-gaps", file_format="csv", **selection.args))
    table = _table("content-gaps", selection)
    return render_template("dashboard/content_gaps.html", gaps=table, selection=selection,
                           picked=selection.args.get("country"), countries=selection.countries)
