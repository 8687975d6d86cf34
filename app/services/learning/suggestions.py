"""Suggestions: anyone signed in proposes material; admins find duplicates, then publish or reject.

Reuse first also means not listing the same material twice. A suggestion is compared with every
resource and every other pending suggestion by normalised address (see catalogue.normalise_url) and
by title similarity (see ``similar_titles``).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from difflib import SequenceMatcher

from sqlalchemy import Select, select
from sqlalchemy.orm import Session, selectinload

from app.models import Competency, Framework, Resource, ResourceCompetency, Suggestion, User
from app.models.base import utcnow
from app.services import audit, catalogue
from app.services.audit import Actor
from app.services.errors import ValidationFailed

PENDING, PUBLISHED, REJECTED = "pending", "published", "rejected"
TITLE_SIMILARITY = 0.85


class AlreadyInCatalogue(ValidationFailed):
    """The suggested address is a published resource's."""

    def __init__(self, resource: Resource) -> None:
        super().__init__(f"{resource.title} is already in the catalogue", field="url")
        self.resource = resource


class LinesInvalid(ValidationFailed):
    """Some lines of a multi-line field are wrong; ``messages`` has one entry per bad line."""

    def __init__(self, messages: list[str], field: str) -> None:
        super().__init__("; ".join(messages), field=field)
        self.messages = messages


# Submitting -------------------------------------------------------------------------------------


def suggest(session: Session, user: User, *, url: str, reason: str, title: str = "") -> Suggestion:
    """Record ``user``'s suggestion. Raise ValidationFailed on bad input, AlreadyInCatalogue when a
    published resource has the same normalised address (nothing is saved then)."""
    url = catalogue.check_url(url)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed("Say why it helps: what it teaches, and who it suits", field="reason")
    title = (title or "").strip()
    if len(title) > 300:
        raise ValidationFailed("The title must be 300 characters or fewer", field="title")
    normalised = catalogue.normalise_url(url)
    existing = session.scalar(select(Resource).where(
        Resource.normalised_url == normalised, Resource.status == catalogue.PUBLISHED))
    if existing is not None:
        raise AlreadyInCatalogue(existing)
    suggestion = Suggestion(url=url, normalised_url=normalised, title=title, reason=reason,
                            suggested_by_id=user.id, status=PENDING)
    session.add(suggestion)
    session.flush()
    return suggestion


def pending_query() -> Select[tuple[Suggestion]]:
    return (select(Suggestion).where(Suggestion.status == PENDING)
            .options(selectinload(Suggestion.suggested_by))
            .order_by(Suggestion.created_at, Suggestion.id))


def mine_query(user: User) -> Select[tuple[Suggestion]]:
    return (select(Suggestion).where(Suggestion.suggested_by_id == user.id)
            .options(selectinload(Suggestion.resource))
            .order_by(Suggestion.created_at.desc(), Suggestion.id.desc()))


# Duplicates -------------------------------------------------------------------------------------


def normalise_title(title: str) -> str:
    """Lower case, accents and punctuation gone, spaces collapsed: what a title says, not how."""
    text = unicodedata.normalize("NFKD", title or "")
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).lower()
    return " ".join(re.sub(r"[^\w\s]|_", " ", text).split())


def title_similarity(a: str, b: str) -> float:
    """The better of two difflib ratios on normalised titles: as written, and with the words sorted
    (so "Data protection: an introduction" and "An introduction to data protection" come close).
    A pair that cannot reach TITLE_SIMILARITY is cut short and answers 0."""
    a, b = normalise_title(a), normalise_title(b)
    if not a or not b:
        return 0.0
    best = 0.0
    for left, right in ((a, b), (" ".join(sorted(a.split())), " ".join(sorted(b.split())))):
        matcher = SequenceMatcher(None, left, right, autojunk=False)
        if matcher.real_quick_ratio() < TITLE_SIMILARITY or matcher.quick_ratio() < TITLE_SIMILARITY:
            continue  # cheap upper bounds: the full ratio cannot reach the threshold
        best = max(best, matcher.ratio())
    return best


