"""Matching: an official's gaps and the published catalogue give a ranked plan, each item with its reason.

Framework-free and deterministic: plain data in, plain data out, the same plan for the same input.

The rules, in order:
1. Only gaps count: competencies where the calibrated level is below the role target. A competency
   that was not assessed (no calibrated level) is never a gap: nothing is recommended for it, and it is
   not unmet either.
2. A resource can serve a gap when its level range starts at or below the official's current level and
   ends above it (``level_from <= current < level_to``); it closes ``min(level_to, target) - current``
   levels of that competency.
3. Paths first: a published path whose target roles include the official's role (or, for a path with no
   roles, any official), that is in one of the official's languages and that serves at least one gap is
   recommended before single resources; the best path is the one closing the most levels per hour. What
   it closes is taken off the gaps. Where a step offers alternatives, the official follows the ones in
   their most preferred language that the whole path is in (else the first of each). A path that is
   not in one of their languages is never recommended as a path: its steps compete as single resources
   under rule 5, so material in their languages comes first and a fallback's reason is true.
4. Then single resources, greedily: each round takes the resource that serves the competency with the
   largest remaining gap, then the one closing the most levels per hour, then material in the official's
   more preferred language, then one in a preferred format, then the shorter, then by id. Its closed levels
   come off the gaps, and the next round starts.
5. Language: material in one of the official's languages is always chosen over other material for the
   same competency; material in another language is only suggested where nothing in their languages
   serves that gap, and its reason says so.
6. Prerequisites: a resource's prerequisites that the official has not completed come before it in the
   plan (if they are published), with the reason "needed before ...".

A campaign matches each official against a shortlist of the catalogue (app/services/shortlists.py) with a
``Bound`` on what the shortlist left out; ``build_plan`` raises ``ShortlistTooShort`` whenever a resource
left out could have been chosen, so a shortlist never changes a plan. It applies these rules with
app/services/learning/greedy.py, which gives ``build_plan``'s plans without ranking every resource each
round.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import TypeVar

T = TypeVar("T")


@dataclass(frozen=True)
class Gap:
    competency: str  # code
    name: str
    current: int | None  # calibrated level; None: not assessed
    target: int

    @property
    def assessed(self) -> bool:
        return self.current is not None

    @property
    def size(self) -> int:
        """Levels to the target; 0 when not assessed (not assessed is never a gap, and never level 0)."""
        if self.current is None:
            return 0
        return max(0, self.target - self.current)


@dataclass(frozen=True)
class Teaches:
    competency: str
    level_from: int
    level_to: int


@dataclass(frozen=True)
class Resource:
    id: str
    title: str
    languages: tuple[str, ...]
    format: str
    hours: float
    teaches: tuple[Teaches, ...]
    prerequisites: tuple[str, ...] = ()


@dataclass(frozen=True)
class Path:
    id: str  # a published path version
    title: str
    role_profiles: tuple[str, ...]
    resources: tuple[Resource, ...]  # the steps that are not optional, in order
    # For each of those steps, the resources that may stand for it (the step's own first), when any
    # step offers more than one; empty when none does.
    alternatives: tuple[tuple[Resource, ...], ...] = ()

    def for_official(self, official: Official) -> Path:
        """The path as ``official`` follows it: see ``choose_alternatives``."""
        if not self.alternatives:
            return self
        chosen = choose_alternatives(official, self.alternatives, lambda r: r.languages)
        return Path(self.id, self.title, self.role_profiles, tuple(chosen), self.alternatives)

    @property
    def hours(self) -> float:
        return sum(r.hours for r in self.resources)

    @property
    def languages(self) -> tuple[str, ...]:
        # A path is "in" a language when every step is.
        common = set(self.resources[0].languages) if self.resources else set()
        for resource in self.resources[1:]:
            common &= set(resource.languages)
        return tuple(sorted(common))


@dataclass(frozen=True)
class Official:
    role_profile: str | None
    languages: tuple[str, ...]  # in order of preference
    preferred_formats: tuple[str, ...] = ()
    hours_per_week: float | None = None
    completed: frozenset[str] = frozenset()  # resource ids already completed


@dataclass(frozen=True)
class Bound:
    """What a shortlist left out. ``floors``: for each (competency, level) that resources left out teach
    within the official's gaps, the best any of them could ever rank after the gap itself (``_rank``
    without its first two parts: levels per hour, language, format, hours, id); empty when nothing was
    left out. ``others``: the same for resources left out in none of the official's languages, when they
    are kept apart (those are passed over while something in the official's languages serves the same
    gap). ``in_language``: whether a resource left out in the official's languages teaches any of some
    (competency, level) pairs, so would serve that gap now (asked only of a fallback choice)."""

    floors: dict[tuple[str, int], tuple] = field(default_factory=dict)
    in_language: Callable[[frozenset[tuple[str, int]]], bool] | None = None
    others: dict[tuple[str, int], tuple] = field(default_factory=dict)

    def rank(self, remaining: dict[str, Gap]) -> tuple | None:
        """The best rank a resource left out could have now, or None when none can serve what remains:
        to serve a gap now it teaches the level the gap is at, and the rest of its rank never improves
        as gaps close."""
        return min(((0, -remaining[code].size, *floor) for floors in (self.floors, self.others)
                    for (code, level), floor in floors.items()
                    if code in remaining and remaining[code].size > 0 and remaining[code].current == level),
                   default=None)


class ShortlistTooShort(Exception):
    """A resource the shortlist left out might be the one the rules choose: match against more."""


@dataclass(frozen=True)
class Closes:
    competency: str
    name: str
    level_from: int
    level_to: int


@dataclass
class Recommendation:
    kind: str  # "path" or "resource"
    ref: str  # path version id or resource id
    title: str
    hours: float
    closes: list[Closes] = field(default_factory=list)
    in_language: str | None = None  # the official's language it is in, or None (fallback)
    fallback_languages: tuple[str, ...] = ()
    prerequisite_for: str | None = None  # title of what it is needed before

    @property
    def reason(self) -> str:
        parts = [f"closes {c.name} {c.level_from} → {c.level_to}" for c in self.closes]
        if self.prerequisite_for:
            parts.insert(0, f"needed before {self.prerequisite_for}")
        if self.in_language:
            parts.append(f"in {language_name(self.in_language)}")
        elif self.fallback_languages:
            names = ", ".join(language_name(code) for code in self.fallback_languages)
            parts.append(f"only available in {names}: nothing in your languages covers this yet")
        parts.append(f"{self.hours:g} h")
        return " · ".join(parts)


_LANGUAGE_NAMES = {"en": "English", "fr": "French", "ar": "Arabic", "es": "Spanish", "pt": "Portuguese",
                   "de": "German", "sw": "Swahili", "ru": "Russian", "zh": "Chinese"}


def language_name(code: str) -> str:
    return _LANGUAGE_NAMES.get(code.split("-")[0].lower(), code)


def _base(code: str) -> str:
    return code.split("-")[0].lower()


def shared_language(official: Official, languages: Iterable[str]) -> str | None:
    """The official's most preferred language among ``languages`` (matching on the primary subtag)."""
    offered = {_base(code) for code in languages}
    for code in official.languages:
        if _base(code) in offered:
            return code
    return None


