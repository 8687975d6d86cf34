"""Officials an invitations file would move: an existing account whose organisation, or role profile,
in the file differs from their current one.

Checking a file marks each such row with the account as it was seen and a warning in words ("Row 4:
amina@… is in Ministry of Health; the file says Ministry of Finance"); nothing about the account
changes. Importing needs the focal point's choice for every marked row: keep (invited where they are, as
they are) or move (the account moves to the file's organisation, and is invited there as the file says).
The choices rewrite the rows before they are staged, so the import stays set-based: one UPDATE moves
every account chosen to move, whatever their number. An account's current role profile is the one of
its latest invitation.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from app.models import Campaign, Invitation, Organisation, RoleProfile, User
from app.services.errors import ValidationFailed

KEEP, MOVE = "keep", "move"
FIELD = "moves"


def account_columns(campaign_id: int) -> tuple[Any, ...]:
    """SQL, per account: its organisation, the role profile of its latest invitation (None without
    one), and whether it is invited to the campaign already (then the file changes nothing for it)."""
    role = (select(Invitation.role_profile_id).where(Invitation.user_id == User.id)
            .order_by(Invitation.id.desc()).limit(1).scalar_subquery())
    invited = exists().where(Invitation.user_id == User.id, Invitation.campaign_id == campaign_id)
    return User.organisation_id, role, invited


def _labels(names: Mapping[int, str], roles: Mapping[int, str], row: dict[str, Any], account: Any,
            org_differs: bool, role_differs: bool, outside: bool) -> dict[str, str]:
    now, says, keep, move = [], [], [], []
    if org_differs:
        now.append(f"is in {names[account.organisation_id]}")
        says.append(names[row["organisation_id"]])
        keep.append(f"in {names[account.organisation_id]}")
        move.append(f"to {names[row['organisation_id']]}")
    if role_differs:
        now.append(f"has the role profile {roles[account.role_profile_id]}")
        says.append(roles[row["role_profile_id"]])
    text = f"Row {row['row']}: {row['email']} {' and '.join(now)}; the file says {' and '.join(says)}"
    if not org_differs:
        keep_label = f"Keep the role profile {roles[account.role_profile_id]}"
        move_label = f"Change the role profile to {roles[row['role_profile_id']]}"
    else:
        keep_label = "Keep " + " ".join(keep)
        move_label = "Move " + " ".join(move)
        if role_differs:
            keep_label += f" as {roles[account.role_profile_id]}"
            move_label += f" as {roles[row['role_profile_id']]}"
    if outside:
        keep_label += " (not invited: it is not in this campaign)"
    ask = (f"Choose whether to keep {row['email']} in {names[account.organisation_id]} or move them"
           if org_differs else
           f"Choose whether to keep the role profile of {row['email']} or change it")
    return {"text": text, "keep": keep_label, "move": move_label, "ask": ask}


def mark(session: Session, campaign: Campaign, rows: list[dict[str, Any]],
         accounts: Mapping[str, Any]) -> None:
    """Note on each checked row with an account the organisation it was seen in, and on each row that
    would move its official the account as it is and the warning (``accounts``: email -> account with
    id, organisation_id and role_profile_id). Two queries, whatever the number of rows."""
    names = dict(session.execute(select(Organisation.id, Organisation.name)
                                 .where(Organisation.country_id == campaign.country_id)).all())
    roles = dict(session.execute(select(RoleProfile.id, RoleProfile.name)).all())
    in_campaign = {link.organisation_id for link in campaign.organisations}
    for row in rows:
        account = accounts.get(row["email"])
        if account is None:
            continue
        row["seen_organisation_id"] = account.organisation_id
        if account.invited_here:
            continue  # skipped by the import: nothing about them changes
        org_differs = account.organisation_id not in (None, row["organisation_id"])
        role_differs = (bool(row.get("role_given")) and account.role_profile_id is not None
                        and account.role_profile_id != row["role_profile_id"])
        if not (org_differs or role_differs):
            continue
        row["current"] = {"user_id": account.id, "organisation_id": account.organisation_id,
                          "role_profile_id": account.role_profile_id}
        row["warning"] = _labels(names, roles, row, account, org_differs, role_differs,
                                 outside=org_differs and account.organisation_id not in in_campaign)


def warnings(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The rows that would move their official, in row order: {row, email, text, keep, move}."""
    return [{"row": row["row"], "email": row["email"], **row["warning"]} for row in rows if "warning" in row]


@dataclass
class Decisions:
    rows: list[dict[str, Any]]                       # the rows to stage, rewritten by the choices
    moved: list[dict[str, Any]] = field(default_factory=list)  # for the audit: user id, before -> after
    kept: list[int] = field(default_factory=list)    # user ids kept where they are
    left_out: int = 0                                # kept in an organisation outside the campaign


def _missing(rows: list[dict[str, Any]], choices: Mapping[int, str]) -> None:
    missing = [row["row"] for row in rows if "warning" in row and choices.get(row["row"]) not in (KEEP, MOVE)]
    if missing:
        shown = ", ".join(str(n) for n in missing[:10]) + (f" and {len(missing) - 10} more"
                                                            if len(missing) > 10 else "")
        whom = f"the official on row {shown}" if len(missing) == 1 else f"the officials on rows {shown}"
        raise ValidationFailed(f"Choose whether to keep or move {whom}", field=FIELD)


def apply(campaign: Campaign, rows: list[dict[str, Any]], choices: Mapping[int, str]) -> Decisions:
    """The rows as the choices make them (row number -> KEEP or MOVE, one for each warned row).

    A kept official is invited in their current organisation with their current role profile (else the
    organisation's default), or left out when that organisation is not in the campaign; a moved one as
    the file says, their account marked to move. Raises ValidationFailed (field ``moves``) when a warned
    row has no choice."""
    _missing(rows, choices)
    defaults = {link.organisation_id: link.default_role_profile_id for link in campaign.organisations}
    decisions = Decisions(rows=[])
    for row in rows:
        current = row.get("current")
        if current is None:
            decisions.rows.append(row)
        elif choices[row["row"]] == MOVE:
            org_moves = current["organisation_id"] != row["organisation_id"]
            role_moves = bool(row.get("role_given")) and \
                current["role_profile_id"] not in (None, row["role_profile_id"])
            decisions.rows.append({**row, "move": org_moves})
            decisions.moved.append({
                "user_id": current["user_id"],
                "organisation": [current["organisation_id"], row["organisation_id"]] if org_moves else None,
                "role_profile": [current["role_profile_id"], row["role_profile_id"]] if role_moves else None})
        else:
            decisions.kept.append(current["user_id"])
            organisation = current["organisation_id"] or row["organisation_id"]
            if organisation not in defaults:
                decisions.left_out += 1
                continue
            role = current["role_profile_id"]
            decisions.rows.append({**row, "organisation_id": organisation,
                                   "role_profile_id": role if role is not None else defaults[organisation]})
    return decisions
