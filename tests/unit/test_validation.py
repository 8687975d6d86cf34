"""Validation by the line manager: naming one, the review request at submission (its e-mail only after
commit), confirming or adjusting levels inside the campaign window, and what the official's page reads."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask import Response
from sqlalchemy import event, func, select

from app.extensions import db, mail
from app.jobs import start_committed
from app.models import (
    Attempt,
    AttemptStatus,
    AuditEvent,
    CompetencyResult,
    Job,
    ResultSource,
    Role,
)
from app.models.base import utcnow
from app.services import outbox
from app.services.assessment import answers, submission, taking, validation
from app.services.assessment.validation import Decision
from app.services.assessment.window import OutsideWindow
from app.services.audit import Actor
from app.services.errors import NotFound, ValidationFailed
from tests.factories import (
    CampaignFactory,
    InvitationFactory,
    OrganisationFactory,
    RoleProfileFactory,
    UserFactory,
    make_framework,
    make_instrument,
)


def reviewable(manager=None, *, levels=(2, None), targets=(3, 1), official=None, campaign=None) -> Attempt:
    """A submitted attempt of an official whose manager is ``manager`` (a new one by default), with one
    result per entry of ``levels`` (the estimate; None: not assessed) and the role's ``targets``."""
    if campaign is None:
        framework = make_framework(competencies=len(levels))
        campaign = CampaignFactory(instrument=make_instrument(framework))
    competencies = campaign.instrument.framework.competencies
    role = RoleProfileFactory(framework=campaign.instrument.framework,
                              targets=dict(zip(competencies, targets, strict=False)))
    if official is None:
        organisation = manager.organisation if manager else OrganisationFactory(country=campaign.country)
        manager = manager or UserFactory(organisation=organisation)
        official = UserFactory(organisation=organisation, manager=manager)
    now = utcnow()
    attempt = Attempt(campaign=campaign, user=official, instrument=campaign.instrument,
                      country_id=campaign.country_id, organisation_id=official.organisation_id,
                      role_profile=role, status=AttemptStatus.SUBMITTED, submitted_at=now,
                      manager_id=official.manager_id, review_requested_at=now)
    db.session.add(attempt)
    for competency, level, target in zip(competencies, levels, targets, strict=False):
        attempt.results.append(CompetencyResult(
            competency=competency, self_level=level, estimated_level=level, calibrated_level=level,
            evidence_level=level, knowledge_total=2 if level is not None else 0, knowledge_correct=1,
            interval_low=level, interval_high=level, probability=0.7 if level is not None else None,
            target_level=target, gap=None if level is None else max(0, target - level),
            source=ResultSource.ASSESSED if level is not None else ResultSource.NOT_ASSESSED))
    db.session.flush()
    return attempt


def _results(attempt) -> list[CompetencyResult]:
    return sorted(attempt.results, key=lambda r: r.competency.position)


# Naming a manager -----------------------------------------------------------------------------------

def test_an_official_names_an_active_colleague_of_their_organisation():
    official = UserFactory()
    boss = UserFactory(email="boss@example.org", organisation=official.organisation)
    assert validation.set_manager(db.session, Actor(official), official, " Boss@Example.org ") == boss
    assert official.manager_id == boss.id
    assert validation.set_manager(db.session, Actor(official), official, "") is None
    assert official.manager_id is None
    assert db.session.scalar(select(func.count()).select_from(AuditEvent)
                             .where(AuditEvent.action == "user.manager_set")) == 2


@pytest.mark.parametrize(("who", "message"), [
    ("self", "You cannot be your own line manager"),
    ("elsewhere", "No active account in your organisation has the address elsewhere@example.org"),
    ("gone", "No active account in your organisation has the address gone@example.org"),
    ("nobody", "No active account in your organisation has the address nobody@example.org"),
    ("bad", "Enter a valid email address"),
])
def test_naming_a_manager_refuses_with_a_clear_error_on_the_field(who, message):
    official = UserFactory(email="me@example.org")
    UserFactory(email="elsewhere@example.org")
    UserFactory(email="gone@example.org", organisation=official.organisation, active=False)
    email = {"self": "ME@example.org", "bad": "not an address"}.get(who, f"{who}@example.org")
    with pytest.raises(ValidationFailed, match=message) as exc:
        validation.set_manager(db.session, Actor(official), official, email)
    assert exc.value.field == "manager_email"
    assert official.manager_id is None


# The review request at submission --------------------------------------------------------------------

