"""The pairs of results the tables of change read (app.services.evaluation.pair_store) are always the
pairs the results make: after a submission, a validation, a move, a deletion, a rollback — and after
any sequence of them (a property test) — the store equals the pairs worked out again from the results.
"""

from __future__ import annotations

from datetime import timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, func, select, update

from app.extensions import db
from app.models import Attempt, AttemptStatus, CompetencyResult, ResultPair, ResultSource
from app.services.evaluation import change_by_competency, pair_store
from tests.unit.analytics_fixture import FOLLOW_UP_AT, build_world, submit

PAIRED = (1, 2, 3, 4, 5, 7, 8, 9)  # the officials of the world with a baseline and a follow-up


def stored() -> int:
    return db.session.scalar(select(func.count()).select_from(ResultPair))


def pairs_of(attempt: Attempt) -> list[tuple]:
    return db.session.execute(select(ResultPair.competency_id, ResultPair.before_level,
                                     ResultPair.after_level, ResultPair.validated)
                              .where(ResultPair.follow_up_id == attempt.id)
                              .order_by(ResultPair.competency_id)).all()


def follow_up_of(world, n: int) -> Attempt:
    return db.session.scalar(select(Attempt).where(Attempt.campaign_id == world.follow_up.id,
                                                   Attempt.user_id == world.officials[n].id))


def test_the_store_holds_a_pair_per_official_and_competency_assessed_in_both_cycles():
    world = build_world()
    assert stored() == len(PAIRED) * 2
    assert pair_store.differences(db.session) == 0
    u1 = follow_up_of(world, 1)
    assert pairs_of(u1) == sorted([(world.c1.id, 1, 3, False), (world.c2.id, 2, 2, False)])


def test_a_submission_rolled_back_leaves_no_pair():
    world = build_world()
    before = stored()
    savepoint = db.session.begin_nested()
    submit(world.baseline, world.officials[10], world.o2, world.role, (world.c1, world.c2),
           ((0, 0), (1, 1)), FOLLOW_UP_AT - timedelta(days=200))
    db.session.flush()
    assert stored() == before + 2  # u10 had a follow-up already: now a pair
    savepoint.rollback()
    assert stored() == before
    assert pair_store.differences(db.session) == 0


def test_a_validated_level_replaces_the_pair():
    world = build_world()
    attempt = follow_up_of(world, 1)
    result = next(r for r in attempt.results if r.competency_id == world.c1.id)
    result.calibrated_level, result.source = 1, ResultSource.VALIDATED
    db.session.flush()
    assert (world.c1.id, 1, 1, False) in pairs_of(attempt)  # validated after only: not both
    assert pair_store.differences(db.session) == 0
    table = change_by_competency(db.session, world.scope, k=1)
    means = {row.group_id: row.mean_after for row in table.rows}
    assert means[world.c1.id] == (1 + 3 + 2 + 2 + 2 + 2 + 3 + 1) / 8


def test_a_deleted_attempt_takes_its_pairs_with_it_through_the_orm_and_round_it():
    world = build_world()
    base = db.session.scalar(select(Attempt).where(Attempt.campaign_id == world.baseline.id,
                                                   Attempt.user_id == world.officials[1].id))
    db.session.delete(base)
    db.session.flush()
    assert stored() == (len(PAIRED) - 1) * 2
    other = follow_up_of(world, 2)
    db.session.execute(delete(CompetencyResult).where(CompetencyResult.attempt_id == other.id))
    db.session.execute(delete(Attempt).where(Attempt.id == other.id))  # the foreign key cascades
    assert stored() == (len(PAIRED) - 2) * 2
    assert pair_store.differences(db.session) == 0


def test_a_write_round_the_orm_is_found_and_rebuilt():
    world = build_world()
    u3 = follow_up_of(world, 3)
    db.session.execute(update(CompetencyResult).where(CompetencyResult.attempt_id == u3.id)
                       .values(calibrated_level=0))
    assert pair_store.differences(db.session) == 2
    assert pair_store.rebuild(db.session) == len(PAIRED) * 2
    assert pair_store.differences(db.session) == 0


def test_an_attempt_that_is_no_longer_submitted_pairs_nothing():
    world = build_world()
    attempt = follow_up_of(world, 5)
    attempt.status = AttemptStatus.IN_PROGRESS
    db.session.flush()
    assert pairs_of(attempt) == []
    assert pair_store.differences(db.session) == 0


OFFICIALS = st.sampled_from(range(1, 11))
STEPS = st.lists(st.one_of(
    st.tuples(st.just("level"), OFFICIALS, st.booleans(), st.sampled_from([None, 0, 1, 2, 3])),
    st.tuples(st.just("validate"), OFFICIALS, st.booleans(), st.sampled_from([0, 2, 3])),
    st.tuples(st.just("move"), OFFICIALS, st.booleans()),
    st.tuples(st.just("status"), OFFICIALS, st.booleans()),
    st.tuples(st.just("delete_result"), OFFICIALS, st.booleans()),
    st.tuples(st.just("delete_attempt"), OFFICIALS, st.booleans()),
    st.tuples(st.just("submit_baseline"), OFFICIALS)), max_size=8)


def _attempt(world, n: int, in_baseline: bool) -> Attempt | None:
    campaign = world.baseline if in_baseline else world.follow_up
    return db.session.scalar(select(Attempt).where(Attempt.campaign_id == campaign.id,
                                                   Attempt.user_id == world.officials[n].id))


def _apply(world, step) -> None:
    kind, n = step[0], step[1]
    if kind == "submit_baseline":
        if _attempt(world, n, True) is None:
            organisation = world.o1 if n <= 6 else world.o2
            submit(world.baseline, world.officials[n], organisation, world.role, (world.c1, world.c2),
                   ((1, 1), (2, 0)), FOLLOW_UP_AT - timedelta(days=100))
        return
    attempt = _attempt(world, n, step[2])
    if attempt is None:
        return
    if kind == "level" and attempt.results:
        attempt.results[0].calibrated_level = step[3]
    elif kind == "validate" and attempt.results:
        attempt.results[-1].calibrated_level, attempt.results[-1].source = step[3], ResultSource.VALIDATED
    elif kind == "move":
        attempt.organisation = world.o2 if attempt.organisation_id == world.o1.id else world.o1
    elif kind == "status":
        attempt.status = (AttemptStatus.IN_PROGRESS if attempt.status == AttemptStatus.SUBMITTED
                          else AttemptStatus.SUBMITTED)
    elif kind == "delete_result" and attempt.results:
        db.session.delete(attempt.results[0])
        db.session.flush()
        db.session.expire(attempt, ["results"])
    elif kind == "delete_attempt":
        db.session.delete(attempt)


@settings(max_examples=25, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(steps=STEPS)
def test_after_any_writes_the_store_is_the_pairs_the_results_make(steps):
    savepoint = db.session.begin_nested()
    try:
        world = build_world()
        for step in steps:
            _apply(world, step)
            db.session.flush()
            assert pair_store.differences(db.session) == 0, step
    finally:
        savepoint.rollback()
        db.session.expunge_all()  # what the steps deleted is not brought back into the next example


def test_the_migration_builds_the_pairs_and_the_first_language_as_the_models_declare_them():
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from app.models import Base

    context = MigrationContext.configure(db.session.connection(), opts={"compare_type": True})
    differences = [d for d in compare_metadata(context, Base.metadata)
                   if "result_pairs" in repr(d) or "first_language" in repr(d)]
    assert differences == []
