"""Taking an assessment, through the service: starting, saving answers, the window, submission once."""

from __future__ import annotations

import threading
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from flask_migrate import upgrade
from sqlalchemy import create_engine, event, func, select, text
from sqlalchemy.orm import Session

from app import create_app
from app.extensions import db
from app.models import Answer, Attempt, AttemptStatus, CampaignOrganisation, CompetencyResult, Item, ItemKind
from app.models.base import utcnow
from app.services.assessment import answers, questions, report, submission, taking
from app.services.assessment.window import AlreadySubmitted, OutsideWindow
from app.services.errors import NotFound, ValidationFailed
from config import TestConfig
from tests.factories import (
    CampaignFactory,
    InvitationFactory,
    RoleProfileFactory,
    UserFactory,
    make_framework,
    make_instrument,
)


def _start(invitation, now=None) -> Attempt:
    return taking.start(db.session, invitation.user, invitation.campaign_id, now or utcnow())


def _items(attempt, kind=None, **where) -> list[Item]:
    stmt = select(Item).where(Item.instrument_id == attempt.instrument_id).order_by(Item.position)
    if kind:
        stmt = stmt.where(Item.kind == kind)
    return [item for item in db.session.scalars(stmt)
            if all(getattr(item, key) == value for key, value in where.items())]


def _answers(attempt) -> dict[int, object]:
    return dict(db.session.execute(
        select(Answer.item_id, Answer.value).where(Answer.attempt_id == attempt.id)).all())


# "Your assessments" ----------------------------------------------------------------------------------

def test_assignments_list_only_the_officials_own_invitations_with_their_status():
    user = UserFactory()
    first = InvitationFactory(user=user, organisation=user.organisation,
                              campaign=CampaignFactory(country=user.country))
    second = InvitationFactory(user=user, organisation=user.organisation,
                               campaign=CampaignFactory(country=user.country))
    InvitationFactory()  # someone else's
    attempt = _start(second)
    item = _items(attempt, ItemKind.KNOWLEDGE)[0]
    answers.save_answers(db.session, attempt.id, user.id, {item.id: "b"}, now=utcnow())

    found = {a.campaign.id: a for a in taking.assignments(db.session, user, utcnow())}
    assert set(found) == {first.campaign_id, second.campaign_id}
    assert found[first.campaign_id].status == "not_started"
    assert (found[second.campaign_id].status, found[second.campaign_id].answered) == ("in_progress", 1)
    assert found[second.campaign_id].total == 7  # 1 context + 2 competencies x (1 self + 2 checks)
    assert found[second.campaign_id].percent == 14
    assert taking.assignments(db.session, UserFactory(), utcnow()) == []


def test_assignments_take_the_same_number_of_queries_for_one_or_many_campaigns(app):
    user = UserFactory()

    def invite():
        invitation = InvitationFactory(user=user, organisation=user.organisation,
                                       campaign=CampaignFactory(country=user.country))
        _start(invitation)

    def queries() -> int:
        count = 0

        def count_it(*_args):
            nonlocal count
            count += 1

        engine = db.session.get_bind()
        event.listen(engine, "before_cursor_execute", count_it)
        try:
            db.session.expire_all()
            found = taking.assignments(db.session, user, utcnow())
            shown = [(a.campaign.name, a.campaign.country.time_zone, a.status, a.percent)
                     for a in found]  # what the page reads
            assert len(shown) == len(found)
        finally:
            event.remove(engine, "before_cursor_execute", count_it)
        return count

    invite()
    one = queries()
    for _ in range(4):
        invite()
    assert queries() == one


# Starting ------------------------------------------------------------------------------------------------

