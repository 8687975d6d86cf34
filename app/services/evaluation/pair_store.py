"""The pairs of results the tables of change group (``ResultPair``), kept in step with every write.

A pair is a submitted follow-up attempt's result beside the submitted baseline result of the same
official and competency (app.services.evaluation.pairs defines it). Grouping them by joining two
cycles' results took 3 to 5 times a bare GROUP BY at 100,000 officials; the tables of change
(app.services.evaluation.change_sums) now group this one table.

In step: after every flush of the ORM (``listen``), the pairs of each attempt whose results were
added, changed or deleted, or whose status, official, campaign, country, organisation or role
profile changed, are deleted and written again from what the flush left — in the same transaction,
so a rolled-back submission leaves no pair behind. A write that goes round the ORM (a bulk COPY, as
bench/national.py does) calls ``rebuild``; ``differences`` finds a store out of step
(``flask evaluation pairs check``).
"""

from __future__ import annotations

from collections.abc import Iterable
from itertools import chain

from sqlalchemy import and_, delete, event, func, insert, inspect, or_, select, union
from sqlalchemy.orm import Session, aliased

from app.models import Attempt, AttemptStatus, CompetencyResult, ResultPair, ResultSource
from app.services.evaluation.pairs import in_baseline, is_follow_up, pair

CHUNK = 500  # attempts per statement when a flush touched many (an erasure, an import)

# what an attempt's pairs depend on, besides its results
_ATTEMPT_COLUMNS = ("status", "user_id", "campaign_id", "country_id", "organisation_id", "role_profile_id")

_COLUMNS = ("follow_up_id", "competency_id", "base_id", "campaign_id", "baseline_campaign_id", "country_id",
           "campaign_country_id", "organisation_id", "role_profile_id", "validated", "before_level",
           "after_level", "before_gap", "after_gap", "before_correct", "before_total", "after_correct",
           "after_total")


def _computed(*conditions):
    """The pairs as the results stand, meeting ``conditions`` (on the aliases ``p``), in _COLUMNS' order."""
    p = pair()
    after, before = aliased(CompetencyResult, name="after"), aliased(CompetencyResult, name="before")
    validated = and_(after.source == ResultSource.VALIDATED, before.source == ResultSource.VALIDATED)
    values = (p.follow_up.id, after.competency_id, p.base.id, p.campaign.id, p.campaign.baseline_id,
              p.follow_up.country_id, p.campaign.country_id, p.follow_up.organisation_id,
              p.follow_up.role_profile_id, validated, before.calibrated_level, after.calibrated_level,
              before.gap, after.gap, before.knowledge_correct, before.knowledge_total,
              after.knowledge_correct, after.knowledge_total)
    return (select(*(value.label(name) for value, name in zip(values, _COLUMNS, strict=True)))
            .select_from(p.follow_up)
            .join(p.campaign, is_follow_up(p, p.follow_up))
            .join(p.base, in_baseline(p))
            .join(after, after.attempt_id == p.follow_up.id)
            .join(before, and_(before.attempt_id == p.base.id, before.competency_id == after.competency_id))
            .where(p.follow_up.status == AttemptStatus.SUBMITTED, *(c(p) for c in conditions)))


def _insert(condition):
    return insert(ResultPair).from_select(list(_COLUMNS), _computed(condition))


def refresh(session: Session, attempt_ids: Iterable[int]) -> None:
    """Write again the pairs of these attempts, as follow-up or as baseline."""
    ids = sorted(set(attempt_ids))
    connection = session.connection()
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start:start + CHUNK]
        connection.execute(delete(ResultPair).where(or_(ResultPair.follow_up_id.in_(chunk),
                                                        ResultPair.base_id.in_(chunk))))
        connection.execute(_insert(lambda p, chunk=chunk: p.follow_up.id.in_(chunk)))
        # as baseline, for follow-ups not written just above
        connection.execute(_insert(lambda p, chunk=chunk: and_(p.base.id.in_(chunk),
                                                                p.follow_up.id.not_in(chunk))))


def rebuild(session: Session) -> int:
    """Write every pair again from the results (after a write that went round the ORM); the number
    of pairs. The caller commits."""
    connection = session.connection()
    connection.execute(delete(ResultPair))
    connection.execute(_insert(lambda p: p.follow_up.id.is_not(None)))
    return connection.execute(select(func.count()).select_from(ResultPair)).scalar_one()


def differences(session: Session) -> int:
    """How many pairs the store lacks, has too many of, or holds with other values: 0 in step."""
    stored = select(*(getattr(ResultPair, name) for name in _COLUMNS))
    computed = _computed(lambda p: p.follow_up.id.is_not(None))
    one_way = (computed.except_(stored).subquery(), stored.except_(computed).subquery())
    differing = union(*(select(found.c.follow_up_id, found.c.competency_id) for found in one_way))
    return session.execute(select(func.count()).select_from(differing.subquery())).scalar_one()


def _touched(session: Session) -> set[int]:
    """The attempts whose pairs this flush may have changed."""
    touched: set[int] = set()
    for record in chain(session.new, session.dirty, session.deleted):
        if isinstance(record, CompetencyResult):
            touched.add(record.attempt_id)
        elif isinstance(record, Attempt) and (record in session.new or record in session.deleted
                                              or _moved(record)):
            touched.add(record.id)
    touched.discard(None)
    return touched


def _moved(attempt: Attempt) -> bool:
    state = inspect(attempt)
    return any(state.attrs[name].history.has_changes() for name in _ATTEMPT_COLUMNS)


def _after_flush(session: Session, _context) -> None:
    touched = _touched(session)
    if touched:
        refresh(session, touched)


def listen() -> None:
    """Keep the store in step on every ORM session (once per process; idempotent)."""
    if not event.contains(Session, "after_flush", _after_flush):
        event.listen(Session, "after_flush", _after_flush)