def _submitted_through_the_service(with_manager: bool = True):
    """An official answers and submits through the services; with their manager named or not."""
    framework = make_framework(competencies=1)
    invitation = InvitationFactory(campaign=CampaignFactory(instrument=make_instrument(framework)))
    manager = UserFactory(organisation=invitation.organisation) if with_manager else None
    invitation.user.manager = manager
    attempt = taking.start(db.session, invitation.user, invitation.campaign_id, utcnow())
    code = framework.competencies[0].code
    items = {item.code: item.id for item in attempt.instrument.items}
    answers.save_answers(db.session, attempt.id, attempt.user_id,
                         {items[f"{code}-self"]: 2, items[f"{code}-k1"]: "a", items[f"{code}-k3"]: "b"},
                         now=utcnow())
    now = utcnow()
    return submission.submit(db.session, attempt.id, attempt.user_id, now).attempt, now, manager


def test_submitting_asks_the_officials_manager_and_queues_one_job():
    attempt, now, manager = _submitted_through_the_service()
    assert (attempt.manager_id, attempt.review_requested_at, attempt.reviewed_at) == (manager.id, now, None)
    jobs = db.session.scalars(select(Job).where(Job.kind == validation.REVIEW_JOB)).all()
    assert [(job.params, job.status) for job in jobs] == [({"attempt_id": attempt.id}, "queued")]
    assert validation.review_pending(attempt)


def test_without_an_active_manager_in_the_organisation_nobody_is_asked():
    attempt, _, _ = _submitted_through_the_service(with_manager=False)
    assert attempt.manager_id is None and not validation.review_pending(attempt)
    official = UserFactory()
    for manager in (UserFactory(organisation=official.organisation, active=False), UserFactory()):
        official.manager = manager
        other = reviewable(official=official)
        other.manager_id = None
        assert validation.request_review(db.session, other, utcnow()) is False
        assert other.manager_id is None
    assert db.session.scalar(select(func.count()).select_from(Job)) == 0


def test_the_e_mail_goes_only_after_commit_and_never_after_a_rollback(app):
    manager = UserFactory(email="boss@example.org")
    attempt = reviewable(manager)
    attempt.manager_id = None
    db.session.commit()  # the test's data stays; what follows is one transaction of its own
    with app.app_context(), mail.record_messages() as sent:
        assert validation.request_review(db.session, attempt, utcnow())
        db.session.flush()
        assert sent == [] and db.session.scalar(select(func.count()).select_from(Job)) == 1
        db.session.rollback()
        db.session.commit()
        start_committed(Response())
        assert sent == [] and db.session.scalar(select(func.count()).select_from(Job)) == 0
        assert db.session.get(Attempt, attempt.id).manager_id is None

        validation.request_review(db.session, attempt, utcnow())
        db.session.commit()
        assert sent == []  # committed, not started yet: that is the request's last step
        start_committed(Response())
    assert [m.recipients for m in sent] == [["boss@example.org"]]
    assert f"http://localhost/managers/attempts/{attempt.id}" in sent[0].body
    assert attempt.user.name in sent[0].subject and attempt.campaign.name in sent[0].body
    job = db.session.scalar(select(Job).where(Job.kind == validation.REVIEW_JOB))
    assert (job.status, job.done, job.total) == ("done", 1, 1)
    assert outbox.take_committed(db.session) == []


# Confirming and adjusting ------------------------------------------------------------------------------

def test_confirming_and_adjusting_make_every_result_validated_with_its_gap():
    manager = UserFactory(name="Mary Manager")
    attempt = reviewable(manager, levels=(2, 1, None), targets=(3, 1, 2))
    first, second, third = _results(attempt)
    now = utcnow()
    validation.save_review(db.session, Actor(manager), attempt.id, {
        first.competency_id: Decision(2),  # confirmed
        second.competency_id: Decision(3, "Leads the team's data work"),  # adjusted up
        third.competency_id: Decision(None),  # left not assessed
    }, now)

    figures = [(r.source, r.manager_level, r.calibrated_level, r.estimated_level, r.gap)
               for r in (first, second)]
    assert figures == [(ResultSource.VALIDATED, 2, 2, 2, 1), (ResultSource.VALIDATED, 3, 3, 1, 0)]
    assert (first.validated_by_id, first.validated_at, second.manager_reason) == \
        (manager.id, now, "Leads the team's data work")
    assert (third.source, third.calibrated_level, third.gap, third.validated_at) == \
        (ResultSource.NOT_ASSESSED, None, None, None)
    assert attempt.reviewed_at == now and not validation.review_pending(attempt)
    views = validation.manager_view(db.session, attempt)
    assert set(views) == {first.competency_id, second.competency_id}
    assert views[second.competency_id] == validation.ManagerView(3, "Leads the team's data work", now,
                                                                 "Mary Manager")