def test_start_makes_one_attempt_on_the_campaigns_instrument_with_the_invitations_profile():
    role = RoleProfileFactory()
    invitation = InvitationFactory(role_profile=role)
    attempt = _start(invitation)
    assert (attempt.instrument_id, attempt.organisation_id, attempt.role_profile_id) == (
        invitation.campaign.instrument_id, invitation.organisation_id, role.id)
    assert (attempt.country_id, attempt.status, attempt.last_section) == (
        invitation.campaign.country_id, AttemptStatus.IN_PROGRESS, 0)
    assert _start(invitation).id == attempt.id  # a second start resumes the same attempt
    assert db.session.scalar(select(func.count()).select_from(Attempt)
                             .where(Attempt.user_id == invitation.user_id)) == 1


def test_without_a_role_profile_the_organisations_default_in_the_campaign_is_used():
    invitation = InvitationFactory(role_profile=None)
    default = RoleProfileFactory()
    db.session.add(CampaignOrganisation(campaign=invitation.campaign, organisation=invitation.organisation,
                                        default_role_profile=default))
    db.session.flush()
    assert _start(invitation).role_profile_id == default.id


def test_only_invited_officials_can_start():
    invitation = InvitationFactory()
    with pytest.raises(NotFound):
        taking.start(db.session, UserFactory(), invitation.campaign_id, utcnow())


def test_starting_before_the_window_says_when_it_opens_in_the_countrys_time():
    campaign = CampaignFactory(opens_at=datetime(2027, 3, 3, 6, 0, tzinfo=UTC),  # 09:00 in Nairobi
                               closes_at=datetime(2027, 3, 31, 14, 0, tzinfo=UTC))
    invitation = InvitationFactory(campaign=campaign)
    with pytest.raises(OutsideWindow) as exc:
        _start(invitation, now=datetime(2027, 3, 3, 5, 59, tzinfo=UTC))
    assert str(exc.value) == "This assessment opens on 3 March 2027 at 09:00 (Africa/Nairobi)"
    assert exc.value.state == "not_open"
    assert _start(invitation, now=datetime(2027, 3, 3, 6, 0, tzinfo=UTC)).id  # opens on the minute


def test_starting_after_the_window_or_an_early_close_says_when_it_closed():
    campaign = CampaignFactory(opens_at=datetime(2027, 3, 3, 6, 0, tzinfo=UTC),
                               closes_at=datetime(2027, 3, 31, 14, 0, tzinfo=UTC))
    invitation = InvitationFactory(campaign=campaign)
    with pytest.raises(OutsideWindow, match=r"closed on 31 March 2027 at 17:00 \(Africa/Nairobi\)"):
        _start(invitation, now=datetime(2027, 3, 31, 14, 0, tzinfo=UTC))
    campaign.closed_early_at = datetime(2027, 3, 10, 7, 30, tzinfo=UTC)
    with pytest.raises(OutsideWindow, match=r"closed on 10 March 2027 at 10:30"):
        _start(invitation, now=datetime(2027, 3, 12, tzinfo=UTC))


# Saving answers -------------------------------------------------------------------------------------------

@pytest.fixture
def attempt():
    return _start(InvitationFactory())


def test_every_kind_of_answer_is_saved_as_its_value(attempt):
    context = _items(attempt, ItemKind.CONTEXT)[0]
    self_rating = _items(attempt, ItemKind.SELF_RATING)[0]
    knowledge = _items(attempt, ItemKind.KNOWLEDGE)[0]
    errors = answers.save_answers(db.session, attempt.id, attempt.user_id, {
        context.id: ["fr", "en"], self_rating.id: "3", knowledge.id: "c"}, now=utcnow())
    assert errors == {}
    assert _answers(attempt) == {context.id: ["fr", "en"], self_rating.id: 3, knowledge.id: "c"}  # as given


def test_bad_values_are_refused_with_a_reason_and_not_stored_while_good_ones_are(attempt):
    context = _items(attempt, ItemKind.CONTEXT)[0]
    self_rating = _items(attempt, ItemKind.SELF_RATING)[0]
    knowledge = _items(attempt, ItemKind.KNOWLEDGE)[0]
    foreign = make_instrument(make_framework(), code="other").items[1]
    errors = answers.save_answers(db.session, attempt.id, attempt.user_id, {
        context.id: ["en", "xx"], self_rating.id: "7", knowledge.id: "a", foreign.id: "a"}, now=utcnow())
    assert errors == {
        context.id: "'xx' is not one of the options of this question",
        self_rating.id: "Choose one of the levels offered (0, 1, 2, 3, 4), not '7'",
        foreign.id: "This question is not part of this assessment",
    }
    assert _answers(attempt) == {knowledge.id: "a"}


