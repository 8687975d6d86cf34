"""Validating and saving answers one by one, as the official goes."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from app.models import (
    Answer,
    Attempt,
    AttemptStatus,
    InstrumentSection,
    Item,
    ItemKind,
    LevelDescriptor,
)
from app.services.assessment import adaptive, forms, window
from app.services.assessment.taking import sections
from app.services.errors import ValidationFailed

TEXT_MAX = 2000
# A number item's range comes from its options ({"min": 0, "max": 40}); without one, this.
NUMBER_RANGE = (0, 100_000)


# Validating and saving answers -----------------------------------------------------------------------

def number_range(item: Item) -> tuple[float, float]:
    """The (lowest, highest) number a number item accepts."""
    low, high = NUMBER_RANGE
    for option in item.options or []:
        low = option.get("min", low)
        high = option.get("max", high)
    return low, high


def _as_list(raw: Any) -> list[Any]:
    if raw is None:
        return []
    return list(raw) if isinstance(raw, list | tuple) else [raw]


def clean_value(item: Item, raw: Any, levels: Iterable[int] = (), previous: Any = None) -> Any:
    """The value to store for ``raw`` given to ``item``, or None to clear the answer.

    ``levels`` are the levels a self-rating item offers. Raises ValidationFailed (field "item-<id>")
    when the value is not one the item offers: an option it does not have, a number out of range.
    The options of a ``multiple`` item keep the order they were ticked in (first ticked, first: the
    languages an official learns in are their preferences in order): those of ``previous`` (the value
    stored) that are still ticked first, then the new ones in the order given. Checkboxes are sent in
    the page's order, so this is how that order survives each tick being saved and the page posted again.
    """
    where = f"item-{item.id}"
    if raw is None or raw == "" or raw == []:
        return None
    if item.kind == ItemKind.SELF_RATING:
        offered = sorted(levels)
        try:
            level = int(raw) if not isinstance(raw, bool) else None
        except (TypeError, ValueError):
            level = None
        if level is None or level not in offered:
            raise ValidationFailed(
                f"Choose one of the levels offered ({', '.join(map(str, offered))}), not {raw!r}",
                field=where)
        return level
    if item.input == "number":
        if isinstance(raw, bool):
            raise ValidationFailed("Enter a number", field=where)
        try:
            number = float(str(raw).strip().replace(",", "."))
        except ValueError:
            raise ValidationFailed(f"Enter a number, not {raw!r}", field=where) from None
        low, high = number_range(item)
        if not math.isfinite(number) or not low <= number <= high:
            raise ValidationFailed(f"Enter a number between {low:g} and {high:g}", field=where)
        return int(number) if number.is_integer() else number
    if item.input == "text":
        if not isinstance(raw, str):
            raise ValidationFailed("Enter text", field=where)
        text = raw.strip()
        if len(text) > TEXT_MAX:
            raise ValidationFailed(f"Keep your answer to {TEXT_MAX} characters or fewer", field=where)
        return text or None
    offered_values = [str(option["value"]) for option in item.options if "value" in option]
    given = [str(value) for value in _as_list(raw)]
    unknown = [value for value in given if value not in offered_values]
    if unknown:
        raise ValidationFailed(f"{unknown[0]!r} is not one of the options of this question", field=where)
    if item.input == "multiple":
        kept = [str(value) for value in previous if str(value) in given] if isinstance(previous, list) else []
        return list(dict.fromkeys(kept + given)) or None
    if len(given) != 1:
        raise ValidationFailed("Choose one option only", field=where)
    return given[0]


def _lock_for_answers(session: Session, attempt_id: int, user_id: int, now: datetime) -> Attempt:
    """Take the attempt's write lock, if it may still be answered; raise why not otherwise."""
    attempt, hit = window.claim(session, attempt_id, user_id, now)
    if not hit:
        if attempt.status == AttemptStatus.SUBMITTED:
            raise window.AlreadySubmitted()
        window.check_window(attempt.campaign, now)
    return attempt


