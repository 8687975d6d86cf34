"""Every analytics table as CSV or XLSX, what each file says about itself, its name, and the audit
event each export leaves. No Flask: the caller passes the words (headers, markers, labels) in the
reader's language.

Cells, the same in both formats:

- Numbers are numbers. A p-value (columns ``P_COLUMNS``) keeps 3 significant digits (6.5e-06 stays
  6.5e-06, never 0.0); any other float 4 decimal places; in XLSX a p-value shows "< 0.001" below
  0.001 (a number format, the cell still holds the number).
- A figure not shown — hidden by the small-cell rule (``Suppressed``) or ``NotEnoughData`` — is an
  empty cell, never text in a number column; the last column ("Hidden figures") says, per row,
  which columns are not shown and why. In XLSX the empty cell is also shaded and carries a comment.
- None is an empty cell; booleans are the caller's yes/no; dates ISO 8601.
- Text that a spreadsheet would run as a formula (starting with = + - @) is escaped with a leading
  quote (app.services.spreadsheet.escape_cell), and XLSX text is always a string, never parsed into
  a formula, number or link.

Context (``Context``): the CSV opens with a block of lines starting with "# " (the table's title, the
country, each filter, when it was made in UTC and the country's time, the threshold K, the disclosure
method and a note), then one blank line, then the table: pandas reads it with
``read_csv(path, encoding="utf-8-sig", comment="#")``. The XLSX has the same lines on a second sheet,
"About this file".
"""

from __future__ import annotations

import io
import math
import re
import unicodedata
from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import xlsxwriter
from sqlalchemy.orm import Session

from app.models import AuditEvent
from app.services import audit
from app.services.audit import Actor
from app.services.evaluation.common import NotEnoughData, Suppressed, Table
from app.services.spreadsheet import CSV_TYPE, csv_text, escape_cell

__all__ = ["CSV_TYPE", "XLSX_TYPE", "Context", "ContextLabels", "Wording", "cell", "filename",
           "option_slug", "record_export", "slug", "to_csv", "to_xlsx"]

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DECIMALS = 4
P_DIGITS = 3
P_COLUMNS = frozenset({"p", "p_adjusted"})
P_FORMAT = '[<0.001]"< 0.001";0.000'  # Excel shows "< 0.001" below 0.001, else 3 decimals
NOT_SHOWN_FILL = "#EEEEEE"
SLUG_LENGTH = 40


@dataclass(frozen=True)
class Wording:
    """The words a file is written in: the dashboard passes them translated."""

    headers: Mapping[str, str] = field(default_factory=dict)  # column -> header; missing: the column
    hidden: str = "Hidden figures"  # the header of the last column
    suppressed: str | None = None  # a hidden figure's reason; None: str(marker), "fewer than K"
    not_enough: str = "not enough data"
    yes: str = "yes"
    no: str = "no"
    about: str = "About this file"  # the XLSX sheet of the context
    # column -> the words for a key that column holds ("dimension": "data_governance" -> "Data governance")
    values: Mapping[str, Callable[[str], str]] = field(default_factory=dict)

    def header(self, column: str) -> str:
        return str(self.headers.get(column, column))

    def reason(self, marker: Suppressed | NotEnoughData) -> str:
        if isinstance(marker, Suppressed):
            return str(self.suppressed) if self.suppressed is not None else str(marker)
        return str(self.not_enough)


@dataclass(frozen=True)
class ContextLabels:
    """The labels of the context lines, in the reader's language."""

    table: str = "Table"
    place: str = "Country"
    made_utc: str = "Made (UTC)"
    made_local: str = "Made (local time)"
    k: str = "Small-cell threshold (K)"
    method: str = "Disclosure method"
    note: str = "Note"


@dataclass(frozen=True)
class Context:
    """What a file says about itself. ``filters``: (label, value) pairs, every filter with its
    wording (including "all"); ``made_at``: an aware time; ``time_zone``: the country's IANA name
    (None for several countries); ``k``: None when no figure in the table is hidden by the rule."""

    title: str
    place: str
    made_at: datetime
    filters: tuple[tuple[str, str], ...] = ()
    time_zone: str | None = None
    k: int | None = None
    method: str = ""
    note: str = ""
    labels: ContextLabels = field(default_factory=ContextLabels)

    def local_time(self) -> datetime | None:
        """``made_at`` in the country's time zone; None without one (or with an unknown name)."""
        if not self.time_zone:
            return None
        try:
            return self.made_at.astimezone(ZoneInfo(self.time_zone))
        except (ZoneInfoNotFoundError, ValueError):
            return None

    def made_on(self) -> date:
        """The day the file was made where it was asked for (the country's date, else UTC's)."""
        return (self.local_time() or self.made_at.astimezone(UTC)).date()

    def lines(self) -> list[tuple[str, str]]:
        labels = self.labels
        utc = self.made_at.astimezone(UTC)
        out = [(labels.table, self.title), (labels.place, self.place), *self.filters,
               (labels.made_utc, f"{utc:%Y-%m-%d %H:%M} UTC")]
        local = self.local_time()
        if local is not None:
            out.append((labels.made_local, f"{local:%Y-%m-%d %H:%M} {local.tzname()} ({self.time_zone})"))
        if self.k is not None:
            out.append((labels.k, str(self.k)))
        out += [(label, text) for label, text in ((labels.method, self.method), (labels.note, self.note))
                if text]
        return [(str(label), str(value)) for label, value in out]


