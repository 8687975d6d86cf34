"""The shape of a catalogue file (courses/resources/<id>.yaml) and the rules across resource files.

ResourceModel checks one file's structure, types, licence and language tags. The rules that need the
frameworks or the other files (competency codes and their scale, prerequisites, the same address twice)
are in ``catalogue_problems``; app/content/loader.py reads the files and reports both with file and
field, like the assessment content. Every key of the README's format is required, so a file reads the
same way everywhere and `flask content export` can write it back byte for byte.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Annotated, Literal
from urllib.parse import urlsplit

from babel import Locale
from pydantic import AfterValidator, Field, StrictBool, StringConstraints, field_validator

from app.content.licences import licence_problem
from app.content.schemas import Level, LongName, Name, Text, _Model
from app.services.catalogue import normalise_url

FORMATS = ("course", "video", "guide", "toolkit", "community", "book")
RESOURCE_CODE = re.compile(r"^[a-z0-9][a-z0-9-]*$")
COMPETENCY_REF = re.compile(r"^(?:(?P<framework>[a-z0-9][a-z0-9-]*)/)?(?P<code>[A-Za-z0-9][A-Za-z0-9._:-]*)$")
# BCP 47 as the catalogue uses it: a primary language subtag of 2-3 letters, then an optional script
# (4 letters) and an optional region (2 letters or 3 digits): en, fr, ar, pt-BR, zh-Hant, es-419.
LANGUAGE_TAG = re.compile(r"^(?P<language>[A-Za-z]{2,3})(?:-(?P<script>[A-Za-z]{4}))?"
                          r"(?:-(?P<region>[A-Za-z]{2}|[0-9]{3}))?$")


def _resource_code(value: str) -> str:
    if not RESOURCE_CODE.match(value):
        raise ValueError(f"{value!r}: lower-case letters, digits and - only, e.g. gds-service-manual")
    return value


def _url(value: str) -> str:
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname or re.search(r"\s", value):
        raise ValueError(f"{value!r} is not a web address: give the full address, starting with https://")
    return value


def _licence(value: str) -> str:
    problem = licence_problem(value)
    if problem:
        raise ValueError(problem)
    return value


def _language(value: str) -> str:
    match = LANGUAGE_TAG.match(value)
    if not match:
        raise ValueError(f"{value!r} is not a BCP 47 language tag such as en, fr, ar or pt-BR")
    language, script, region = match.group("language", "script", "region")
    canonical = "-".join(part for part in (language.lower(), script and script.title(),
                                           region and region.upper()) if part)
    if value != canonical:
        raise ValueError(f"write {canonical}: language in lower case, script in title case, region in "
                         "upper case")
    if language not in Locale("en").languages:
        raise ValueError(f"{value!r}: {language} is not a language code (ISO 639, two letters where "
                         "there is one: en, not eng)")
    return value


ResourceCode = Annotated[str, StringConstraints(max_length=120), AfterValidator(_resource_code)]
Url = Annotated[str, StringConstraints(strip_whitespace=True, max_length=1000), AfterValidator(_url)]
Licence = Annotated[str, StringConstraints(max_length=80), AfterValidator(_licence)]
LanguageTag = Annotated[str, AfterValidator(_language)]
CompetencyRef = Annotated[str, StringConstraints(pattern=COMPETENCY_REF.pattern, max_length=180)]
Hours = Annotated[float, Field(strict=True, gt=0, le=1000)]


class Taught(_Model):
    """A competency the resource teaches, from one level of its framework's scale to a higher one."""

    code: CompetencyRef = Field(description="A competency code, or FRAMEWORK/CODE when the code is in more "
                                            "than one framework.")
    level_from: Level = Field(alias="from")
    level_to: Level = Field(alias="to")


class Accessibility(_Model):
    captions: StrictBool
    transcript: StrictBool
    screen_reader: StrictBool


class Reviewed(_Model):
    date: dt.date = Field(strict=True)
    by: Name


class ResourceModel(_Model):
    """One curated resource: real material from a real provider, with its real address."""

    id: ResourceCode
    title: LongName
    provider: Name
    url: Url
    licence: Licence
    languages: list[LanguageTag] = Field(min_length=1)
    format: Literal[FORMATS]  # type: ignore[valid-type]
    hours: Hours
    cost: Literal["free", "paid"]
    certificate: StrictBool
    competencies: list[Taught] = Field(min_length=1)
    prerequisites: list[ResourceCode]
    accessibility: Accessibility
    offline: StrictBool
    description: Text = Field(description="Markdown.")
    reviewed: Reviewed
    status: Literal["published", "retired"]

    @field_validator("languages", "prerequisites")
    @classmethod
    def _no_repeats(cls, values: list[str]) -> list[str]:
        repeated = sorted({value for value in values if values.count(value) > 1})
        if repeated:
            raise ValueError(f"{', '.join(repeated)} given twice")
        return values


# Competency references ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Scale:
    framework: str
    levels: frozenset[int]


def competency_index(frameworks: Iterable) -> dict[str, list[Scale]]:
    """Competency code -> the frameworks that have it, each with its scale. ``frameworks`` are
    FrameworkModel objects."""
    index: dict[str, list[Scale]] = {}
    for framework in frameworks:
        scale = Scale(framework.code, frozenset(level.level for level in framework.scale))
        for competency in framework.competencies():
            index.setdefault(competency.code, []).append(scale)
    return index


