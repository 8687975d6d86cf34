"""Downloads: the one response every file in the app is sent with, and a dashboard table as a file
that says what it is (app.services.evaluation.exports writes it).

Every CSV goes through ``csv_response``: UTF-8 with a byte-order mark (so Excel on Windows reads
French and Arabic names right) and one ``Content-Type: text/csv; charset=utf-8``. A table's file
carries its context (title, country, filters, when it was made, the small-cell rule) and a name made
of the table, the country, the filters and the date, so two selections never give the same name.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime

from flask import Response
from flask_babel import gettext as _

from app.dashboard.formatting import dimension, not_enough_text, suppressed_text
from app.dashboard.headers import PERSON_LEVELS, headers_for, title_of
from app.dashboard.selection import Option, Selection
from app.services.evaluation import Table, exports
from app.services.spreadsheet import CSV_TYPE, csv_bytes


def file_response(body: bytes, filename: str, content_type: str,
                  headers: Mapping[str, str] | None = None) -> Response:
    """A download: ``content_type`` exactly as given (Flask adds no second charset), ``filename``
    ASCII (exports.filename makes such names)."""
    safe = filename.encode("ascii", "ignore").decode().replace('"', "")
    return Response(body, content_type=content_type,
                    headers={"Content-Disposition": f'attachment; filename="{safe}"', **(headers or {})})


def csv_response(filename: str, text: str, headers: Mapping[str, str] | None = None) -> Response:
    """The one CSV download: ``text`` (app.services.spreadsheet.csv_text) with the BOM."""
    return file_response(csv_bytes(text), filename, CSV_TYPE, headers)


def table_download(table: Table, file_format: str, selection: Selection, *, noise: int = 0,
                   lines: Sequence[tuple[str, str]] = (), parts: Sequence[str] = ()) -> Response:
    """``table`` as a CSV or XLSX file of the selection. ``noise``: the release layer's (0: exact
    figures above the threshold); ``lines``: more context (label, value); ``parts``: more of the
    file name (slugs)."""
    context = file_context(table, selection, lines, noise=noise)
    name = exports.filename(table.name, file_format, [*name_parts(selection), *parts], context.made_on())
    wording = file_wording(table)
    if file_format == "csv":
        return csv_response(name, exports.to_csv(table, wording=wording, context=context))
    return file_response(exports.to_xlsx(table, wording=wording, context=context), name, exports.XLSX_TYPE)


def file_wording(table: Table) -> exports.Wording:
    return exports.Wording(headers=headers_for(table), hidden=_("Hidden figures"),
                           suppressed=suppressed_text(table.k), not_enough=not_enough_text(),
                           yes=_("yes"), no=_("no"), about=_("About this file"),
                           values={"dimension": dimension})


def file_context(table: Table, selection: Selection, lines: Sequence[tuple[str, str]] = (), *,
                 noise: int = 0, made_at: datetime | None = None) -> exports.Context:
    k, method, note = _disclosure(table, noise)
    country = selection.country
    return exports.Context(
        title=title_of(table),
        place=f"{country.name} ({country.code})" if country else _("All countries you may see"),
        made_at=made_at or datetime.now(UTC), filters=(*filter_lines(selection), *lines),
        time_zone=country.time_zone if country else None, k=k, method=method, note=note,
        labels=context_labels())


def context_labels() -> exports.ContextLabels:
    """The translated labels of a file's context block, the same in every download."""
    return exports.ContextLabels(table=_("Table"), place=_("Country"), made_utc=_("Made (UTC)"),
                                 made_local=_("Made (the country's time)"),
                                 k=_("Small-cell threshold (K)"), method=_("Disclosure method"),
                                 note=_("Note"))


def _label(options: list[Option], chosen: int | None) -> str | None:
    return next((option.label for option in options if option.id == chosen), None)


def filter_lines(selection: Selection) -> list[tuple[str, str]]:
    """Each filter of the selection with its wording, "all" included: a file never leaves it unsaid."""
    filters = selection.filters
    return [
        (_("Campaign"), _label(selection.campaigns, filters.campaign_id) or _("All campaigns")),
        (_("Organisation"), _label(selection.organisations, filters.organisation_id)
         or _("All organisations")),
        (_("Role profile"), _label(selection.role_profiles, filters.role_profile_id)
         or _("All role profiles")),
        (_("Results"), _("Validated results only") if filters.validated_only else _("All results")),
    ]


def name_parts(selection: Selection) -> list[str]:
    """The country's code (or "all"), each filter's slug and "validated": the file name's parts."""
    filters = selection.filters
    parts = [selection.country.code.lower() if selection.country else "all"]
    for prefix, chosen, options in (("campaign", filters.campaign_id, selection.campaigns),
                                    ("org", filters.organisation_id, selection.organisations),
                                    ("role", filters.role_profile_id, selection.role_profiles)):
        if chosen is not None:
            parts.append(exports.option_slug(prefix, chosen, {o.id: o.label for o in options}))
    if filters.validated_only:
        parts.append("validated")
    return parts


def _disclosure(table: Table, noise: int) -> tuple[int | None, str, str]:
    """The threshold K (None: nothing hidden), the method in one sentence, and the reader's note."""
    if table.name == PERSON_LEVELS:
        return None, _("None: one row per official, for admins only, pseudonymised unless names were "
                       "asked for."), ""
    if set(table.columns) <= set(table.plain):
        return None, _("None needed: these figures are about organisations, not officials, and are "
                       "shown as recorded."), ""
    k = table.k
    if noise:
        method = _("Small-cell threshold with cell-key perturbation (the method of national statistics "
                   "offices): figures about fewer than %(k)s officials are hidden, the others are moved "
                   "by a small amount that is always the same for the same officials.", k=k)
        note = _("Figures about fewer than %(k)s officials are hidden (empty cells, listed in the last "
                 "column). The other figures are moved slightly by cell-key perturbation so that no "
                 "hidden figure can be worked out by subtraction; rows may not add up exactly to their "
                 "total.", k=k)
    else:
        method = _("Small-cell threshold: figures about fewer than %(k)s officials are hidden; the "
                   "others are exact.", k=k)
        note = _("Figures about fewer than %(k)s officials are hidden (empty cells, listed in the last "
                 "column).", k=k)
    return k, method, note