# Cells -----------------------------------------------------------------------------------------------


def cell(value: Any, *, suppressed_text: str | None = None, not_enough_text: str | None = None) -> Any:
    """A value as one text-or-number cell, a marker as its wording (for files that are not an
    analytics table, e.g. the item statistics; tables use ``to_csv``/``to_xlsx``)."""
    if isinstance(value, Suppressed):
        return suppressed_text if suppressed_text is not None else str(value)
    if isinstance(value, NotEnoughData):
        return not_enough_text if not_enough_text is not None else str(value)
    return _plain(value, "", Wording())


def number(value: float | int, column: str) -> float | int:
    """A number as written: an int as it is, a p-value to 3 significant digits, a float to 4 places."""
    if isinstance(value, int):
        return int(value)
    if column in P_COLUMNS:
        return float(f"{float(value):.{P_DIGITS}g}")
    return round(float(value), DECIMALS) + 0.0  # -0.0 + 0.0 is 0.0: a value that rounds to zero is 0.0


def _plain(value: Any, column: str, wording: Wording) -> Any:
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return ""
    if isinstance(value, bool):
        return wording.yes if value else wording.no
    if isinstance(value, int | float):
        return number(value, column)
    if isinstance(value, datetime):
        return value.isoformat(timespec="seconds")
    if isinstance(value, date):
        return value.isoformat()
    worded = wording.values.get(column)
    return str(worded(value) if worded is not None else value)


@dataclass(frozen=True)
class _Row:
    cells: list[Any]  # numbers, text, or a marker (not shown)
    not_shown: str  # the last column: which columns are not shown, and why


def _rows(table: Table[Any], wording: Wording) -> list[_Row]:
    out = []
    for record in table.records():
        cells: list[Any] = []
        reasons: dict[str, list[str]] = {}
        for column, value in zip(table.columns, record, strict=True):
            if isinstance(value, Suppressed | NotEnoughData):
                reasons.setdefault(wording.reason(value), []).append(wording.header(column))
                cells.append(value)
            else:
                cells.append(_plain(value, column, wording))
        out.append(_Row(cells, " | ".join(f"{reason}: {'; '.join(names)}"
                                          for reason, names in reasons.items())))
    return out


def _header(table: Table[Any], wording: Wording) -> list[str]:
    return [wording.header(column) for column in table.columns] + [str(wording.hidden)]


# Files ---------------------------------------------------------------------------------------------


def to_csv(table: Table[Any], *, wording: Wording | None = None, context: Context | None = None) -> str:
    """The table as CSV text (see the module): the context block when given, the header, one line
    per row with an empty cell for each figure not shown, and the last column naming them.
    app.services.spreadsheet.csv_bytes makes the download's bytes (with the BOM)."""
    wording = wording or Wording()
    lines = [[("" if isinstance(value, Suppressed | NotEnoughData) else value) for value in row.cells]
             + [row.not_shown] for row in _rows(table, wording)]
    return csv_text(_header(table, wording), lines, preamble=context.lines() if context else ())


