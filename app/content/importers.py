"""Import a competency framework from a CSV file or a 1EdTech CASE 1.1 JSON package (read_case, in
app/content/case_reader.py).

Both readers turn the file into the same FrameworkModel the YAML content uses, check it with the same
rules (loader.framework_problems), and report every problem at once; import_framework then writes it
with the same upsert as `flask content sync`. Nothing is written unless the whole file is good.
The formats are documented in assessments/README.md ("Importing a framework").
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

from pydantic import ValidationError
from sqlalchemy.orm import Session

from app.content.loader import framework_problems, validation_errors
from app.content.schemas import NODE_CODE, FrameworkModel
from app.content.sync import SyncReport, sync_framework
from app.services.errors import DomainError

# The scale a framework gets when its file describes no levels (a CASE package never does).
DEFAULT_SCALE = (
    (0, "None", "Has not worked in this area yet."),
    (1, "Awareness", "Knows the main ideas and words of the area and why they matter, and can follow a "
                     "discussion about it."),
    (2, "Working", "Applies it to routine tasks with some guidance, and knows when to ask for help."),
    (3, "Practitioner", "Works on it independently, handles unfamiliar situations and helps others learn."),
    (4, "Expert", "Leads practice across teams or organisations and sets the approach others follow."),
)
GENERIC_NOTE = "(Generic descriptor: the imported framework does not describe its levels.)"
FORMATS = ("csv", "case")


class ImportFailed(DomainError):
    """The file cannot be imported; ``errors`` lists every problem found, each saying where."""

    def __init__(self, errors: list[str]) -> None:
        more = f" (and {len(errors) - 3} more)" if len(errors) > 3 else ""
        super().__init__("; ".join(errors[:3]) + more)
        self.errors = errors


def guess_format(path: Path) -> str:
    return "case" if path.suffix.lower() == ".json" else "csv"


def import_framework(session: Session, framework: FrameworkModel, *, source: str) -> SyncReport:
    """Write a framework read by read_csv or read_case (caller commits). Raises ValidationFailed when
    the code belongs to a framework from another source."""
    report = SyncReport()
    sync_framework(session, framework, source=source, report=report)
    session.flush()
    return report


def decode(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ImportFailed([f"the file is not UTF-8 text (byte {exc.start}): save it as UTF-8"]) from exc


def validated(raw: dict, where: dict[str, str]) -> FrameworkModel:
    """Build and check the framework; map field paths back to rows or items with ``where``."""
    def located(path: str) -> str:
        for prefix in sorted(where, key=len, reverse=True):
            if path == prefix or path.startswith(prefix + "."):
                return where[prefix] + (f", {path[len(prefix) + 1:]}" if path != prefix else "")
        return path

    try:
        framework = FrameworkModel.model_validate(raw)
    except ValidationError as exc:
        raise ImportFailed([f"{located(f)}: {r}" for f, r in validation_errors(exc)]) from exc
    problems = framework_problems(framework)
    if problems:
        raise ImportFailed([f"{located(f)}: {r}" for f, r in problems])
    return framework


def slug(text: str, *, upper: bool = False, limit: int = 40) -> str:
    value = re.sub(r"[^A-Za-z0-9]+", "-", text).strip("-")[:limit].strip("-")
    return value.upper() if upper else value.lower()


# CSV ----------------------------------------------------------------------------------------------

CSV_COLUMNS = ("area_code", "area_name", "area_description", "code", "name", "description", "identifier")
CSV_REQUIRED = ("area_code", "area_name", "code", "name")
_LEVEL_COLUMN = re.compile(r"^level_([0-9]{1,4})(?::(.*))?$", re.IGNORECASE)


# A cell holds at most csv's default field_size_limit (128 KiB); a longer one is refused with its row.
MAX_CELL = csv.field_size_limit()


def _csv_rows(text: str) -> list[list[str]]:
    first_line = text.split("\n", 1)[0]
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    rows: list[list[str]] = []
    try:
        rows.extend(reader)
    except csv.Error as exc:
        row = len(rows) + 1
        if "field larger than field limit" in str(exc):
            raise ImportFailed([f"row {row}: a cell is longer than {MAX_CELL:,} characters, the most a "
                                "cell may hold"]) from exc
        raise ImportFailed([f"row {row}: the file cannot be read as CSV ({exc})"]) from exc
    if not rows or not any(cell.strip() for cell in rows[0]):
        raise ImportFailed(["the file is empty: the first row must name the columns"])
    return rows


def _header(header: list[str]) -> tuple[dict[str, int], dict[int, tuple[str, int]]]:
    """The known columns (name -> index) and the level columns (level -> (name, index)) of row 1.
    Raises ImportFailed listing every problem of the header."""
    errors: list[str] = []
    columns: dict[str, int] = {}
    levels: dict[int, tuple[str, int]] = {}  # level -> (name, column index)
    for index, title in enumerate(header):
        match = _LEVEL_COLUMN.match(title)
        key = title.lower()
        if match:
            level = int(match.group(1))
            level_name = (match.group(2) or "").strip()
            if not level_name:
                defaults = {number: default for number, default, _ in DEFAULT_SCALE}
                if level not in defaults:
                    errors.append(f"row 1, column {index + 1} ({title}): give the level's name, "
                                  f"e.g. level_{level}:Master")
                    continue
                level_name = defaults[level]
            if level in levels:
                errors.append(f"row 1, column {index + 1} ({title}): level {level} has two columns")
            levels[level] = (level_name, index)
        elif key in CSV_COLUMNS:
            if key in columns:
                errors.append(f"row 1, column {index + 1} ({title}): the column is given twice")
            columns[key] = index
        elif title:
            errors.append(f"row 1, column {index + 1} ({title[:80]}): unknown column; the columns are "
                          f"{', '.join(CSV_COLUMNS)} and level_<n>:<name>")
    for required in CSV_REQUIRED:
        if required not in columns:
            errors.append(f"row 1: the column {required} is missing")
    if len(levels) < 2:
        errors.append("row 1: give at least two level columns, e.g. level_1:Awareness, level_2:Working")
    if errors:
        raise ImportFailed(errors)
    return columns, levels


def _shown(value: str) -> str:
    """A cell quoted in an error, cut to 80 characters."""
    return repr(value if len(value) <= 80 else value[:79] + "…")


def _row_problems(number: int, row: list[str], cell, levels: dict[int, tuple[str, int]]) -> list[str]:
    """The problems of one competency row on its own: empty cells and malformed codes."""
    errors = [f"row {number}, column {required}: empty"
              for required in CSV_REQUIRED if not cell(row, required)]
    for column in ("area_code", "code"):
        value = cell(row, column)
        if value and not re.match(NODE_CODE, value):
            errors.append(f"row {number}, column {column}: {_shown(value)} is not a code (letters, digits "
                          "and . _ - : only, no spaces)")
    for level, (level_name, index) in sorted(levels.items()):
        if not (row[index].strip() if index < len(row) else ""):
            errors.append(f"row {number}, column level_{level}:{level_name}: empty descriptor")
    return errors


def read_csv(data: bytes, *, code: str, name: str, version: str = "1.0", licence: str = "",
             description: str = "") -> FrameworkModel:
    """One row per competency: area_code, area_name, [area_description], code, name, [description],
    [identifier], then a column ``level_<n>:<Level name>`` per level holding that level's descriptor.
    Raises ImportFailed listing every bad row and column."""
    rows = _csv_rows(decode(data))
    header = [cell.strip() for cell in rows[0]]
    columns, levels = _header(header)
    errors: list[str] = []

    def cell(row: list[str], column: str) -> str:
        index = columns.get(column)
        return row[index].strip() if index is not None and index < len(row) else ""

    areas: dict[str, dict] = {}
    where: dict[str, str] = {}
    area_rows: dict[str, int] = {}
    competency_rows: dict[str, int] = {}
    for number, row in enumerate(rows[1:], start=2):
        if not any(value.strip() for value in row):
            continue
        if len(row) > len(header):
            errors.append(f"row {number}: {len(row)} cells but the header names {len(header)} columns")
            continue
        errors += _row_problems(number, row, cell, levels)
        area_code, competency_code = cell(row, "area_code"), cell(row, "code")
        descriptors = {level: row[index].strip() if index < len(row) else ""
                       for level, (_, index) in sorted(levels.items())}
        if competency_code in competency_rows:
            errors.append(f"row {number}, column code: {competency_code} is also on row "
                          f"{competency_rows[competency_code]}")
            continue
        if not area_code or not competency_code:
            continue
        competency_rows[competency_code] = number
        area = areas.get(area_code)
        if area is None:
            area = areas[area_code] = {"code": area_code, "name": cell(row, "area_name"),
                                       "description": cell(row, "area_description"), "competencies": []}
            area_rows[area_code] = number
        elif cell(row, "area_name") and cell(row, "area_name") != area["name"]:
            errors.append(f"row {number}, column area_name: {_shown(cell(row, 'area_name'))} differs from "
                          f"{_shown(area['name'])} given for area {area_code} on row {area_rows[area_code]}")
        area_index = list(areas).index(area_code)
        where[f"areas[{area_index}]"] = f"row {area_rows[area_code]} (area {area_code})"
        where[f"areas[{area_index}].competencies[{len(area['competencies'])}]"] = f"row {number}"
        area["competencies"].append({"code": competency_code, "name": cell(row, "name"),
                                     "description": cell(row, "description"),
                                     "identifier": cell(row, "identifier") or None, "levels": descriptors})
    if not competency_rows and not errors:
        errors.append("the file has a header but no competency rows")
    if errors:
        raise ImportFailed(errors)
    raw = {"code": code, "name": name, "version": version, "licence": licence, "description": description,
           "scale": [{"level": level, "name": name_} for level, (name_, _) in sorted(levels.items())],
           "areas": list(areas.values())}
    return validated(raw, where)
