"""Taking an assessment: the campaigns an official is invited to, starting or resuming their attempt,
saving answers one by one, the review, and submission.

Writes that must not race (saving an answer, submitting) start with one conditional UPDATE of the attempt
row: it takes the row's write lock before anything is read, and its WHERE clause holds the rules (the
official's own attempt, still in progress, campaign window open). Whoever's UPDATE hits the row goes on;
a second submit finds the status already changed and changes nothing. Callers commit.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import and_, exists, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, contains_eager, selectinload

from app.models import (
    Answer,
    Area,
    Attempt,
    AttemptStatus,
    Campaign,
    CampaignOrganisation,
    Competency,
    CompetencyResult,
    InstrumentSection,
    Invitation,
    Item,
    ItemKind,
    LevelDescriptor,
    ProficiencyLevel,
    User,
)
from app.services import scoring
from app.services.campaigns import window_state
from app.services.errors import DomainError, NotFound, ValidationFailed
from app.services.scope import scoped

TEXT_MAX = 2000
# A number item's range comes from its options ({"min": 0, "max": 40}); without one, this.
NUMBER_RANGE = (0, 100_000)


class OutsideWindow(DomainError):
    """The campaign is not open: it opens later (``state`` "not_open") or has closed ("closed").

    ``at`` is the moment it opens or closed (UTC) and ``time_zone`` the country's, for the message.
    """

    def __init__(self, state: str, at: datetime, time_zone: str) -> None:
        self.state, self.at, self.time_zone = state, at, time_zone
        local = at.astimezone(ZoneInfo(time_zone))
        verb = "opens" if state == "not_open" else "closed"
        super().__init__(
            f"This assessment {verb} on {local.day} {local:%B %Y} at {local:%H:%M} ({time_zone})"
        )


class AlreadySubmitted(DomainError):
    """Answers of a submitted attempt never change."""

    def __init__(self) -> None:
        super().__init__("You have already submitted this assessment, so its answers can no longer change")


# The window ----------------------------------------------------------------------------------------

def window_end(campaign: Campaign) -> datetime:
    """When answering stops: the closing time, or the moment it was closed early if that came first."""
    if campaign.closed_early_at is not None and campaign.closed_early_at < campaign.closes_at:
        return campaign.closed_early_at
    return campaign.closes_at


def check_window(campaign: Campaign, now: datetime) -> None:
    """Raise OutsideWindow unless ``campaign`` is open at ``now``."""
    state = window_state(campaign, now)
    if state == "not_open":
        raise OutsideWindow(state, campaign.opens_at, campaign.country.time_zone)
    if state == "closed":
        raise OutsideWindow(state, window_end(campaign), campaign.country.time_zone)


def _open_at(now: datetime):
    """SQL: the attempt's campaign is open at ``now`` (the same rule as campaigns.window_state)."""
    return exists().where(
        Campaign.id == Attempt.campaign_id,
        Campaign.opens_at <= now,
        Campaign.closes_at > now,
        or_(Campaign.closed_early_at.is_(None), Campaign.closed_early_at > now),
    )


# "Your assessments" ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class Assignment:
    """One campaign an official is invited to, with their attempt (if started) and progress."""

    invitation: Invitation
    attempt: Attempt | None
    window: str  # not_open | open | closed
    answered: int
    total: int

    @property
    def campaign(self) -> Campaign:
        return self.invitation.campaign

    @property
    def status(self) -> str:
        if self.attempt is None:
            return "not_started"
        return "submitted" if self.attempt.status == AttemptStatus.SUBMITTED else "in_progress"

    @property
    def percent(self) -> int:
        return round(100 * self.answered / self.total) if self.total else 0


def _invitations(user: User):
    return (scoped(select(Invitation), Campaign.country_id, user)
            .join(Invitation.campaign).join(Campaign.country)
            .options(contains_eager(Invitation.campaign).contains_eager(Campaign.country))
            .where(Invitation.user_id == user.id))


