"""Suggestions: anyone signed in proposes material; admins find duplicates, then publish or reject.

Reuse first also means not listing the same material twice. A suggestion is compared with every
resource and every other pending suggestion by normalised address (see catalogue.normalise_url) and
by title similarity (see ``similar_titles``).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from difflib import SequenceMatcher

from sqlalchemy import Select, select
from sqlalchemy.orm import Session, selectinload

from app.models import Resource, ResourceCompetency, Suggestion, User
from app.models.base import utcnow
from app.services import audit, catalogue
from app.services.audit import Actor
from app.services.errors import ValidationFailed
from app.services.learning.resource_details import (  # re-exported: what publishing is given
    LevelChoice as LevelChoice,
)
from app.services.learning.resource_details import LinesInvalid as LinesInvalid
from app.services.learning.resource_details import ResourceDetails as ResourceDetails
from app.services.learning.resource_details import Taught as Taught
from app.services.learning.resource_details import check_details, required_text
from app.services.learning.resource_details import parse_competency_lines as parse_competency_lines

PENDING, PUBLISHED, REJECTED = "pending", "published", "rejected"
TITLE_SIMILARITY = 0.85


class AlreadyInCatalogue(ValidationFailed):
    """The suggested address is a published resource's."""

    def __init__(self, resource: Resource) -> None:
        super().__init__(f"{resource.title} is already in the catalogue", field="url")
        self.resource = resource


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


def publish(session: Session, actor: Actor, suggestion: Suggestion, details: ResourceDetails,
            today: date) -> Resource:
    """Turn a pending suggestion into a published resource reviewed ``today`` by ``actor``.
    Raise ManyProblems with every bad detail (see resource_details.check_details), nothing written."""
    _check_pending(suggestion)
    checked = check_details(session, details)
    resource = Resource(
        code=catalogue.unique_code(session, checked.title), title=checked.title, provider=checked.provider,
        url=checked.url, normalised_url=checked.normalised_url, licence=checked.licence,
        languages=checked.languages, format=checked.format, hours=checked.hours, cost=checked.cost,
        certificate=checked.certificate, prerequisites=checked.prerequisites,
        accessibility=checked.accessibility, offline=checked.offline, description=checked.description,
        reviewed_on=today, reviewed_by=actor.user.name if actor.user else "CapStack curators",
        status=catalogue.PUBLISHED,
    )
    resource.teaches = [ResourceCompetency(competency=t.competency, level_from=t.level_from,
                                           level_to=t.level_to) for t in checked.taught]
    session.add(resource)
    session.flush()
    suggestion.status, suggestion.resource_id = PUBLISHED, resource.id
    _decided(suggestion, actor)
    audit.record(session, actor, "resource.publish", resource,
                 details={"code": resource.code, "suggestion_id": suggestion.id, "url": checked.url,
                          "licence": checked.licence})
    return resource


def reject(session: Session, actor: Actor, suggestion: Suggestion, reason: str) -> None:
    """Reject a pending suggestion; the suggester sees ``reason``."""
    _check_pending(suggestion)
    reason = required_text(reason, "reason", "Say why, so the person who suggested it knows", 2000)
    suggestion.status, suggestion.rejection_reason = REJECTED, reason
    _decided(suggestion, actor)
    audit.record(session, actor, "suggestion.reject", suggestion,
                 details={"url": suggestion.url, "reason": reason})


def _check_pending(suggestion: Suggestion) -> None:
    if suggestion.status != PENDING:
        raise ValidationFailed(f"This suggestion was already {suggestion.status}")


def _decided(suggestion: Suggestion, actor: Actor) -> None:
    suggestion.decided_by_id, suggestion.decided_at = actor.user_id, utcnow()


