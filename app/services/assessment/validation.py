"""Validation by the line manager: naming a manager, asking them at submission, and their review.

The scope rule: a manager sees an attempt when ``Attempt.manager_id`` is them, that is when they were
the official's line manager at the moment the official submitted it. Naming another manager later
moves no past attempt, so nobody can hand an attempt already reviewed (or awaiting review) to someone
else, and a former manager keeps what they reviewed. Everybody else, whoever they are, gets NotFound.

A manager confirms or adjusts each competency's level while the campaign is open (after it closes the
review is read-only). Saving makes every result they decided "validated": ``manager_level`` and
``calibrated_level`` are the manager's level, the gap is worked out again from it, and
``estimated_level`` keeps the model's estimate untouched. A reason (at most 500 characters) is needed
whenever the level differs from the estimate, including a level given to a not-assessed competency.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from app.models import (
    Attempt,
    AttemptStatus,
    Campaign,
    CompetencyResult,
    Job,
    ProficiencyLevel,
    ResultSource,
    User,
)
from app.services import accounts, audit, outbox
from app.services.assessment import report, scoring, window
from app.services.assessment.campaigns import window_state
from app.services.audit import Actor
from app.services.errors import NotFound, ValidationFailed

REVIEW_JOB = "managers.review_requested"  # its handler e-mails the manager: app/managers/jobs.py
MAX_REASON = 500

# Naming a manager ------------------------------------------------------------------------------------


def set_manager(session: Session, actor: Actor, user: User, email: str) -> User | None:
    """Make the account with ``email`` the line manager of ``user``, or name none when ``email`` is blank.

    The manager must be an active account in the same organisation, and not ``user`` themselves.
    Raises ValidationFailed (field ``manager_email``) otherwise; which accounts exist outside the
    organisation is not told.
    """
    manager = None
    if email.strip():
        try:
            address = accounts.normalise_email(email)
        except ValidationFailed as exc:
            raise ValidationFailed(str(exc), field="manager_email") from exc
        if address == user.email:
            raise ValidationFailed("You cannot be your own line manager: enter your manager's address",
                                   field="manager_email")
        manager = session.scalar(select(User).where(
            User.email == address, User.active.is_(True),
            User.organisation_id == user.organisation_id, User.organisation_id.is_not(None)))
        if manager is None:
            raise ValidationFailed(f"No active account in your organisation has the address {address}",
                                   field="manager_email")
    user.manager_id = manager.id if manager else None
    audit.record(session, actor, "user.manager_set", user, country_id=user.country_id,
                 details={"manager_id": user.manager_id})
    return manager


# Asking for a review ---------------------------------------------------------------------------------


def request_review(session: Session, attempt: Attempt, now: datetime) -> bool:
    """At submission: when the official has an active line manager in their organisation, make the
    attempt theirs to review and queue the e-mail that tells them (sent once the caller commits, never
    if it rolls back). Returns whether a review was requested."""
    official = attempt.user
    manager = official.manager
    if (manager is None or not manager.active or manager.id == official.id
            or manager.organisation_id != official.organisation_id):
        return False
    attempt.manager_id, attempt.review_requested_at = manager.id, now
    outbox.add(session, Job(kind=REVIEW_JOB, params={"attempt_id": attempt.id},
                            country_id=attempt.country_id))
    return True


def review_pending(attempt: Attempt) -> bool:
    """For the official's pages: their manager has been asked to review this attempt and has not yet."""
    return attempt.manager_id is not None and attempt.reviewed_at is None


# What the manager sees -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Reports:
    awaiting: list[Attempt]  # submitted, not reviewed yet: oldest request first
    reviewed: list[Attempt]  # most recently reviewed first


def reports(session: Session, manager: User) -> Reports:
    """The submitted attempts ``manager`` was asked to review, with official and campaign (one query)."""
    attempts = list(session.scalars(
        select(Attempt).where(Attempt.manager_id == manager.id, Attempt.status == AttemptStatus.SUBMITTED)
        .options(joinedload(Attempt.user), joinedload(Attempt.campaign).joinedload(Campaign.country))
        .order_by(Attempt.review_requested_at, Attempt.id)))
    reviewed = sorted((a for a in attempts if a.reviewed_at), key=lambda a: a.reviewed_at, reverse=True)
    return Reports(awaiting=[a for a in attempts if a.reviewed_at is None], reviewed=reviewed)


def managed_attempt(session: Session, manager: User, attempt_id: int) -> Attempt:
    """The submitted attempt ``attempt_id`` if ``manager`` is its manager; NotFound otherwise."""
    attempt = session.scalar(
        select(Attempt).where(Attempt.id == attempt_id, Attempt.manager_id == manager.id,
                              Attempt.status == AttemptStatus.SUBMITTED)
        .options(joinedload(Attempt.user), joinedload(Attempt.instrument),
                 joinedload(Attempt.campaign).joinedload(Campaign.country)))
    if attempt is None:
        raise NotFound("There is no such assessment to review")
    return attempt