def assignments(session: Session, user: User, now: datetime) -> list[Assignment]:
    """Every campaign ``user`` is invited to, newest window first: four queries whatever the number."""
    rows = session.execute(
        _invitations(user)
        .add_columns(Attempt)
        .outerjoin(Attempt, and_(Attempt.campaign_id == Invitation.campaign_id,
                                 Attempt.user_id == Invitation.user_id))
        .order_by(Campaign.opens_at.desc(), Campaign.id.desc())
    ).all()
    attempt_ids = [attempt.id for _, attempt in rows if attempt is not None]
    answered = dict(session.execute(
        select(Answer.attempt_id, func.count()).where(Answer.attempt_id.in_(attempt_ids))
        .group_by(Answer.attempt_id)
    ).all()) if attempt_ids else {}
    instrument_ids = {invitation.campaign.instrument_id for invitation, _ in rows}
    totals = dict(session.execute(
        select(Item.instrument_id, func.count()).where(Item.instrument_id.in_(instrument_ids))
        .group_by(Item.instrument_id)
    ).all()) if instrument_ids else {}
    return [
        Assignment(
            invitation=invitation,
            attempt=attempt,
            window=window_state(invitation.campaign, now),
            answered=answered.get(attempt.id, 0) if attempt else 0,
            total=totals.get(invitation.campaign.instrument_id, 0),
        )
        for invitation, attempt in rows
    ]


def assignment(session: Session, user: User, campaign_id: int, now: datetime) -> Assignment:
    """The one campaign ``campaign_id`` of ``user``; NotFound unless they are invited to it."""
    for found in assignments(session, user, now):
        if found.campaign.id == campaign_id:
            return found
    raise NotFound("You are not invited to this assessment")


# Starting and resuming ------------------------------------------------------------------------------

def _find_attempt(session: Session, user_id: int, campaign_id: int) -> Attempt | None:
    return session.scalar(
        select(Attempt).where(Attempt.user_id == user_id, Attempt.campaign_id == campaign_id)
    )


def start(session: Session, user: User, campaign_id: int, now: datetime) -> Attempt:
    """The official's attempt at ``campaign_id``: the existing one, or a new one if the window is open.

    The attempt is taken on the campaign's instrument version, for the organisation and role profile
    of the invitation (the organisation's default role profile in the campaign when the invitation has
    none). Raises NotFound when ``user`` is not invited, OutsideWindow when starting outside the window.
    """
    invitation = session.scalar(
        _invitations(user).where(Invitation.campaign_id == campaign_id)
    )
    if invitation is None:
        raise NotFound("You are not invited to this assessment")
    attempt = _find_attempt(session, user.id, campaign_id)
    if attempt is not None:
        return attempt
    campaign = invitation.campaign
    check_window(campaign, now)
    role_profile_id = invitation.role_profile_id
    if role_profile_id is None:
        role_profile_id = session.scalar(
            select(CampaignOrganisation.default_role_profile_id).where(
                CampaignOrganisation.campaign_id == campaign.id,
                CampaignOrganisation.organisation_id == invitation.organisation_id,
            )
        )
    attempt = Attempt(
        campaign_id=campaign.id, user_id=user.id, instrument_id=campaign.instrument_id,
        country_id=campaign.country_id, organisation_id=invitation.organisation_id,
        role_profile_id=role_profile_id, status=AttemptStatus.IN_PROGRESS, last_section=0,
        started_at=now, updated_at=now,
    )
    try:
        with session.begin_nested():
            session.add(attempt)
    except IntegrityError:
        # The same official started it a moment ago from another tab or device: use that one.
        attempt = _find_attempt(session, user.id, campaign_id)
        if attempt is None:
            raise
    return attempt


def own_attempt(session: Session, user: User, attempt_id: int) -> Attempt:
    """``user``'s attempt ``attempt_id``; NotFound for anyone else's (it looks the same as none)."""
    attempt = session.scalar(
        scoped(select(Attempt), Attempt.country_id, user)
        .where(Attempt.id == attempt_id, Attempt.user_id == user.id)
        .options(selectinload(Attempt.campaign).selectinload(Campaign.country))
    )
    if attempt is None:
        raise NotFound("There is no such assessment")
    return attempt