def choose_alternatives(official: Official, steps: Sequence[Sequence[T]],
                        languages_of: Callable[[T], Iterable[str]]) -> list[T]:
    """One resource per step of a path (each step: the resources that may stand for it): those in the
    official's most preferred language that every step offers, else the first of each step."""
    for code in official.languages:
        chosen = [next((r for r in options if _base(code) in {_base(c) for c in languages_of(r)}), None)
                  for options in steps]
        if all(choice is not None for choice in chosen):
            return [choice for choice in chosen if choice is not None]
    return [options[0] for options in steps]


def _closes(teaches: Iterable[Teaches], remaining: dict[str, Gap]) -> list[Closes]:
    closes = []
    for t in teaches:
        gap = remaining.get(t.competency)
        if gap is None or gap.size == 0:
            continue
        if t.level_from <= gap.current < t.level_to:
            closes.append(Closes(t.competency, gap.name, gap.current, min(t.level_to, gap.target)))
    return closes


def _closes_in_order(resources: Iterable[Resource], remaining: dict[str, Gap]) -> list[Closes]:
    """What a sequence of resources closes when taken in order: each starts where the last left off."""
    after = dict(remaining)
    for resource in resources:
        _apply(_closes(resource.teaches, after), after)
    return [Closes(code, gap.name, gap.current, after[code].current)
            for code, gap in remaining.items() if after[code].current > gap.current]


def _levels(closes: Iterable[Closes]) -> int:
    return sum(c.level_to - c.level_from for c in closes)


def _apply(closes: Iterable[Closes], remaining: dict[str, Gap]) -> None:
    for c in closes:
        gap = remaining[c.competency]
        remaining[c.competency] = Gap(gap.competency, gap.name, c.level_to, gap.target)


