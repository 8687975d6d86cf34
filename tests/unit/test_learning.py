"""An official's learning (app/services/learning.py): plan items, paths, progress, evidence, feedback."""

from __future__ import annotations

import io
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import Enrolment, Feedback, Progress
from app.services.errors import NotFound, ValidationFailed
from app.services.learning import plans
from app.services.learning import progress as learning
from tests.factories import FocalPointFactory, ResourceFactory, UserFactory, make_path
from tests.unit.test_plans import assessed, competencies, items_of

TODAY = date(2026, 3, 10)
PDF = b"%PDF-1.4\n" + b"0" * 100
PNG = b"\x89PNG\r\n\x1a\n" + b"0" * 100
JPEG = b"\xff\xd8\xff\xe0" + b"0" * 100


@pytest.fixture
def planned():
    """An official with a plan of three resources."""
    a, b, c = competencies("A", "B", "C")
    resources = [ResourceFactory(code=f"r-{n}", teaches={comp: (0, 1)}, hours=n + 1)
                 for n, comp in enumerate((a, b, c))]
    official = assessed({a: (0, 1), b: (0, 1), c: (0, 1)}, languages=["en"], hours="1-2")
    plans.refresh_plan(db.session, official)
    return official, resources


def codes(user, dismissed=False):
    return [i.resource.code for i in items_of(user, dismissed=dismissed)]


# Plan items -------------------------------------------------------------------------------------------

def test_accept_dismiss_and_restore(planned):
    official, _ = planned
    first, second, _third = items_of(official)
    assert learning.accept(db.session, official, first.id).status == "accepted"
    learning.dismiss(db.session, official, second.id, "other", "  I prefer books ")
    assert (second.status, learning.dismissal(second)) == ("dismissed", ("other", "I prefer books"))
    assert codes(official) == ["r-0", "r-2"]
    learning.restore(db.session, official, second.id)
    assert (second.status, second.dismiss_reason) == ("suggested", "")
    assert codes(official) == ["r-0", "r-1", "r-2"]


def test_a_dismissal_needs_a_known_reason_and_words_for_other(planned):
    official, _ = planned
    item = items_of(official)[0]
    with pytest.raises(ValidationFailed) as unknown:
        learning.dismiss(db.session, official, item.id, "bored")
    assert unknown.value.field == "reason"
    with pytest.raises(ValidationFailed) as wordless:
        learning.dismiss(db.session, official, item.id, "other", "  ")
    assert wordless.value.field == "detail"
    assert item.status == "suggested"


def test_moving_up_and_down_skips_dismissed_items_and_stops_at_the_ends(planned):
    official, _ = planned
    first, second, third = items_of(official)
    learning.dismiss(db.session, official, second.id, "no_time")
    learning.move(db.session, official, third.id, "up")
    assert codes(official) == ["r-2", "r-0"]
    learning.move(db.session, official, third.id, "up")  # already first
    assert codes(official) == ["r-2", "r-0"]
    learning.move(db.session, official, third.id, "down")
    assert codes(official) == ["r-0", "r-2"]
    with pytest.raises(ValidationFailed):
        learning.move(db.session, official, second.id, "up")


def test_another_officials_items_are_not_found(planned):
    official, _ = planned
    other = UserFactory()
    item = items_of(official)[0]
    for action in (learning.accept, learning.restore):
        with pytest.raises(NotFound):
            action(db.session, other, item.id)
    with pytest.raises(NotFound):
        learning.dismiss(db.session, other, item.id, "no_time")
    with pytest.raises(NotFound):
        learning.move(db.session, other, item.id, "up")
    assert item.status == "suggested"


def test_the_plan_view_estimates_weeks_and_lists_dismissed_items_apart(planned):
    official, resources = planned
    view = learning.plan_view(db.session, official)
    assert [e.title for e in view.entries] == [r.title for r in resources]
    assert (view.hours_left, view.hours_per_week, view.weeks) == (6, 1.5, 4)
    learning.dismiss(db.session, official, items_of(official)[2].id, "no_time")
    db.session.add(Progress(user_id=official.id, resource=resources[0], status="completed",
                            completed_on=TODAY))
    db.session.flush()
    view = learning.plan_view(db.session, official)
    assert [e.title for e in view.dismissed] == [resources[2].title]
    assert (view.hours_left, view.weeks) == (2, 2)  # completed and dismissed items do not count
    assert view.entries[0].in_language == "en" and view.entries[0].done


def test_the_plan_view_without_an_assessment():
    view = learning.plan_view(db.session, UserFactory())
    assert not view.has_assessment and view.entries == []


# Paths -------------------------------------------------------------------------------------------------

