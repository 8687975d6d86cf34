"""Inviting officials to a campaign from a CSV file: check every row first, import on purpose.

The file: UTF-8 (with or without a byte-order mark), comma- or semicolon-separated, a header row
naming the columns email, name, organisation and, optionally, role profile (in any case; ``role``
and ``role_profile`` work too) and manager email (see invite_managers). Rows are numbered as a
spreadsheet numbers them: the header is row 1. Checking writes nothing but the staged InviteFile;
importing writes every good row in one transaction: staged in a temporary table, then a handful of
set-based statements whatever the number of rows (invite_import).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import (
    Campaign,
    CampaignOrganisation,
    Invitation,
    InviteFile,
    Organisation,
    Role,
    RoleProfile,
    TokenPurpose,
    User,
)
from app.models.base import utcnow
from app.services import accounts, audit
from app.services.assessment import invite_import, invite_managers, invite_moves
from app.services.assessment.campaigns import role_profiles_for, window_state
from app.services.assessment.invite_file import read_rows
from app.services.audit import Actor
from app.services.errors import ValidationFailed

CHUNK = 1000  # values per IN (...) list when checking: well inside every driver's limit

Progress = Callable[[int, int], None]
# A staged file keeps its first MAX_STORED_ERRORS errors, each reason cut to MAX_REASON_LENGTH characters
# (reasons quote the cell): a file of bad rows once stored 20 times its own size. The rest is a count.
MAX_STORED_ERRORS = 100
MAX_REASON_LENGTH = 300


@dataclass
class CheckResult:
    total_rows: int
    valid_rows: list[dict[str, Any]]  # {row, email, name, organisation_id, role_profile_id}
    errors: list[dict[str, Any]]      # {row, field, reason}, in row order

    @property
    def bad_rows(self) -> int:
        return len({error["row"] for error in self.errors})


@dataclass
class ImportResult:
    created: int          # new official accounts
    reused: int           # existing accounts invited
    invited: int          # invitations written
    already_invited: int  # people in the file who were invited before: skipped
    moved: int = 0        # existing officials moved as the file says, by the focal point's choice
    kept: int = 0         # existing officials kept where they are, by the focal point's choice
    left_out: int = 0     # of those kept, the ones whose organisation is not in the campaign


class ProblemCounts(NamedTuple):
    bad_rows: int    # rows with at least one problem
    shown_rows: int  # of which the stored errors name
    more_rows: int   # the others: "and N more rows with problems"


def stored_errors(errors: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The bounded form of a check's errors kept on the InviteFile."""
    def cut(reason: str) -> str:
        return reason if len(reason) <= MAX_REASON_LENGTH else reason[:MAX_REASON_LENGTH] + "…"
    return [{**error, "reason": cut(error["reason"])} for error in errors[:MAX_STORED_ERRORS]]


def problem_counts(invite_file: InviteFile) -> ProblemCounts:
    """Every row of a checked file is either a good row or a row with problems, so the count of bad rows
    holds even when only the first errors are stored."""
    bad = invite_file.total_rows - len(invite_file.valid_rows)
    shown = len({error["row"] for error in invite_file.errors})
    return ProblemCounts(bad_rows=bad, shown_rows=shown, more_rows=max(bad - shown, 0))


# Checking rows -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Account:
    id: int
    role: str
    country_id: int | None
    active: bool
    organisation_id: int | None = None
    role_profile_id: int | None = None  # of the latest invitation (invite_moves)
    invited_here: bool = False          # invited to the campaign already


def _accounts_by_email(session: Session, emails: Iterable[str], campaign_id: int) -> dict[str, _Account]:
    emails = list(emails)
    columns = invite_moves.account_columns(campaign_id)
    found: dict[str, _Account] = {}
    for start in range(0, len(emails), CHUNK):
        for email, *rest in session.execute(
            select(User.email, User.id, User.role, User.country_id, User.active, *columns)
            .where(User.email.in_(emails[start:start + CHUNK]))
        ):
            found[email] = _Account(*rest)
    return found


def _account_problem(account: _Account, campaign: Campaign) -> str | None:
    if account.role != Role.OFFICIAL:
        return "belongs to a focal point or admin account: only officials can be invited"
    if account.country_id != campaign.country_id:
        return "belongs to an account in another country"
    if not account.active:
        return "belongs to a deactivated account"
    return None


def _campaign_organisations(session: Session, campaign: Campaign) -> dict[str, tuple[int, int | None]]:
    """Lower-cased name -> (organisation id, default role profile id) for the campaign's scope."""
    return {
        name.casefold(): (organisation_id, default_id)
        for name, organisation_id, default_id in session.execute(
            select(Organisation.name, Organisation.id, CampaignOrganisation.default_role_profile_id)
            .join(CampaignOrganisation, CampaignOrganisation.organisation_id == Organisation.id)
            .where(CampaignOrganisation.campaign_id == campaign.id))
    }


