"""Write the catalogue back to YAML, one file per resource, in the canonical form of courses/README.md.

The canonical form is what a sync reads and an export writes, so exporting right after a sync of
unchanged files gives the same bytes, and curation done in the app shows as a reviewable diff:

- the README's keys in the README's order, every key present;
- ``title`` and ``provider`` in double quotes; codes, tags, the address and ``reviewed.by`` unquoted
  when YAML reads them back as the same text (quoted otherwise);
- lists of codes and tags, ``accessibility`` and ``reviewed`` in flow style on one line; one
  ``- {code: ..., from: ..., to: ...}`` line per competency, in the order of the framework
  (FRAMEWORK/CODE only when the code is in more than one framework);
- hours as a whole number when whole (``3``, not ``3.0``);
- the description as a literal block (``|``), ending with one line break.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from pydantic import ValidationError
from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from app.content.catalogue import ResourceModel
from app.content.loader import CONTENT_ROOT, validation_errors
from app.models import Competency, Resource, ResourceCompetency

DEFAULT_OUT = CONTENT_ROOT / "courses" / "resources"
ACCESSIBILITY = ("captions", "transcript", "screen_reader")
_PLAIN = re.compile(r"^[^\s\"'\\#&*!|>%@`{}\[\],?:-][^\s\"\\]*(?: [^\s\"\\]+)*$")
_PLAIN_IN_FLOW = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._/()+-]*(?: [A-Za-z0-9._/()+'-]+)*$")


@dataclass
class ExportReport:
    written: list[Path] = field(default_factory=list)
    unchanged: list[Path] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def _reads_back(text: str, value) -> bool:
    try:
        return yaml.safe_load(text) == {"k": value}
    except yaml.YAMLError:
        return False


def quoted(value: str) -> str:
    """A double-quoted YAML scalar (JSON's escapes are YAML's)."""
    text = json.dumps(value, ensure_ascii=False)
    if _reads_back(f"k: {text}\n", value):
        return text
    return json.dumps(value)  # YAML reads some characters (e.g. U+2028) differently raw: escape them all


def scalar(value: str, *, flow: bool = False) -> str:
    """``value`` unquoted when YAML reads it back as the same text, in a flow collection or not."""
    pattern = _PLAIN_IN_FLOW if flow else _PLAIN
    probe = f"k: [{value}]\n" if flow else f"k: {value}\n"
    if pattern.match(value) and _reads_back(probe, [value] if flow else value):
        return value
    return quoted(value)


def number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(float(value))


def boolean(value: bool) -> str:
    return "true" if value else "false"


def flow_list(values: list[str]) -> str:
    return "[" + ", ".join(scalar(value, flow=True) for value in values) + "]"


def literal(text: str) -> str:
    """``description: |`` and the text indented by two spaces; double-quoted when a literal block
    cannot hold it (a carriage return, trailing spaces on the last line ...)."""
    if not text:
        return ' ""'
    lines = "".join(f"  {line}\n" if line else "\n" for line in text.split("\n"))
    block = f" |\n{lines}"
    if _reads_back(f"k:{block}", text + "\n"):
        return block.rstrip("\n")
    return " " + quoted(text)


def resource_yaml(resource: Resource, ambiguous: set[str]) -> str:
    """The file of one resource. ``ambiguous``: competency codes found in more than one framework."""
    teaches = sorted(resource.teaches, key=lambda row: (row.competency.framework.code,
                                                        row.competency.position, row.competency.code))
    competencies = []
    for row in teaches:
        code = row.competency.code
        if code in ambiguous:
            code = f"{row.competency.framework.code}/{code}"
        competencies.append(f"  - {{code: {scalar(code, flow=True)}, from: {row.level_from}, "
                            f"to: {row.level_to}}}\n")
    access = resource.accessibility or {}
    accessibility = ", ".join(f"{key}: {boolean(bool(access.get(key)))}" for key in ACCESSIBILITY)
    lines = [
        f"id: {scalar(resource.code)}\n",
        f"title: {quoted(resource.title)}\n",
        f"provider: {quoted(resource.provider)}\n",
        f"url: {scalar(resource.url)}\n",
        f"licence: {scalar(resource.licence)}\n",
        f"languages: {flow_list(list(resource.languages or []))}\n",
        f"format: {scalar(resource.format)}\n",
        f"hours: {number(resource.hours)}\n",
        f"cost: {scalar(resource.cost)}\n",
        f"certificate: {boolean(resource.certificate)}\n",
        "competencies:" + ("\n" + "".join(competencies) if competencies else " []\n"),
        f"prerequisites: {flow_list(list(resource.prerequisites or []))}\n",
        f"accessibility: {{{accessibility}}}\n",
        f"offline: {boolean(resource.offline)}\n",
        f"description:{literal(resource.description or '')}\n",
        f"reviewed: {{date: {resource.reviewed_on.isoformat()}, "
        f"by: {scalar(resource.reviewed_by, flow=True)}}}\n",
        f"status: {scalar(resource.status)}\n",
    ]
    return "".join(lines)


def ambiguous_codes(session: Session) -> set[str]:
    """Competency codes that more than one framework uses."""
    return set(session.scalars(select(Competency.code).group_by(Competency.code)
                               .having(func.count(func.distinct(Competency.framework_id)) > 1)))


def export_resources(session: Session, out: Path | None = None) -> ExportReport:
    """Write every resource (published, retired, from files or made in the app) to ``out``/<id>.yaml
    (default: the repository's courses/resources/). Files whose text is already the same are not
    touched. A resource that would not pass ``flask content validate`` as it stands (say, one made in
    the app without a description) is written all the same, with a warning naming the field."""
    out = out or DEFAULT_OUT
    out.mkdir(parents=True, exist_ok=True)
    report = ExportReport()
    ambiguous = ambiguous_codes(session)
    resources = session.scalars(select(Resource).order_by(Resource.code).options(
        selectinload(Resource.teaches).selectinload(ResourceCompetency.competency)
        .selectinload(Competency.framework)))
    for resource in resources:
        text = resource_yaml(resource, ambiguous)
        target = out / f"{resource.code}.yaml"
        if target.is_file() and target.read_bytes() == text.encode("utf-8"):
            report.unchanged.append(target)
        else:
            target.write_bytes(text.encode("utf-8"))
            report.written.append(target)
        try:
            ResourceModel.model_validate(yaml.safe_load(text))
        except ValidationError as exc:
            report.warnings.extend(f"{target.name}: {where}: {reason}"
                                   for where, reason in validation_errors(exc))
    return report
