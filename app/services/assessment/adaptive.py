"""The adaptive form: for each competency, the next knowledge check is the one most informative for the
official's current estimate, and the competency stops when its interval is narrow enough: once it has
the campaign's minimum of checks and one level holds at least half the probability.

Pure choice (``next_check``) and the database step (``extend``) that draws the next checks of a section
after the official has answered the ones drawn so far. A check left unanswered stops the competency: the
official chose not to answer, and asking again would not be adaptive but insistent.
"""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.models import Answer, Attempt, AttemptItem, Item, ItemKind
from app.services.assessment import estimate, forms, results_store, scoring
from app.services.assessment.estimate import Check
from app.services.assessment.forms import Candidate

MAX_CHECKS = 6  # per competency, at most
STOP_MASS = 0.5  # stop once a single level holds this much of the probability (its 50 % interval)


def should_stop(self_level: int | None, answered: Sequence[Check], minimum_checks: int,
                levels: Sequence[int] = scoring.LEVELS, *, budget: int = MAX_CHECKS) -> bool:
    """Whether a competency has enough: the budget is spent, or its minimum is met and it is narrow."""
    if len(answered) >= budget:
        return True
    if len(answered) < minimum_checks:
        return False
    low, high = estimate.interval(estimate.posterior(levels, self_level, answered), STOP_MASS)
    return low == high


def next_check(self_level: int | None, answered: Sequence[Check], pool: Sequence[tuple[Candidate, int]],
               seen: set[str], rng: random.Random,
               levels: Sequence[int] = scoring.LEVELS) -> Candidate | None:
    """The most informative of ``pool`` ((candidate, number of options) not yet drawn), unseen first."""
    if not pool:
        return None
    now = estimate.posterior(levels, self_level, answered)
    scored = [(candidate.code in seen,
               round(estimate.expected_entropy(now, levels, candidate.level or 0, options), 9),
               rng.random(), candidate)
              for candidate, options in pool]
    return min(scored, key=lambda row: row[:3])[3]


def extend(session: Session, attempt: Attempt, section_id: int, now: datetime) -> list[int]:
    """Draw the next check of every competency of the section that needs one; returns the new item ids."""
    items = session.scalars(select(Item).where(Item.section_id == section_id).order_by(Item.position)).all()
    drawn = set(forms.form_item_ids(session, attempt.id))
    answers = dict(session.execute(select(Answer.item_id, Answer.value).where(
        Answer.attempt_id == attempt.id, Answer.item_id.in_([item.id for item in items]))).all())
    seen = forms.seen_codes(session, attempt.user_id, but=attempt.id)
    rng = random.Random(attempt.seed * 7919 + len(drawn))
    levels = results_store.scale(session, attempt.instrument.framework_id)
    by_competency: dict[int, list[Item]] = defaultdict(list)
    for item in items:
        if item.competency_id is not None:
            by_competency[item.competency_id].append(item)
    added: list[int] = []
    for group in by_competency.values():
        choice = _next_for(group, drawn, answers, seen, rng, attempt.campaign.min_checks, levels)
        if choice is not None:
            added.append(choice)
    if added:
        start = session.scalar(select(func.count()).select_from(AttemptItem)
                               .where(AttemptItem.attempt_id == attempt.id)) or 0
        forms.add_items(session, attempt.id, added, now, start=start)
        session.flush()
    return added


def _next_for(group: list[Item], drawn: set[int], answers: dict, seen: set[str], rng: random.Random,
              minimum_checks: int, levels: Sequence[int]) -> int | None:
    rating = next((item for item in group if item.kind == ItemKind.SELF_RATING), None)
    self_level = answers.get(rating.id) if rating is not None else None
    shown = [item for item in group if item.kind == ItemKind.KNOWLEDGE and item.id in drawn]
    if any(item.id not in answers for item in shown):
        return None
    answered = [Check(item.level or 0, len(item.options), scoring.is_right(item.key, answers[item.id]))
                for item in shown]
    level = None if self_level is None else int(self_level)
    if should_stop(level, answered, minimum_checks, levels):
        return None
    pool = [(forms.Candidate(item.id, item.code, item.kind, item.competency_id, item.level, item.position),
             len(item.options))
            for item in group if item.kind == ItemKind.KNOWLEDGE and item.id not in drawn]
    choice = next_check(level, answered, pool, seen, rng, levels)
    return choice.id if choice is not None else None