def _role_lookup(profiles: list[RoleProfile]) -> dict[str, int]:
    lookup = {profile.name.casefold(): profile.id for profile in profiles}
    lookup.update({profile.code.casefold(): profile.id for profile in profiles})  # codes win
    return lookup


def check_rows(session: Session, campaign: Campaign,
               rows: Iterable[tuple[int, dict[str, str]]]) -> CheckResult:
    """Check every row; nothing is written. Bad rows are listed with their number, field and reason."""
    organisations = _campaign_organisations(session, campaign)
    roles = _role_lookup(role_profiles_for(session, campaign.instrument))
    errors: list[dict[str, Any]] = []
    candidates: list[dict[str, Any]] = []
    first_seen: dict[str, int] = {}
    bad: set[int] = set()
    total = 0

    def refuse(number: int, field: str, reason: str) -> None:
        errors.append({"row": number, "field": field, "reason": reason})
        bad.add(number)

    for number, record in rows:
        total += 1
        row = _check_row(number, record, organisations, roles, first_seen, refuse)
        if number not in bad:
            candidates.append(row)

    existing = _accounts_by_email(session, (row["email"] for row in candidates), campaign.id)
    valid = []
    for row in candidates:
        account = existing.get(row["email"])
        problem = _account_problem(account, campaign) if account else None
        if problem:
            refuse(row["row"], "email", f"{row['email']} {problem}")
        else:
            valid.append(row)
    valid = invite_managers.check(session, valid, first_seen, refuse)
    invite_moves.mark(session, campaign, valid, existing)
    errors.sort(key=lambda error: error["row"])
    return CheckResult(total_rows=total, valid_rows=valid, errors=errors)


def _check_row(number: int, record: dict[str, str], organisations: dict, roles: dict[str, int],
               first_seen: dict[str, int], refuse: Callable[[int, str, str], None]) -> dict[str, Any]:
    """One row's own checks (each problem goes to ``refuse``); the row as it would be imported."""
    email = None
    if not record["email"]:
        refuse(number, "email", "missing")
    else:
        try:
            email = accounts.normalise_email(record["email"])
        except ValidationFailed as exc:
            refuse(number, "email", f"{record['email']!r} is not a valid address ({exc})")
    if email is not None:
        if email in first_seen:
            refuse(number, "email", f"{email} is already on row {first_seen[email]}")
        else:
            first_seen[email] = number
    name = record["name"]
    if not name:
        refuse(number, "name", "missing")
    elif len(name) > 200:
        refuse(number, "name", "longer than 200 characters")
    organisation = organisations.get(record["organisation"].casefold())
    if not record["organisation"]:
        refuse(number, "organisation", "missing")
    elif organisation is None:
        refuse(number, "organisation",
               f"{record['organisation']!r} is not one of this campaign's organisations")
    role_profile_id = None
    role_text = record.get("role_profile", "")
    if role_text:
        role_profile_id = roles.get(role_text.casefold())
        if role_profile_id is None:
            refuse(number, "role_profile", f"{role_text!r} is not a known role profile code or name")
    elif organisation is not None:
        role_profile_id = organisation[1]
    manager = invite_managers.read(number, record, email, refuse)
    return {"row": number, "email": email, "name": name, "manager_email": manager,
            "role_given": bool(role_text),
            "organisation_id": organisation[0] if organisation else None, "role_profile_id": role_profile_id}


def _refuse_if_closed(campaign: Campaign, now: datetime) -> None:
    if window_state(campaign, now) == "closed":
        raise ValidationFailed("This campaign is closed: nobody more can be invited to it")


def stage_file(session: Session, actor: Actor, campaign: Campaign, data: bytes, filename: str,
               now: datetime | None = None) -> InviteFile:
    """Check an uploaded file and keep the result for the focal point to look at; import nothing.

    Raises ValidationFailed (field ``file``) when the file as a whole cannot be read.
    """
    _refuse_if_closed(campaign, now or utcnow())
    result = check_rows(session, campaign, read_rows(data))
    invite_file = InviteFile(campaign=campaign, uploaded_by_id=actor.user_id,
                             filename=(filename or "upload.csv")[:255], total_rows=result.total_rows,
                             valid_rows=result.valid_rows, errors=stored_errors(result.errors))
    session.add(invite_file)
    audit.record(session, actor, "campaign.invite_check", invite_file, country_id=campaign.country_id,
                 details={"campaign_id": campaign.id, "filename": invite_file.filename,
                          "rows": result.total_rows, "valid": len(result.valid_rows),
                          "bad": result.bad_rows})
    return invite_file


def move_warnings(invite_file: InviteFile) -> list[dict[str, Any]]:
    """The rows of a checked file that would move an existing official: {row, email, text, keep, move}."""
    return invite_moves.warnings(invite_file.valid_rows)


# Importing ---------------------------------------------------------------------------------------


