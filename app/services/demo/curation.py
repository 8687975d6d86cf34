"""Something for a new curator to practise on: a few suggestions from officials waiting for review, and
a course path left as a draft (the admin's work in progress), made once (a second run adds nothing)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import CoursePath, Suggestion, User
from app.services import catalogue, paths
from app.services.audit import Actor
from app.services.learning import suggestions


@dataclass(frozen=True)
class SuggestionSpec:
    email: str  # the official who suggests it
    url: str
    title: str
    reason: str


SUGGESTIONS = (
    SuggestionSpec("chloe.martin@example.org", "https://playbook.usds.gov/", "Digital Services Playbook",
                   "Thirteen short plays for service teams, from understanding what people need to "
                   "deploying in a flexible hosting environment. Good for service owners starting out."),
    SuggestionSpec("amina.njeri@example.org", "https://www.py4e.com/", "Python for Everybody",
                   "A free course with videos and exercises, from no programming at all to reading data "
                   "files and databases. Our analysts could use it before the data carpentry lessons."),
    SuggestionSpec("brian.otieno@example.org", "https://www.opengovpartnership.org/open-gov-guide/",
                   "Open Gov Guide",
                   "Reform ideas for open government by policy area, with examples from many countries; "
                   "useful for policy officers preparing an action plan."),
)

DRAFT_PATH = ("open-data-publishing", "Publishing open data",
              "From what open data is to publishing it well: the Open Data Handbook (in English or French), "
              "the international principles, then the practical guides of data.gouv.fr.")
DRAFT_STEPS = [paths.StepChoice("okfn-open-data-handbook"),
               paths.StepChoice("okfn-open-data-handbook-fr", alternative=True),
               paths.StepChoice("open-data-charter-principles"),
               paths.StepChoice("datagouv-guides-open-data", optional=True)]


def ensure_curation(session: Session, admin: Actor) -> tuple[int, bool]:
    """The demo's pending suggestions and draft path, where missing: how many suggestions were made,
    and whether the draft was. Raises ValidationFailed if a resource the draft uses is missing."""
    made = 0
    for spec in SUGGESTIONS:
        normalised = catalogue.normalise_url(spec.url)
        if session.scalar(select(Suggestion.id).where(Suggestion.normalised_url == normalised)):
            continue
        official = session.scalar(select(User).where(User.email == spec.email))
        if official is not None:
            suggestions.suggest(session, official, url=spec.url, reason=spec.reason, title=spec.title)
            made += 1
    code, title, description = DRAFT_PATH
    drafted = session.scalar(select(CoursePath.id).where(CoursePath.code == code)) is None
    if drafted:
        paths.create_path(session, admin, code, paths.PathDraft(
            title=title, description=description, steps=paths.steps_from_rows(DRAFT_STEPS),
            role_profile_ids=[], competency_ids=[], prerequisites=[]))
    session.commit()
    return made, drafted
