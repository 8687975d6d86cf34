"""Questions as shown: an attempt's items with their choices and the answers given so far."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from app.models import (
    Answer,
    Attempt,
    AttemptItem,
    Competency,
    InstrumentSection,
    Item,
    ItemKind,
    LevelDescriptor,
    ProficiencyLevel,
)
from app.services.assessment import forms, results_store
from app.services.assessment.answers import number_range
from app.services.assessment.taking import sections
from app.services.errors import NotFound

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
        select(Item).where(Item.section_id == section.id, forms.in_form(attempt.id)).order_by(Item.position)
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
        select(func.count()).select_from(AttemptItem).where(AttemptItem.attempt_id == attempt.id)) or 0
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
        select(Item).where(Item.instrument_id == attempt.instrument_id, forms.in_form(attempt.id))
        .order_by(Item.position).options(selectinload(Item.competency))
    ).all()
    for question in questions(session, attempt, items):
        by_section[question.item.section_id].questions.append(question)
    return pages


@dataclass(frozen=True)
class Pending:
    """A competency with questions still unanswered, and whether it would be not assessed as it stands."""

    competency: Competency
    section_number: int
    unanswered: int
    not_assessed: bool


def pending(session: Session, attempt: Attempt, pages: Sequence[ReviewSection]) -> list[Pending]:
    """Per competency of the review ``pages``: what is unanswered, and what submitting now would leave
    not assessed (the scoring rules on the answers so far)."""
    not_assessed = {score.competency_id for score in results_store.scores(session, attempt)
                    if not score.assessed}
    found: dict[int, list] = {}
    for page in pages:
        for question in page.questions:
            competency = question.item.competency
            if competency is None:
                continue
            entry = found.setdefault(competency.id, [competency, page.number, 0])
            entry[2] += not question.answered
    return [Pending(competency, number, count, competency.id in not_assessed)
            for competency, number, count in found.values() if count or competency.id in not_assessed]