def scale(session: Session, attempt: Attempt) -> dict[int, str]:
    """Level -> name on the scale of the attempt's framework (0..max)."""
    names = dict(session.execute(
        select(ProficiencyLevel.level, ProficiencyLevel.name)
        .where(ProficiencyLevel.framework_id == attempt.instrument.framework_id)
        .order_by(ProficiencyLevel.level)).all())
    return names or {level: "" for level in scoring.LEVELS}


@dataclass(frozen=True)
class ReviewPage:
    attempt: Attempt
    results: list[CompetencyResult]
    levels: dict[int, str]
    editable: bool  # the campaign is open: the manager may still confirm or adjust
    closes_at: datetime  # when the campaign closes (or closed): the review is read-only from then


def review_page(session: Session, manager: User, attempt_id: int, now: datetime) -> ReviewPage:
    """Everything the review page shows (three queries). Raises NotFound (see the scope rule)."""
    attempt = managed_attempt(session, manager, attempt_id)
    editable = window_state(attempt.campaign, now) == "open"
    return ReviewPage(attempt, report.results(session, attempt), scale(session, attempt), editable,
                      window.window_end(attempt.campaign))


# Saving the review -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Decision:
    level: int | None  # None: leave a not-assessed competency not assessed
    reason: str = ""


def _checked(result: CompetencyResult, decision: Decision | None, levels: Mapping[int, str]) -> Decision:
    """The decision on one result, or ValidationFailed naming the competency and the field."""
    name = result.competency.name
    cid = result.competency_id
    if decision is None or decision.level is None:
        if result.estimated_level is not None:
            raise ValidationFailed(f"{name}: choose a level", field=f"level_{cid}")
        return Decision(None, "")
    if decision.level not in levels:
        raise ValidationFailed(f"{name}: the level must be one of {min(levels)} to {max(levels)}",
                               field=f"level_{cid}")
    reason = decision.reason.strip()
    if len(reason) > MAX_REASON:
        raise ValidationFailed(f"{name}: the reason must be {MAX_REASON} characters or fewer",
                               field=f"reason_{cid}")
    if decision.level != result.estimated_level and not reason:
        raise ValidationFailed(f"{name}: say why the level differs from the estimate",
                               field=f"reason_{cid}")
    return Decision(decision.level, reason)


def _apply(result: CompetencyResult, decision: Decision, manager: User, now: datetime) -> None:
    if decision.level is None:  # back to not assessed, if a level had been given before
        if result.source == ResultSource.VALIDATED:
            result.manager_level, result.manager_reason = None, ""
            result.validated_by_id = result.validated_at = None
            result.source, result.calibrated_level, result.gap = ResultSource.NOT_ASSESSED, None, None
        return
    result.manager_level, result.manager_reason = decision.level, decision.reason
    result.validated_by_id, result.validated_at = manager.id, now
    result.source = ResultSource.VALIDATED
    result.calibrated_level = decision.level
    result.gap = scoring.gap(result.target_level, decision.level)


def save_review(session: Session, actor: Actor, attempt_id: int, decisions: Mapping[int, Decision],
                now: datetime) -> Attempt:
    """Confirm or adjust every competency of the attempt (``decisions`` by competency id); the caller
    commits. Raises NotFound (not the actor's to review), OutsideWindow (the campaign is not open) or
    ValidationFailed (field ``level_<competency id>`` or ``reason_<competency id>``); nothing is
    changed then."""
    manager = actor.user
    if manager is None:
        raise NotFound("There is no such assessment to review")
    attempt = managed_attempt(session, manager, attempt_id)
    window.check_window(attempt.campaign, now)
    levels = scale(session, attempt)
    found = report.results(session, attempt)
    checked = [(result, _checked(result, decisions.get(result.competency_id), levels)) for result in found]
    adjusted = 0
    for result, decision in checked:
        adjusted += decision.level is not None and decision.level != result.estimated_level
        _apply(result, decision, manager, now)
    attempt.reviewed_at = now
    audit.record(session, actor, "attempt.validate", attempt, country_id=attempt.country_id,
                 details={"official_id": attempt.user_id, "competencies": len(found),
                          "adjusted": adjusted})
    return attempt


# For the official's result page ----------------------------------------------------------------------


@dataclass(frozen=True)
class ManagerView:
    level: int
    reason: str
    validated_at: datetime
    manager_name: str


def manager_view(session: Session, attempt: Attempt) -> dict[int, ManagerView]:
    """Competency id -> what the manager decided, for each validated result of ``attempt`` (one query)."""
    rows = session.execute(
        select(CompetencyResult.competency_id, CompetencyResult.manager_level,
               CompetencyResult.manager_reason, CompetencyResult.validated_at, User.name)
        .join(User, User.id == CompetencyResult.validated_by_id)
        .where(CompetencyResult.attempt_id == attempt.id,
               CompetencyResult.source == ResultSource.VALIDATED,
               CompetencyResult.manager_level.is_not(None)))
    return {cid: ManagerView(level, reason or "", at, name) for cid, level, reason, at, name in rows}
