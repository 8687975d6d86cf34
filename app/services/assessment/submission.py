"""Submission: once, whoever submits first, with the results stored in the same transaction."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from app.models import (
    Attempt,
    AttemptStatus,
)
from app.services.assessment import scoring, window

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
    attempt, hit = window.claim(session, attempt_id, user_id, now,
                                status=AttemptStatus.SUBMITTED, submitted_at=now)
    if not hit:
        if attempt.status != AttemptStatus.SUBMITTED:
            window.check_window(attempt.campaign, now)
        return Submission(attempt, submitted_now=False)
    scoring.store_results(session, attempt)
    session.flush()
    return Submission(attempt, submitted_now=True)