def test_enrolment_keeps_the_old_version_after_a_new_one_is_published():
    (analysis,) = competencies("Data analysis")
    s1 = ResourceFactory(teaches={analysis: (1, 2)})
    s2 = ResourceFactory(teaches={analysis: (2, 3)})
    first = make_path([s1])
    official = assessed({analysis: (1, 3)})
    plans.refresh_plan(db.session, official)
    enrolment = learning.enrol(db.session, official, first.id)
    assert items_of(official)[0].status == "accepted"  # enrolling accepts the recommendation
    assert learning.enrol(db.session, official, first.id) is enrolment  # again: nothing changes

    first.status = "superseded"
    second = make_path([s1, s2], version=2, path=first.path)
    with pytest.raises(ValidationFailed, match="already follow version 1"):
        learning.enrol(db.session, official, second.id)
    plans.refresh_plan(db.session, official)

    view = learning.path_view(db.session, official, first.id)
    assert [step.resource_id for step, _ in view.steps] == [s1.id]
    assert view.newer.id == second.id and not view.can_enrol
    assert db.session.scalars(select(Enrolment.path_version_id).where(
        Enrolment.user_id == official.id)).all() == [first.id]
    assert items_of(official)[0].path_version_id == first.id

    newcomer = UserFactory()
    with pytest.raises(NotFound):  # a superseded version is closed to newcomers
        learning.enrol(db.session, newcomer, first.id)
    with pytest.raises(NotFound):
        learning.path_view(db.session, newcomer, first.id)
    assert learning.path_view(db.session, newcomer, second.id).can_enrol


def test_a_path_is_completed_when_its_required_steps_are():
    (comp,) = competencies("A")
    required, optional = ResourceFactory(teaches={comp: (0, 1)}), ResourceFactory()
    alt1, alt2 = ResourceFactory(), ResourceFactory()
    version = make_path([required, optional, alt1, alt2])
    steps = {s.resource_id: s for s in version.steps}
    steps[optional.id].optional = True
    steps[alt1.id].alternative_group = steps[alt2.id].alternative_group = "g"
    official = UserFactory()
    enrolment = learning.enrol(db.session, official, version.id)

    learning.record_progress(db.session, official, required.id, status="completed", completed_on=TODAY,
                             today=TODAY)
    assert enrolment.completed_at is None
    learning.record_progress(db.session, official, alt2.id, status="completed", completed_on=TODAY,
                             today=TODAY)
    assert enrolment.completed_at is not None
    learning.record_progress(db.session, official, alt2.id, status="started", today=TODAY)
    assert enrolment.completed_at is None


# Progress and evidence ------------------------------------------------------------------------------------

def test_progress_is_recorded_and_updated():
    resource = ResourceFactory()
    official = UserFactory()
    started = learning.record_progress(db.session, official, resource.id, status="started", today=TODAY,
                                       evidence_url="https://example.org/work")
    assert (started.status, started.started_on, started.completed_on) == ("started", TODAY, None)
    done = learning.record_progress(db.session, official, resource.id, status="completed", today=TODAY,
                                    completed_on=TODAY - timedelta(days=1))
    assert done is started and (done.status, done.completed_on) == ("completed", date(2026, 3, 9))
    assert done.started_on == TODAY  # kept from the first record


@pytest.mark.parametrize(("fields", "field", "message"), [
    ({"status": "completed"}, "completed_on", "Enter the date you completed it"),
    ({"status": "completed", "completed_on": TODAY + timedelta(days=1)}, "completed_on", "future"),
    ({"status": "started", "started_on": TODAY + timedelta(days=1)}, "started_on", "future"),
    ({"status": "completed", "started_on": TODAY, "completed_on": TODAY - timedelta(days=2)},
     "completed_on", "before the start date"),
    ({"status": "finished"}, "status", "started or completed"),
    ({"status": "started", "evidence_url": "javascript:alert(1)"}, "evidence_url", "http"),
    ({"status": "started", "evidence_url": "ftp://example.org/x"}, "evidence_url", "http"),
])
def test_progress_dates_and_links_are_checked(fields, field, message):
    resource = ResourceFactory()
    official = UserFactory()
    with pytest.raises(ValidationFailed, match=message) as error:
        learning.record_progress(db.session, official, resource.id, today=TODAY, **fields)
    assert error.value.field == field
    assert learning.progress_of(db.session, official, resource.id) is None


def test_progress_on_a_retired_resource_outside_the_plan_is_not_found():
    retired = ResourceFactory(status="retired")
    with pytest.raises(NotFound):
        learning.record_progress(db.session, UserFactory(), retired.id, status="started", today=TODAY)


