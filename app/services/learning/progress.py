"""An official's learning: their plan (accept, dismiss, restore, reorder; shown by plan_view.py's
``plan_view``, re-exported here), path enrolments, progress with evidence, and feedback (Kirkpatrick L1).

An official only ever reaches their own plan items, progress and feedback: anything else raises NotFound,
whether or not it exists. Functions add to the session; the caller commits.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import BinaryIO
from urllib.parse import urlsplit

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from app.models import (
    Enrolment,
    Feedback,
    LearningPlan,
    PathStep,
    PathVersion,
    PlanItem,
    Progress,
    Resource,
    Role,
    User,
)
from app.models.base import utcnow
from app.services import stored_files
from app.services.errors import NotFound, ValidationFailed
from app.services.evaluation import follow_ups
from app.services.learning import plans
from app.services.learning.plan_view import Entry as Entry  # re-exported: the plan page is part of learning
from app.services.learning.plan_view import PlanView as PlanView
from app.services.learning.plan_view import followed_steps, required_steps
from app.services.learning.plan_view import plan_view as plan_view
from app.services.scope import can_see_country

DISMISS_REASONS = ("not_relevant", "already_know", "no_time", "other")
PROGRESS_STATUSES = ("started", "completed")
MAX_EVIDENCE_BYTES = 5 * 1024 * 1024
# What an evidence file must start with, the extension it is stored under, and its media type.
EVIDENCE_TYPES = ((b"%PDF-", "pdf", "application/pdf"), (b"\x89PNG\r\n\x1a\n", "png", "image/png"),
                  (b"\xff\xd8\xff", "jpg", "image/jpeg"))
_STORED_NAME = re.compile(r"^[0-9a-f]{32}\.(pdf|png|jpg)$")


# The plan -------------------------------------------------------------------------------------------

def _item(session: Session, user: User, item_id: int) -> PlanItem:
    item = session.scalar(select(PlanItem).join(LearningPlan).where(
        PlanItem.id == item_id, LearningPlan.user_id == user.id))
    if item is None:
        raise NotFound("No such item in your plan")
    return item


def accept(session: Session, user: User, item_id: int) -> PlanItem:
    item = _item(session, user, item_id)
    item.status, item.dismiss_reason = "accepted", ""
    return item


def dismiss(session: Session, user: User, item_id: int, reason: str, detail: str = "") -> PlanItem:
    """Dismiss an item with one of DISMISS_REASONS; "other" needs ``detail``. Raises ValidationFailed."""
    item = _item(session, user, item_id)
    detail = detail.strip()
    if reason not in DISMISS_REASONS:
        raise ValidationFailed("Choose why you are dismissing it", field="reason")
    if reason == "other" and not detail:
        raise ValidationFailed("Say why you are dismissing it", field="detail")
    if len(detail) > 500:
        raise ValidationFailed("Keep the reason under 500 characters", field="detail")
    item.status = "dismissed"
    item.dismiss_reason = f"{reason}: {detail}" if detail else reason
    return item


def dismissal(item: PlanItem) -> tuple[str, str]:
    """The reason code and the official's own words of a dismissed item."""
    code, _sep, detail = item.dismiss_reason.partition(": ")
    return code, detail


def restore(session: Session, user: User, item_id: int) -> PlanItem:
    item = _item(session, user, item_id)
    item.status, item.dismiss_reason = "suggested", ""
    return item


def move(session: Session, user: User, item_id: int, direction: str) -> PlanItem:
    """Swap an item with the one above or below it among the items not dismissed."""
    item = _item(session, user, item_id)
    if direction not in ("up", "down"):
        raise ValidationFailed("Move an item up or down", field="direction")
    shown = [i for i in sorted(item.plan.items, key=lambda i: i.position) if i.status != "dismissed"]
    if item not in shown:
        raise ValidationFailed("Restore a dismissed item before moving it")
    index = shown.index(item)
    other = index - 1 if direction == "up" else index + 1
    if 0 <= other < len(shown):
        item.position, shown[other].position = shown[other].position, item.position
    return item


# Paths ----------------------------------------------------------------------------------------------

def enrolment_in(session: Session, user: User, path_id: int) -> Enrolment | None:
    """``user``'s enrolment in any version of the course path ``path_id``."""
    return session.scalar(select(Enrolment).join(PathVersion).where(
        Enrolment.user_id == user.id, PathVersion.path_id == path_id))


