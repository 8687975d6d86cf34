"""What a curator records about a resource when publishing it, checked in full before anything is
written: every problem is found and reported together (ManyProblems), each with the field it concerns
and, for a list, the row (``competencies.1.level_to``: the second competency's "to" level).

Competencies come either picked (LevelChoice rows: competency id, from and to levels) or as text
lines ``CODE FROM-TO``; prerequisites either picked (resource codes) or as text, codes separated by
commas.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from app.models import Competency, Framework
from app.services import catalogue
from app.services.errors import ManyProblems, ValidationFailed

MAX_HOURS = 1000
MAX_LICENCE = 80  # the column's length


class LinesInvalid(ValidationFailed):
    """Some lines of a multi-line field are wrong; ``messages`` has one entry per bad line."""

    def __init__(self, messages: list[str], field: str) -> None:
        super().__init__("; ".join(messages), field=field)
        self.messages = messages


@dataclass(frozen=True)
class Taught:
    competency: Competency
    level_from: int
    level_to: int


@dataclass(frozen=True)
class LevelChoice:
    """One row of the competency picker; a row left empty (all None) is skipped."""

    competency_id: int | None
    level_from: int | None
    level_to: int | None


@dataclass(frozen=True)
class ResourceDetails:
    """What an admin records when publishing. Everything is checked by ``check_details``."""

    title: str
    provider: str
    url: str
    licence: str
    languages: str  # "en, fr"
    format: str
    hours: float | str | None  # as typed: "2.5", "2,5"
    cost: str
    competencies: str | Sequence[LevelChoice]  # "CODE FROM-TO" per line, or picked rows
    description: str = ""
    certificate: bool = False
    offline: bool = False
    accessibility: Iterable[str] = ()
    prerequisites: str | Sequence[str] = ""  # resource codes, comma- or space-separated, or picked


@dataclass(frozen=True)
class CheckedDetails:
    """ResourceDetails once checked: canonical values, ready to write."""

    title: str
    provider: str
    url: str
    normalised_url: str
    licence: str
    languages: list[str]
    format: str
    hours: float
    cost: str
    taught: list[Taught]
    prerequisites: list[str]
    accessibility: dict[str, bool]
    description: str
    certificate: bool
    offline: bool


def check_details(session: Session, details: ResourceDetails) -> CheckedDetails:
    """``details`` checked and made canonical. Raise ManyProblems with every problem found (an address
    already in the catalogue is one of them)."""
    problems: list[ValidationFailed] = []

    def attempt(check, *args):
        try:
            return check(*args)
        except LinesInvalid as exc:
            problems.extend(ValidationFailed(message, field=exc.field) for message in exc.messages)
        except ManyProblems as exc:
            problems.extend(exc.problems)
        except ValidationFailed as exc:
            problems.append(exc)
        return None

    title = attempt(required_text, details.title, "title", "Enter the title", 300)
    provider = attempt(required_text, details.provider, "provider", "Enter the provider", 200)
    url = attempt(_address, session, details.url)
    licence = attempt(_licence, details.licence)
    languages = attempt(catalogue.check_languages, details.languages)
    if details.format not in catalogue.FORMATS:
        problems.append(ValidationFailed("Choose the format", field="format"))
    if details.cost not in catalogue.COSTS:
        problems.append(ValidationFailed("Choose free or paid", field="cost"))
    hours = attempt(parse_hours, details.hours)
    prerequisites = attempt(_prerequisites, session, details.prerequisites)
    if isinstance(details.competencies, str):
        taught = attempt(parse_competency_lines, session, details.competencies)
    else:
        taught = attempt(check_level_choices, session, details.competencies)
    if problems:
        raise ManyProblems(problems)
    return CheckedDetails(
        title=title, provider=provider, url=url, normalised_url=catalogue.normalise_url(url),
        licence=licence, languages=languages, format=details.format, hours=hours, cost=details.cost,
        taught=taught, prerequisites=prerequisites,
        accessibility={feature: feature in set(details.accessibility) for feature in catalogue.ACCESSIBILITY},
        description=(details.description or "").strip(), certificate=bool(details.certificate),
        offline=bool(details.offline))


def required_text(value: str, field: str, message: str, max_length: int) -> str:
    """``value`` trimmed; ValidationFailed with ``message`` when empty, or when over ``max_length``."""
    value = (value or "").strip()
    if not value:
        raise ValidationFailed(message, field=field)
    if len(value) > max_length:
        raise ValidationFailed(f"Use {max_length} characters or fewer", field=field)
    return value


def _address(session: Session, url: str) -> str:
    from app.models import Resource

    url = catalogue.check_url(url)
    existing = session.scalar(select(Resource).where(
        Resource.normalised_url == catalogue.normalise_url(url)))
    if existing is not None:
        raise ValidationFailed(f"This address is already the resource {existing.title} "
                               f"({existing.status}): reject the suggestion as a duplicate", field="url")
    return url


def _licence(text: str) -> str:
    if not (text or "").strip():
        raise ValidationFailed("Choose the licence", field="licence")
    if len(text.strip()) > MAX_LICENCE:
        raise ValidationFailed(f"Give a licence id of {MAX_LICENCE} characters or fewer", field="licence")
    return catalogue.check_licence(text)


def parse_hours(value: float | str | None) -> float:
    """Hours as a number: ``2.5``, ``"2.5"`` or ``"2,5"``. Raise ValidationFailed (field ``hours``)."""
    if value is None or (isinstance(value, str) and not value.strip()):
        raise ValidationFailed("Enter the estimated hours, for example 2.5", field="hours")
    try:
        hours = float(value.strip().replace(",", ".")) if isinstance(value, str) else float(value)
    except ValueError:
        raise ValidationFailed("Enter the hours as a number, for example 2.5", field="hours") from None
    if not 0 < hours <= MAX_HOURS:  # also refuses nan
        raise ValidationFailed("Enter hours more than 0 and at most 1,000", field="hours")
    return hours


def _prerequisites(session: Session, given: str | Sequence[str]) -> list[str]:
    codes = re.split(r"[\s,;]+", given) if isinstance(given, str) else list(given)
    codes = list(dict.fromkeys(code.strip() for code in codes if code and code.strip()))
    unknown = sorted(set(codes) - catalogue.codes_exist(session, codes))
    if unknown:
        raise ValidationFailed(f"No resource has the code {', '.join(unknown)}", field="prerequisites")
    return codes


def check_level_choices(session: Session, choices: Sequence[LevelChoice]) -> list[Taught]:
    """The picked rows as what the resource teaches. Raise ManyProblems naming each bad row
    (``competencies.<row>.<competency|level_from|level_to>``)."""
    rows = [(n, c) for n, c in enumerate(choices)
            if (c.competency_id, c.level_from, c.level_to) != (None, None, None)]
    if not rows:
        raise ValidationFailed("Choose at least one competency it teaches", field="competencies.0.competency")
    ids = {c.competency_id for _, c in rows if c.competency_id is not None}
    known = {c.id: c for c in session.scalars(
        select(Competency).where(Competency.id.in_(ids), Competency.retired.is_(False))
        .options(selectinload(Competency.framework).selectinload(Framework.levels)))}
    problems: list[ValidationFailed] = []
    taught: list[Taught] = []
    seen: set[int] = set()
    for n, choice in rows:
        problem = _row_problem(n, choice, known, seen)
        if problem:
            problems.append(problem)
            continue
        seen.add(choice.competency_id)
        taught.append(Taught(known[choice.competency_id], choice.level_from, choice.level_to))
    if problems:
        raise ManyProblems(problems)
    return taught


def _row_problem(n: int, choice: LevelChoice, known: dict[int, Competency],
                 seen: set[int]) -> ValidationFailed | None:
    where, label = f"competencies.{n}", f"Competency {n + 1}"
    competency = known.get(choice.competency_id)
    if competency is None:
        message = ("choose the competency" if choice.competency_id is None
                   else "choose a competency from the list")
        return ValidationFailed(f"{label}: {message}", field=f"{where}.competency")
    if competency.id in seen:
        return ValidationFailed(f"{label}: {competency.name} is already given above",
                                field=f"{where}.competency")
    for level, part, words in ((choice.level_from, "level_from", "the level it starts from"),
                               (choice.level_to, "level_to", "the level it reaches")):
        if level is None:
            return ValidationFailed(f"{label}: choose {words}", field=f"{where}.{part}")
    scale = sorted(level.level for level in competency.framework.levels)
    for level, part in ((choice.level_from, "level_from"), (choice.level_to, "level_to")):
        if level not in scale:
            return ValidationFailed(f"{label}: the levels of {competency.name} go from {scale[0]} "
                                    f"to {scale[-1]}", field=f"{where}.{part}")
    if choice.level_from >= choice.level_to:
        return ValidationFailed(f"{label}: the level it starts from must be below the level it reaches",
                                field=f"{where}.level_to")
    return None


_LINE = re.compile(r"^(?P<code>\S+)\s+(?P<from>\d+)\s*(?:-|–|→|->|to)\s*(?P<to>\d+)$")


def parse_competency_lines(session: Session, text: str) -> list[Taught]:
    """Lines of ``CODE FROM-TO`` (e.g. ``DATA.ANALYSIS 1-3``; ``FRAMEWORK/CODE`` when a code is in
    more than one framework). Raise LinesInvalid (field ``competencies``) listing every bad line."""
    lines = [(n, line.strip()) for n, line in enumerate((text or "").splitlines(), start=1)
             if line.strip()]
    if not lines:
        raise LinesInvalid(["Give at least one competency, one per line, e.g. DATA.ANALYSIS 1-3"],
                           field="competencies")
    wanted = {m.group("code").split("/")[-1] for _, line in lines if (m := _LINE.match(line))}
    by_code: dict[str, list[Competency]] = {}
    for competency in session.scalars(
            select(Competency).where(Competency.code.in_(wanted), Competency.retired.is_(False))
            .options(selectinload(Competency.framework).selectinload(Framework.levels))):
        by_code.setdefault(competency.code, []).append(competency)
    errors: list[str] = []
    taught: list[Taught] = []
    seen: set[int] = set()
    for n, line in lines:
        found = _line(n, line, by_code, seen)
        if isinstance(found, str):
            errors.append(found)
        else:
            seen.add(found.competency.id)
            taught.append(found)
    if errors:
        raise LinesInvalid(errors, field="competencies")
    return taught


def _line(n: int, line: str, by_code: dict[str, list[Competency]], seen: set[int]) -> Taught | str:
    """The line read, or what is wrong with it."""
    match = _LINE.match(line)
    if not match:
        return f"Line {n}: {line!r} is not CODE FROM-TO, e.g. DATA.ANALYSIS 1-3"
    framework_code, _, code = match.group("code").rpartition("/")
    options = [c for c in by_code.get(code, []) if not framework_code or c.framework.code == framework_code]
    if not options:
        return f"Line {n}: no competency has the code {match.group('code')}"
    if len(options) > 1:
        frameworks = ", ".join(sorted(c.framework.code for c in options))
        return f"Line {n}: {code} is in more than one framework ({frameworks}): write FRAMEWORK/{code}"
    competency = options[0]
    level_from, level_to = int(match.group("from")), int(match.group("to"))
    scale = sorted(level.level for level in competency.framework.levels)
    if level_from not in scale or level_to not in scale:
        return f"Line {n}: levels of {code} go from {scale[0]} to {scale[-1]}"
    if level_from >= level_to:
        return (f"Line {n}: the level it starts from ({level_from}) must be below the "
                f"level it reaches ({level_to})")
    if competency.id in seen:
        return f"Line {n}: {code} is given twice"
    return Taught(competency, level_from, level_to)
