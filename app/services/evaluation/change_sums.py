"""The sums behind the tables of change (app.services.evaluation.change): per follow-up campaign and
competency, and per follow-up campaign, organisation and role profile over each official's mean.

Both group the pairs of results (a follow-up result beside the baseline result of the same official
and competency), one statement each, over the one table that keeps them (``ResultPair``,
app.services.evaluation.pair_store): joining the two cycles' results on each view took 3 to 5 times a
bare GROUP BY at 100,000 officials. (One GROUPING SETS statement for both was tried on PostgreSQL: it
sorted 2.8 million rows on disk and took 10.8 s against 3.1 + 3.4 s.) The sums per organisation and
role profile are read once a page and added up by organisation for one table and by role profile for
the other (app.services.evaluation.memo).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Float, and_, case, cast, func, or_, select
from sqlalchemy.orm import Session

from app.models import ResultPair
from app.services.evaluation.common import Filters, Scope, attempt_filters, in_scope, key, rows
from app.services.evaluation.memo import once

BY_COMPETENCY, BY_ORGANISATION, BY_ROLE = "competency", "organisation", "role_profile"

SUMS = ("n", "sum_before", "sum_after", "sum_diff", "sum_diff_sq", "had_gap", "closed", "n_knowledge",
        "knowledge_before", "knowledge_after", "not_assessed",
        "key_n", "key_base", "key_had_gap", "key_closed", "key_knowledge", "key_not_assessed")


@dataclass(frozen=True)
class _Side:
    """One cycle's result of a pair: its level (None: not assessed), gap and knowledge checks."""

    calibrated_level: Any
    gap: Any
    knowledge_correct: Any
    knowledge_total: Any


BEFORE = _Side(ResultPair.before_level, ResultPair.before_gap, ResultPair.before_correct,
               ResultPair.before_total)
AFTER = _Side(ResultPair.after_level, ResultPair.after_gap, ResultPair.after_correct, ResultPair.after_total)


@dataclass(frozen=True)
class _Pairs:
    """The pairs of results of a selection, and what makes a pair count."""

    scope: Scope
    filters: Filters
    after: _Side = AFTER
    before: _Side = BEFORE

    @property
    def both(self):  # assessed in both cycles; else no pair: no level, no gap, no knowledge
        return and_(self.before.calibrated_level.is_not(None), self.after.calibrated_level.is_not(None))

    @property
    def with_gaps(self):
        return and_(self.both, self.before.gap.is_not(None), self.after.gap.is_not(None))

    def select(self, *columns: Any):
        """The pairs in the viewer's countries under the filters: the organisation and role profile of
        the follow-up attempt, the campaign (the follow-up or the baseline it follows), the competency,
        the validated results only (both of the pair)."""
        r, filters = ResultPair, self.filters
        stmt = select(*columns).where(in_scope(r.country_id, self.scope),
                                      in_scope(r.campaign_country_id, self.scope),
                                      *attempt_filters(r, filters, campaign=False))
        if filters.campaign_id is not None:
            stmt = stmt.where(or_(r.campaign_id == filters.campaign_id,
                                  r.baseline_campaign_id == filters.campaign_id))
        if filters.validated_only:
            stmt = stmt.where(r.validated.is_(True))
        if filters.competency_id is not None:
            stmt = stmt.where(r.competency_id == filters.competency_id)
        return stmt


def _pairs(scope: Scope, filters: Filters) -> _Pairs:
    return _Pairs(scope, filters)


def _competency_sums(q: _Pairs) -> list[Any]:
    """Per competency, over the pairs assessed in both cycles: the sums of SUMS."""
    after, before, both, with_gaps = q.after, q.before, q.both, q.with_gaps
    follow_up, base = ResultPair.follow_up_id, ResultPair.base_id
    with_knowledge = and_(both, before.knowledge_total > 0, after.knowledge_total > 0)
    diff = after.calibrated_level - before.calibrated_level  # NULL unless both: left out of sums
    gap_closed = and_(with_gaps, before.gap > 0, after.gap <= 0)
    return [
        func.sum(case((both, 1), else_=0)).label("n"),
        func.sum(case((both, 0), else_=1)).label("not_assessed"),
        func.sum(case((both, before.calibrated_level), else_=None)).label("sum_before"),
        func.sum(case((both, after.calibrated_level), else_=None)).label("sum_after"),
        func.sum(diff).label("sum_diff"), func.sum(diff * diff).label("sum_diff_sq"),
        func.sum(case((and_(with_gaps, before.gap > 0), 1), else_=0)).label("had_gap"),
        func.sum(case((gap_closed, 1), else_=0)).label("closed"),
        func.sum(case((with_knowledge, 1), else_=0)).label("n_knowledge"),
        func.sum(case((with_knowledge, cast(before.knowledge_correct, Float) / before.knowledge_total),
                      else_=None)).label("knowledge_before"),
        func.sum(case((with_knowledge, cast(after.knowledge_correct, Float) / after.knowledge_total),
                      else_=None)).label("knowledge_after"),
        key(follow_up, both).label("key_n"), key(base, both).label("key_base"),
        key(follow_up, ~both).label("key_not_assessed"),
        key(follow_up, and_(with_gaps, before.gap > 0)).label("key_had_gap"),
        key(follow_up, gap_closed).label("key_closed"),
        key(follow_up, with_knowledge).label("key_knowledge")]