def _recheck(session: Session, campaign: Campaign, rows: list[dict[str, Any]]) -> None:
    """Refuse the import when a row checked earlier has turned bad (an account changed meanwhile).
    The rows are staged already: the accounts are looked up by one join, not by lists of addresses."""
    organisations = {org_id for org_id, _ in _campaign_organisations(session, campaign).values()}
    roles = {profile.id for profile in role_profiles_for(session, campaign.instrument)}
    clashes = {}
    for number, email, *account in invite_import.accounts_in_question(session, campaign.country_id):
        problem = _account_problem(_Account(*account), campaign)
        if problem:
            clashes[number] = f"row {number}: {email} {problem}"
    problems = []
    for row in rows:
        if row["row"] in clashes:
            problems.append(clashes[row["row"]])
        elif row["organisation_id"] not in organisations:
            problems.append(f"row {row['row']}: the organisation is no longer in the campaign")
        elif row["role_profile_id"] is not None and row["role_profile_id"] not in roles:
            problems.append(f"row {row['row']}: the role profile has been retired")
    problems += [f"row {number}: {email} has changed organisation" for number, email
                 in invite_import.accounts_moved_since(session)]
    problems += invite_managers.problems(session, rows)
    if problems:
        shown = "; ".join(problems[:5]) + (f"; and {len(problems) - 5} more" if len(problems) > 5 else "")
        raise ValidationFailed(f"{len(problems)} rows are no longer valid since the file was checked "
                               f"({shown}). Upload the file again.", field="file")


def import_file(session: Session, actor: Actor, invite_file: InviteFile, *,
                choices: dict[int, str] | None = None, now: datetime | None = None,
                progress: Progress | None = None) -> ImportResult:
    """Import the valid rows of a checked file, in the caller's transaction.

    Existing accounts (by e-mail) are reused; new officials are created without a password (they
    get an invitation link); people already invited to the campaign are skipped. ``choices`` (row
    number -> "keep" or "move") says what to do with each official the file would move (invite_moves).
    The rows are staged in a temporary table and written by set-based statements (invite_import).
    Raises ValidationFailed when the file was imported already, the campaign is closed, a moving row
    has no choice, or a row has turned bad since the check.
    """
    now = now or utcnow()
    campaign = invite_file.campaign
    if invite_file.status == "imported":
        raise ValidationFailed("This file has already been imported")
    _refuse_if_closed(campaign, now)
    decisions = invite_moves.apply(campaign, invite_file.valid_rows, choices or {})
    rows = decisions.rows
    steps = max(1, 2 * len(rows))
    invite_import.load(session, rows)
    try:
        _recheck(session, campaign, rows)
    except ValidationFailed:
        invite_import.drop(session)
        raise
    created = invite_import.create_accounts(session, campaign.country_id, now)
    if progress:
        progress(len(rows), steps)
    if decisions.moved:
        invite_import.move_accounts(session)
    if any(row.get("manager_email") for row in rows):
        invite_import.set_managers(session)
    invited = invite_import.invite(session, campaign.id, now)
    invite_import.drop(session)
    from app.services.evaluation import data_version  # here: evaluation imports assessment

    data_version.bump(session)  # bulk statements pass no flush: the participation figures move

    invite_file.status, invite_file.imported_at = "imported", now
    result = ImportResult(created=created, reused=len(rows) - created, invited=invited,
                          already_invited=len(rows) - invited, moved=len(decisions.moved),
                          kept=len(decisions.kept), left_out=decisions.left_out)
    audit.record(session, actor, "campaign.invite_import", campaign, country_id=campaign.country_id,
                 details={"invite_file_id": invite_file.id, "filename": invite_file.filename,
                          "created": result.created, "reused": result.reused,
                          "invited": result.invited, "already_invited": result.already_invited,
                          "moved": decisions.moved, "kept": decisions.kept,
                          "left_out": decisions.left_out})
    if progress:
        progress(steps, steps)
    return result


# Invitation links --------------------------------------------------------------------------------


@dataclass(frozen=True)
class LinkRow:
    email: str
    name: str
    organisation: str
    token: str | None  # a fresh invitation token, or None for someone who has set a password


def link_rows(session: Session, actor: Actor, campaign: Campaign, hours: int) -> list[LinkRow]:
    """Everyone invited to ``campaign`` (active accounts), each who has not activated their account
    with a fresh invitation token (only token hashes are stored, so old links cannot be shown)."""
    rows = []
    issued = 0
    for user, organisation_name in session.execute(
        select(User, Organisation.name)
        .join(Invitation, Invitation.user_id == User.id)
        .join(Organisation, Organisation.id == Invitation.organisation_id)
        .where(Invitation.campaign_id == campaign.id, User.active.is_(True))
        .order_by(Organisation.name, User.name, User.id)
    ):
        token = None
        if user.activated_at is None:
            token = accounts.issue_token(session, user, TokenPurpose.INVITE, hours)
            issued += 1
        rows.append(LinkRow(user.email, user.name, organisation_name, token))
    audit.record(session, actor, "campaign.links_download", campaign, country_id=campaign.country_id,
                 details={"rows": len(rows), "tokens_issued": issued})
    return rows
