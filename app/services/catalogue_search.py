"""Searching the catalogue: the filters, the query, and the choices the search form offers.

Plain functions on a SQLAlchemy session; nothing here imports flask.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, String, and_, case, cast, false, func, or_, select
from sqlalchemy.orm import Session, selectinload

from app.models import Competency, ProficiencyLevel, Resource, ResourceCompetency
from app.services.catalogue import FREE_ACCESS, OPEN_LICENCES, PUBLISHED

# Search -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SearchFilters:
    """What someone looks for in the catalogue. Empty values mean "any"."""

    text: str = ""
    competency_id: int | None = None
    level: int | None = None  # resources whose range (from..to) includes it
    language: str = ""  # a BCP 47 primary tag; fr matches fr and fr-CA
    format: str = ""
    licence: str = ""  # "open" | "free-access"
    cost: str = ""  # "free" | "paid"
    max_hours: float | None = None
    offline: bool = False
    sort: str = "relevance"


def _like(word: str) -> str:
    escaped = word.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def search_words(text: str) -> list[str]:
    return [word for word in (text or "").split() if word][:10]


def search_query(filters: SearchFilters, *, include_retired: bool = False) -> Select[tuple[Resource]]:
    """The resources matching ``filters``, sorted, with what they teach loaded (no N+1).

    Every word of the text must appear in the title, description or provider (case-insensitive).
    Relevance counts a word in the title 3, in the provider 2, in the description 1.
    """
    stmt = select(Resource).options(
        selectinload(Resource.teaches).selectinload(ResourceCompetency.competency))
    if not include_retired:
        stmt = stmt.where(Resource.status == PUBLISHED)

    score = None
    for word in search_words(filters.text):
        pattern = _like(word)
        in_title = func.lower(Resource.title).like(pattern, escape="\\")
        in_provider = func.lower(Resource.provider).like(pattern, escape="\\")
        in_description = func.lower(Resource.description).like(pattern, escape="\\")
        stmt = stmt.where(or_(in_title, in_provider, in_description))
        word_score = (case((in_title, 3), else_=0) + case((in_provider, 2), else_=0)
                      + case((in_description, 1), else_=0))
        score = word_score if score is None else score + word_score

    teaches: list[Any] = []
    if filters.competency_id:
        teaches.append(ResourceCompetency.competency_id == filters.competency_id)
    if filters.level is not None:
        teaches += [ResourceCompetency.level_from <= filters.level,
                    ResourceCompetency.level_to >= filters.level]
    if teaches:  # one row must match them all: the level is within *that competency's* range
        stmt = stmt.where(Resource.teaches.any(and_(*teaches)))
    if filters.language:
        stmt = stmt.where(_has_language(filters.language))
    if filters.format:
        stmt = stmt.where(Resource.format == filters.format)
    if filters.licence == "open":
        stmt = stmt.where(Resource.licence.in_(sorted(OPEN_LICENCES)))
    elif filters.licence == FREE_ACCESS:
        stmt = stmt.where(Resource.licence == FREE_ACCESS)
    if filters.cost:
        stmt = stmt.where(Resource.cost == filters.cost)
    if filters.max_hours is not None:
        stmt = stmt.where(Resource.hours <= filters.max_hours)
    if filters.offline:
        stmt = stmt.where(Resource.offline.is_(True))

    title = func.lower(Resource.title)
    if filters.sort == "title":
        order = [title]
    elif filters.sort == "hours":
        order = [Resource.hours, title]
    elif filters.sort == "reviewed":
        order = [Resource.reviewed_on.desc(), title]
    elif score is not None:
        order = [score.desc(), title]
    else:  # relevance without words to weigh: alphabetical
        order = [title]
    return stmt.order_by(*order, Resource.id)


def _has_language(tag: str):
    """Languages are a JSON list; its text holds ``"fr"`` or ``"fr-..."`` on SQLite and PostgreSQL
    alike, which a LIKE finds without dialect-specific JSON operators."""
    primary = tag.split("-")[0].lower()
    if not re.fullmatch(r"[a-z]{2,3}", primary):
        return false()
    as_text = cast(Resource.languages, String)
    return or_(as_text.like(f'%"{primary}"%'), as_text.like(f'%"{primary}-%'))


@dataclass(frozen=True)
class FilterChoices:
    competencies: list[tuple[int, str]]
    levels: list[tuple[int, str]]
    languages: list[str]


def filter_choices(session: Session) -> FilterChoices:
    """What the filters offer: competencies some published resource teaches, the levels of the
    frameworks' scales, and the languages of published resources."""
    competencies = session.execute(
        select(Competency.id, Competency.code, Competency.name)
        .where(Competency.id.in_(
            select(ResourceCompetency.competency_id).join(ResourceCompetency.resource)
            .where(Resource.status == PUBLISHED)))
        .order_by(Competency.framework_id, Competency.position, Competency.code))
    names: dict[int, list[str]] = {}
    for level, name in session.execute(
            select(ProficiencyLevel.level, ProficiencyLevel.name).order_by(
                ProficiencyLevel.level, ProficiencyLevel.framework_id)):
        if name not in names.setdefault(level, []):
            names[level].append(name)
    languages: set[str] = set()
    for tags in session.scalars(select(Resource.languages).where(Resource.status == PUBLISHED)):
        languages.update(tag.split("-")[0] for tag in tags or [])
    return FilterChoices(
        competencies=[(id_, f"{code} · {name}") for id_, code, name in competencies],
        levels=[(level, f"{level} · {' / '.join(level_names)}")
                for level, level_names in sorted(names.items())],
        languages=sorted(languages),
    )