def to_xlsx(table: Table[Any], *, wording: Wording | None = None, context: Context | None = None) -> bytes:
    """The table as an XLSX workbook (built in memory): a sheet of the table (a bold header row,
    numbers as numbers, a figure not shown as an empty shaded cell with a comment saying why, the last
    column naming them) and, with a context, the sheet "About this file"."""
    wording = wording or Wording()
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True, "strings_to_formulas": False,
                                        "strings_to_numbers": False, "strings_to_urls": False})
    formats = {"bold": book.add_format({"bold": True, "text_wrap": True, "valign": "top"}),
               "p": book.add_format({"num_format": P_FORMAT}),
               "not_shown": book.add_format({"bg_color": NOT_SHOWN_FILL}),
               "wrap": book.add_format({"text_wrap": True, "valign": "top"})}
    sheet = book.add_worksheet(_sheet_name(context.title if context else table.name))
    header = _header(table, wording)
    for column, name in enumerate(header):
        sheet.write_string(0, column, str(escape_cell(name)), formats["bold"])
        sheet.set_column(column, column, min(40, max(10, len(name) // 2 + 4)))
    for row_number, row in enumerate(_rows(table, wording), start=1):
        _write_row(sheet, row_number, row, table.columns, wording, formats)
    sheet.freeze_panes(1, 0)
    if context is not None:
        _about_sheet(book, context, wording, formats)
    book.close()
    return buffer.getvalue()


def _write_row(sheet: Any, row_number: int, row: _Row, columns: Sequence[str], wording: Wording,
               formats: Mapping[str, Any]) -> None:
    for column, value in enumerate([*row.cells, row.not_shown]):
        if isinstance(value, Suppressed | NotEnoughData):
            sheet.write_blank(row_number, column, None, formats["not_shown"])
            sheet.write_comment(row_number, column, wording.reason(value))
        elif isinstance(value, int | float) and not isinstance(value, bool):
            in_p = column < len(columns) and columns[column] in P_COLUMNS
            sheet.write_number(row_number, column, value, formats["p"] if in_p else None)
        elif value != "":
            sheet.write_string(row_number, column, str(escape_cell(str(value))))


def _about_sheet(book: Any, context: Context, wording: Wording, formats: Mapping[str, Any]) -> None:
    about = book.add_worksheet(_sheet_name(str(wording.about)))
    about.set_column(0, 0, 28)
    about.set_column(1, 1, 100)
    for row_number, (label, value) in enumerate(context.lines()):
        about.write_string(row_number, 0, str(escape_cell(label)), formats["bold"])
        about.write_string(row_number, 1, str(escape_cell(value)), formats["wrap"])


def _sheet_name(name: str) -> str:
    """A valid sheet name: no []:*?/\\, at most 31 characters, cut at a word where it can be."""
    name = re.sub(r"[\[\]:*?/\\]", "-", name).strip("'")
    if len(name) > 31:
        name = name[:32].rsplit(" ", 1)[0] if " " in name[:32] else name[:31]
    return name[:31].strip() or "table"


# File names ------------------------------------------------------------------------------------------


def slug(text: str, limit: int = SLUG_LENGTH) -> str:
    """Lower-case ASCII letters and digits joined by single hyphens, at most ``limit`` characters:
    "Ministère de l'Économie" -> "ministere-de-l-economie"; "" for a name with no Latin letter."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")[:limit].rstrip("-")


def option_slug(prefix: str, chosen: Hashable, options: Mapping[Any, str], limit: int = SLUG_LENGTH
                ) -> str:
    """``prefix``-<slug of the chosen option's name>, e.g. "org-ministry-of-finance". When that slug
    says nothing (a name in Arabic script) or another option gives the same one, "--<id>" follows:
    a slug never holds "--", so two options never give the same part."""
    own = slug(options.get(chosen, ""), limit)
    if not own:
        return f"{prefix}--{chosen}"
    if any(slug(name, limit) == own for option, name in options.items() if option != chosen):
        return f"{prefix}-{own}--{chosen}"
    return f"{prefix}-{own}"


def filename(name: str, extension: str, parts: Sequence[str] = (), made_on: date | None = None) -> str:
    """A safe download name: the table's ``name``, then each part (already slugs, or slugged here), then the
    date, joined by "_", e.g. change-by-competency_ke_campaign-follow-up-2026_validated_2026-12-03.xlsx.
    ASCII letters, digits, "-" and "_" only."""
    def part_slug(part: str) -> str:  # keeps the "--" of option_slug; its slugs are bounded already
        return "--".join(slug(piece, 2 * SLUG_LENGTH) for piece in part.split("--"))

    pieces = [slug(name) or "table", *(p for p in map(part_slug, parts) if p.strip("-"))]
    if made_on is not None:
        pieces.append(made_on.isoformat())
    return "_".join(pieces) + "." + slug(extension)


# Audit -----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Export:
    """What audit.record is given for an export: the table's name stands for its id."""

    id: str


def record_export(session: Session, actor: Actor, what: str, country_id: int | None,
                  details: dict[str, Any] | None = None) -> AuditEvent:
    """Write the audit event of an export (action "analytics.export", object "Export:<what>"), e.g.
    record_export(session, actor, "heatmap.xlsx", country_id, {"filters": {...}, "rows": 12}).
    ``country_id`` None: several or every country (say which in ``details``). The caller commits."""
    return audit.record(session, actor, "analytics.export", Export(what[:60]), country_id=country_id,
                        details=details or {})