def _official_sums(q: _Pairs) -> list[Any]:
    """Per official: their mean level over the competencies assessed in both cycles (NULL when there
    is none, so the official is counted apart), total gaps and knowledge sums."""
    after, before, both = q.after, q.before, q.both

    def in_both(column):
        return func.sum(case((both, column), else_=0))

    return [
        func.max(ResultPair.base_id).label("base_id"),
        func.avg(cast(case((both, before.calibrated_level), else_=None), Float)).label("before"),
        func.avg(cast(case((both, after.calibrated_level), else_=None), Float)).label("after"),
        func.sum(case((q.with_gaps, before.gap), else_=0)).label("gap_before"),
        func.sum(case((q.with_gaps, after.gap), else_=0)).label("gap_after"),
        in_both(before.knowledge_correct).label("correct_before"),
        in_both(before.knowledge_total).label("total_before"),
        in_both(after.knowledge_correct).label("correct_after"),
        in_both(after.knowledge_total).label("total_after")]


def _over_officials(o) -> list[Any]:
    """The sums of SUMS over rows of officials (columns ``o``: those of ``_official_sums``)."""
    diff = o.after - o.before
    with_knowledge = and_(o.total_before > 0, o.total_after > 0)
    closed = and_(o.gap_before > 0, o.gap_after <= 0)
    return [
        func.count(o.before).label("n"),
        func.sum(case((o.before.is_(None), 1), else_=0)).label("not_assessed"),
        func.sum(o.before).label("sum_before"), func.sum(o.after).label("sum_after"),
        func.sum(diff).label("sum_diff"), func.sum(diff * diff).label("sum_diff_sq"),
        func.sum(case((o.gap_before > 0, 1), else_=0)).label("had_gap"),
        func.sum(case((closed, 1), else_=0)).label("closed"),
        func.sum(case((with_knowledge, 1), else_=0)).label("n_knowledge"),
        func.sum(case((with_knowledge, cast(o.correct_before, Float) / o.total_before),
                      else_=None)).label("knowledge_before"),
        func.sum(case((with_knowledge, cast(o.correct_after, Float) / o.total_after),
                      else_=None)).label("knowledge_after"),
        key(o.attempt_id, o.before.is_not(None)).label("key_n"),
        key(o.base_id, o.before.is_not(None)).label("key_base"),
        key(o.attempt_id, o.before.is_(None)).label("key_not_assessed"),
        key(o.attempt_id, o.gap_before > 0).label("key_had_gap"),
        key(o.attempt_id, closed).label("key_closed"),
        key(o.attempt_id, with_knowledge).label("key_knowledge")]


def _per_competency(q: _Pairs):
    r = ResultPair
    return (q.select(r.campaign_id.label("campaign_id"), r.competency_id.label("group_id"),
                     *_competency_sums(q))
            .group_by(r.campaign_id, r.competency_id))


def _official_keys(q: _Pairs) -> list[Any]:
    r = ResultPair
    return [r.campaign_id.label("campaign_id"), r.organisation_id.label("organisation_id"),
            r.role_profile_id.label("role_profile_id"), r.follow_up_id.label("attempt_id")]


def _per_organisation_and_role(q: _Pairs):
    """Per follow-up campaign, organisation and role profile, over each official's mean."""
    keys = _official_keys(q)
    o = (q.select(*keys, *_official_sums(q)).group_by(*(column.element for column in keys))
         .subquery("official").c)
    return (select(o.campaign_id, o.organisation_id, o.role_profile_id,
                   *_over_officials(o))
            .group_by(o.campaign_id, o.organisation_id, o.role_profile_id))


def group_sums(session: Session, scope: Scope, filters: Filters, by: str) -> list[dict[str, Any]]:
    """The sums (SUMS, as floats) per follow-up campaign (``campaign_id``) and competency,
    organisation or role profile (``group_id``)."""
    q = _pairs(scope, filters)
    if by == BY_COMPETENCY:
        return _numbers(rows(session, _per_competency(q)))
    per_official = once(session, ("change.groups", scope, filters),
                        lambda: _numbers(rows(session, _per_organisation_and_role(q))))
    return _added_up(per_official, "organisation_id" if by == BY_ORGANISATION else "role_profile_id")


def _added_up(per_official: list[dict[str, Any]], column: str) -> list[dict[str, Any]]:
    summed: dict[tuple[int, int | None], dict[str, Any]] = {}
    for row in per_official:
        group = summed.setdefault((row["campaign_id"], row[column]),
                                  {"campaign_id": row["campaign_id"], "group_id": row[column],
                                   **dict.fromkeys(SUMS, 0.0)})
        for name in SUMS:
            group[name] += row[name]
    return list(summed.values())


def _numbers(found: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The sums as floats (PostgreSQL's are Decimals; a sum over no value is NULL: 0)."""
    for row in found:
        row.update({column: float(row[column] or 0) for column in SUMS})
    return found
