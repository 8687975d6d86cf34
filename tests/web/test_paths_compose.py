"""Composing a path with the pickers, every problem at once; the preview's alternatives; publishing
through a confirmation page, which refreshes the plans the path fits in the background; officials
browse and search the published paths (never drafts)."""

from __future__ import annotations

from sqlalchemy import select

from app.extensions import db
from app.models import Job, PathVersion
from app.services.learning import plans
from tests.factories import FocalPointFactory, ResourceFactory, UserFactory, make_path
from tests.unit.test_plans import assessed, competencies, refs


def _text(response) -> str:
    return response.get_data(as_text=True)


def test_the_compose_form_picks_resources_by_title(browser):
    ResourceFactory(code="intro", title="Intro to open data")
    browser.sign_in_as(UserFactory(admin=True))
    html = _text(browser.get("/paths/new"))
    assert 'name="steps-0-resource"' in html and 'data-autocomplete="true"' in html
    assert '<option value="intro">Intro to open data — ' in html
    assert "Or take this instead of the step above" in html and "resource id" not in html.lower()


def test_every_problem_of_a_path_is_reported_at_once(browser):
    ResourceFactory(code="intro")
    browser.sign_in_as(UserFactory(admin=True))
    html = _text(browser.post("/paths/new", {
        "code": "Bad Id", "title": "", "steps-0-resource": "intro", "steps-1-resource": "gone",
        "steps-2-optional": "y", "prerequisites-0": "nope"}))
    assert html.count("There is a problem") == 1
    for message in ("The id must be lower-case letters, digits and hyphens", "Enter the path&#39;s title",
                    "Step 2: no resource with the id gone", "Row 3: choose a resource, or untick its boxes",
                    "No resource with the id nope"):
        assert message in html, message
    assert 'href="#steps-1-resource"' in html and db.session.scalar(select(PathVersion)) is None


def test_the_preview_groups_alternatives_with_their_languages(browser):
    ResourceFactory(code="intro", title="Intro", languages=["en"])
    ResourceFactory(code="video-en", title="Video in English", languages=["en"])
    ResourceFactory(code="video-fr", title="Vidéo en français", languages=["fr"])
    browser.sign_in_as(UserFactory(admin=True))
    response = browser.post("/paths/new", {
        "code": "open-data", "title": "Open data basics", "steps-0-resource": "intro",
        "steps-1-resource": "video-en", "steps-2-resource": "video-fr", "steps-2-alternative": "y"})
    assert response.status_code == 302
    html = _text(browser.get(response.headers["Location"]))
    intro, choose = html.index("Intro</a>"), html.index("Take one of these:")
    assert intro < choose < html.index("Video in English") < html.index("Vidéo en français")
    assert html.count("Take one of these:") == 1
    assert "Vidéo en français</a> — " in html and html[html.index("Vidéo en français"):].index("French") < 200

    version = db.session.scalar(select(PathVersion))
    edit = _text(browser.get(f"/paths/versions/{version.id}/edit"))
    assert '<option value="video-fr" selected>' in edit
    assert 'name="steps-2-alternative" type="checkbox" value="y" checked' in edit


def test_publishing_asks_first_then_refreshes_the_plans_it_fits(browser):
    analysis, = competencies("Data analysis")
    step1 = ResourceFactory(code="step-1", teaches={analysis: (1, 2)})
    step2 = ResourceFactory(code="step-2", teaches={analysis: (2, 3)})
    official = assessed({analysis: (1, 3)})
    plans.refresh_plan(db.session, official)
    draft = make_path([step1, step2], status="draft")
    browser.sign_in_as(UserFactory(admin=True))

    preview = _text(browser.get(f"/paths/versions/{draft.id}"))
    assert f'href="/paths/versions/{draft.id}/publish"' in preview
    confirm = _text(browser.get(f"/paths/versions/{draft.id}/publish"))
    assert "Publish version 1 of" in confirm and "updated in the background" in confirm
    assert "Cancel" in confirm
    assert draft.status == "draft"

    response = browser.post(f"/paths/versions/{draft.id}/publish", follow_redirects=True)
    assert "are being updated" in _text(response)
    assert draft.status == "published"
    job = db.session.scalar(select(Job).where(Job.kind == "plans.path"))
    assert job.params == {"path_version_id": draft.id} and job.status == "done"
    assert refs(official) == [f"path:{draft.id}"]  # no "Refresh my plan" needed


def test_officials_browse_and_search_published_paths_never_drafts(browser):
    step = ResourceFactory(code="step-1")
    published = make_path([step], code="open-data-path")
    published.title, published.description = "Open data for everyone", "Start here"
    draft = make_path([step], code="secret-draft", status="draft")
    draft.title = "Unfinished draft"
    db.session.flush()
    for user in (UserFactory(), FocalPointFactory()):
        browser.sign_in_as(user)
        html = _text(browser.get("/paths/"))
        assert "Open data for everyone" in html and "Unfinished draft" not in html
        assert f'href="/learn/paths/{published.id}"' in html and "1 step" in html
        assert "Open data for everyone" not in _text(browser.get("/paths/?q=cyber"))
        assert "Open data for everyone" in _text(browser.get("/paths/?q=EVERYONE"))
        assert browser.get(f"/paths/versions/{draft.id}").status_code == 404
        opened = browser.get(f"/paths/versions/{published.id}")
        assert opened.headers["Location"] == f"/learn/paths/{published.id}"
        assert browser.get("/paths/new").status_code == 403
        assert browser.get(f"/paths/versions/{draft.id}/publish").status_code == 403


def test_catalogue_search_includes_paths(browser):
    step = ResourceFactory(code="step-1", title="Something else")
    published = make_path([step], code="open-data-path")
    published.title = "Open data for everyone"
    draft = make_path([step], code="draft-open", status="draft")
    draft.title = "Open data draft"
    db.session.flush()
    browser.sign_in_as(UserFactory())
    html = _text(browser.get("/catalogue/?q=open+data"))
    assert "Open data for everyone" in html and f'href="/learn/paths/{published.id}"' in html
    assert "Open data draft" not in html


def test_a_retired_step_stays_on_the_form_and_is_explained(browser):
    intro = ResourceFactory(code="intro", title="Intro")
    old = ResourceFactory(code="old-guide", title="Old guide")
    published = make_path([intro, old], code="a-path")
    old.status = "retired"
    db.session.flush()
    browser.sign_in_as(UserFactory(admin=True))
    edit = browser.get(f"/paths/versions/{published.id}/edit")
    draft_url = edit.headers["Location"]
    html = _text(browser.get(draft_url))
    assert '<option value="old-guide" selected>old-guide (no longer in the catalogue)</option>' in html
    html = _text(browser.post(draft_url, {"title": "A path", "steps-0-resource": "intro",
                                          "steps-1-resource": "old-guide"}))
    assert "Step 2: old-guide is retired" in html
