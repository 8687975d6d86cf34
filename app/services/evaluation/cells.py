"""The chosen results grouped once, at the finest grain the skills page's tables need: the heatmap,
the level distribution, the assets (app.services.evaluation.levels) and, for the unfiltered
selection, the content gaps (app.services.evaluation.content_gaps) are sums of these rows. A page
that shows them all groups each official's latest results once (app.services.evaluation.memo), in
one statement that does not grow with the data: the rows come back per organisation, competency,
level, kind of gap and first language, of which there are few.
"""

from __future__ import annotations

import pandas as pd
from sqlalchemy import case, func, null, select
from sqlalchemy.orm import Session

from app.models import CompetencyResult, User
from app.services.evaluation.common import Filters, Scope, chosen_attempts, key, result_filters
from app.services.evaluation.memo import once, peek

COLUMNS = ["organisation_id", "competency_id", "level", "has_gap", "positive_gap", "first_language",
           "locale", "n", "gap", "key", "user_key"]
"""``level`` NaN: not assessed; ``has_gap``: a gap was worked out (there is a target);
``positive_gap``: it is above 0; ``first_language``: the first language ticked in the attempt's
languages answer (``Attempt.first_language``; None: none); ``locale``: the account's language;
``n``: officials; ``gap``: their gaps' sum; ``key``: the sum of their attempts' ids; ``user_key``:
the sum of their user ids (the content gaps count users)."""


def result_cells(session: Session, scope: Scope, filters: Filters, *,
                 languages: bool = False) -> pd.DataFrame:
    """The cells of the selection (each official's latest result in scope, or the filtered
    campaign's), read once per page. One statement. ``languages``: split by the first language and
    the account's language too (the content gaps need them; reading the account's joins the
    accounts); without, the cells with them are taken when the page has read them already, and
    ``first_language`` and ``locale`` are None otherwise."""
    with_languages = ("cells", scope, filters, True)
    if not languages:
        found = peek(session, with_languages)
        if found is not None:
            return found
        return once(session, ("cells", scope, filters, False), lambda: _read(session, scope, filters, False))
    return once(session, with_languages, lambda: _read(session, scope, filters, True))


def _read(session: Session, scope: Scope, filters: Filters, languages: bool) -> pd.DataFrame:
    chosen = chosen_attempts(scope, filters)
    result = CompetencyResult
    has_gap = result.gap.is_not(None)
    positive = case((result.gap > 0, True), else_=False)
    # the language matters to the content gaps only, which count gaps above 0: elsewhere NULL, so
    # the other rows are not split by it
    first = case((result.gap > 0, chosen.c.first_language), else_=None) if languages else null()
    locale = case((result.gap > 0, User.locale), else_=None) if languages else null()
    grain = (chosen.c.organisation_id, result.competency_id, result.calibrated_level, has_gap, positive)
    stmt = (select(*grain, first, locale, func.count(), func.sum(result.gap), key(chosen.c.attempt_id),
                   key(chosen.c.user_id))
            .select_from(chosen)
            .join(result, result.attempt_id == chosen.c.attempt_id)
            .where(*result_filters(result, filters))
            .group_by(*grain, *((first, locale) if languages else ())))
    if languages:
        stmt = stmt.join(User, User.id == chosen.c.user_id)
    if filters.competency_id is not None:
        stmt = stmt.where(result.competency_id == filters.competency_id)
    frame = pd.DataFrame(session.execute(stmt).all(), columns=COLUMNS)
    frame = frame.astype({"n": "int64", "gap": float, "key": "int64", "user_key": "int64",
                          "has_gap": bool, "positive_gap": bool})  # PostgreSQL's sums are Decimals
    for column in ("first_language", "locale"):  # a missing language or locale is None, never NaN
        frame[column] = frame[column].astype(object).where(frame[column].notna(), None)
    return frame