def save_answers(session: Session, attempt_id: int, user_id: int, raw_answers: Mapping[int, Any],
                 *, now: datetime, section: int | None = None, advance: bool = False,
                 keep_furthest: bool = False) -> dict[int, str]:
    """Save the answers given (item id -> raw value) to ``user_id``'s attempt; an empty value clears one.

    Items left out stay as they were. Good values are saved even when others are bad; the bad ones are
    not stored and come back as {item id: reason}. When the answers come from section ``section``
    (0-based), the official resumes there, or at the next one (the review page after the last) when
    ``advance`` and every value was good; with ``keep_furthest`` (a change made from the review page)
    never earlier than where they had got to. Raises NotFound (not their attempt), AlreadySubmitted, or
    OutsideWindow.
    """
    attempt = _lock_for_answers(session, attempt_id, user_id, now)
    items = {item.id: item for item in session.scalars(
        select(Item).where(Item.instrument_id == attempt.instrument_id, Item.id.in_(list(raw_answers)),
                           forms.in_form(attempt.id))
    )}
    self_rated = {item.competency_id for item in items.values() if item.kind == ItemKind.SELF_RATING}
    levels: dict[int, set[int]] = {}
    for competency_id, level in session.execute(
        select(LevelDescriptor.competency_id, LevelDescriptor.level)
        .where(LevelDescriptor.competency_id.in_([cid for cid in self_rated if cid is not None]))
    ):
        levels.setdefault(competency_id, set()).add(level)
    existing = {answer.item_id: answer for answer in session.scalars(
        select(Answer).where(Answer.attempt_id == attempt.id, Answer.item_id.in_(list(items)))
    )}
    errors: dict[int, str] = {}
    new: list[dict[str, Any]] = []
    for item_id, raw in raw_answers.items():
        item = items.get(item_id)
        if item is None:
            errors[item_id] = "This question is not part of this assessment"
            continue
        try:
            previous = existing[item_id].value if item_id in existing else None
            value = clean_value(item, raw, levels.get(item.competency_id, ()), previous)
        except ValidationFailed as exc:
            errors[item_id] = str(exc)
            continue
        answer = existing.get(item_id)
        if value is None:
            if answer is not None:
                session.delete(answer)
        elif answer is None:
            new.append({"attempt_id": attempt.id, "item_id": item_id, "value": value, "answered_at": now})
        elif answer.value != value:
            answer.value, answer.answered_at = value, now
    session.flush()
    if new:  # one executemany statement, however many answers a page or an import brings
        session.execute(insert(Answer), new)
    if section is not None:
        more = bool(advance and not errors and attempt.campaign.adaptive
                    and adaptive.extend(session, attempt, sections(session, attempt)[section].id, now))
        # An adaptive section that drew more checks keeps the official there to answer them.
        resume_at = section + 1 if advance and not errors and not more else section
        attempt.last_section = max(resume_at, attempt.last_section or 0) if keep_furthest else resume_at
        session.flush()
    return errors


def save_answer(session: Session, attempt_id: int, user_id: int, item_id: int, raw: Any,
                *, now: datetime) -> Item:
    """Save one answer (the autosave): as save_answers, but a bad value raises ValidationFailed.

    The official resumes at the item's section.
    """
    errors = save_answers(session, attempt_id, user_id, {item_id: raw}, now=now)
    if errors:
        raise ValidationFailed(errors[item_id], field=f"item-{item_id}")
    item = session.get_one(Item, item_id)  # saved, so it is one of the attempt's items
    attempt = session.get_one(Attempt, attempt_id)
    attempt.last_section = session.scalar(
        select(func.count()).select_from(InstrumentSection).where(
            InstrumentSection.instrument_id == item.instrument_id,
            InstrumentSection.position < item.section.position)) or 0
    return item