def enrol(session: Session, user: User, path_version_id: int, *,
          follow_up_weeks: int = follow_ups.DEFAULT_WEEKS) -> Enrolment:
    """Enrol ``user`` in a published path version. Enrolling again in it changes nothing.

    Raises NotFound for a version that is not published, ValidationFailed when they already follow
    another version of the same path (they keep theirs).
    """
    version = session.get(PathVersion, path_version_id)
    if version is None or version.status != plans.PUBLISHED:
        raise NotFound("No such path open for enrolment")
    existing = enrolment_in(session, user, version.path_id)
    if existing is not None:
        if existing.path_version_id == version.id:
            return existing
        raise ValidationFailed(
            f"You already follow version {existing.path_version.version} of this path")
    enrolment = Enrolment(user_id=user.id, path_version_id=version.id)
    session.add(enrolment)
    item = session.scalar(select(PlanItem).join(LearningPlan).where(
        LearningPlan.user_id == user.id, PlanItem.path_version_id == version.id))
    if item is not None and item.status == "suggested":
        item.status = "accepted"
    session.flush()
    _update_enrolments(session, user, follow_up_weeks)
    return enrolment


@dataclass
class PathView:
    version: PathVersion
    steps: list[tuple[PathStep, Progress | None]]
    enrolment: Enrolment | None  # in this path, whichever version
    newer: PathVersion | None  # a published version newer than the one shown
    can_enrol: bool
    hours: float


def path_view(session: Session, user: User, path_version_id: int) -> PathView:
    """A path version as ``user`` sees it. Raises NotFound unless it is published, they follow it, or it
    is in their plan."""
    version = session.scalar(select(PathVersion).where(PathVersion.id == path_version_id).options(
        selectinload(PathVersion.steps).selectinload(PathStep.resource)))
    if version is None:
        raise NotFound("No such path")
    enrolment = enrolment_in(session, user, version.path_id)
    in_plan = session.scalar(select(PlanItem.id).join(LearningPlan).where(
        LearningPlan.user_id == user.id, PlanItem.path_version_id == version.id))
    followed = enrolment is not None and enrolment.path_version_id == version.id
    if version.status != plans.PUBLISHED and not followed and in_plan is None:
        raise NotFound("No such path")
    progress = {p.resource_id: p for p in session.scalars(select(Progress).where(
        Progress.user_id == user.id, Progress.resource_id.in_([s.resource_id for s in version.steps])))}
    newer = session.scalar(select(PathVersion).where(
        PathVersion.path_id == version.path_id, PathVersion.status == plans.PUBLISHED,
        PathVersion.version > version.version).order_by(PathVersion.version.desc()).limit(1))
    steps = sorted(version.steps, key=lambda s: s.position)
    profile = plans.official_profile(session, user)  # their languages choose among alternatives
    followed = followed_steps(version, profile.official) if profile else required_steps(version)
    return PathView(version, [(s, progress.get(s.resource_id)) for s in steps], enrolment, newer,
                    can_enrol=enrolment is None and version.status == plans.PUBLISHED,
                    hours=sum(s.resource.hours for s in followed))


def _update_enrolments(session: Session, user: User, follow_up_weeks: int) -> None:
    """Mark paths complete once every required step is completed (and not, when one is undone).

    A path newly completed gets its behaviour follow-up, due ``follow_up_weeks`` later; one undone
    loses it unless it was sent already.
    """
    enrolments = list(session.scalars(select(Enrolment).where(Enrolment.user_id == user.id).options(
        selectinload(Enrolment.path_version).selectinload(PathVersion.steps))))
    if not enrolments:
        return
    completed = set(session.scalars(select(Progress.resource_id).where(
        Progress.user_id == user.id, Progress.status == "completed")))
    for enrolment in enrolments:
        version = enrolment.path_version
        groups: dict[str, bool] = {}
        done = True
        for step in version.steps:
            if step.optional:
                continue
            if step.alternative_group:  # any one of the alternatives will do
                groups[step.alternative_group] = groups.get(step.alternative_group, False) or (
                    step.resource_id in completed)
            elif step.resource_id not in completed:
                done = False
        done = done and all(groups.values())
        if done and enrolment.completed_at is None:
            enrolment.completed_at = utcnow()
            follow_ups.schedule(session, enrolment, follow_up_weeks)
        elif not done and enrolment.completed_at is not None:
            enrolment.completed_at = None
            follow_ups.cancel(session, enrolment)