@pytest.mark.parametrize(("content", "extension"), [(PDF, "pdf"), (PNG, "png"), (JPEG, "jpg")])
def test_evidence_files_are_stored_with_a_random_name_in_the_officials_folder(tmp_path, content,
                                                                             extension):
    resource, official = ResourceFactory(), UserFactory()
    progress = learning.record_progress(
        db.session, official, resource.id, status="completed", completed_on=TODAY, today=TODAY,
        upload=learning.Upload("../../certificate.pdf", io.BytesIO(content)), evidence_dir=tmp_path)
    stored = tmp_path / str(official.id) / progress.evidence_file
    assert stored.read_bytes() == content and stored.suffix == f".{extension}"
    assert "certificate" not in progress.evidence_file and len(progress.evidence_file) == 32 + 1 + len(
        extension)

    learning.record_progress(db.session, official, resource.id, status="completed", completed_on=TODAY,
                             today=TODAY, upload=learning.Upload("new.pdf", io.BytesIO(PDF)),
                             evidence_dir=tmp_path)
    assert stored.exists()  # until the replacement is committed
    db.session.commit()
    assert not stored.exists()  # replaced
    assert len(list((tmp_path / str(official.id)).iterdir())) == 1


@pytest.mark.parametrize(("content", "message"), [
    (b"<html><script>alert(1)</script></html>", "PDF, PNG or JPEG"),
    (b"GIF89a" + b"0" * 10, "PDF, PNG or JPEG"),
    (b"", "empty"),
    (b"%PDF-" + b"0" * learning.MAX_EVIDENCE_BYTES, "5 MB or smaller"),
])
def test_evidence_files_of_the_wrong_type_or_size_are_refused(tmp_path, content, message):
    resource, official = ResourceFactory(), UserFactory()
    with pytest.raises(ValidationFailed, match=message) as error:
        learning.record_progress(db.session, official, resource.id, status="started", today=TODAY,
                                 upload=learning.Upload("x.pdf", io.BytesIO(content)),
                                 evidence_dir=tmp_path)
    assert error.value.field == "evidence_file"
    assert not tmp_path.exists() or not any(tmp_path.iterdir())


def test_exactly_five_megabytes_is_accepted(tmp_path):
    content = b"%PDF-" + b"0" * (learning.MAX_EVIDENCE_BYTES - 5)
    progress = learning.record_progress(
        db.session, UserFactory(), ResourceFactory().id, status="started", today=TODAY,
        upload=learning.Upload("x.pdf", io.BytesIO(content)), evidence_dir=tmp_path)
    assert progress.evidence_file.endswith(".pdf")


def test_evidence_is_served_to_its_owner_their_focal_point_and_admins_only(tmp_path):
    official = UserFactory()
    progress = learning.record_progress(
        db.session, official, ResourceFactory().id, status="started", today=TODAY,
        upload=learning.Upload("x.png", io.BytesIO(PNG)), evidence_dir=tmp_path)
    for viewer in (official, FocalPointFactory(country=official.country), UserFactory(admin=True)):
        found = learning.evidence_file(db.session, viewer, progress.id, tmp_path)
        assert found.media_type == "image/png" and found.path.read_bytes() == PNG
    colleague = UserFactory(organisation=official.organisation)
    for viewer in (colleague, FocalPointFactory()):
        with pytest.raises(NotFound):
            learning.evidence_file(db.session, viewer, progress.id, tmp_path)


# Feedback ---------------------------------------------------------------------------------------------

def test_feedback_needs_completion_and_a_second_one_updates_the_first():
    resource, official = ResourceFactory(), UserFactory()
    answers = {"rating": 4, "relevance": 5, "would_recommend": True, "comment": "Useful"}
    with pytest.raises(NotFound):
        learning.give_feedback(db.session, official, resource_id=resource.id, **answers)
    learning.record_progress(db.session, official, resource.id, status="completed", completed_on=TODAY,
                             today=TODAY)
    first = learning.give_feedback(db.session, official, resource_id=resource.id, **answers)
    second = learning.give_feedback(db.session, official, resource_id=resource.id,
                                    **{**answers, "rating": 2, "would_recommend": False})
    assert second is first and (first.rating, first.would_recommend) == (2, False)
    assert len(db.session.scalars(select(Feedback).where(Feedback.user_id == official.id)).all()) == 1


@pytest.mark.parametrize("field", ["rating", "relevance"])
def test_feedback_scores_run_from_one_to_five(field):
    resource, official = ResourceFactory(), UserFactory()
    learning.record_progress(db.session, official, resource.id, status="completed", completed_on=TODAY,
                             today=TODAY)
    answers = {"rating": 3, "relevance": 3, "would_recommend": True, field: 6}
    with pytest.raises(ValidationFailed) as error:
        learning.give_feedback(db.session, official, resource_id=resource.id, **answers)
    assert error.value.field == field


def test_feedback_on_a_path_needs_the_path_completed():
    resource, official = ResourceFactory(), UserFactory()
    version = make_path([resource])
    learning.enrol(db.session, official, version.id)
    answers = {"rating": 5, "relevance": 4, "would_recommend": True}
    with pytest.raises(NotFound):
        learning.give_feedback(db.session, official, path_version_id=version.id, **answers)
    learning.record_progress(db.session, official, resource.id, status="completed", completed_on=TODAY,
                             today=TODAY)
    feedback = learning.give_feedback(db.session, official, path_version_id=version.id, **answers)
    assert (feedback.path_version_id, feedback.resource_id) == (version.id, None)