def similar_titles(a: str, b: str) -> bool:
    """Similar enough to show a reviewer: ratio ≥ 0.85 on normalised titles. Measured on real pairs,
    0.85 keeps "Introduction to open data" vs "An introduction to open data" (0.94) and drops "Open
    data for beginners" vs "Open data for leaders" (0.82), which are different material."""
    return title_similarity(a, b) >= TITLE_SIMILARITY


@dataclass(frozen=True)
class Duplicate:
    kind: str  # "resource" | "suggestion"
    id: int
    code: str  # the resource's code; "" for a suggestion
    title: str
    url: str
    status: str
    same_url: bool
    similarity: float  # of the titles, 0 when only the address matched


@dataclass
class _Candidate:
    kind: str
    id: int
    code: str
    title: str
    url: str
    normalised_url: str
    status: str
    titles: list[str] = field(default_factory=list)


def find_duplicates(session: Session, suggestions: Sequence[Suggestion]) -> dict[int, list[Duplicate]]:
    """For each suggestion, the resources and other pending suggestions it may duplicate, those with
    the same address first. Two queries, however many suggestions."""
    candidates = [
        _Candidate("resource", r.id, r.code, r.title, r.url, r.normalised_url, r.status)
        for r in session.execute(select(Resource.id, Resource.code, Resource.title, Resource.url,
                                        Resource.normalised_url, Resource.status))
    ]
    candidates += [
        _Candidate("suggestion", s.id, "", s.title, s.url, s.normalised_url, s.status)
        for s in session.execute(select(Suggestion.id, Suggestion.title, Suggestion.url,
                                        Suggestion.normalised_url, Suggestion.status)
                                 .where(Suggestion.status == PENDING))
    ]
    found: dict[int, list[Duplicate]] = {}
    for suggestion in suggestions:
        matches = []
        for candidate in candidates:
            if candidate.kind == "suggestion" and candidate.id == suggestion.id:
                continue
            same_url = candidate.normalised_url == suggestion.normalised_url
            similarity = (title_similarity(suggestion.title, candidate.title)
                          if suggestion.title else 0.0)
            if same_url or similarity >= TITLE_SIMILARITY:
                matches.append(Duplicate(candidate.kind, candidate.id, candidate.code, candidate.title
                                         or candidate.url, candidate.url, candidate.status, same_url,
                                         round(similarity, 2)))
        matches.sort(key=lambda d: (not d.same_url, -d.similarity, d.kind, d.id))
        found[suggestion.id] = matches
    return found


# Deciding ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Taught:
    competency: Competency
    level_from: int
    level_to: int


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
        match = _LINE.match(line)
        if not match:
            errors.append(f"Line {n}: {line!r} is not CODE FROM-TO, e.g. DATA.ANALYSIS 1-3")
            continue
        framework_code, _, code = match.group("code").rpartition("/")
        options = [c for c in by_code.get(code, []) if not framework_code
                   or c.framework.code == framework_code]
        if not options:
            errors.append(f"Line {n}: no competency has the code {match.group('code')}")
            continue
        if len(options) > 1:
            frameworks = ", ".join(sorted(c.framework.code for c in options))
            errors.append(f"Line {n}: {code} is in more than one framework ({frameworks}): "
                          f"write FRAMEWORK/{code}")
            continue
        competency = options[0]
        level_from, level_to = int(match.group("from")), int(match.group("to"))
        scale = sorted(level.level for level in competency.framework.levels)
        if level_from not in scale or level_to not in scale:
            errors.append(f"Line {n}: levels of {code} go from {scale[0]} to {scale[-1]}")
            continue
        if level_from >= level_to:
            errors.append(f"Line {n}: the level it starts from ({level_from}) must be below the "
                          f"level it reaches ({level_to})")
            continue
        if competency.id in seen:
            errors.append(f"Line {n}: {code} is given twice")
            continue
        seen.add(competency.id)
        taught.append(Taught(competency, level_from, level_to))
    if errors:
        raise LinesInvalid(errors, field="competencies")
    return taught


@dataclass(frozen=True)
class ResourceDetails:
    """What an admin records when publishing. Text fields are checked by ``publish``."""

    title: str
    provider: str
    url: str
    licence: str
    languages: str  # "en, fr"
    format: str
    hours: float
    cost: str
    competencies: str  # "CODE FROM-TO" per line
    description: str = ""
    certificate: bool = False
    offline: bool = False
    accessibility: Iterable[str] = ()
    prerequisites: str = ""  # resource codes, comma- or space-separated