@pytest.mark.parametrize(("raw", "message"), [
    ("e", "not one of the options"), (["a", "b"], "Choose one option only"), (True, "not one of the options"),
])
def test_a_single_choice_takes_one_of_its_options(attempt, raw, message):
    knowledge = _items(attempt, ItemKind.KNOWLEDGE)[0]
    with pytest.raises(ValidationFailed, match=message) as exc:
        answers.clean_value(knowledge, raw)
    assert exc.value.field == f"item-{knowledge.id}"


def test_numbers_must_be_numbers_within_the_items_range(attempt):
    item = Item(id=1, kind=ItemKind.CONTEXT, input="number", options=[{"min": 0, "max": 40}])
    assert answers.clean_value(item, "12") == 12
    assert answers.clean_value(item, "2,5") == 2.5
    assert answers.clean_value(item, 40) == 40
    assert answers.clean_value(item, "") is None
    for bad in ("41", "-1", "many", "nan", "inf", True):
        with pytest.raises(ValidationFailed, match="number"):
            answers.clean_value(item, bad)
    unbounded = Item(id=2, kind=ItemKind.CONTEXT, input="number", options=[])
    assert answers.clean_value(unbounded, "100000") == 100000
    with pytest.raises(ValidationFailed, match="between 0 and 100000"):
        answers.clean_value(unbounded, "100001")


def test_text_is_trimmed_and_kept_short(attempt):
    item = Item(id=1, kind=ItemKind.CONTEXT, input="text", options=[])
    assert answers.clean_value(item, "  Swahili  ") == "Swahili"
    assert answers.clean_value(item, "   ") is None
    with pytest.raises(ValidationFailed, match="2000 characters"):
        answers.clean_value(item, "x" * 2001)


def test_an_empty_value_clears_an_answer_and_items_left_out_stay(attempt):
    context, self_rating = _items(attempt, ItemKind.CONTEXT)[0], _items(attempt, ItemKind.SELF_RATING)[0]
    answers.save_answers(db.session, attempt.id, attempt.user_id, {context.id: ["en"], self_rating.id: 2},
                          now=utcnow())
    answers.save_answers(db.session, attempt.id, attempt.user_id, {context.id: []}, now=utcnow())
    assert _answers(attempt) == {self_rating.id: 2}


def test_a_page_moves_the_resume_point_on_only_when_all_its_answers_were_good(attempt):
    knowledge = _items(attempt, ItemKind.KNOWLEDGE)[0]
    answers.save_answers(db.session, attempt.id, attempt.user_id, {knowledge.id: "z"}, now=utcnow(),
                          section=1, advance=True)
    assert attempt.last_section == 1
    answers.save_answers(db.session, attempt.id, attempt.user_id, {knowledge.id: "a"}, now=utcnow(),
                          section=1, advance=True)
    assert attempt.last_section == 2
    answers.save_answers(db.session, attempt.id, attempt.user_id, {}, now=utcnow(), section=0)
    assert attempt.last_section == 0


def test_one_saved_answer_sets_the_resume_point_to_its_section(attempt):
    knowledge = _items(attempt, ItemKind.KNOWLEDGE)[0]  # in the first area's section, the second page
    answers.save_answer(db.session, attempt.id, attempt.user_id, knowledge.id, "b", now=utcnow())
    assert attempt.last_section == 1
    with pytest.raises(ValidationFailed, match="not one of the options"):
        answers.save_answer(db.session, attempt.id, attempt.user_id, knowledge.id, "q", now=utcnow())
    assert _answers(attempt) == {knowledge.id: "b"}


