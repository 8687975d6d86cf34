"""Read the content (assessments/ and courses/) into validated objects, collecting every error.

Layout: assessments/frameworks/<code>.yaml, assessments/roles/<code>.yaml,
assessments/instruments/<code>.yaml, assessments/banks/<code>.yaml (see assessments/README.md) and
courses/resources/<id>.yaml (see courses/README.md and app/content/catalogue.py).
Every problem is reported as (file, field, reason), e.g.
``frameworks/dgcf.yaml: areas[2].competencies[0].levels.3: no descriptor for level 3 (Practitioner)``;
loading never stops at the first one.
"""

from __future__ import annotations

import copy
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import NamedTuple

import yaml
from pydantic import ValidationError

from app.content.catalogue import ResourceModel, catalogue_problems, competency_index
from app.content.items import bank_problems, code_problems, instrument_problems, place_checks, scale_text
from app.content.schemas import (
    ITEM_KINDS,
    KINDS,
    BankModel,
    FrameworkModel,
    InstrumentModel,
    RoleProfileModel,
)
from app.content.yaml_reader import read_yaml, yaml_error

CONTENT_ROOT = Path(__file__).resolve().parents[2]  # holds assessments/ and courses/
DEFAULT_PATH = CONTENT_ROOT / "assessments"
_DICT_FIELDS = {"levels", "targets"}  # their keys are shown as .key, list indexes as [i]


MAX_ERRORS_PER_FILE = 100
_MORE = "(more)"  # the field of a file's "and N more errors" line


class ContentError(NamedTuple):
    file: str  # relative to the content directory, e.g. frameworks/dgcf.yaml
    field: str  # e.g. areas[2].competencies[0].levels.3, or line 12 for YAML syntax
    reason: str

    def __str__(self) -> str:
        shown = self.field and self.field != _MORE
        return f"{self.file}: {self.field}: {self.reason}" if shown else f"{self.file}: {self.reason}"


@dataclass
class Content:
    """Validated content, each object with the file it came from."""

    frameworks: list[FrameworkModel] = field(default_factory=list)
    roles: list[RoleProfileModel] = field(default_factory=list)
    # Each with the checks of its framework's item banks in place (see app/content/items.py).
    instruments: list[InstrumentModel] = field(default_factory=list)
    banks: list[BankModel] = field(default_factory=list)
    # None when no catalogue was read (an assessments folder alone): sync then leaves resources alone.
    resources: list[ResourceModel] | None = None
    files: dict[tuple[str, str], str] = field(default_factory=dict)  # (kind, code) -> file

    def summary(self) -> str:
        text = (f"{len(self.frameworks)} frameworks, {len(self.roles)} role profiles, "
                f"{len(self.instruments)} instruments, {len(self.banks)} item banks "
                f"({sum(len(bank.checks) for bank in self.banks)} checks)")
        return text if self.resources is None else f"{text}, {len(self.resources)} resources"


@dataclass
class LoadResult:
    content: Content
    errors: list[ContentError]  # at most MAX_ERRORS_PER_FILE per file, then one "and N more errors"
    omitted: int = 0  # errors left out of ``errors``

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def error_count(self) -> int:
        return len(self.errors) - sum(1 for error in self.errors if error.field == _MORE) + self.omitted




def capped(errors: list[ContentError]) -> tuple[list[ContentError], int]:
    """The first MAX_ERRORS_PER_FILE errors of each file, each file's last one followed by
    ``and N more errors in this file``; and how many were left out."""
    seen: Counter[str] = Counter()
    kept: list[ContentError] = []
    for error in errors:
        seen[error.file] += 1
        if seen[error.file] <= MAX_ERRORS_PER_FILE:
            kept.append(error)
    if not any(count > MAX_ERRORS_PER_FILE for count in seen.values()):
        return kept, 0
    result, done = [], Counter()
    for error in kept:
        result.append(error)
        done[error.file] += 1
        if done[error.file] == MAX_ERRORS_PER_FILE and seen[error.file] > MAX_ERRORS_PER_FILE:
            more = seen[error.file] - MAX_ERRORS_PER_FILE
            result.append(ContentError(error.file, _MORE, f"and {more:,} more errors in this file"))
    return result, sum(max(count - MAX_ERRORS_PER_FILE, 0) for count in seen.values())


