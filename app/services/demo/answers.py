"""How demo officials answer the individual instrument: pure functions of a random generator.

Each official has a latent "true level" per competency: near their role's target where the role sets
one (a little below it on average, so there are gaps to close), lower elsewhere, and higher in the
areas their organisation specialises in. From it:

- the self-rating is the true level plus the official's own bias (most rate themselves a little high,
  some a lot) plus noise, rounded;
- a knowledge check at level L is answered right with a probability that rises with true level - L,
  from a lucky guess to almost always; a few are skipped;
- in the follow-up, the true level drifts by almost nothing, except where the official completed
  material that teaches the competency at their level: there it rises by more than half a level.
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import Instrument, Item, ItemKind
from app.services.demo.people import Person
from app.services.learning.plans import FORMATS_ITEM, HOURS_ITEM, LANGUAGES_ITEM

MAX_LEVEL = 4
GUESS = 0.12  # four options, but the wrong ones are plausible: few right answers by chance
SKIP = 0.02  # share of knowledge checks left unanswered

# Organisation name -> (area code prefix or "" for every competency, levels added).
ORGANISATION_STRENGTHS: dict[str, tuple[tuple[str, float], ...]] = {
    "Ministry of Digital Economy": (("", 0.2), ("TECH.", 0.2)),
    "National Statistics Office": (("DATA.", 0.5),),
    "National Identity Agency": (("TECH.", 0.35),),
    "Revenue Authority": (("DATA.", 0.15),),
    "Ministry of Education": (("", -0.15),),
    "Ministry of Health": (("", -0.1),),
}


@dataclass(frozen=True)
class ItemSpec:
    """What answering needs to know of an item."""

    id: int
    code: str
    kind: str
    input: str
    competency_id: int | None
    level: int | None
    key: str | None
    values: tuple[str, ...]


def load_items(session: Session, instrument: Instrument) -> list[ItemSpec]:
    return [ItemSpec(item.id, item.code, item.kind, item.input, item.competency_id, item.level, item.key,
                     tuple(str(option["value"]) for option in item.options if "value" in option))
            for item in session.scalars(select(Item).where(Item.instrument_id == instrument.id)
                                        .order_by(Item.position))]


def _clamp(level: float) -> float:
    return min(float(MAX_LEVEL), max(0.0, level))


def true_levels(rng: random.Random, competencies: Mapping[int, str], targets: Mapping[int, int],
                organisation: str) -> dict[int, float]:
    """The latent level of each competency (id -> code) for an official with these role ``targets``."""
    strengths = ORGANISATION_STRENGTHS.get(organisation, ())
    levels = {}
    for competency_id, code in competencies.items():
        target = targets.get(competency_id)
        level = target - rng.gauss(0.9, 0.7) if target is not None else rng.gauss(0.7, 0.6)
        level += sum(bonus for prefix, bonus in strengths if code.startswith(prefix))
        levels[competency_id] = _clamp(level)
    return levels


def learning_gains(rng: random.Random, before: Mapping[int, float],
                   taught: Iterable[tuple[int, int, int]], *, keen: bool = False) -> dict[int, float]:
    """Levels gained per competency from completed material, given as (competency, from, to) ranges:
    about half a level or more where the material met the official's level, little where it did not."""
    gains: dict[int, float] = {}
    for competency_id, level_from, level_to in taught:
        if competency_id not in before:
            continue
        fits = level_from - 0.5 <= before[competency_id] < level_to
        gain = rng.uniform(0.6, 1.1) if fits else rng.uniform(0.0, 0.2)
        gains[competency_id] = min(1.4, gains.get(competency_id, 0.0) + gain * (1.4 if keen else 1.0))
    return gains


def later_levels(rng: random.Random, before: Mapping[int, float], gains: Mapping[int, float]
                 ) -> dict[int, float]:
    """The latent levels some months later: a small drift, plus what learning added."""
    return {cid: _clamp(level + rng.gauss(0.02, 0.15) + gains.get(cid, 0.0)) for cid, level in before.items()}


def _context(rng: random.Random, person: Person, item: ItemSpec) -> Any:
    chosen = {LANGUAGES_ITEM: list(person.languages), HOURS_ITEM: person.hours,
              FORMATS_ITEM: list(person.formats), "ctx-internet": person.internet,
              "ctx-device": person.device, "ctx-support": person.support}.get(item.code)
    if chosen is not None:
        return chosen
    if not item.values:
        return None
    return [rng.choice(item.values)] if item.input == "multiple" else rng.choice(item.values)


def _knowledge_right(rng: random.Random, level: float, item_level: int) -> bool:
    return rng.random() < GUESS + (1 - GUESS - 0.03) / (1 + math.exp(-2.2 * (level - item_level + 0.3)))


def answers(rng: random.Random, items: Iterable[ItemSpec], levels: Mapping[int, float],
            person: Person) -> dict[int, Any]:
    """Item id -> the value an official with these latent ``levels`` gives."""
    given: dict[int, Any] = {}
    for item in items:
        if item.kind == ItemKind.CONTEXT:
            value = _context(rng, person, item)
        elif item.kind == ItemKind.SELF_RATING and item.competency_id in levels:
            value = round(_clamp(levels[item.competency_id] + person.bias + rng.gauss(0, 0.45)))
        elif item.kind == ItemKind.KNOWLEDGE and item.competency_id in levels and item.values:
            if rng.random() < SKIP:
                continue
            if item.key is not None and _knowledge_right(rng, levels[item.competency_id], item.level or 1):
                value = item.key
            else:
                value = rng.choice([v for v in item.values if v != item.key] or list(item.values))
        else:
            continue
        if value is not None:
            given[item.id] = value
    return given