def sections(session: Session, attempt: Attempt) -> list[InstrumentSection]:
    return list(session.scalars(
        select(InstrumentSection).where(InstrumentSection.instrument_id == attempt.instrument_id)
        .order_by(InstrumentSection.position)
    ))


# Questions as shown ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class Choice:
    value: str
    label: str
    hint: str = ""


@dataclass
class Question:
    """An item with the choices it offers and the answer given so far (None: not answered)."""

    item: Item
    choices: list[Choice]
    value: Any = None

    @property
    def answered(self) -> bool:
        return self.value is not None

    @property
    def number_range(self) -> tuple[float, float]:
        return number_range(self.item)

    @property
    def selected(self) -> list[str]:
        """The chosen option values, as strings (what the form's inputs carry)."""
        if self.value is None:
            return []
        return [str(v) for v in self.value] if isinstance(self.value, list) else [str(self.value)]

    @property
    def answer_text(self) -> str:
        """The answer as the official would read it; "" when not answered."""
        if self.value is None:
            return ""
        if not self.choices:
            return str(self.value)
        labels = {choice.value: choice.label for choice in self.choices}
        return ", ".join(labels.get(value, value) for value in self.selected)


def _self_rating_choices(session: Session, framework_id: int, competency_ids: set[int]
                         ) -> dict[int, list[Choice]]:
    """Per competency: its level descriptors, labelled with the scale's level names."""
    if not competency_ids:
        return {}
    names = dict(session.execute(
        select(ProficiencyLevel.level, ProficiencyLevel.name)
        .where(ProficiencyLevel.framework_id == framework_id)
    ).all())
    choices: dict[int, list[Choice]] = {cid: [] for cid in competency_ids}
    for descriptor in session.scalars(
        select(LevelDescriptor).where(LevelDescriptor.competency_id.in_(competency_ids))
        .order_by(LevelDescriptor.competency_id, LevelDescriptor.level)
    ):
        label = names.get(descriptor.level, str(descriptor.level))
        choices[descriptor.competency_id].append(
            Choice(str(descriptor.level), f"{descriptor.level} {label}", descriptor.text)
        )
    return choices


def questions(session: Session, attempt: Attempt, items: Sequence[Item]) -> list[Question]:
    """``items`` of ``attempt`` with their choices and answers: three queries for any number of items."""
    self_rated = {item.competency_id for item in items
                  if item.kind == ItemKind.SELF_RATING and item.competency_id is not None}
    levels = _self_rating_choices(session, attempt.instrument.framework_id, self_rated)
    answers = dict(session.execute(
        select(Answer.item_id, Answer.value).where(
            Answer.attempt_id == attempt.id, Answer.item_id.in_([item.id for item in items]))
    ).all())
    result = []
    for item in items:
        if item.kind == ItemKind.SELF_RATING:
            choices = levels.get(item.competency_id, [])
        else:
            choices = [Choice(str(o["value"]), o.get("label", str(o["value"])))
                       for o in item.options if "value" in o]
        result.append(Question(item=item, choices=choices, value=answers.get(item.id)))
    return result


@dataclass
class SectionPage:
    number: int  # 1-based
    count: int
    section: InstrumentSection
    questions: list[Question]
    answered: int  # in the whole attempt
    total: int


def section_page(session: Session, attempt: Attempt, number: int) -> SectionPage:
    """Section ``number`` (1-based) of the attempt's instrument; NotFound outside 1..count."""
    all_sections = sections(session, attempt)
    if not 1 <= number <= len(all_sections):
        raise NotFound("There is no such section")
    section = all_sections[number - 1]
    items = session.scalars(
        select(Item).where(Item.section_id == section.id).order_by(Item.position)
        .options(selectinload(Item.competency))
    ).all()
    answered, total = progress(session, attempt)
    return SectionPage(number=number, count=len(all_sections), section=section,
                       questions=questions(session, attempt, items), answered=answered, total=total)


