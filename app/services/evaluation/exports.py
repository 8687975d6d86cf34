"""Every analytics table as CSV or XLSX, and the audit event each export leaves. No Flask.

Both formats write the same cells: a suppressed figure as "fewer than K" (or the caller's translated
wording of it, so the page and the files read the same), "not enough data" likewise, nothing for
None, floats to 4 decimal places, booleans as yes/no. Text that a spreadsheet would run as a formula
(starting with = + - @) is escaped with a leading quote (app.services.spreadsheet.escape_cell), and in
XLSX text is always written as a string, never parsed into a formula, number or link.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import xlsxwriter
from sqlalchemy.orm import Session

from app.models import AuditEvent
from app.services import audit
from app.services.audit import Actor
from app.services.evaluation.common import NotEnoughData, Suppressed, Table
from app.services.spreadsheet import csv_text, escape_cell

CSV_TYPE = "text/csv; charset=utf-8"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DECIMALS = 4


def cell(value: Any, *, suppressed_text: str | None = None, not_enough_text: str | None = None) -> Any:
    """A table value as written to a file (before formula escaping)."""
    if isinstance(value, Suppressed):
        return suppressed_text if suppressed_text is not None else str(value)
    if isinstance(value, NotEnoughData):
        return not_enough_text if not_enough_text is not None else str(value)
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return round(value, DECIMALS)
    if isinstance(value, datetime):
        return value.isoformat(timespec="seconds")
    if isinstance(value, date):
        return value.isoformat()
    return value


def _cells(table: Table[Any], suppressed_text: str | None, not_enough_text: str | None) -> list[list[Any]]:
    return [[cell(value, suppressed_text=suppressed_text, not_enough_text=not_enough_text)
             for value in record] for record in table.records()]


def to_csv(table: Table[Any], *, suppressed_text: str | None = None, not_enough_text: str | None = None
           ) -> str:
    """The table as CSV text: a header of the column names, then one line per row, every cell escaped."""
    return csv_text(list(table.columns), _cells(table, suppressed_text, not_enough_text))


def to_xlsx(table: Table[Any], *, suppressed_text: str | None = None, not_enough_text: str | None = None,
            sheet_name: str | None = None) -> bytes:
    """The table as an XLSX workbook (built in memory) of one sheet: a bold header row, numbers as
    numbers, every text written as a string and escaped as in the CSV."""
    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, {"in_memory": True, "strings_to_formulas": False,
                                            "strings_to_numbers": False, "strings_to_urls": False})
    sheet = workbook.add_worksheet(_sheet_name(sheet_name or table.name))
    bold = workbook.add_format({"bold": True})
    for column, name in enumerate(table.columns):
        sheet.write_string(0, column, str(escape_cell(name)), bold)
    for row_number, record in enumerate(_cells(table, suppressed_text, not_enough_text), start=1):
        for column, value in enumerate(record):
            if isinstance(value, int | float):
                sheet.write_number(row_number, column, value)
            elif value != "":
                sheet.write_string(row_number, column, str(escape_cell(str(value))))
    sheet.freeze_panes(1, 0)
    workbook.close()
    return buffer.getvalue()


def filename(table: Table[Any], extension: str, *, suffix: str = "") -> str:
    """A safe download name, e.g. heatmap-ke.xlsx."""
    stem = re.sub(r"[^a-z0-9-]+", "-", f"{table.name}-{suffix}".lower()).strip("-")
    return f"{stem}.{extension}"


def _sheet_name(name: str) -> str:
    return re.sub(r"[\[\]:*?/\\]", "-", name)[:31] or "table"


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
