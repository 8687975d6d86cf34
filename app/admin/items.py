"""Item statistics of the knowledge checks, for the admins who keep the item bank: a page grouped by
competency and its CSV (recorded in the audit log like every export). Figures:
app/services/assessment/item_stats.py."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Response, current_app, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovSelect, GovSubmitInput
from wtforms import SelectField, SubmitField, ValidationError

from app.admin import bp
from app.authz import current_actor, require_role, visible_countries
from app.dashboard.export import context_labels, csv_response
from app.dashboard.formatting import cell as dashboard_cell
from app.dashboard.formatting import suppressed_text
from app.extensions import db
from app.models import Role
from app.services.assessment import item_stats, item_stats_csv
from app.services.evaluation import exports
from app.services.scope import visible_country_ids
from app.services.spreadsheet import preamble_text
from app.transactions import begin_writing


class ItemFilterForm(FlaskForm):
    """GET filters: nothing changes, so no CSRF. Choices are set by the view."""

    class Meta:
        csrf = False

    instrument = SelectField(_l("Instrument"), widget=GovSelect(), validate_choice=False)
    version = SelectField(_l("Version"), widget=GovSelect(), validate_choice=False)
    country = SelectField(_l("Country"), widget=GovSelect(), validate_choice=False)
    submit = SubmitField(_l("Apply filters"), widget=GovSubmitInput())

    def validate_instrument(self, field) -> None:
        if field.data and field.data not in {value for value, _label in field.choices}:
            raise ValidationError(_("There is no instrument with the code “%(code)s”", code=field.data))

    def validate_version(self, field) -> None:
        if not field.data:
            return
        if not self.instrument.data:
            raise ValidationError(_("Choose an instrument before one of its versions"))
        if (self.instrument.data, field.data) not in self.versions:
            raise ValidationError(_("Instrument %(code)s has no version “%(version)s”",
                                    code=self.instrument.data, version=field.data))

    def validate_country(self, field) -> None:
        if field.data and field.data not in {value for value, _label in field.choices}:
            raise ValidationError(_("Choose a country from the list"))


def _filters() -> tuple[ItemFilterForm, dict[str, object] | None]:
    """The filter form from the query string, and the filters it asks for (None when it is invalid)."""
    form = ItemFilterForm(request.args)
    instruments = item_stats.instrument_versions(db.session)
    form.versions = {(code, str(version)) for code, version, _name in instruments}
    names = {code: name for code, _version, name in instruments}
    form.instrument.choices = [("", _("All instruments"))] + [(c, f"{names[c]} ({c})") for c in names]
    form.version.choices = [("", _("All versions"))] + [
        (v, _("Version %(version)s", version=v)) for v in sorted({v for _c, v in form.versions}, key=int)]
    form.country.choices = [("", _("All countries"))] + [(str(c.id), c.name) for c in visible_countries()]
    if request.args and not form.validate():
        return form, None
    country = int(form.country.data) if form.country.data else None
    return form, {"instrument": form.instrument.data or None,
                  "version": int(form.version.data) if form.version.data else None,
                  "country": country}


def _statistics(filters: dict[str, object]) -> item_stats.ItemStatistics:
    country = filters["country"]
    scope = frozenset({country}) if country is not None else visible_country_ids(current_user)
    return item_stats.item_statistics(db.session, scope, instrument=filters["instrument"],
                                      version=filters["version"], k=current_app.config["SMALL_CELL_K"])


def figure(value: object, kind: str = "count") -> str:
    """A figure as the page shows it: "not enough responses", "fewer than K", or the number."""
    if isinstance(value, item_stats.TooFewResponses):
        return _("not enough responses")
    return dashboard_cell(value, kind)


def flag_words() -> dict[str, str]:
    return {"low_discrimination": _("Low discrimination"), "too_easy": _("Too easy"),
            "too_hard": _("Too hard")}


def _render(form: ItemFilterForm, stats: item_stats.ItemStatistics | None, args: dict[str, object]) -> str:
    return render_template("admin/items.html", form=form, stats=stats, args=args, figure=figure,
                           flag_words=flag_words(), min_responses=item_stats.MIN_RESPONSES,
                           k=current_app.config["SMALL_CELL_K"])


@bp.get("/items")
@require_role(Role.ADMIN)
def items() -> str:
    form, filters = _filters()
    stats = _statistics(filters) if filters is not None else None
    args = {key: value for key, value in (filters or {}).items() if value is not None}
    return _render(form, stats, args)


@bp.get("/items.csv")
@require_role(Role.ADMIN)
def items_csv() -> Response | tuple[str, int]:
    form, filters = _filters()
    if filters is None:
        return _render(form, None, {}), 400
    stats = _statistics(filters)
    words = {"too_few": _("not enough responses"), "suppressed": suppressed_text(stats.k),
             "key": _("key"), "hidden": _("Hidden figures"), **flag_words()}
    body = preamble_text(_context(form, filters, stats.k).lines()) + item_stats_csv.to_csv(stats, words)
    begin_writing()  # the event in a writing transaction of its own (a GET read until now)
    exports.record_export(db.session, current_actor(), "item-stats.csv", filters["country"],
                          {"countries": "all" if filters["country"] is None else [filters["country"]],
                           "filters": {key: value for key, value in filters.items()
                                       if value is not None and key != "country"},
                           "rows": stats.rows})
    db.session.commit()
    return csv_response(_file_name(form), body)


def _file_name(form: ItemFilterForm) -> str:
    """item-stats_<country>_<instrument>_v<version>_<date>.csv, with "all" for every country."""
    parts = [exports.option_slug(prefix, field.data, dict(field.choices)) if field.data else ""
             for prefix, field in (("country", form.country), ("instrument", form.instrument))]
    return exports.filename("item-stats", "csv", [parts[0] or "all", parts[1],
                                                  f"v{form.version.data}" if form.version.data else ""],
                            datetime.now(UTC).date())


def _context(form: ItemFilterForm, filters: dict[str, object], k: int) -> exports.Context:
    def chosen(field: SelectField) -> str:
        return next(str(label) for value, label in field.choices if value == (field.data or ""))

    return exports.Context(
        title=_("Item statistics"), place=chosen(form.country) if filters["country"] else
        _("All countries you may see"), made_at=datetime.now(UTC), k=k,
        filters=((_("Instrument"), chosen(form.instrument)), (_("Version"), chosen(form.version))),
        method=_("Small-cell threshold: figures about fewer than %(k)s officials are hidden.", k=k),
        labels=context_labels())