def test_nobody_else_can_answer_an_attempt(attempt):
    knowledge = _items(attempt, ItemKind.KNOWLEDGE)[0]
    with pytest.raises(NotFound):
        answers.save_answers(db.session, attempt.id, UserFactory().id, {knowledge.id: "a"}, now=utcnow())
    with pytest.raises(NotFound):
        taking.own_attempt(db.session, UserFactory(), attempt.id)
    assert _answers(attempt) == {}


def test_answers_are_refused_once_the_window_has_closed(attempt):
    knowledge = _items(attempt, ItemKind.KNOWLEDGE)[0]
    attempt.campaign.closed_early_at = utcnow() - timedelta(minutes=1)
    db.session.flush()
    with pytest.raises(OutsideWindow, match="closed on"):
        answers.save_answers(db.session, attempt.id, attempt.user_id, {knowledge.id: "a"}, now=utcnow())


# Review and submission ------------------------------------------------------------------------------------

def test_the_review_lists_every_item_section_by_section_answered_or_not(attempt):
    knowledge = _items(attempt, ItemKind.KNOWLEDGE)[0]
    answers.save_answers(db.session, attempt.id, attempt.user_id, {knowledge.id: "b"}, now=utcnow())
    pages = questions.review(db.session, attempt)
    assert [p.number for p in pages] == [1, 2]
    assert sum(len(p.questions) for p in pages) == 7
    answered = [q for p in pages for q in p.questions if q.answered]
    assert [(q.item.id, q.answer_text) for q in answered] == [(knowledge.id, "Option b")]


def test_submit_scores_once_and_a_second_submit_changes_nothing():
    framework = make_framework(competencies=2)
    first, second = framework.competencies
    role = RoleProfileFactory(framework=framework, targets={first: 3, second: 1})
    invitation = InvitationFactory(role_profile=role,
                                   campaign=CampaignFactory(instrument=make_instrument(framework)))
    attempt = _start(invitation)
    by_code = {item.code: item for item in _items(attempt)}
    answers.save_answers(db.session, attempt.id, attempt.user_id, {
        by_code[f"{first.code}-self"].id: 4, by_code[f"{first.code}-k1"].id: "a",
        by_code[f"{first.code}-k3"].id: "b",
        by_code[f"{second.code}-self"].id: 1, by_code[f"{second.code}-k1"].id: "a",
        by_code[f"{second.code}-k3"].id: "a",
    }, now=utcnow())

    when = utcnow()
    outcome = submission.submit(db.session, attempt.id, attempt.user_id, when)
    assert outcome.submitted_now and outcome.attempt.status == AttemptStatus.SUBMITTED
    results = {r.competency_id: r for r in report.results(db.session, attempt)}
    assert (results[first.id].self_level, results[first.id].evidence_level,
            results[first.id].calibrated_level, results[first.id].confidence, results[first.id].gap) == (
        4, 1, 1, "over", 2)
    assert results[first.id].evidence == {"1": 1.0, "3": 0.0}
    assert (results[second.id].calibrated_level, results[second.id].confidence, results[second.id].gap) == (
        1, "under", 0)

    again = submission.submit(db.session, attempt.id, attempt.user_id, when + timedelta(minutes=5))
    assert not again.submitted_now
    assert again.attempt.submitted_at == when
    assert db.session.scalar(select(func.count()).select_from(CompetencyResult)
                             .where(CompetencyResult.attempt_id == attempt.id)) == 2
    with pytest.raises(AlreadySubmitted):
        answers.save_answers(db.session, attempt.id, attempt.user_id, {by_code[f"{first.code}-k3"].id: "a"},
                              now=utcnow())
    assert _answers(attempt)[by_code[f"{first.code}-k3"].id] == "b"


