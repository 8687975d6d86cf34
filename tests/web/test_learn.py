"""The learning pages: an official's plan, paths, progress with evidence, and feedback."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import Enrolment, Feedback, Progress
from app.models.base import utcnow
from app.services.learning import plans
from tests.factories import FocalPointFactory, ResourceFactory, UserFactory, make_path
from tests.unit.test_plans import assessed, competencies, items_of

PNG = b"\x89PNG\r\n\x1a\n" + b"0" * 64


@pytest.fixture
def evidence_dir(app, tmp_path, monkeypatch):
    monkeypatch.setattr(app, "instance_path", str(tmp_path))
    return tmp_path / "evidence"


@pytest.fixture
def french_analyst():
    analysis, governance = competencies("Data analysis", "Data governance")
    ResourceFactory(code="ana-fr", title="Analyse de données", provider="Etalab", languages=["fr"],
                    hours=6, teaches={analysis: (1, 2)})
    ResourceFactory(code="ana-en", title="Data analysis basics", languages=["en"], hours=2,
                    teaches={analysis: (1, 2)})
    official = assessed({analysis: (1, 2), governance: (2, 3)}, languages=["fr"], hours="3-5")
    plans.refresh_plan(db.session, official)
    return official


def page(browser, url="/learn/"):
    response = browser.get(url)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_the_plan_shows_items_with_their_reason_and_the_gaps_without_material(browser, french_analyst):
    html = page(browser.sign_in_as(french_analyst))
    assert "Analyse de données" in html and "Etalab" in html
    assert "closes Data analysis 1 → 2 · in French · 6 hours" in html
    assert "Data analysis basics" not in html  # French material comes first and closes the gap
    assert ("No material in the catalogue closes Data governance 2 → 3 yet; curators have been told."
            in html)
    assert "About 2 weeks at 4 hours a week: 6 hours of learning left." in html
    assert "Material in French comes first" in html


def test_without_an_assessment_the_page_links_to_the_assessments(browser):
    html = page(browser.sign_in_as(UserFactory()))
    assert "you have not submitted one yet" in html and 'href="/assess/"' in html


def test_with_nothing_to_recommend_the_page_says_so(browser):
    (analysis,) = competencies("Data analysis")
    official = assessed({analysis: (3, 3)})
    plans.refresh_plan(db.session, official)
    assert "your results meet the targets of your role" in page(browser.sign_in_as(official))


def test_an_assumed_language_is_said(browser):
    (analysis,) = competencies("Data analysis")
    ResourceFactory(languages=["en"], teaches={analysis: (1, 2)})
    official = assessed({analysis: (1, 2)})
    plans.refresh_plan(db.session, official)
    html = page(browser.sign_in_as(official))
    assert "You did not tell us which languages you learn in" in html and "English" in html


def test_the_plan_is_built_on_request_when_there_is_none_yet(browser):
    (analysis,) = competencies("Data analysis")
    ResourceFactory(title="Intro to analysis", teaches={analysis: (1, 2)})
    official = assessed({analysis: (1, 2)})
    browser.sign_in_as(official)
    assert "Build my plan" in page(browser)
    response = browser.post("/learn/refresh", token_from="/learn/", follow_redirects=True)
    assert "Intro to analysis" in response.get_data(as_text=True)


def test_accept_dismiss_with_a_reason_and_restore(browser, french_analyst):
    (item,) = items_of(french_analyst)
    browser.sign_in_as(french_analyst)
    response = browser.post(f"/learn/items/{item.id}/accept", token_from="/learn/", follow_redirects=True)
    assert "Added to your plan" in response.get_data(as_text=True) and item.status == "accepted"

    refused = browser.post(f"/learn/items/{item.id}/dismiss", {"reason": "other", "detail": ""})
    assert "Say why you are dismissing it" in refused.get_data(as_text=True)
    response = browser.post(f"/learn/items/{item.id}/dismiss", {"reason": "already_know"},
                            follow_redirects=True)
    html = response.get_data(as_text=True)
    assert item.status == "dismissed" and "I already know this" in html and "Restore" in html

    browser.post(f"/learn/items/{item.id}/restore", token_from="/learn/")
    assert item.status == "suggested"


def test_move_up_and_down(browser):
    comps = competencies("A", "B", "C")
    for n, comp in enumerate(comps):
        ResourceFactory(code=f"r-{n}", title=f"Resource {n}", hours=n + 1, teaches={comp: (0, 1)})
    official = assessed({c: (0, 1) for c in comps})
    plans.refresh_plan(db.session, official)
    first, second, third = items_of(official)
    browser.sign_in_as(official)
    html = page(browser)
    assert f"/learn/items/{first.id}/move/up" not in html and f"/learn/items/{third.id}/move/down" not in html
    browser.post(f"/learn/items/{third.id}/move/up", token_from="/learn/")
    assert [i.resource.code for i in items_of(official)] == ["r-0", "r-2", "r-1"]
    browser.post(f"/learn/items/{first.id}/move/down", token_from="/learn/")
    assert [i.resource.code for i in items_of(official)] == ["r-2", "r-0", "r-1"]
    html = page(browser)
    assert html.index("Resource 2") < html.index("Resource 0") < html.index("Resource 1")


def test_other_officials_items_are_404(browser, french_analyst):
    (item,) = items_of(french_analyst)
    browser.sign_in_as(UserFactory())
    for url in (f"/learn/items/{item.id}/accept", f"/learn/items/{item.id}/restore",
                f"/learn/items/{item.id}/move/up"):
        assert browser.post(url, token_from="/learn/").status_code == 404
    assert browser.get(f"/learn/items/{item.id}/dismiss").status_code == 404
    assert item.status == "suggested"


def test_posts_without_a_csrf_token_are_refused(client, french_analyst):
    (item,) = items_of(french_analyst)
    from tests.conftest import Browser

    Browser(client).sign_in_as(french_analyst)
    assert client.post(f"/learn/items/{item.id}/accept").status_code == 400
    assert item.status == "suggested"


def test_anonymous_visitors_are_sent_to_sign_in(client):
    response = client.get("/learn/")
    assert response.status_code == 302 and response.headers["Location"].startswith("/auth/login")


# Paths ---------------------------------------------------------------------------------------------

def test_enrol_in_the_recommended_path_and_keep_it_when_a_new_version_is_published(browser):
    (analysis,) = competencies("Data analysis")
    s1 = ResourceFactory(title="Step one", teaches={analysis: (1, 2)})
    s2 = ResourceFactory(title="Step two", teaches={analysis: (2, 3)})
    first = make_path([s1])
    official = assessed({analysis: (1, 3)})
    plans.refresh_plan(db.session, official)
    browser.sign_in_as(official)
    assert f'action="/learn/paths/{first.id}/enrol"' in page(browser)

    response = browser.post(f"/learn/paths/{first.id}/enrol", token_from="/learn/", follow_redirects=True)
    assert "You are enrolled in" in response.get_data(as_text=True)

    first.status = "superseded"
    second = make_path([s1, s2], version=2, path=first.path)
    plans.refresh_plan(db.session, official)
    html = page(browser, f"/learn/paths/{first.id}")
    assert "Step one" in html and "Step two" not in html
    assert "A newer version of this path has been published since you enrolled" in html
    assert "You follow version 1 of this path" in page(browser, f"/learn/paths/{second.id}")
    refused = browser.post(f"/learn/paths/{second.id}/enrol", token_from="/learn/", follow_redirects=True)
    assert "You already follow version 1 of this path" in refused.get_data(as_text=True)
    assert db.session.scalars(select(Enrolment.path_version_id).where(
        Enrolment.user_id == official.id)).all() == [first.id]


def test_a_draft_path_is_404(browser):
    draft = make_path([ResourceFactory()], status="draft")
    browser.sign_in_as(UserFactory())
    assert browser.get(f"/learn/paths/{draft.id}").status_code == 404
    assert browser.post(f"/learn/paths/{draft.id}/enrol", token_from="/learn/").status_code == 404


def test_the_path_page_shows_progress_per_step(browser):
    done, todo = ResourceFactory(title="Done step"), ResourceFactory(title="Todo step")
    version = make_path([done, todo])
    official = UserFactory()
    db.session.add(Enrolment(user_id=official.id, path_version_id=version.id))
    db.session.add(Progress(user_id=official.id, resource=done, status="completed",
                            completed_on=utcnow().date()))
    db.session.flush()
    html = page(browser.sign_in_as(official), f"/learn/paths/{version.id}")
    today = utcnow().date()
    assert f"Completed on {today.day} {today:%B %Y}" in html and "Not started" in html  # one date format


# Progress, evidence and feedback ------------------------------------------------------------------------

def _date(day):
    return [str(day.day), str(day.month), str(day.year)]


def test_completing_a_resource_leads_to_the_feedback_form_and_feedback_is_updated(browser, evidence_dir):
    resource = ResourceFactory(title="Open data guide")
    official = UserFactory()
    browser.sign_in_as(official)
    url = f"/learn/resources/{resource.id}/progress"
    response = browser.post(url, {"status": "completed", "completed_on": _date(utcnow().date()),
                                  "evidence_url": "https://example.org/certificate"})
    assert response.status_code == 302 and response.headers["Location"].endswith(
        f"/learn/resources/{resource.id}/feedback")

    feedback_url = f"/learn/resources/{resource.id}/feedback"
    assert "How was it?" in page(browser, feedback_url)
    browser.post(feedback_url, {"rating": "4", "relevance": "5", "would_recommend": "yes", "comment": "Good"})
    browser.post(feedback_url, {"rating": "2", "relevance": "3", "would_recommend": "no"})
    (feedback,) = db.session.scalars(select(Feedback).where(Feedback.user_id == official.id)).all()
    assert (feedback.rating, feedback.relevance, feedback.would_recommend, feedback.comment) == (
        2, 3, False, "")
    assert "Sending the form again changes the feedback you gave" in page(browser, feedback_url)


def test_feedback_before_completion_is_404(browser):
    resource = ResourceFactory()
    browser.sign_in_as(UserFactory())
    assert browser.get(f"/learn/resources/{resource.id}/feedback").status_code == 404


def test_a_completion_date_in_the_future_is_refused(browser):
    resource = ResourceFactory()
    official = UserFactory()
    browser.sign_in_as(official)
    response = browser.post(f"/learn/resources/{resource.id}/progress", {
        "status": "completed", "completed_on": _date(utcnow().date() + timedelta(days=3))})
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "The completion date cannot be in the future" in html
    assert db.session.scalar(select(Progress).where(Progress.user_id == official.id)) is None


def test_a_bad_date_is_explained(browser):
    resource = ResourceFactory()
    browser.sign_in_as(UserFactory())
    response = browser.post(f"/learn/resources/{resource.id}/progress", {
        "status": "completed", "completed_on": ["31", "2", "2026"]})
    assert "Not a valid date value" in response.get_data(as_text=True)


def _upload(browser, resource, content, name):
    return browser.post(f"/learn/resources/{resource.id}/progress",
                        {"status": "started", "evidence_file": (io.BytesIO(content), name)},
                        content_type="multipart/form-data")


def test_an_evidence_file_is_uploaded_and_served_to_its_owner_and_their_focal_point(browser, evidence_dir):
    resource = ResourceFactory()
    official = UserFactory()
    browser.sign_in_as(official)
    assert _upload(browser, resource, PNG, "certificate.png").status_code == 302
    progress = db.session.scalar(select(Progress).where(Progress.user_id == official.id))
    stored = evidence_dir / str(official.id) / progress.evidence_file
    assert stored.read_bytes() == PNG

    url = f"/learn/evidence/{progress.id}"
    with browser.get(url) as response:
        assert response.status_code == 200 and response.data == PNG and response.mimetype == "image/png"
        assert response.headers["X-Content-Type-Options"] == "nosniff"
    browser.sign_in_as(FocalPointFactory(country=official.country))
    with browser.get(url) as response:
        assert response.status_code == 200
    for outsider in (UserFactory(organisation=official.organisation), FocalPointFactory()):
        browser.sign_in_as(outsider)
        assert browser.get(url).status_code == 404


def test_evidence_of_the_wrong_type_or_size_is_refused(browser, evidence_dir):
    resource = ResourceFactory()
    official = UserFactory()
    browser.sign_in_as(official)
    response = _upload(browser, resource, b"<svg onload=alert(1)>", "x.png")
    assert "The file must be a PDF, PNG or JPEG" in response.get_data(as_text=True)
    response = _upload(browser, resource, b"%PDF-" + b"0" * (5 * 1024 * 1024), "big.pdf")
    response.request.environ["wsgi.input"].close()  # the test client spools a large body to a file
    assert "The file must be 5 MB or smaller" in response.get_data(as_text=True)
    assert db.session.scalar(select(Progress).where(Progress.user_id == official.id)) is None
    assert not evidence_dir.exists() or not any(evidence_dir.rglob("*.*"))


def test_the_home_page_links_to_the_plan(browser):
    html = page(browser.sign_in_as(UserFactory()), "/")
    assert 'href="/learn/"' in html and "Your learning plan" in html


def test_paths_and_prerequisites_show_their_reasons_on_the_plan(browser):
    analysis, literacy, security = competencies("Data analysis", "Data literacy", "Cybersecurity")
    step = ResourceFactory(title="Path step", hours=3, languages=["en", "fr"], teaches={analysis: (1, 2)})
    path = make_path([step])
    ResourceFactory(code="basics", title="Basics", hours=1, teaches={literacy: (0, 1)})
    ResourceFactory(title="Secure services", hours=2, teaches={security: (1, 2)}, prerequisites=["basics"])
    official = assessed({analysis: (1, 2), security: (1, 2)}, languages=["fr"])
    plans.refresh_plan(db.session, official)
    html = page(browser.sign_in_as(official))
    assert f'href="/learn/paths/{path.id}"' in html and "Course path of 1 step" in html
    assert "closes Data analysis 1 → 2 · in French · 3 hours" in html
    assert "needed before Secure services · only available in English" in html
    assert html.index(path.title) < html.index("Basics") < html.index("Secure services")


def test_a_plan_where_nothing_was_assessed_says_so_and_never_level_zero(browser):
    analysis, governance = competencies("Data analysis", "Data governance")
    ResourceFactory(code="ana-from-zero", title="Data from scratch", teaches={analysis: (0, 3)})
    official = assessed({analysis: (None, 2), governance: (None, 3)})
    plans.refresh_plan(db.session, official)
    html = page(browser.sign_in_as(official))
    assert "Not enough answers to recommend training" in html
    assert "Data analysis and Data governance were not assessed" in html
    assert "meet the targets of your role" not in html
    assert "Data from scratch" not in html and "0 →" not in html


def test_the_plan_lists_what_was_not_assessed_next_to_what_it_recommends(browser):
    analysis, governance = competencies("Data analysis", "Data governance")
    ResourceFactory(code="ana", title="Analysis course", teaches={analysis: (1, 2)})
    official = assessed({analysis: (1, 2), governance: (None, 3)})
    plans.refresh_plan(db.session, official)
    html = page(browser.sign_in_as(official))
    assert "Analysis course" in html
    assert "Not assessed, so nothing is recommended for it yet: Data governance." in html
