"""The demo leaves a new curator something to practise on: suggestions waiting and a draft path."""

from sqlalchemy import func, select

from app.content.loader import load_content
from app.content.sync import sync_content
from app.extensions import db
from app.models import CoursePath, PathVersion, Suggestion
from app.services.audit import Actor
from app.services.demo import curation
from app.services.learning import suggestions
from tests.factories import UserFactory


def test_suggestions_wait_for_review_and_a_path_is_a_draft_once():
    sync_content(db.session, load_content().content)
    for spec in curation.SUGGESTIONS:
        UserFactory(email=spec.email)
    admin = Actor(UserFactory(admin=True))
    assert curation.ensure_curation(db.session, admin) == (3, True)
    pending = list(db.session.scalars(suggestions.pending_query()))
    assert [s.title for s in pending] == ["Digital Services Playbook", "Python for Everybody",
                                          "Open Gov Guide"]
    assert all(s.reason and s.suggested_by_id for s in pending)
    draft = db.session.scalar(select(PathVersion).join(CoursePath)
                              .where(CoursePath.code == "open-data-publishing"))
    assert draft.status == "draft" and len(draft.steps) == 4
    assert {s.alternative_group for s in draft.steps[:2]} == {"step-1"}

    assert curation.ensure_curation(db.session, admin) == (0, False)  # a second run adds nothing
    assert db.session.scalar(select(func.count()).select_from(Suggestion)) == 3