# Error formatting ---------------------------------------------------------------------------------


def field_path(loc: Iterable[str | int]) -> str:
    """('areas', 2, 'competencies', 0, 'levels', 3) -> 'areas[2].competencies[0].levels.3'."""
    text = ""
    parts = list(loc)
    for position, part in enumerate(parts):
        previous = parts[position - 1] if position else None
        if previous in _DICT_FIELDS:
            text += f".{part}"
        elif part == "[key]":
            text += " (key)"
        elif isinstance(part, int):
            text += f"[{part}]"
        elif (isinstance(previous, int) and position >= 2 and parts[position - 2] == "items"
              and part in ITEM_KINDS):
            continue  # pydantic names the item kind it tried; the path stays the file's own
        else:
            text += f".{part}" if text else str(part)
    return text


def _pydantic_reason(error: dict) -> str:
    kind = error["type"]
    if kind == "extra_forbidden":
        return "unknown field"
    if kind == "missing":
        return "required field is missing"
    if kind == "union_tag_invalid":
        return f"kind must be one of: {', '.join(ITEM_KINDS)}"
    if kind == "union_tag_not_found":
        return "kind is missing"
    if kind == "string_pattern_mismatch":
        return f"{error['msg']} (letters, digits and . _ - : only, no spaces)"
    message = error["msg"]
    return message.removeprefix("Value error, ")


def validation_errors(exc: ValidationError, prefix: tuple = ()) -> list[tuple[str, str]]:
    return [(field_path(prefix + tuple(e["loc"])), _pydantic_reason(e)) for e in exc.errors()]


# Rules across fields and files --------------------------------------------------------------------


def framework_problems(framework: FrameworkModel) -> list[tuple[str, str]]:
    """Every rule of one framework beyond its structure: the scale, unique codes, the area tree, and a
    descriptor for every level of every competency."""
    problems: list[tuple[str, str]] = []
    levels = [level.level for level in framework.scale]
    names = {level.level: level.name for level in framework.scale}
    seen_levels: set[int] = set()
    for i, level in enumerate(framework.scale):
        if level.level in seen_levels:
            problems.append((f"scale[{i}].level", f"level {level.level} is given twice"))
        seen_levels.add(level.level)
    if levels and sorted(seen_levels) != list(range(min(levels), min(levels) + len(seen_levels))):
        problems.append(("scale", f"levels must be consecutive whole numbers, found {sorted(seen_levels)}"))
    elif levels and min(levels) not in (0, 1):
        problems.append(("scale", "levels start at 0 (or at 1 when the framework has no 'none' level)"))

    area_at: dict[str, int] = {}
    for i, area in enumerate(framework.areas):
        if area.code in area_at:
            problems.append((f"areas[{i}].code", f"area code {area.code} is also used by "
                                                 f"areas[{area_at[area.code]}]"))
        else:
            area_at[area.code] = i
    problems += _nesting_problems(framework, area_at)

    competency_at: dict[str, str] = {}
    for i, area in enumerate(framework.areas):
        for j, competency in enumerate(area.competencies):
            path = f"areas[{i}].competencies[{j}]"
            if competency.code in competency_at:
                problems.append((f"{path}.code", f"competency code {competency.code} is also used by "
                                                 f"{competency_at[competency.code]}"))
            else:
                competency_at[competency.code] = path
            for level in levels:
                if level not in competency.levels:
                    problems.append((f"{path}.levels.{level}",
                                     f"no descriptor for level {level} ({names[level]})"))
            for level in competency.levels:
                if level not in seen_levels:
                    problems.append((f"{path}.levels.{level}",
                                     f"level {level} is not on the scale ({scale_text(levels)})"))
    if not competency_at:
        problems.append(("areas", "the framework has no competencies"))
    return problems


