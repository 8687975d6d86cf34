"""What an official should do next about their assessments: the ones open now that they have not
submitted, when each closes and about how long the rest takes to answer."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from app.models import Attempt, User
from app.services.assessment import forms
from app.services.assessment.taking import Assignment, assignments
from app.services.assessment.window import window_end

SECONDS_PER_QUESTION = 40  # an estimate: reading a prompt and its options, then choosing one


@dataclass(frozen=True)
class OpenAssessment:
    assignment: Assignment
    closes_at: datetime
    questions_left: int

    @property
    def minutes(self) -> int:
        """About how long the questions left take, to the next 5 minutes (at least 5)."""
        seconds = self.questions_left * SECONDS_PER_QUESTION
        return max(5, 5 * math.ceil(seconds / 300))


def _questions_on_a_new_form(session: Session, assignment: Assignment) -> int:
    """How many questions a form of this campaign shows (the draw's size does not depend on its seed)."""
    campaign = assignment.campaign
    per_level = (campaign.instrument.form or {}).get("checks_per_level")
    return len(forms.draw(forms.candidates(session, campaign.instrument_id), per_level, set(), 0,
                          adaptive=campaign.adaptive))


def estimate(session: Session, assignment: Assignment) -> OpenAssessment:
    """How many questions of ``assignment`` are left to answer (all of a new form's if not started)."""
    attempt: Attempt | None = assignment.attempt
    left = (assignment.total - assignment.answered if attempt is not None
            else _questions_on_a_new_form(session, assignment))
    return OpenAssessment(assignment, window_end(assignment.campaign), max(0, left))


def open_assessments(session: Session, user: User, now: datetime) -> list[OpenAssessment]:
    """``user``'s own invited assessments open at ``now`` and not submitted, the soonest to close first."""
    found = [estimate(session, assignment) for assignment in assignments(session, user, now)
             if assignment.window == "open" and assignment.status != "submitted"]
    return sorted(found, key=lambda o: o.closes_at)
