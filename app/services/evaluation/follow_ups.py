"""Behaviour follow-ups (Kirkpatrick level 3): some weeks after an official completes a path, ask whether
they have applied it at work, how often, and what stopped them.

A follow-up is scheduled when a path is completed (app/services/learning.py calls ``schedule``), one per
official and path version; a background job e-mails the due ones (app/evaluation/jobs.py). An official
only ever reaches their own follow-ups: anything else raises NotFound. Functions add to the session; the
caller commits.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.models import Enrolment, FollowUp, User
from app.services.errors import NotFound, ValidationFailed

DEFAULT_WEEKS = 8  # the FOLLOW_UP_WEEKS setting's default
APPLIED = ("yes", "partly", "no")
FREQUENCIES = ("daily", "weekly", "monthly", "rarely", "never")
BARRIERS = ("no_time", "no_opportunity", "no_manager_support", "no_tools", "not_relevant", "other")
MAX_COMMENT = 2000


# Scheduling -------------------------------------------------------------------------------------

def schedule(session: Session, enrolment: Enrolment, weeks: int = DEFAULT_WEEKS) -> FollowUp:
    """The follow-up of a completed enrolment, due ``weeks`` after completion; created once.

    An existing follow-up that has not been sent is moved to the new due date (the path was completed
    again after being undone); one already sent stays as it is.
    """
    if enrolment.completed_at is None:
        raise ValueError("only a completed enrolment has a follow-up")
    if weeks < 0:
        raise ValueError("weeks must not be negative")
    due_at = enrolment.completed_at + timedelta(weeks=weeks)
    follow_up = session.scalar(select(FollowUp).where(
        FollowUp.user_id == enrolment.user_id, FollowUp.path_version_id == enrolment.path_version_id))
    if follow_up is None:
        user = session.get(User, enrolment.user_id)
        follow_up = FollowUp(user_id=enrolment.user_id, path_version_id=enrolment.path_version_id,
                             country_id=user.country_id if user else None,
                             organisation_id=user.organisation_id if user else None,
                             due_at=due_at, barriers=[], comment="")
        session.add(follow_up)
    elif follow_up.sent_at is None and follow_up.answered_at is None:
        follow_up.due_at = due_at
    return follow_up


def cancel(session: Session, enrolment: Enrolment) -> None:
    """Drop the follow-up of an enrolment that is no longer complete, unless it was sent already."""
    follow_up = session.scalar(select(FollowUp).where(
        FollowUp.user_id == enrolment.user_id, FollowUp.path_version_id == enrolment.path_version_id))
    if follow_up is not None and follow_up.sent_at is None and follow_up.answered_at is None:
        session.delete(follow_up)


def schedule_missing(session: Session, weeks: int = DEFAULT_WEEKS) -> int:
    """Schedule the follow-up of every completed enrolment that has none (completions recorded before
    follow-ups existed, or by an import); how many were scheduled."""
    stmt = (select(Enrolment).outerjoin(FollowUp, (FollowUp.user_id == Enrolment.user_id)
                                        & (FollowUp.path_version_id == Enrolment.path_version_id))
            .where(Enrolment.completed_at.is_not(None), FollowUp.id.is_(None)).order_by(Enrolment.id))
    count = 0
    for enrolment in session.scalars(stmt):
        schedule(session, enrolment, weeks)
        count += 1
    session.flush()
    return count


def due_ids(session: Session, now: datetime) -> list[int]:
    """Follow-ups due by ``now`` and not sent yet, to officials with an active account whose path is
    still complete, oldest first."""
    return list(session.scalars(
        select(FollowUp.id)
        .join(User, User.id == FollowUp.user_id)
        .join(Enrolment, (Enrolment.user_id == FollowUp.user_id)
              & (Enrolment.path_version_id == FollowUp.path_version_id))
        .where(FollowUp.sent_at.is_(None), FollowUp.due_at <= now, User.active.is_(True),
               Enrolment.completed_at.is_not(None))
        .order_by(FollowUp.due_at, FollowUp.id)))


@dataclass(frozen=True)
class Counts:
    scheduled: int  # not due yet
    due: int  # due and not sent
    sent: int  # sent and not answered
    answered: int


def counts(session: Session, now: datetime, country_ids: Iterable[int] | None = None) -> Counts:
    """How many follow-ups are in each state, in ``country_ids`` (None: everywhere); one query."""
    stmt = select(
        func.count().filter(FollowUp.sent_at.is_(None), FollowUp.answered_at.is_(None),
                            FollowUp.due_at > now),
        func.count().filter(FollowUp.sent_at.is_(None), FollowUp.answered_at.is_(None),
                            FollowUp.due_at <= now),
        func.count().filter(FollowUp.sent_at.is_not(None), FollowUp.answered_at.is_(None)),
        func.count().filter(FollowUp.answered_at.is_not(None)),
    ).select_from(FollowUp)
    if country_ids is not None:
        stmt = stmt.where(FollowUp.country_id.in_(list(country_ids)))
    return Counts(*session.execute(stmt).one())


# The survey -------------------------------------------------------------------------------------

def follow_up_for(session: Session, user: User, follow_up_id: int, now: datetime) -> FollowUp:
    """``user``'s own follow-up, once it is due (or was sent). Raises NotFound for anyone else's, and
    for one not due yet."""
    follow_up = session.get(FollowUp, follow_up_id)
    if follow_up is None or follow_up.user_id != user.id or (
            follow_up.sent_at is None and follow_up.due_at > now):
        raise NotFound("No such follow-up")
    return follow_up


def open_for(session: Session, user: User, now: datetime) -> list[FollowUp]:
    """``user``'s follow-ups that are due or sent and not answered yet, oldest first."""
    return list(session.scalars(
        select(FollowUp).where(FollowUp.user_id == user.id, FollowUp.answered_at.is_(None),
                               (FollowUp.sent_at.is_not(None)) | (FollowUp.due_at <= now))
        .order_by(FollowUp.due_at, FollowUp.id)))


def answer(session: Session, user: User, follow_up_id: int, *, applied: str | None,
           frequency: str | None, barriers: Iterable[str], comment: str, now: datetime) -> FollowUp:
    """Record ``user``'s answers to their follow-up; answering again replaces the answers.

    Raises NotFound (not theirs, or not due) or ValidationFailed (with the field).
    """
    follow_up = follow_up_for(session, user, follow_up_id, now)
    if applied not in APPLIED:
        raise ValidationFailed("Say whether you have applied what you learned at work", field="applied")
    if frequency not in FREQUENCIES:
        raise ValidationFailed("Say how often you use it", field="frequency")
    chosen = list(dict.fromkeys(barriers))
    unknown = [b for b in chosen if b not in BARRIERS]
    if unknown:
        raise ValidationFailed(f"Unknown answer: {', '.join(unknown)}", field="barriers")
    comment = (comment or "").strip()
    if len(comment) > MAX_COMMENT:
        raise ValidationFailed("Keep the comment under 2,000 characters", field="comment")
    if "other" in chosen and not comment:
        raise ValidationFailed("Say what else stopped you", field="comment")
    follow_up.applied, follow_up.frequency = applied, frequency
    follow_up.barriers = [b for b in BARRIERS if b in chosen]  # a stable order
    follow_up.comment = comment
    follow_up.answered_at = now
    session.flush()
    return follow_up