def _nesting_problems(framework: FrameworkModel, area_at: dict[str, int]) -> list[tuple[str, str]]:
    """Each area's parent exists and no area sits inside itself. Linear in the number of areas, however
    deep they nest: a chain walked once is known to reach the top."""
    problems: list[tuple[str, str]] = []
    settled: set[str] = set()  # areas whose chain of parents reaches the top, or a known problem
    for i, area in enumerate(framework.areas):
        if area.parent is not None and area.parent not in area_at:
            problems.append((f"areas[{i}].parent", f"no area with code {area.parent} in this framework"))
    for i, area in enumerate(framework.areas):
        chain: set[str] = set()
        code = area.code
        while code is not None and code in area_at and code not in settled:
            if code in chain:
                problems.append((f"areas[{i}].parent", "areas nest in a loop"))
                break
            chain.add(code)
            code = framework.areas[area_at[code]].parent
        settled.update(chain)
    return problems


def role_problems(role: RoleProfileModel, frameworks: dict[str, FrameworkModel],
                  broken: set[str]) -> list[tuple[str, str]]:
    if role.framework in broken:
        return []  # the framework file could not be read; its own errors say why
    framework = frameworks.get(role.framework)
    if framework is None:
        return [("framework", f"no framework with code {role.framework}")]
    problems = []
    codes = {competency.code for competency in framework.competencies()}
    levels = {level.level for level in framework.scale}
    for code, level in role.targets.items():
        if code not in codes:
            problems.append((f"targets.{code}", f"no competency {code} in framework {framework.code}"))
        elif level not in levels:
            problems.append((f"targets.{code}", f"level {level} is not on the scale of {framework.code} "
                                                f"({scale_text(sorted(levels))})"))
    return problems


# Loading ------------------------------------------------------------------------------------------


def _without_unknown_fields(model, data: dict, exc: ValidationError):
    """When unknown fields are a file's only structural errors, check the rest of it too: the same file
    with those fields left out. Returns None when other errors remain."""
    if any(error["type"] != "extra_forbidden" for error in exc.errors()):
        return None
    data = copy.deepcopy(data)
    for error in exc.errors():
        node, *path, last = [data, *error["loc"]]
        for part in path:
            if isinstance(node, dict) and part in node or isinstance(node, list) and isinstance(part, int):
                node = node[part]
            # else: the item kind pydantic adds to the path; it is not in the data
        if isinstance(node, dict):
            node.pop(last, None)
    try:
        return model.model_validate(data)
    except ValidationError:
        return None


def _files(root: Path, folder: str) -> list[Path]:
    directory = root / folder
    if not directory.is_dir():
        return []
    return sorted(p for p in directory.iterdir() if p.is_file() and p.suffix in (".yaml", ".yml"))


def _parse(file: Path, relative: str, model, errors: list[ContentError], key: str = "code"):
    """One file as ``model``; its errors go to ``errors``. Returns the object, or, when the file cannot
    be read as one, the value of its ``key`` (so references to a broken file add no errors of their
    own) or None."""
    try:
        data = read_yaml(file)
    except yaml.YAMLError as exc:
        errors.append(ContentError(relative, *yaml_error(exc)))
        return None
    except UnicodeDecodeError as exc:
        errors.append(ContentError(relative, "", f"not UTF-8 text (byte {exc.start})"))
        return None
    if not isinstance(data, dict):
        errors.append(ContentError(relative, "", "the file must be a YAML mapping (key: value)"))
        return None
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        errors.extend(ContentError(relative, f, r) for f, r in validation_errors(exc))
        obj = _without_unknown_fields(model, data, exc)
        if obj is None:
            return data[key] if isinstance(data.get(key), str) else None
        return obj


def _is_root(path: Path) -> bool:
    """A content root holds assessments/ (and courses/); any other folder is an assessments folder."""
    return (path / "assessments").is_dir()