def test_a_not_assessed_competency_given_a_level_becomes_validated_and_can_go_back():
    manager = UserFactory()
    attempt = reviewable(manager, levels=(None,), targets=(3,))
    result = _results(attempt)[0]
    with pytest.raises(ValidationFailed, match="say why the level differs") as exc:
        validation.save_review(db.session, Actor(manager), attempt.id, {result.competency_id: Decision(1)},
                               utcnow())
    assert exc.value.field == f"reason_{result.competency_id}"
    validation.save_review(db.session, Actor(manager), attempt.id,
                           {result.competency_id: Decision(1, "Seen in their reports")}, utcnow())
    assert (result.source, result.calibrated_level, result.gap, result.estimated_level) == \
        (ResultSource.VALIDATED, 1, 2, None)
    validation.save_review(db.session, Actor(manager), attempt.id, {result.competency_id: Decision(None)},
                           utcnow())
    assert (result.source, result.calibrated_level, result.gap, result.manager_level) == \
        (ResultSource.NOT_ASSESSED, None, None, None)


@pytest.mark.parametrize(("decision", "field", "message"), [
    (Decision(4), "reason", "say why the level differs from the estimate"),
    (Decision(4, "   "), "reason", "say why the level differs from the estimate"),
    (Decision(3, "x" * 501), "reason", "500 characters or fewer"),
    (Decision(7, "Too high"), "level", "the level must be one of 0 to 4"),
    (Decision(None), "level", "choose a level"),
])
def test_a_bad_decision_changes_nothing_and_names_the_competency_and_field(decision, field, message):
    manager = UserFactory()
    attempt = reviewable(manager, levels=(2, 2))
    first, second = _results(attempt)
    with pytest.raises(ValidationFailed, match=message) as exc:
        validation.save_review(db.session, Actor(manager), attempt.id,
                               {first.competency_id: Decision(2), second.competency_id: decision}, utcnow())
    assert exc.value.field == f"{field}_{second.competency_id}"
    assert str(exc.value).startswith(second.competency.name)
    assert {r.source for r in (first, second)} == {ResultSource.ASSESSED} and attempt.reviewed_at is None


def test_after_the_campaign_closes_the_review_is_read_only():
    manager = UserFactory()
    attempt = reviewable(manager)
    attempt.campaign.closed_early_at = utcnow() - timedelta(minutes=1)
    first = _results(attempt)[0]
    page = validation.review_page(db.session, manager, attempt.id, utcnow())
    assert not page.editable and page.closes_at == attempt.campaign.closed_early_at
    with pytest.raises(OutsideWindow):
        validation.save_review(db.session, Actor(manager), attempt.id, {first.competency_id: Decision(2)},
                               utcnow())
    assert first.source == ResultSource.ASSESSED and attempt.reviewed_at is None


def test_only_the_manager_asked_at_submission_reaches_the_attempt():
    manager = UserFactory()
    attempt = reviewable(manager)
    new_manager = UserFactory(organisation=manager.organisation)
    attempt.user.manager = new_manager  # named later: the attempt stays with the manager asked
    admin = UserFactory(admin=True)
    for someone in (new_manager, attempt.user, admin, UserFactory(role=Role.FOCAL_POINT)):
        with pytest.raises(NotFound):
            validation.review_page(db.session, someone, attempt.id, utcnow())
        with pytest.raises(NotFound):
            validation.save_review(db.session, Actor(someone), attempt.id, {}, utcnow())
    assert validation.reports(db.session, new_manager).awaiting == []
    assert validation.reports(db.session, manager).awaiting == [attempt]


def test_manager_view_is_one_query_whatever_the_number_of_competencies():
    manager = UserFactory()
    attempt = reviewable(manager, levels=(1, 2, 3, 2, 1, 0), targets=(2,) * 6)
    validation.save_review(db.session, Actor(manager), attempt.id,
                           {r.competency_id: Decision(r.estimated_level) for r in attempt.results}, utcnow())
    db.session.flush()
    statements = []
    engine = db.session.get_bind().engine
    listener = lambda *args: statements.append(args[2])  # noqa: E731
    event.listen(engine, "before_cursor_execute", listener)
    try:
        views = validation.manager_view(db.session, attempt)
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    assert len(views) == 6 and len(statements) == 1