def progress(session: Session, attempt: Attempt) -> tuple[int, int]:
    """(answered, total) items of the attempt."""
    answered = session.scalar(
        select(func.count()).select_from(Answer).where(Answer.attempt_id == attempt.id)) or 0
    total = session.scalar(
        select(func.count()).select_from(Item).where(Item.instrument_id == attempt.instrument_id)) or 0
    return answered, total


@dataclass
class ReviewSection:
    number: int
    section: InstrumentSection
    questions: list[Question] = field(default_factory=list)


def review(session: Session, attempt: Attempt) -> list[ReviewSection]:
    """Every item of the attempt, section by section, with the answer given or None."""
    pages = [ReviewSection(number, section)
             for number, section in enumerate(sections(session, attempt), start=1)]
    by_section = {page.section.id: page for page in pages}
    items = session.scalars(
        select(Item).where(Item.instrument_id == attempt.instrument_id).order_by(Item.position)
    ).all()
    for question in questions(session, attempt, items):
        by_section[question.item.section_id].questions.append(question)
    return pages


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


def clean_value(item: Item, raw: Any, levels: Iterable[int] = ()) -> Any:
    """The value to store for ``raw`` given to ``item``, or None to clear the answer.

    ``levels`` are the levels a self-rating item offers. Raises ValidationFailed (field "item-<id>")
    when the value is not one the item offers: an option it does not have, a number out of range.
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
        return [value for value in offered_values if value in given] or None
    if len(given) != 1:
        raise ValidationFailed("Choose one option only", field=where)
    return given[0]


def _lock_for_answers(session: Session, attempt_id: int, user_id: int, now: datetime) -> Attempt:
    """Take the attempt's write lock, if it may still be answered; raise why not otherwise.

    This UPDATE must be the transaction's first statement: SQLite lets a writer wait its turn only
    when it has read nothing yet.
    """
    hit = session.execute(
        update(Attempt)
        .where(Attempt.id == attempt_id, Attempt.user_id == user_id,
               Attempt.status == AttemptStatus.IN_PROGRESS, _open_at(now))
        .values(updated_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    attempt = session.get(Attempt, attempt_id, populate_existing=True)
    if attempt is None or attempt.user_id != user_id:
        raise NotFound("There is no such assessment")
    if not hit:
        if attempt.status == AttemptStatus.SUBMITTED:
            raise AlreadySubmitted()
        check_window(attempt.campaign, now)
    return attempt


def save_answers(session: Session, attempt_id: int, user_id: int, raw_answers: Mapping[int, Any],
                 *, now: datetime, section: int | None = None, advance: bool = False) -> dict[int, str]:
    """Save the answers given (item id -> raw value) to ``user_id``'s attempt; an empty value clears one.

    Items left out stay as they were. Good values are saved even when others are bad; the bad ones are
    not stored and come back as {item id: reason}. When the answers come from section ``section``
    (0-based), the official resumes there, or at the next one (the review page after the last) when
    ``advance`` and every value was good. Raises NotFound (not their attempt), AlreadySubmitted, or
    OutsideWindow.
    """
    attempt = _lock_for_answers(session, attempt_id, user_id, now)
    items = {item.id: item for item in session.scalars(
        select(Item).where(Item.instrument_id == attempt.instrument_id, Item.id.in_(list(raw_answers)))
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
    for item_id, raw in raw_answers.items():
        item = items.get(item_id)
        if item is None:
            errors[item_id] = "This question is not part of this assessment"
            continue
        try:
            value = clean_value(item, raw, levels.get(item.competency_id, ()))
        except ValidationFailed as exc:
            errors[item_id] = str(exc)
            continue
        answer = existing.get(item_id)
        if value is None:
            if answer is not None:
                session.delete(answer)
        elif answer is None:
            session.add(Answer(attempt_id=attempt.id, item_id=item_id, value=value, answered_at=now))
        elif answer.value != value:
            answer.value, answer.answered_at = value, now
    if section is not None:
        attempt.last_section = section + 1 if advance and not errors else section
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


# Submission -------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Submission:
    attempt: Attempt
    submitted_now: bool  # False: it had been submitted before, and nothing changed


def submit(session: Session, attempt_id: int, user_id: int, now: datetime) -> Submission:
    """Submit ``user_id``'s attempt and store its results, once.

    One conditional UPDATE (in progress -> submitted, window open) decides: only the caller whose
    UPDATE hit the row scores the attempt, in the same transaction; any other, at the same moment or
    later, gets ``submitted_now=False`` and changes nothing (``submitted_at`` stays the first one).
    Raises NotFound (not their attempt) or OutsideWindow (still in progress, window not open).
    """
    hit = session.execute(
        update(Attempt)
        .where(Attempt.id == attempt_id, Attempt.user_id == user_id,
               Attempt.status == AttemptStatus.IN_PROGRESS, _open_at(now))
        .values(status=AttemptStatus.SUBMITTED, submitted_at=now, updated_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    attempt = session.get(Attempt, attempt_id, populate_existing=True)
    if attempt is None or attempt.user_id != user_id:
        raise NotFound("There is no such assessment")
    if not hit:
        if attempt.status != AttemptStatus.SUBMITTED:
            check_window(attempt.campaign, now)
        return Submission(attempt, submitted_now=False)
    scoring.store_results(session, attempt)
    session.flush()
    return Submission(attempt, submitted_now=True)


# Results ------------------------------------------------------------------------------------------------

def results(session: Session, attempt: Attempt) -> list[CompetencyResult]:
    """The attempt's competency results with competency and area loaded, in framework order."""
    return list(session.scalars(
        select(CompetencyResult).where(CompetencyResult.attempt_id == attempt.id)
        .join(CompetencyResult.competency).join(Competency.area)
        .options(contains_eager(CompetencyResult.competency).contains_eager(Competency.area))
        .order_by(Area.position, Competency.position)
    ))


