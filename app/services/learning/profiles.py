"""An official as matching sees them: their latest submitted attempt's gaps and context answers (the
languages they learn in, formats, hours a week) and what they completed, loaded for one official or a
whole campaign in a fixed number of queries.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd
from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from app.models import (
    Answer,
    Attempt,
    Competency,
    CompetencyResult,
    Item,
    Progress,
    Resource,
    RoleProfile,
    User,
)
from app.services.assessment.context import FORMATS_ITEM, HOURS_ITEM, LANGUAGES_ITEM
from app.services.assessment.context import LANGUAGE_TAG as _LANGUAGE_TAG
from app.services.assessment.context import languages_from_answer as languages_from_answer
from app.services.assessment.latest import latest_submitted_attempts
from app.services.learning import matching

# A number of hours for each answer to "how many hours a week could you spend on learning?"
HOURS_PER_WEEK = {"lt1": 0.5, "1-2": 1.5, "3-5": 4.0, "gt5": 6.0}
DEFAULT_LANGUAGES = ("en",)



# What matching needs -------------------------------------------------------------------------------

@dataclass(frozen=True)
class Profile:
    """One official as matching sees them, from their latest submitted attempt."""

    user_id: int
    country_id: int | None
    attempt_id: int
    official: matching.Official
    gaps: tuple[matching.Gap, ...]  # keyed by competency id (as a string): codes repeat across frameworks
    codes: dict[str, str]  # competency key -> competency code
    languages_assumed: bool  # they did not say which languages they learn in

    @property
    def hours_per_week(self) -> float | None:
        return self.official.hours_per_week


# Officials ----------------------------------------------------------------------------------------

def _latest_attempts(users: Select[Any]):
    """For each user in ``users`` (a select of user ids), their latest submitted attempt."""
    return latest_submitted_attempts(Attempt.user_id.in_(users)).subquery("latest")


def _frame(session: Session, stmt: Select[Any], columns: list[str]) -> pd.DataFrame:
    return pd.DataFrame.from_records([tuple(row) for row in session.execute(stmt)], columns=columns)


def load_results(session: Session, users: Select[Any]) -> pd.DataFrame:
    """Every gap of the latest submitted attempt of each user in ``users``, in one query.

    A competency that was not assessed has no level and so no gap: it is never a row here.
    """
    latest = _latest_attempts(users)
    return _frame(session, (
        select(latest.c.user_id, CompetencyResult.competency_id, Competency.code, Competency.name,
               CompetencyResult.calibrated_level, CompetencyResult.target_level)
        .join(CompetencyResult, CompetencyResult.attempt_id == latest.c.attempt_id)
        .join(Competency, Competency.id == CompetencyResult.competency_id)
        .where(CompetencyResult.calibrated_level.is_not(None),
               CompetencyResult.target_level.is_not(None),
               CompetencyResult.target_level > CompetencyResult.calibrated_level)
        .order_by(latest.c.user_id, Competency.code, Competency.id)
    ), ["user_id", "competency_id", "code", "name", "current", "target"])


def load_profiles(session: Session, users: Select[Any],
                  results: pd.DataFrame | None = None) -> dict[int, Profile]:
    """Profiles of the users in ``users`` that have a submitted attempt, in four queries."""
    latest = _latest_attempts(users)
    people = session.execute(
        select(latest.c.user_id, latest.c.attempt_id, User.country_id, User.locale, RoleProfile.code,
               User.learning_languages)
        .join(User, User.id == latest.c.user_id)
        .outerjoin(RoleProfile, RoleProfile.id == latest.c.role_profile_id)
    ).all()
    answers: dict[int, dict[str, Any]] = {}
    for user_id, code, value in session.execute(
        select(latest.c.user_id, Item.code, Answer.value)
        .join(Answer, Answer.attempt_id == latest.c.attempt_id)
        .join(Item, Item.id == Answer.item_id)
        .where(Item.code.in_((LANGUAGES_ITEM, FORMATS_ITEM, HOURS_ITEM)))
    ):
        answers.setdefault(user_id, {})[code] = value
    completed: dict[int, set[str]] = {}
    for user_id, code in session.execute(
        select(Progress.user_id, Resource.code).join(Resource, Resource.id == Progress.resource_id)
        .where(Progress.user_id.in_(users), Progress.status == "completed")
    ):
        completed.setdefault(user_id, set()).add(code)
    if results is None:
        results = load_results(session, users)
    gaps: dict[int, list[matching.Gap]] = {}
    codes: dict[int, dict[str, str]] = {}
    for row in results.itertuples(index=False):
        key = str(row.competency_id)
        gaps.setdefault(int(row.user_id), []).append(matching.Gap(key, row.name, int(row.current),
                                                             int(row.target)))
        codes.setdefault(int(row.user_id), {})[key] = row.code

    profiles = {}
    for user_id, attempt_id, country_id, locale, role_code, chosen in people:
        given = answers.get(user_id, {})
        # the account page's choice, when they made one, else their latest assessment's answer
        languages = languages_from_answer(chosen) or languages_from_answer(given.get(LANGUAGES_ITEM))
        assumed = not languages
        if assumed:
            languages = (locale,) if locale and _LANGUAGE_TAG.match(locale) else DEFAULT_LANGUAGES
        formats = given.get(FORMATS_ITEM)
        official = matching.Official(
            role_profile=role_code, languages=languages,
            preferred_formats=tuple(f for f in formats if isinstance(f, str))
            if isinstance(formats, list) else (),
            hours_per_week=HOURS_PER_WEEK.get(given.get(HOURS_ITEM)) if isinstance(
                given.get(HOURS_ITEM), str) else None,
            completed=frozenset(completed.get(user_id, ())))
        profiles[user_id] = Profile(user_id, country_id, attempt_id, official,
                                    tuple(gaps.get(user_id, ())), codes.get(user_id, {}), assumed)
    return profiles


def assessment_coverage(session: Session, attempt_id: int) -> tuple[list[str], int]:
    """The names of the competencies ``attempt_id`` did not assess (too few answers), in the
    framework's order, and how many it did assess."""
    rows = session.execute(
        select(Competency.name, CompetencyResult.calibrated_level.is_(None))
        .join(Competency, Competency.id == CompetencyResult.competency_id)
        .where(CompetencyResult.attempt_id == attempt_id)
        .order_by(Competency.position, Competency.id)).all()
    return [name for name, missing in rows if missing], sum(1 for _name, missing in rows if not missing)


def only(user: User) -> Select[Any]:
    return select(User.id).where(User.id == user.id)


def official_profile(session: Session, user: User) -> Profile | None:
    """``user`` as matching sees them, or None when they have no submitted assessment yet."""
    return load_profiles(session, only(user)).get(user.id)
