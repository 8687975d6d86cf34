"""The chosen results grouped once, at the finest grain the skills page's tables need: the heatmap,
the level distribution, the assets (app.services.evaluation.levels) and, for the unfiltered
selection, the content gaps (app.services.evaluation.content_gaps) are sums of these rows. A page
that shows them all groups each official's latest results once (app.services.evaluation.memo), in
one statement that does not grow with the data: the rows come back per organisation, competency,
level, kind of gap and way of answering the language question, of which there are few.
"""

from __future__ import annotations

import pandas as pd
from sqlalchemy import String, case, cast, func, null, select
from sqlalchemy.orm import Session

from app.models import Answer, CompetencyResult, Item, User
from app.services.evaluation.common import Filters, Scope, chosen_attempts, key, result_filters
from app.services.evaluation.memo import once, peek

LANGUAGE_ITEM = "ctx-languages"  # the context question "which languages can you learn in", in order

COLUMNS = ["organisation_id", "competency_id", "level", "has_gap", "positive_gap", "answer", "locale",
           "n", "gap", "key", "user_key"]
"""``level`` NaN: not assessed; ``has_gap``: a gap was worked out (there is a target);
``positive_gap``: it is above 0; ``answer``: the language answer's JSON text (None: no answer);
``locale``: the account's language; ``n``: officials; ``gap``: their gaps' sum; ``key``: the sum of
their attempts' ids; ``user_key``: the sum of their user ids (the content gaps count users)."""


def result_cells(session: Session, scope: Scope, filters: Filters, *,
                 languages: bool = False) -> pd.DataFrame:
    """The cells of the selection (each official's latest result in scope, or the filtered
    campaign's), read once per page. One statement (two with ``languages``). ``languages``: split
    by the language answer and the account's language too (the content gaps need them; reading
    them joins the answers and the accounts); without, the cells with them are taken when the page
    has read them already, and ``answer`` and ``locale`` are None otherwise."""
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
    # the language question's answer of each attempt (one at most: an attempt answers an item once,
    # and its instrument asks the question once). The question's items are read first (one per
    # instrument that asks it): the answers are then found by the (attempt, item) key, where a join
    # to the items looked the question up again for each of 100,000 attempts (2.5 s -> 1.9 s)
    items = sorted(session.scalars(select(Item.id).where(Item.code == LANGUAGE_ITEM)))
    language = (select(Answer.attempt_id, cast(Answer.value, String).label("answer"))
                .where(Answer.item_id.in_(items))
                .subquery("language"))
    has_gap = result.gap.is_not(None)
    positive = case((result.gap > 0, True), else_=False)
    # the language matters to the content gaps only, which count gaps above 0: elsewhere NULL, so
    # the other rows are not split by it
    answer = case((result.gap > 0, language.c.answer), else_=None) if languages else null()
    locale = case((result.gap > 0, User.locale), else_=None) if languages else null()
    grain = (chosen.c.organisation_id, result.competency_id, result.calibrated_level, has_gap, positive)
    stmt = (select(*grain, answer, locale, func.count(), func.sum(result.gap), key(chosen.c.attempt_id),
                   key(chosen.c.user_id))
            .select_from(chosen)
            .join(result, result.attempt_id == chosen.c.attempt_id)
            .where(*result_filters(result, filters))
            .group_by(*grain, *((answer, locale) if languages else ())))
    if languages:
        stmt = (stmt.join(User, User.id == chosen.c.user_id)
                .outerjoin(language, language.c.attempt_id == chosen.c.attempt_id))
    if filters.competency_id is not None:
        stmt = stmt.where(result.competency_id == filters.competency_id)
    frame = pd.DataFrame(session.execute(stmt).all(), columns=COLUMNS)
    frame = frame.astype({"n": "int64", "gap": float, "key": "int64", "user_key": "int64",
                          "has_gap": bool, "positive_gap": bool})  # PostgreSQL's sums are Decimals
    for column in ("answer", "locale"):  # a missing answer or locale is None, never NaN
        frame[column] = frame[column].astype(object).where(frame[column].notna(), None)
    return frame