def publish(session: Session, actor: Actor, suggestion: Suggestion, details: ResourceDetails,
            today: date) -> Resource:
    """Turn a pending suggestion into a published resource reviewed ``today`` by ``actor``.
    Raise ValidationFailed (with the field) on bad details, or when the address is already a
    resource's."""
    _check_pending(suggestion)
    title = _required(details.title, "title", "Enter the title", 300)
    provider = _required(details.provider, "provider", "Enter the provider", 200)
    url = catalogue.check_url(details.url)
    normalised = catalogue.normalise_url(url)
    existing = session.scalar(select(Resource).where(Resource.normalised_url == normalised))
    if existing is not None:
        raise ValidationFailed(f"This address is already the resource {existing.title} "
                               f"({existing.status}): reject the suggestion as a duplicate",
                               field="url")
    licence = catalogue.check_licence(details.licence)
    languages = catalogue.check_languages(details.languages)
    if details.format not in catalogue.FORMATS:
        raise ValidationFailed(f"Choose a format: {', '.join(catalogue.FORMATS)}", field="format")
    if details.cost not in catalogue.COSTS:
        raise ValidationFailed("Choose free or paid", field="cost")
    if details.hours is None or not 0 < details.hours <= 1000:
        raise ValidationFailed("Give the estimated learning time in hours, more than 0 and at most "
                               "1,000", field="hours")
    prerequisites = [code for code in re.split(r"[\s,;]+", details.prerequisites or "") if code]
    unknown = sorted(set(prerequisites) - catalogue.codes_exist(session, prerequisites))
    if unknown:
        raise ValidationFailed(f"No resource has the code {', '.join(unknown)}", field="prerequisites")
    taught = parse_competency_lines(session, details.competencies)
    accessibility = {feature: feature in set(details.accessibility)
                     for feature in catalogue.ACCESSIBILITY}

    resource = Resource(
        code=catalogue.unique_code(session, title), title=title, provider=provider, url=url,
        normalised_url=normalised, licence=licence, languages=languages, format=details.format,
        hours=float(details.hours), cost=details.cost, certificate=bool(details.certificate),
        prerequisites=list(dict.fromkeys(prerequisites)), accessibility=accessibility,
        offline=bool(details.offline), description=(details.description or "").strip(),
        reviewed_on=today, reviewed_by=actor.user.name if actor.user else "CapStack curators",
        status=catalogue.PUBLISHED,
    )
    resource.teaches = [ResourceCompetency(competency=t.competency, level_from=t.level_from,
                                           level_to=t.level_to) for t in taught]
    session.add(resource)
    session.flush()
    suggestion.status, suggestion.resource_id = PUBLISHED, resource.id
    _decided(suggestion, actor)
    audit.record(session, actor, "resource.publish", resource,
                 details={"code": resource.code, "suggestion_id": suggestion.id, "url": url,
                          "licence": licence})
    return resource


def reject(session: Session, actor: Actor, suggestion: Suggestion, reason: str) -> None:
    """Reject a pending suggestion; the suggester sees ``reason``."""
    _check_pending(suggestion)
    reason = _required(reason, "reason", "Say why, so the person who suggested it knows", 2000)
    suggestion.status, suggestion.rejection_reason = REJECTED, reason
    _decided(suggestion, actor)
    audit.record(session, actor, "suggestion.reject", suggestion,
                 details={"url": suggestion.url, "reason": reason})


def _check_pending(suggestion: Suggestion) -> None:
    if suggestion.status != PENDING:
        raise ValidationFailed(f"This suggestion was already {suggestion.status}")


def _decided(suggestion: Suggestion, actor: Actor) -> None:
    suggestion.decided_by_id, suggestion.decided_at = actor.user_id, utcnow()


def _required(value: str, field: str, message: str, max_length: int) -> str:
    value = (value or "").strip()
    if not value:
        raise ValidationFailed(message, field=field)
    if len(value) > max_length:
        raise ValidationFailed(f"Use {max_length} characters or fewer", field=field)
    return value
