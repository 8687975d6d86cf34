"""Each official's latest submitted attempt: the one definition the learning plans
(app.services.learning.plans), the dashboard's tables (app.services.evaluation.common.chosen_attempts)
and the content-gap report read.

The latest is the one submitted last; two submitted at the same moment are told apart by the higher
id (the one saved last). An attempt in progress never counts.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, Select, func, select

from app.models import Attempt, AttemptStatus


def latest_submitted_attempts(*conditions: ColumnElement[bool]) -> Select[Any]:
    """A select of each official's latest submitted attempt among those meeting ``conditions``
    (conditions on Attempt, applied before the latest is taken: "the latest in these countries", "the
    one in this campaign"). Columns: attempt_id, user_id, campaign_id, organisation_id,
    role_profile_id, country_id, first_language; filter on them with ``.selected_columns``, or use it
    as a subquery.
    """
    rank = func.row_number().over(partition_by=Attempt.user_id,
                                  order_by=(Attempt.submitted_at.desc(), Attempt.id.desc()))
    ranked = (select(Attempt.id.label("attempt_id"), Attempt.user_id, Attempt.campaign_id,
                     Attempt.organisation_id, Attempt.role_profile_id, Attempt.country_id,
                     Attempt.first_language, rank.label("rank"))
              .where(Attempt.status == AttemptStatus.SUBMITTED, *conditions)
              .subquery("ranked"))
    return (select(ranked.c.attempt_id, ranked.c.user_id, ranked.c.campaign_id, ranked.c.organisation_id,
                   ranked.c.role_profile_id, ranked.c.country_id, ranked.c.first_language)
            .where(ranked.c.rank == 1))