def build_plan(official: Official, gaps: Sequence[Gap], resources: Sequence[Resource],
               paths: Sequence[Path] = (), *, limit: int = 12, bound: Bound | None = None
               ) -> list[Recommendation]:
    """The ranked learning plan for ``official``. See the module docstring for the rules.

    ``resources`` may be a shortlist with the ``bound`` of what it left out: raises ShortlistTooShort
    when the plan could differ from the one against the whole catalogue.
    """
    remaining = {g.competency: g for g in gaps if g.size > 0}
    plan: list[Recommendation] = []
    planned: set[str] = set(official.completed)
    by_id = {r.id: r for r in resources}

    best_path = _best_path(official, paths, remaining)
    if best_path is not None:
        closes = _closes_in_order(best_path.resources, remaining)
        _apply(closes, remaining)
        plan.append(Recommendation("path", best_path.id, best_path.title, best_path.hours, closes,
                                   shared_language(official, best_path.languages)))
        planned.update(r.id for r in best_path.resources)

    language_of = {r.id: shared_language(official, r.languages) for r in resources}
    while len(plan) < limit:
        # What each candidate would close this round, worked out once per round.
        options = [(r, closes) for r in resources if r.id not in planned
                   and (closes := _closes(r.teaches, remaining))]
        if not options:
            if bound is not None and bound.rank(remaining) is not None:
                raise ShortlistTooShort  # something left out may still serve what remains
            break
        served_in_language = {c.competency for r, closes in options if language_of[r.id]
                              for c in closes}
        ranked = [(_rank(r, closes, official, remaining, language_of[r.id], served_in_language), r, closes)
                  for r, closes in options]
        rank, choice, closes = min(ranked, key=lambda entry: entry[0])
        if bound is not None:
            _check(bound, rank, language_of[choice.id], closes, remaining)
        for prerequisite in _missing_prerequisites(choice, by_id, planned):
            planned.add(prerequisite.id)
            before = _closes(prerequisite.teaches, remaining)
            _apply(before, remaining)
            plan.append(_recommend(prerequisite, official, before, prerequisite_for=choice.title))
        closes = _closes(choice.teaches, remaining)
        _apply(closes, remaining)
        planned.add(choice.id)
        plan.append(_recommend(choice, official, closes))
    return plan


def _check(bound: Bound, rank: tuple, language: str | None, closes: list[Closes],
           remaining: dict[str, Gap]) -> None:
    """Raise ShortlistTooShort unless no resource left out by the shortlist could beat the choice; a
    fallback-language choice is only safe when nothing left out in the official's languages serves
    the gaps it closes."""
    floor = bound.rank(remaining)
    if floor is not None and rank >= floor:
        raise ShortlistTooShort
    if language is None and bound.in_language is not None and bound.in_language(
            frozenset((c.competency, c.level_from) for c in closes)):
        raise ShortlistTooShort


def _recommend(resource: Resource, official: Official, closes: list[Closes],
               prerequisite_for: str | None = None) -> Recommendation:
    language = shared_language(official, resource.languages)
    return Recommendation("resource", resource.id, resource.title, resource.hours, closes, language,
                          () if language else resource.languages, prerequisite_for)


def _rank(resource: Resource, closes: list[Closes], official: Official, remaining: dict[str, Gap],
          language: str | None, served_in_language: set[str]) -> tuple:
    largest = max(remaining[c.competency].size for c in closes)
    if language is None and served_in_language & {c.competency for c in closes}:
        # Something in the official's languages serves the same gaps: never prefer this one.
        return (1, 0, 0, 1, 1, resource.hours, resource.id)
    per_hour = _levels(closes) / max(resource.hours, 0.25)
    preference = official.languages.index(language) if language else len(official.languages)
    preferred = resource.format in official.preferred_formats
    return (0, -largest, -per_hour, preference, not preferred, resource.hours, resource.id)


def _missing_prerequisites(resource: Resource, by_id: dict[str, Resource],
                           planned: set[str]) -> list[Resource]:
    """Unplanned, published prerequisites of ``resource`` (and theirs), deepest first."""
    ordered: list[Resource] = []
    seen: set[str] = set()

    def visit(r: Resource) -> None:
        for pid in r.prerequisites:
            if pid in planned or pid in seen or pid not in by_id:
                continue
            seen.add(pid)
            visit(by_id[pid])
            ordered.append(by_id[pid])

    visit(resource)
    return ordered


def _best_path(official: Official, paths: Sequence[Path], remaining: dict[str, Gap]) -> Path | None:
    """The path to recommend first, as the official follows it, or None. Only a path wholly in one of
    the official's languages is a candidate (rule 3)."""
    fitting = []
    for candidate in paths:
        if candidate.role_profiles and official.role_profile not in candidate.role_profiles:
            continue
        path = candidate.for_official(official)
        if shared_language(official, path.languages) is None:
            continue
        closes = _closes_in_order(path.resources, remaining)
        if not closes:
            continue
        fitting.append((-_levels(closes) / max(path.hours, 0.25), path.id, path))
    if not fitting:
        return None
    best = min(fitting, key=lambda entry: entry[:2])
    return best[2]


def unmet_gaps(gaps: Sequence[Gap], plan: Sequence[Recommendation]) -> list[Gap]:
    """What remains of ``gaps`` after the plan: where no material exists yet."""
    remaining = {g.competency: g for g in gaps if g.size > 0}
    for item in plan:
        _apply(item.closes, remaining)
    return [g for g in remaining.values() if g.size > 0]