def resolve(ref: str, index: dict[str, list[Scale]]) -> tuple[Scale, str] | str:
    """(its framework's scale, the code) for ``CODE`` or ``FRAMEWORK/CODE``, or why it cannot be
    resolved."""
    framework, _, code = ref.rpartition("/")
    found = [scale for scale in index.get(code, []) if not framework or scale.framework == framework]
    if not found:
        where = f"framework {framework}" if framework else _frameworks_text(index)
        return f"no competency {code} in {where}"
    if len(found) > 1:
        names = ", ".join(sorted(scale.framework for scale in found))
        return f"{code} is in more than one framework ({names}): write FRAMEWORK/{code}"
    return found[0], code


def _frameworks_text(index: dict[str, list[Scale]]) -> str:
    names = sorted({scale.framework for scales in index.values() for scale in scales})
    if len(names) == 1:
        return f"framework {names[0]}"
    return f"the frameworks ({', '.join(names)})" if names else "any framework (none was read)"


# Rules across fields and files --------------------------------------------------------------------


def catalogue_problems(resources: list[tuple[str, ResourceModel]], index: dict[str, list[Scale]],
                       broken: set[str], today: dt.date, unreadable: Iterable[str] = ()
                       ) -> list[tuple[str, str, str]]:
    """(file, field, reason) for every rule beyond one file's structure. ``resources`` are (file,
    model) pairs. ``broken`` holds the codes of framework files that could not be read, and
    ``unreadable`` the ids of resource files that could not be read: references to them are not
    reported (their own errors say what is wrong)."""
    problems: list[tuple[str, str, str]] = []
    ids = {resource.id: file for file, resource in resources}
    known = set(ids) | set(unreadable)
    address: dict[str, str] = {}
    for file, resource in resources:
        for field, reason in _resource_problems(resource, index, broken, known, today):
            problems.append((file, field, reason))
        normalised = normalise_url(resource.url)
        if normalised in address:
            problems.append((file, "url", f"the same address as {address[normalised]}"))
        address.setdefault(normalised, file)
    for cycle in prerequisite_cycles({resource.id: resource.prerequisites for _, resource in resources}):
        problems.append((ids[cycle[0]], "prerequisites",
                         f"prerequisites go round in a circle: {' → '.join([*cycle, cycle[0]])}"))
    return problems


def _resource_problems(resource: ResourceModel, index: dict[str, list[Scale]], broken: set[str],
                       ids: set[str], today: dt.date) -> list[tuple[str, str]]:
    problems: list[tuple[str, str]] = []
    seen: dict[tuple[str, str], int] = {}
    for i, taught in enumerate(resource.competencies):
        found = resolve(taught.code, index)
        if isinstance(found, str):
            if not broken:
                problems.append((f"competencies[{i}].code", found))
            continue
        scale, code = found
        if (scale.framework, code) in seen:
            problems.append((f"competencies[{i}].code", f"{taught.code} is also given in "
                                                        f"competencies[{seen[scale.framework, code]}]"))
        seen.setdefault((scale.framework, code), i)
        for key, level in (("from", taught.level_from), ("to", taught.level_to)):
            if level not in scale.levels:
                problems.append((f"competencies[{i}].{key}", f"level {level} is not on the scale of "
                                 f"{scale.framework} ({min(scale.levels)}–{max(scale.levels)})"))
        if taught.level_from >= taught.level_to:
            problems.append((f"competencies[{i}].to", f"to ({taught.level_to}) must be above from "
                                                      f"({taught.level_from}): the level it reaches"))
    for j, prerequisite in enumerate(resource.prerequisites):
        if prerequisite == resource.id:
            problems.append((f"prerequisites[{j}]", "a resource cannot be its own prerequisite"))
        elif prerequisite not in ids:
            problems.append((f"prerequisites[{j}]", f"no resource with id {prerequisite} "
                                                    f"(resources/{prerequisite}.yaml)"))
    if resource.reviewed.date > today:
        problems.append(("reviewed.date", f"{resource.reviewed.date.isoformat()} is in the future "
                                          f"(today is {today.isoformat()})"))
    return problems


def prerequisite_cycles(graph: dict[str, list[str]]) -> list[list[str]]:
    """Each circle of prerequisites once, starting at its smallest id, e.g. [a, b] for a → b → a.
    Prerequisites that name no resource (reported on their own) and self-references are ignored."""
    cycles: list[list[str]] = []
    state: dict[str, int] = {}  # 1 on the current path, 2 done
    path: list[str] = []

    def visit(node: str) -> None:
        state[node] = 1
        path.append(node)
        for nxt in graph.get(node, []):
            if nxt == node or nxt not in graph:
                continue
            if state.get(nxt) == 1:
                cycle = path[path.index(nxt):]
                start = cycle.index(min(cycle))
                cycles.append(cycle[start:] + cycle[:start])
            elif nxt not in state:
                visit(nxt)
        path.pop()
        state[node] = 2

    for node in sorted(graph):
        if node not in state:
            visit(node)
    return cycles


# Coverage -----------------------------------------------------------------------------------------


def coverage(resources: Iterable[ResourceModel], index: dict[str, list[Scale]],
             framework: str) -> dict[str, set[int]]:
    """For every competency of ``framework``: the level steps the published resources teach, step n
    being the step from level n - 1 to level n (a range 1 → 3 teaches steps 2 and 3)."""
    steps: dict[str, set[int]] = {code: set() for code, scales in index.items()
                                  if any(scale.framework == framework for scale in scales)}
    for resource in resources:
        if resource.status != "published":
            continue
        for taught in resource.competencies:
            found = resolve(taught.code, index)
            if not isinstance(found, str) and found[0].framework == framework:
                steps[found[1]].update(range(taught.level_from + 1, taught.level_to + 1))
    return steps
