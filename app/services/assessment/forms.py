"""An attempt's form: the items it shows, drawn from the instrument's bank when the attempt starts.

- An instrument with ``form: {checks_per_level: N}`` shows every self-rating and context item and, per
  competency and level, N knowledge checks drawn from its bank. The draw is seeded per attempt, so it never
  changes on resume, and it prefers checks the official has not seen in any earlier attempt (a follow-up
  campaign therefore gets a parallel form). Only when every check of a level has been seen does it reuse one.
- An instrument without a form setting shows all its items.
- An **adaptive** campaign starts with no knowledge check: each next check is chosen as the official answers
  (app.services.assessment.adaptive).

The form is stored as AttemptItem rows, which is also how item statistics count an item as shown.
"""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from app.models import Attempt, AttemptItem, Item, ItemKind


@dataclass(frozen=True)
class Candidate:
    id: int
    code: str
    kind: str
    competency_id: int | None
    level: int | None
    position: int


def draw(candidates: Sequence[Candidate], checks_per_level: int | None, seen: set[str], seed: int,
         *, adaptive: bool = False) -> list[int]:
    """The ids of the items a form shows, in instrument order (pure, deterministic for a seed)."""
    rng = random.Random(seed)
    chosen = [c for c in candidates if c.kind != ItemKind.KNOWLEDGE]
    checks = [c for c in candidates if c.kind == ItemKind.KNOWLEDGE]
    if adaptive:
        checks = []  # drawn one by one as the official answers
    if checks_per_level is None:
        chosen += checks
    else:
        cells: dict[tuple[int | None, int | None], list[Candidate]] = defaultdict(list)
        for check in checks:
            cells[(check.competency_id, check.level)].append(check)
        for cell in cells.values():
            chosen += pick(cell, checks_per_level, seen, rng)
    return [c.id for c in sorted(chosen, key=lambda c: c.position)]


def pick(cell: Sequence[Candidate], count: int, seen: set[str], rng: random.Random) -> list[Candidate]:
    """``count`` of ``cell``: unseen ones first, at random among equals."""
    fresh = [c for c in cell if c.code not in seen]
    stale = [c for c in cell if c.code in seen]
    rng.shuffle(fresh)
    rng.shuffle(stale)
    return (fresh + stale)[:count]


def seen_codes(session: Session, user_id: int, *, but: int | None = None) -> set[str]:
    """The codes of every knowledge check shown to ``user_id`` in their attempts (other than ``but``)."""
    query = (select(Item.code).join(AttemptItem, AttemptItem.item_id == Item.id)
             .join(Attempt, Attempt.id == AttemptItem.attempt_id)
             .where(Attempt.user_id == user_id, Item.kind == ItemKind.KNOWLEDGE))
    if but is not None:
        query = query.where(Attempt.id != but)
    return set(session.scalars(query))


def candidates(session: Session, instrument_id: int) -> list[Candidate]:
    return [Candidate(*row) for row in session.execute(
        select(Item.id, Item.code, Item.kind, Item.competency_id, Item.level, Item.position)
        .where(Item.instrument_id == instrument_id).order_by(Item.position))]


def start_form(session: Session, attempt: Attempt, now: datetime) -> None:
    """Draw and store the form of a new attempt (the caller flushes and commits)."""
    per_level = (attempt.instrument.form or {}).get("checks_per_level")
    ids = draw(candidates(session, attempt.instrument_id), per_level,
               seen_codes(session, attempt.user_id, but=attempt.id), attempt.seed,
               adaptive=attempt.campaign.adaptive)
    add_items(session, attempt.id, ids, now, start=0)


def add_items(session: Session, attempt_id: int, item_ids: Iterable[int], now: datetime, *,
              start: int) -> None:
    """Put ``item_ids`` on the attempt's form after position ``start`` (one executemany statement)."""
    rows = [{"attempt_id": attempt_id, "item_id": item_id, "position": start + offset, "drawn_at": now}
            for offset, item_id in enumerate(item_ids)]
    if rows:
        session.execute(insert(AttemptItem), rows)


def form_item_ids(session: Session, attempt_id: int) -> list[int]:
    return list(session.scalars(select(AttemptItem.item_id).where(AttemptItem.attempt_id == attempt_id)
                                .order_by(AttemptItem.position)))


def in_form(attempt_id: int):
    """SQL: the item is on the form of ``attempt_id``."""
    return Item.id.in_(select(AttemptItem.item_id).where(AttemptItem.attempt_id == attempt_id))