# Progress and evidence --------------------------------------------------------------------------------

def learnable_resource(session: Session, user: User, resource_id: int) -> Resource:
    """A resource ``user`` may record progress on: published, in their plan, or a step of a path they
    follow. Raises NotFound otherwise."""
    resource = session.get(Resource, resource_id)
    if resource is None:
        raise NotFound("No such resource")
    if resource.status == plans.PUBLISHED:
        return resource
    in_plan = session.scalar(select(PlanItem.id).join(LearningPlan).where(
        LearningPlan.user_id == user.id, PlanItem.resource_id == resource.id))
    in_path = session.scalar(select(PathStep.id).join(
        Enrolment, Enrolment.path_version_id == PathStep.path_version_id).where(
        Enrolment.user_id == user.id, PathStep.resource_id == resource.id))
    if in_plan is None and in_path is None:
        raise NotFound("No such resource")
    return resource


def progress_of(session: Session, user: User, resource_id: int) -> Progress | None:
    return session.scalar(select(Progress).where(Progress.user_id == user.id,
                                                 Progress.resource_id == resource_id))


@dataclass(frozen=True)
class Upload:
    """An uploaded evidence file: its name as sent and its content."""

    filename: str
    stream: BinaryIO


def check_evidence_url(url: str) -> str:
    url = url.strip()
    if not url:
        return ""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc or len(url) > 1000:
        raise ValidationFailed("Enter a web address starting with http:// or https://",
                               field="evidence_url")
    return url


def read_evidence(upload: Upload) -> tuple[bytes, str]:
    """The file's content and the extension it is stored under. Raises ValidationFailed for a file that
    is not a PDF, PNG or JPEG, or is larger than 5 MB."""
    content = upload.stream.read(MAX_EVIDENCE_BYTES + 1)
    if len(content) > MAX_EVIDENCE_BYTES:
        raise ValidationFailed("The file must be 5 MB or smaller", field="evidence_file")
    if not content:
        raise ValidationFailed("The file is empty", field="evidence_file")
    for magic, extension, _media_type in EVIDENCE_TYPES:
        if content.startswith(magic):
            return content, extension
    raise ValidationFailed("The file must be a PDF, PNG or JPEG", field="evidence_file")


def record_progress(session: Session, user: User, resource_id: int, *, status: str, today: date,
                    started_on: date | None = None, completed_on: date | None = None,
                    evidence_url: str = "", upload: Upload | None = None,
                    evidence_dir: Path | None = None,
                    follow_up_weeks: int = follow_ups.DEFAULT_WEEKS) -> Progress:
    """Record that ``user`` started or completed a resource, with optional evidence.

    Dates may not be after ``today`` (the official's today); a completed resource needs its completion
    date, on or after the start. An evidence file goes under ``evidence_dir``/<user id>/ with a random
    name, replacing the previous one. A path this completes gets a follow-up survey due
    ``follow_up_weeks`` later. Raises ValidationFailed (with the field) or NotFound.
    """
    resource = learnable_resource(session, user, resource_id)
    if status not in PROGRESS_STATUSES:
        raise ValidationFailed("Choose started or completed", field="status")
    if started_on is not None and started_on > today:
        raise ValidationFailed("The start date cannot be in the future", field="started_on")
    if status == "completed":
        if completed_on is None:
            raise ValidationFailed("Enter the date you completed it", field="completed_on")
        if completed_on > today:
            raise ValidationFailed("The completion date cannot be in the future", field="completed_on")
        if started_on is not None and completed_on < started_on:
            raise ValidationFailed("The completion date cannot be before the start date",
                                   field="completed_on")
    else:
        completed_on = None
    evidence_url = check_evidence_url(evidence_url)
    content, extension = read_evidence(upload) if upload is not None else (b"", "")
    if upload is not None and evidence_dir is None:
        raise ValueError("evidence_dir is needed to store an evidence file")

    progress = progress_of(session, user, resource.id)
    if progress is None:
        progress = Progress(user_id=user.id, resource_id=resource.id)
        session.add(progress)
    progress.status = status
    progress.started_on = started_on or progress.started_on or (completed_on or today)
    progress.completed_on = completed_on
    progress.evidence_url = evidence_url
    if upload is not None and evidence_dir is not None:
        folder = evidence_dir / str(user.id)
        folder.mkdir(parents=True, exist_ok=True)
        name = f"{secrets.token_hex(16)}.{extension}"
        stored_files.write(session, folder / name, content)  # both settled when the transaction ends
        if progress.evidence_file and _STORED_NAME.match(progress.evidence_file):
            stored_files.delete_after_commit(session, folder / progress.evidence_file)
        progress.evidence_file = name
    session.flush()
    _update_enrolments(session, user, follow_up_weeks)
    return progress


