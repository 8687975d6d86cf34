"""Submission: once, whoever submits first, with the results stored in the same transaction."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from app.models import (
    Attempt,
    AttemptStatus,
)
from app.services.assessment import context, questions, results_store, validation, window
from app.services.errors import DomainError
from app.services.evaluation import data_version

# Submission -------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Submission:
    attempt: Attempt
    submitted_now: bool  # False: it had been submitted before, and nothing changed


class NeedsConfirmation(DomainError):
    """Questions are unanswered and the official has not confirmed submitting anyway (roll back)."""

    def __init__(self, unanswered: int) -> None:
        self.unanswered = unanswered
        super().__init__(f"{unanswered} questions are not answered: confirm that you want to submit anyway")


def submit(session: Session, attempt_id: int, user_id: int, now: datetime, *,
           confirmed: bool = True) -> Submission:
    """Submit ``user_id``'s attempt and store its results, once.

    With ``confirmed=False`` (the web form before the official ticks "submit anyway"), an attempt with
    unanswered questions raises NeedsConfirmation after the guard: the caller rolls back.

    One conditional UPDATE (in progress -> submitted, window open) decides: only the caller whose
    UPDATE hit the row scores the attempt, in the same transaction; any other, at the same moment or
    later, gets ``submitted_now=False`` and changes nothing (``submitted_at`` stays the first one).
    Raises NotFound (not their attempt) or OutsideWindow (still in progress, window not open).
    """
    attempt, hit = window.claim(session, attempt_id, user_id, now,
                                status=AttemptStatus.SUBMITTED, submitted_at=now)
    if not hit:
        if attempt.status != AttemptStatus.SUBMITTED:
            window.check_window(attempt.campaign, now)
        return Submission(attempt, submitted_now=False)
    if not confirmed:
        answered, total = questions.progress(session, attempt)
        if answered < total:
            raise NeedsConfirmation(total - answered)
    attempt.first_language = context.attempt_first_language(session, attempt.id)
    results_store.store_results(session, attempt)
    validation.request_review(session, attempt, now)
    data_version.bump(session)  # the dashboards' cached figures are out of date once this commits
    session.flush()
    return Submission(attempt, submitted_now=True)
