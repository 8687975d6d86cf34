"""Import a competency framework from a CSV file or a 1EdTech CASE 1.1 JSON package.

Both readers turn the file into the same FrameworkModel the YAML content uses, check it with the same
rules (loader.framework_problems), and report every problem at once; import_framework then writes it
with the same upsert as `flask content sync`. Nothing is written unless the whole file is good.
The formats are documented in assessments/README.md ("Importing a framework").
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections import defaultdict
from pathlib import Path

from pydantic import ValidationError
from sqlalchemy.orm import Session

from app.content.loader import framework_problems, validation_errors
from app.content.schemas import LOWER_CODE, NODE_CODE, FrameworkModel
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


def _decode(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ImportFailed([f"the file is not UTF-8 text (byte {exc.start}): save it as UTF-8"]) from exc


def _validated(raw: dict, where: dict[str, str]) -> FrameworkModel:
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
_LEVEL_COLUMN = re.compile(r"^level_(\d+)(?::(.*))?$", re.IGNORECASE)


def read_csv(data: bytes, *, code: str, name: str, version: str = "1.0", licence: str = "",
             description: str = "") -> FrameworkModel:
    """One row per competency: area_code, area_name, [area_description], code, name, [description],
    [identifier], then a column ``level_<n>:<Level name>`` per level holding that level's descriptor.
    Raises ImportFailed listing every bad row and column."""
    text = _decode(data)
    first_line = text.split("\n", 1)[0]
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    if not rows or not any(cell.strip() for cell in rows[0]):
        raise ImportFailed(["the file is empty: the first row must name the columns"])

    errors: list[str] = []
    header = [cell.strip() for cell in rows[0]]
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
            errors.append(f"row 1, column {index + 1} ({title}): unknown column; the columns are "
                          f"{', '.join(CSV_COLUMNS)} and level_<n>:<name>")
    for required in CSV_REQUIRED:
        if required not in columns:
            errors.append(f"row 1: the column {required} is missing")
    if len(levels) < 2:
        errors.append("row 1: give at least two level columns, e.g. level_1:Awareness, level_2:Working")
    if errors:
        raise ImportFailed(errors)

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
        for required in CSV_REQUIRED:
            if not cell(row, required):
                errors.append(f"row {number}, column {required}: empty")
        area_code, competency_code = cell(row, "area_code"), cell(row, "code")
        for column, value in (("area_code", area_code), ("code", competency_code)):
            if value and not re.match(NODE_CODE, value):
                errors.append(f"row {number}, column {column}: {value!r} is not a code (letters, digits "
                              "and . _ - : only, no spaces)")
        descriptors = {}
        for level, (level_name, index) in sorted(levels.items()):
            text = row[index].strip() if index < len(row) else ""
            if not text:
                errors.append(f"row {number}, column level_{level}:{level_name}: empty descriptor")
            descriptors[level] = text
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
            errors.append(f"row {number}, column area_name: {cell(row, 'area_name')!r} differs from "
                          f"{area['name']!r} given for area {area_code} on row {area_rows[area_code]}")
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
    return _validated(raw, where)


# CASE 1.1 -----------------------------------------------------------------------------------------


def _node_identifier(node, by_uri: dict[str, str]) -> str | None:
    """A CFAssociation end: a LinkURI object (1.1) or, in some 1.0 exports, a plain URI string."""
    if isinstance(node, dict):
        value = node.get("identifier")
        if isinstance(value, str) and value:
            return value
        node = node.get("uri")
    if isinstance(node, str) and node:
        return by_uri.get(node, node)
    return None


def read_case(data: bytes, *, code: str | None = None, name: str | None = None, version: str | None = None,
              licence: str | None = None) -> tuple[FrameworkModel, list[str]]:
    """A CASE CFPackage: CFItems with children become areas (nested by parent), leaves become
    competencies; isChildOf associations give the tree and CFItem identifiers are kept. The package
    describes no levels, so the framework gets DEFAULT_SCALE and generic descriptors marked GENERIC_NOTE.
    Returns the framework and notes (things worth knowing that are not errors). Raises ImportFailed."""
    text = _decode(data)
    try:
        package = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ImportFailed([f"not valid JSON: line {exc.lineno}, column {exc.colno}: {exc.msg}"]) from exc
    if isinstance(package, dict) and isinstance(package.get("CFPackage"), dict):
        package = package["CFPackage"]
    if not isinstance(package, dict) or not isinstance(package.get("CFDocument"), dict):
        raise ImportFailed(["not a CASE package: CFDocument is missing"])
    document = package["CFDocument"]
    items, associations = package.get("CFItems"), package.get("CFAssociations", [])
    errors, notes = [], []
    if not isinstance(items, list):
        raise ImportFailed(["not a CASE package: CFItems is missing or not a list"])
    if not isinstance(associations, list):
        raise ImportFailed(["CFAssociations is not a list"])
    for key in ("identifier", "title"):
        if not isinstance(document.get(key), str) or not document[key].strip():
            errors.append(f"CFDocument.{key}: missing")

    by_id: dict[str, dict] = {}
    by_uri: dict[str, str] = {}
    order: dict[str, int] = {}
    for index, item in enumerate(items):
        identifier = item.get("identifier") if isinstance(item, dict) else None
        if not isinstance(identifier, str) or not identifier:
            errors.append(f"CFItems[{index}].identifier: missing")
            continue
        if identifier in by_id:
            errors.append(f"CFItems[{index}].identifier: {identifier} is also CFItems[{order[identifier]}]")
            continue
        if not (item.get("fullStatement") or item.get("abbreviatedStatement") or "").strip():
            errors.append(f"CFItems[{index}] ({identifier}): fullStatement is missing")
        by_id[identifier], order[identifier] = item, index
        if isinstance(item.get("uri"), str):
            by_uri[item["uri"]] = identifier
    document_id = document.get("identifier")
    if isinstance(document.get("uri"), str):
        by_uri[document["uri"]] = document_id

    parent_of: dict[str, str | None] = {}
    sequence: dict[str, float] = {}
    for index, association in enumerate(associations):
        if not isinstance(association, dict) or association.get("associationType") != "isChildOf":
            continue
        child = _node_identifier(association.get("originNodeURI"), by_uri)
        parent = _node_identifier(association.get("destinationNodeURI"), by_uri)
        where = f"CFAssociations[{index}]"
        if child not in by_id:
            errors.append(f"{where}: its child (originNodeURI) {child} is not an item of the package")
            continue
        if parent != document_id and parent not in by_id:
            errors.append(f"{where}: the parent (destinationNodeURI) of {child} is {parent}, which is "
                          "neither the CFDocument nor an item of the package")
            continue
        if child in parent_of:
            if parent_of[child] != (None if parent == document_id else parent):
                notes.append(f"{child} is a child of more than one node; kept under the first one")
            continue
        parent_of[child] = None if parent == document_id else parent
        number = association.get("sequenceNumber")
        if isinstance(number, int | float) and not isinstance(number, bool):
            sequence[child] = number
    if errors:
        raise ImportFailed(errors)
    if not by_id:
        raise ImportFailed(["the package has no CFItems"])

    children: dict[str | None, list[str]] = defaultdict(list)
    for identifier in by_id:
        children[parent_of.get(identifier)].append(identifier)  # no isChildOf: a top-level item

    def sort_key(identifier: str) -> tuple:  # the association's sequenceNumber, else the file's order
        return (sequence.get(identifier, float("inf")), order[identifier])

    reached: set[str] = set()
    walk: list[tuple[str, str | None]] = []  # (identifier, parent identifier), parents first

    def visit(parent: str | None) -> None:
        for identifier in sorted(children.get(parent, []), key=sort_key):
            reached.add(identifier)
            walk.append((identifier, parent))
            visit(identifier)

    visit(None)
    unreached = [identifier for identifier in by_id if identifier not in reached]
    if unreached:
        raise ImportFailed([f"CFAssociations: the isChildOf links of {', '.join(unreached[:5])} form a loop"])

    used_codes: dict[str, set[str]] = {"area": set(), "competency": set()}

    def code_for(item: dict, kind: str) -> str:
        human = (item.get("humanCodingScheme") or "").strip()
        statement = item.get("abbreviatedStatement") or item.get("fullStatement") or ""
        base = human.replace(" ", "-") if human and re.match(NODE_CODE, human.replace(" ", "-")) else ""
        base = (base or slug(statement, upper=True) or "ITEM")[:110]
        candidate, counter = base, 2
        while candidate in used_codes[kind]:
            candidate, counter = f"{base}-{counter}", counter + 1
        used_codes[kind].add(candidate)
        return candidate

    def names(item: dict) -> tuple[str, str]:
        full = " ".join((item.get("fullStatement") or "").split())
        short = " ".join((item.get("abbreviatedStatement") or "").split())
        name = short or full
        return (name if len(name) <= 300 else name[:299] + "…"), full

    descriptors = {level: f"{text} {GENERIC_NOTE}" for level, _, text in DEFAULT_SCALE}
    areas: list[dict] = []
    area_code_of: dict[str | None, str] = {}
    where: dict[str, str] = {}
    area_index: dict[str, int] = {}
    for identifier, parent in walk:
        item = by_id[identifier]
        name, full = names(item)
        if children.get(identifier):
            code_ = code_for(item, "area")
            area_code_of[identifier] = code_
            area_index[code_] = len(areas)
            where[f"areas[{len(areas)}]"] = f"CFItems[{order[identifier]}] ({identifier})"
            areas.append({"code": code_, "name": name, "description": full if full != name else "",
                          "identifier": identifier, "parent": area_code_of[parent] if parent else None,
                          "competencies": []})
            continue
        if parent is None and None not in area_code_of:
            # Leaves directly under the document sit in an area standing for the document itself.
            area_code_of[None] = code_for({"abbreviatedStatement": document.get("title", "")}, "area")
            area_index[area_code_of[None]] = len(areas)
            areas.append({"code": area_code_of[None], "name": document.get("title", "")[:300],
                          "identifier": document_id, "competencies": []})
        index = area_index[area_code_of[parent]]
        competencies = areas[index]["competencies"]
        where[f"areas[{index}].competencies[{len(competencies)}]"] = \
            f"CFItems[{order[identifier]}] ({identifier})"
        competencies.append({"code": code_for(item, "competency"), "name": name,
                             "description": full if full != name else "", "identifier": identifier,
                             "levels": descriptors})

    title = " ".join(document.get("title", "").split())
    document_licence = document.get("licenseURI")
    document_licence = document_licence.get("title", "") if isinstance(document_licence, dict) else ""
    framework_code = code or slug(title, limit=60).strip("-") or "case-framework"
    if not re.match(LOWER_CODE, framework_code):
        raise ImportFailed([f"--code {framework_code!r}: use lower-case letters, digits and hyphens"])
    published = document.get("version") or (document.get("lastChangeDateTime") or "")[:10] or "1"
    version = version or str(published)
    description = " ".join(filter(None, [
        (document.get("description") or "").strip(),
        f"Imported from the CASE package {document_id}; the package describes no proficiency levels, so "
        "the level descriptors are the generic text of the default scale.",
    ]))
    raw = {"code": framework_code, "name": name or title[:200], "version": version[:40],
           "description": description, "licence": licence or (document_licence or "")[:60],
           "identifier": document_id,
           "scale": [{"level": level, "name": level_name, "description": text}
                     for level, level_name, text in DEFAULT_SCALE],
           "areas": areas}
    return _validated(raw, where), notes