@dataclass(frozen=True)
class EvidenceFile:
    path: Path
    media_type: str
    download_name: str


def evidence_file(session: Session, viewer: User, progress_id: int, evidence_dir: Path) -> EvidenceFile:
    """The evidence file of a progress record, for its owner, an admin, or a focal point of the owner's
    country. Raises NotFound for anyone else, and when there is no file."""
    progress = session.get(Progress, progress_id)
    if progress is None or not progress.evidence_file or not _STORED_NAME.match(progress.evidence_file):
        raise NotFound("No such file")
    owner = session.get(User, progress.user_id)
    allowed = viewer.id == progress.user_id or (
        viewer.role in (Role.ADMIN, Role.FOCAL_POINT) and owner is not None
        and can_see_country(viewer, owner.country_id))
    path = evidence_dir / str(progress.user_id) / progress.evidence_file
    if not allowed or not path.is_file():
        raise NotFound("No such file")
    extension = progress.evidence_file.rsplit(".", 1)[1]
    media_type = next(t for _m, ext, t in EVIDENCE_TYPES if ext == extension)
    return EvidenceFile(path, media_type, f"evidence-{progress.resource_id}.{extension}")


# Feedback -------------------------------------------------------------------------------------------

def feedback_target(session: Session, user: User, *, resource_id: int | None = None,
                    path_version_id: int | None = None) -> Resource | PathVersion:
    """What ``user`` may give feedback on: a resource they completed, or a path version they completed.
    Raises NotFound for anything else (or anything they cannot see)."""
    if (resource_id is None) == (path_version_id is None):
        raise ValueError("give exactly one of resource_id and path_version_id")
    if resource_id is not None:
        resource = learnable_resource(session, user, resource_id)
        progress = progress_of(session, user, resource.id)
        if progress is None or progress.status != "completed":
            raise NotFound("You can give feedback once you have completed it")
        return resource
    enrolment = session.scalar(select(Enrolment).where(Enrolment.user_id == user.id,
                                                       Enrolment.path_version_id == path_version_id))
    if enrolment is None or enrolment.completed_at is None:
        raise NotFound("You can give feedback once you have completed it")
    return enrolment.path_version


def feedback_of(session: Session, user: User, *, resource_id: int | None = None,
                path_version_id: int | None = None) -> Feedback | None:
    """``user``'s feedback on the resource or the path version (the one given, the other None)."""
    return session.scalar(select(Feedback).where(
        Feedback.user_id == user.id, Feedback.resource_id == resource_id,
        Feedback.path_version_id == path_version_id).order_by(Feedback.id).limit(1))


def give_feedback(session: Session, user: User, *, rating: int, relevance: int, would_recommend: bool,
                  comment: str = "", resource_id: int | None = None,
                  path_version_id: int | None = None) -> Feedback:
    """Record ``user``'s feedback on a completed resource or path; a second time updates the first.
    Raises ValidationFailed (with the field) or NotFound."""
    feedback_target(session, user, resource_id=resource_id, path_version_id=path_version_id)
    for name, value in (("rating", rating), ("relevance", relevance)):
        if not isinstance(value, int) or not 1 <= value <= 5:
            raise ValidationFailed("Choose a number from 1 to 5", field=name)
    comment = comment.strip()
    if len(comment) > 2000:
        raise ValidationFailed("Keep the comment under 2,000 characters", field="comment")
    feedback = feedback_of(session, user, resource_id=resource_id, path_version_id=path_version_id)
    if feedback is None:
        feedback = Feedback(user_id=user.id, resource_id=resource_id, path_version_id=path_version_id)
        session.add(feedback)
    feedback.rating, feedback.relevance = rating, relevance
    feedback.would_recommend, feedback.comment = bool(would_recommend), comment
    session.flush()
    return feedback