@dataclass
class AreaResults:
    area: Area
    results: list[CompetencyResult]


@dataclass
class KnowledgeCheck:
    question: Question

    @property
    def correct(self) -> bool:
        return self.question.value is not None and self.question.value == self.question.item.key

    @property
    def key_text(self) -> str:
        labels = {choice.value: choice.label for choice in self.question.choices}
        return labels.get(str(self.question.item.key), str(self.question.item.key))


@dataclass
class ResultPage:
    areas: list[AreaResults]
    strengths: list[CompetencyResult]  # at or above the role's target
    gaps: list[CompetencyResult]  # below the target, largest first
    has_targets: bool
    max_level: int
    level_names: dict[int, str]
    knowledge: list[KnowledgeCheck]
    context: list[Question]


def result_page(session: Session, attempt: Attempt) -> ResultPage:
    """What the result page shows of a submitted attempt, in a fixed number of queries."""
    rows = results(session, attempt)
    areas: list[AreaResults] = []
    for row in rows:
        if not areas or areas[-1].area.id != row.competency.area_id:
            areas.append(AreaResults(row.competency.area, []))
        areas[-1].results.append(row)
    targeted = [row for row in rows if row.gap is not None]
    level_names = dict(session.execute(
        select(ProficiencyLevel.level, ProficiencyLevel.name)
        .where(ProficiencyLevel.framework_id == attempt.instrument.framework_id)
    ).all())
    items = session.scalars(
        select(Item).where(Item.instrument_id == attempt.instrument_id,
                           Item.kind.in_([ItemKind.KNOWLEDGE, ItemKind.CONTEXT]))
        .order_by(Item.position).options(selectinload(Item.competency))
    ).all()
    shown = questions(session, attempt, items)
    return ResultPage(
        areas=areas,
        strengths=[row for row in targeted if row.gap == 0],
        gaps=sorted((row for row in targeted if row.gap), key=lambda row: -(row.gap or 0)),
        has_targets=bool(targeted),
        max_level=max(level_names, default=4),
        level_names=level_names,
        knowledge=[KnowledgeCheck(q) for q in shown if q.item.kind == ItemKind.KNOWLEDGE],
        context=[q for q in shown if q.item.kind == ItemKind.CONTEXT],
    )