def test_submitting_someone_elses_attempt_or_outside_the_window_is_refused(attempt):
    with pytest.raises(NotFound):
        submission.submit(db.session, attempt.id, UserFactory().id, utcnow())
    with pytest.raises(OutsideWindow):
        submission.submit(db.session, attempt.id, attempt.user_id, attempt.campaign.closes_at)
    db.session.refresh(attempt)
    assert (attempt.status, attempt.submitted_at) == (AttemptStatus.IN_PROGRESS, None)


# Two submits at the same moment, each on its own connection -----------------------------------------------

@pytest.fixture
def committed_app(tmp_path):
    """An app on a database of its own whose commits are real: a SQLite file, or on PostgreSQL a schema
    of the test database that is dropped afterwards."""
    config = TestConfig()
    url, schema = config.SQLALCHEMY_DATABASE_URI, None
    if url.startswith("postgresql"):
        schema = f"test_concurrency_{uuid.uuid4().hex[:8]}"
        admin = create_engine(url)
        with admin.begin() as conn:
            conn.execute(text(f"CREATE SCHEMA {schema}"))
        config.SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True,
                                            "connect_args": {"options": f"-csearch_path={schema}"}}
    else:
        config.SQLALCHEMY_DATABASE_URI = f"sqlite:///{tmp_path / 'concurrency.sqlite'}"
    application = create_app(config)
    try:
        with application.app_context():
            upgrade()
            yield application
            db.session.remove()
            db.engine.dispose()
    finally:
        if schema:
            with admin.begin() as conn:
                conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
            admin.dispose()


@pytest.mark.no_db
@pytest.mark.parametrize("round_", range(3))
def test_two_concurrent_submits_give_one_submission(committed_app, round_):
    framework = make_framework(competencies=3)
    role = RoleProfileFactory(framework=framework, targets={c: 2 for c in framework.competencies})
    invitation = InvitationFactory(role_profile=role,
                                   campaign=CampaignFactory(instrument=make_instrument(framework)))
    attempt = _start(invitation)
    answers.save_answers(db.session, attempt.id, attempt.user_id,
                          {item.id: 3 for item in _items(attempt, ItemKind.SELF_RATING)}, now=utcnow())
    db.session.commit()
    attempt_id, user_id = attempt.id, attempt.user_id
    engine = db.engine
    base = utcnow()

    barrier = threading.Barrier(2)
    outcomes: list[tuple[bool, datetime]] = []
    failures: list[BaseException] = []

    def submit(offset: int) -> None:
        try:
            with Session(engine) as session:
                barrier.wait(timeout=10)
                outcome = submission.submit(session, attempt_id, user_id, base + timedelta(seconds=offset))
                submitted_at = outcome.attempt.submitted_at
                session.commit()
                outcomes.append((outcome.submitted_now, submitted_at))
        except BaseException as exc:  # reported below, not lost in the thread
            failures.append(exc)

    threads = [threading.Thread(target=submit, args=(offset,)) for offset in (1, 2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert failures == []
    assert sorted(now for now, _ in outcomes) == [False, True]
    first_at = next(at for now, at in outcomes if now)
    assert [at for _, at in outcomes] == [first_at, first_at]  # the second saw the first's, unchanged
    with Session(engine) as session:
        stored = session.get_one(Attempt, attempt_id)
        assert (stored.status, stored.submitted_at) == (AttemptStatus.SUBMITTED, first_at)
        assert session.scalar(select(func.count()).select_from(CompetencyResult)
                              .where(CompetencyResult.attempt_id == attempt_id)) == 3


@pytest.mark.parametrize(("answer", "kept"), [(["fr", "en"], "fr"), (["en"], "en"), (None, None)])
def test_submission_keeps_the_first_language_ticked(attempt, answer, kept):
    """The content gaps count demand per first language from the attempt, not from its answers."""
    if answer is not None:
        languages = next(item for item in _items(attempt) if item.code == "ctx-languages")
        answers.save_answers(db.session, attempt.id, attempt.user_id, {languages.id: answer}, now=utcnow())
    outcome = submission.submit(db.session, attempt.id, attempt.user_id, utcnow())
    assert outcome.attempt.first_language == kept