def load_content(path: Path | str | None = None, *, today: date | None = None) -> LoadResult:
    """Read and check every file under ``path``: a content root holding assessments/ and courses/
    (default: the repository), or an assessments folder alone (then no catalogue is read). Errors name
    files relative to ``path``. ``today`` (default: the date today) is the latest review date allowed."""
    base = Path(path) if path is not None else CONTENT_ROOT
    content, errors = Content(), []
    if not base.is_dir():
        return LoadResult(content, [ContentError(str(base), "", "no such directory")])
    root = base / "assessments" if _is_root(base) else base

    parsed: dict[str, list[tuple[str, object]]] = {kind: [] for kind in KINDS}
    for kind, model in KINDS.items():
        for file in _files(root, kind):
            relative = file.relative_to(base).as_posix()
            obj = _parse(file, relative, model, errors)
            if isinstance(obj, str):  # unreadable, but its code is known
                parsed[kind].append((relative, obj))
            if obj is None or isinstance(obj, str):
                continue
            if file.stem != obj.code:
                errors.append(ContentError(relative, "code", f"code {obj.code} must match the file name "
                                                             f"({obj.code}{file.suffix})"))
            other = content.files.get((kind, obj.code))
            if other is not None:
                errors.append(ContentError(relative, "code", f"code {obj.code} is also used by {other}"))
                continue
            content.files[(kind, obj.code)] = relative
            parsed[kind].append((relative, obj))

    frameworks: dict[str, FrameworkModel] = {}
    broken: set[str] = set()
    for relative, obj in parsed["frameworks"]:
        if isinstance(obj, str):
            broken.add(obj)
            continue
        errors.extend(ContentError(relative, f, r) for f, r in framework_problems(obj))
        # Roles and instruments are checked against it even when it has errors of its own: its codes
        # and scale are known, so every error of every file shows in one run.
        frameworks[obj.code] = obj
        content.frameworks.append(obj)
    for relative, obj in parsed["roles"]:
        if isinstance(obj, RoleProfileModel):
            problems = role_problems(obj, frameworks, broken)
            errors.extend(ContentError(relative, f, r) for f, r in problems)
            content.roles.append(obj)
    _load_instruments(parsed, frameworks, broken, content, errors)
    if _is_root(base) and (base / "courses").is_dir():
        _load_catalogue(base, content, errors, broken, today or date.today())
    return LoadResult(content, *capped(errors))


def _load_instruments(parsed: dict[str, list[tuple[str, object]]], frameworks: dict[str, FrameworkModel],
                      broken: set[str], content: Content, errors: list[ContentError]) -> None:
    """Item banks and instruments, then each instrument with its banks' checks in place."""
    banks = [(relative, obj) for relative, obj in parsed["banks"] if isinstance(obj, BankModel)]
    for relative, bank in banks:
        errors.extend(ContentError(relative, f, r) for f, r in bank_problems(bank, frameworks, broken))
        content.banks.append(bank)
    instruments = [(relative, obj) for relative, obj in parsed["instruments"]
                   if isinstance(obj, InstrumentModel)]
    for relative, instrument in instruments:
        problems = instrument_problems(instrument, frameworks, broken)
        errors.extend(ContentError(relative, f, r) for f, r in problems)
    errors.extend(ContentError(*problem) for problem in code_problems(banks, instruments))
    for relative, instrument in instruments:
        placed, problems = place_checks(instrument, banks, frameworks)
        errors.extend(ContentError(relative, f, r) for f, r in problems)
        content.instruments.append(placed)


def _load_catalogue(base: Path, content: Content, errors: list[ContentError], broken: set[str],
                    today: date) -> None:
    """courses/resources/<id>.yaml, checked against the frameworks already read (see catalogue.py)."""
    resources: list[tuple[str, ResourceModel]] = []
    unreadable: set[str] = set()  # ids of files that could not be read: prerequisites may name them
    for file in _files(base / "courses", "resources"):
        relative = file.relative_to(base).as_posix()
        obj = _parse(file, relative, ResourceModel, errors, key="id")
        if not isinstance(obj, ResourceModel):
            unreadable.add(obj if isinstance(obj, str) else file.stem)
            continue
        if file.stem != obj.id:
            errors.append(ContentError(relative, "id", f"id {obj.id} must match the file name "
                                                       f"({obj.id}{file.suffix})"))
        other = content.files.get(("resources", obj.id))
        if other is not None:
            errors.append(ContentError(relative, "id", f"id {obj.id} is also used by {other}"))
            continue
        content.files[("resources", obj.id)] = relative
        resources.append((relative, obj))
    index = competency_index(content.frameworks)
    problems = catalogue_problems(resources, index, broken, today, unreadable=unreadable)
    errors.extend(ContentError(*problem) for problem in problems)
    content.resources = [resource for _, resource in resources]
