"""Behaviour follow-ups (evaluation/follow_ups.py): scheduled when a path is completed, due some weeks
later, sent once, answered by their official only."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import Enrolment, FollowUp
from app.models.base import utcnow
from app.services.errors import NotFound, ValidationFailed
from app.services.evaluation import follow_ups
from app.services.learning import progress as learning
from tests.factories import ResourceFactory, UserFactory, make_path

TODAY = date(2026, 3, 10)


def complete_path(official=None, *, weeks: int = 8, steps: int = 2):
    """An official who has completed every step of a new path; returns (official, enrolment, resources)."""
    official = official or UserFactory()
    resources = [ResourceFactory() for _ in range(steps)]
    version = make_path(resources)
    enrolment = learning.enrol(db.session, official, version.id, follow_up_weeks=weeks)
    for resource in resources:
        learning.record_progress(db.session, official, resource.id, status="completed",
                                 completed_on=TODAY, today=TODAY, follow_up_weeks=weeks)
    return official, enrolment, resources


def follow_up_of(enrolment: Enrolment) -> FollowUp | None:
    return db.session.scalar(select(FollowUp).where(FollowUp.user_id == enrolment.user_id,
                                                    FollowUp.path_version_id == enrolment.path_version_id))


def count() -> int:
    return db.session.scalar(select(func.count()).select_from(FollowUp))


def make_due(follow_up: FollowUp) -> FollowUp:
    follow_up.due_at = utcnow() - timedelta(minutes=1)
    db.session.flush()
    return follow_up


# Scheduling -------------------------------------------------------------------------------------

def test_completing_a_path_schedules_its_follow_up_weeks_later():
    official = UserFactory()
    resources = [ResourceFactory(), ResourceFactory()]
    version = make_path(resources)
    first_steps_only = learning.enrol(db.session, official, version.id, follow_up_weeks=6)
    learning.record_progress(db.session, official, resources[0].id, status="completed",
                             completed_on=TODAY, today=TODAY, follow_up_weeks=6)
    assert follow_up_of(first_steps_only) is None  # one step left: not completed, nothing scheduled

    learning.record_progress(db.session, official, resources[1].id, status="completed",
                             completed_on=TODAY, today=TODAY, follow_up_weeks=6)
    follow_up = follow_up_of(first_steps_only)
    assert first_steps_only.completed_at is not None
    assert follow_up.due_at == first_steps_only.completed_at + timedelta(weeks=6)
    assert (follow_up.country_id, follow_up.organisation_id) == (official.country_id,
                                                                 official.organisation_id)
    assert follow_up.sent_at is None and follow_up.answered_at is None


def test_the_default_is_eight_weeks_and_there_is_one_follow_up_per_official_and_path():
    official, enrolment, resources = complete_path(weeks=follow_ups.DEFAULT_WEEKS)
    assert follow_up_of(enrolment).due_at == enrolment.completed_at + timedelta(weeks=8)
    learning.record_progress(db.session, official, resources[0].id, status="completed",
                             completed_on=TODAY, today=TODAY)  # recorded again: still complete
    follow_ups.schedule(db.session, enrolment)
    db.session.flush()
    assert count() == 1


def test_undoing_a_completion_drops_an_unsent_follow_up_and_keeps_a_sent_one():
    official, enrolment, resources = complete_path()
    learning.record_progress(db.session, official, resources[0].id, status="started", today=TODAY)
    db.session.flush()
    assert enrolment.completed_at is None and count() == 0

    learning.record_progress(db.session, official, resources[0].id, status="completed",
                             completed_on=TODAY, today=TODAY)
    follow_up_of(enrolment).sent_at = utcnow()
    learning.record_progress(db.session, official, resources[0].id, status="started", today=TODAY)
    db.session.flush()
    assert count() == 1 and follow_up_of(enrolment).sent_at is not None


def test_schedule_needs_a_completed_enrolment():
    official = UserFactory()
    version = make_path([ResourceFactory()])
    enrolment = learning.enrol(db.session, official, version.id)
    with pytest.raises(ValueError, match="completed"):
        follow_ups.schedule(db.session, enrolment)


def test_completions_without_a_follow_up_are_scheduled_by_schedule_missing():
    official = UserFactory()
    version = make_path([ResourceFactory()])
    enrolment = Enrolment(user_id=official.id, path_version_id=version.id,
                          completed_at=utcnow() - timedelta(weeks=10))  # e.g. before follow-ups existed
    db.session.add(enrolment)
    db.session.flush()
    assert follow_ups.schedule_missing(db.session, weeks=8) == 1
    assert follow_up_of(enrolment).due_at == enrolment.completed_at + timedelta(weeks=8)
    assert follow_ups.schedule_missing(db.session, weeks=8) == 0


# Due and sent ------------------------------------------------------------------------------------

def test_only_due_unsent_follow_ups_of_active_officials_with_a_completed_path_are_due():
    _o, due_enrolment, _r = complete_path()
    _o, later_enrolment, _r = complete_path()
    sent_official, sent_enrolment, _r = complete_path()
    inactive, inactive_enrolment, _r = complete_path()
    due = make_due(follow_up_of(due_enrolment))
    make_due(follow_up_of(sent_enrolment)).sent_at = utcnow()
    make_due(follow_up_of(inactive_enrolment))
    inactive.active = False
    db.session.flush()

    now = utcnow()
    assert follow_ups.due_ids(db.session, now) == [due.id]
    assert follow_ups.due_ids(db.session, follow_up_of(later_enrolment).due_at) == [
        due.id, follow_up_of(later_enrolment).id]
    assert follow_ups.counts(db.session, now) == follow_ups.Counts(scheduled=1, due=2, sent=1, answered=0)
    assert follow_ups.counts(db.session, now, [sent_official.country_id]).sent == 1
    assert follow_ups.counts(db.session, now, [sent_official.country_id]).due == 0


# The survey --------------------------------------------------------------------------------------

@pytest.fixture
def due_follow_up():
    official, enrolment, _r = complete_path()
    return official, make_due(follow_up_of(enrolment))


def answer(official, follow_up, **fields):
    answers = {"applied": "partly", "frequency": "weekly", "barriers": ["no_time"], "comment": ""}
    answers.update(fields)
    return follow_ups.answer(db.session, official, follow_up.id, now=utcnow(), **answers)


def test_answering_records_the_answers_and_answering_again_replaces_them(due_follow_up):
    official, follow_up = due_follow_up
    answer(official, follow_up, barriers=["other", "no_time", "no_time"], comment=" Reorganisation ")
    assert (follow_up.applied, follow_up.frequency) == ("partly", "weekly")
    assert follow_up.barriers == ["no_time", "other"] and follow_up.comment == "Reorganisation"
    first = follow_up.answered_at

    answer(official, follow_up, applied="yes", frequency="daily", barriers=[])
    assert (follow_up.applied, follow_up.frequency, follow_up.barriers) == ("yes", "daily", [])
    assert follow_up.answered_at >= first and count() == 1
    assert follow_ups.counts(db.session, utcnow()).answered == 1


@pytest.mark.parametrize(("fields", "field", "message"), [
    ({"applied": None}, "applied", "applied what you learned"),
    ({"applied": "maybe"}, "applied", "applied what you learned"),
    ({"frequency": "hourly"}, "frequency", "how often"),
    ({"barriers": ["boredom"]}, "barriers", "Unknown answer: boredom"),
    ({"barriers": ["other"], "comment": "  "}, "comment", "what else stopped you"),
    ({"comment": "x" * 2001}, "comment", "2,000 characters"),
])
def test_answers_are_checked(due_follow_up, fields, field, message):
    official, follow_up = due_follow_up
    with pytest.raises(ValidationFailed, match=message) as error:
        answer(official, follow_up, **fields)
    assert error.value.field == field
    assert follow_up.answered_at is None


def test_a_follow_up_is_its_officials_only_and_only_once_due(due_follow_up):
    official, follow_up = due_follow_up
    with pytest.raises(NotFound):
        answer(UserFactory(), follow_up)
    with pytest.raises(NotFound):
        follow_ups.follow_up_for(db.session, UserFactory(admin=True), follow_up.id, utcnow())
    follow_up.due_at = utcnow() + timedelta(days=1)
    with pytest.raises(NotFound):
        follow_ups.follow_up_for(db.session, official, follow_up.id, utcnow())
    follow_up.sent_at = utcnow()  # sent early (due date moved): the link works
    assert follow_ups.follow_up_for(db.session, official, follow_up.id, utcnow()) is follow_up
    assert follow_ups.open_for(db.session, official, utcnow()) == [follow_up]
    assert follow_ups.open_for(db.session, UserFactory(), utcnow()) == []
