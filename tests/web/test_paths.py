from sqlalchemy import select

from app.extensions import db
from app.models import AuditEvent, PathVersion
from tests.factories import FocalPointFactory, ResourceFactory, UserFactory


def test_only_admins_compose_paths(browser):
    browser.sign_in_as(FocalPointFactory())
    assert browser.get("/paths/new").status_code == 403
    assert "Compose a path" not in browser.get("/paths/").get_data(as_text=True)  # they browse them
    browser.sign_in_as(UserFactory())
    assert browser.get("/paths/new").status_code == 403


def test_compose_preview_publish_then_edit_makes_version_2(browser):
    ResourceFactory(code="intro", title="Intro to open data")
    ResourceFactory(code="advanced", title="Publishing open data")
    browser.sign_in_as(UserFactory(admin=True))

    response = browser.post("/paths/new", {"code": "open-data", "title": "Open data basics",
                                           "steps-0-resource": "intro", "steps-1-resource": "advanced",
                                           "steps-1-optional": "y"})
    assert response.status_code == 302
    preview = browser.get(response.headers["Location"]).get_data(as_text=True)
    assert "This is a preview" in preview and "Intro to open data" in preview and "Optional" in preview

    v1 = db.session.scalar(select(PathVersion))
    browser.post(f"/paths/versions/{v1.id}/publish")
    assert v1.status == "published"

    edit = browser.get(f"/paths/versions/{v1.id}/edit")
    assert edit.status_code == 302
    v2 = db.session.scalar(select(PathVersion).where(PathVersion.version == 2))
    assert edit.headers["Location"] == f"/paths/versions/{v2.id}/edit"
    page = browser.get(f"/paths/versions/{v2.id}/edit").get_data(as_text=True)
    assert '<option value="intro" selected>' in page and '<option value="advanced" selected>' in page
    assert 'name="steps-1-optional" type="checkbox" value="y" checked' in page
    actions = set(db.session.scalars(select(AuditEvent.action)))
    assert {"path.create", "path.publish", "path.new_version"} <= actions


def test_a_bad_step_is_explained_on_the_form(browser):
    browser.sign_in_as(UserFactory(admin=True))
    page = browser.post("/paths/new", {"code": "x-path", "title": "X", "steps-0-resource": "missing-one"})
    assert "Step 1: no resource with the id missing-one" in page.get_data(as_text=True)
