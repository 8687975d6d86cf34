"""The person-level table: one row per official with their calibrated level in each competency.

For admins only (the caller checks the role) and pseudonymised unless the admin asks otherwise: each
official is named by a stable pseudonym, an HMAC-SHA256 of their user id under a key the caller
passes (the app's SECRET_KEY), so the same official keeps the same pseudonym from one export to the
next without the export revealing who they are.
"""

from __future__ import annotations

import hashlib
import hmac

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import Campaign, Competency, CompetencyResult, Organisation, RoleProfile, User
from app.services.evaluation.common import NO_FILTERS, Filters, Scope, Table, chosen_attempts, result_filters

PSEUDONYM_PREFIX = "P-"
NOT_ASSESSED = "not assessed"


def pseudonym(user_id: int, key: str | bytes) -> str:
    """The stable pseudonym of an official: "P-" and 16 hex digits of HMAC-SHA256(key, user id)."""
    if not key:
        raise ValueError("a pseudonym needs a secret key")
    secret = key.encode() if isinstance(key, str) else key
    digest = hmac.new(secret, f"user:{user_id}".encode(), hashlib.sha256).hexdigest()
    return PSEUDONYM_PREFIX + digest[:16]


def person_levels(session: Session, scope: Scope, filters: Filters = NO_FILTERS, *, key: str | bytes,
                  pseudonymise: bool = True, not_assessed_text: str = NOT_ASSESSED) -> Table[dict]:
    """One row (a dict) per official from their latest submitted attempt (or the filtered
    campaign's): person (the pseudonym, or with ``pseudonymise=False`` the name, plus an email
    column), organisation, role profile, campaign, cycle, then one column per competency
    code with the calibrated level: ``not_assessed_text`` (the caller's wording) when the result is
    not assessed, never 0; empty when the attempt has no result for it (or, with
    ``filters.validated_only``, no validated one). Not suppressed: it is person-level by design, for
    admins. Raises ValueError without a key when pseudonymising. Two statements.

    Every column is ``plain``: each row is one official's own record, not an aggregate, so the release
    layer (a threshold and noise on figures about groups of officials) has nothing to release here.
    """
    if pseudonymise and not key:
        raise ValueError("a pseudonymised export needs a secret key")
    chosen = chosen_attempts(scope, filters)
    people = session.execute(
        select(chosen.c.attempt_id, User.id, User.name, User.email, Organisation.name, RoleProfile.name,
               Campaign.name, Campaign.cycle_label, Campaign.id)
        .join(User, User.id == chosen.c.user_id)
        .join(Organisation, Organisation.id == chosen.c.organisation_id)
        .join(Campaign, Campaign.id == chosen.c.campaign_id)
        .outerjoin(RoleProfile, RoleProfile.id == chosen.c.role_profile_id)).all()
    results = select(CompetencyResult.attempt_id, Competency.code, Competency.position,
                     CompetencyResult.calibrated_level).join(
        Competency, Competency.id == CompetencyResult.competency_id).join(
        chosen, chosen.c.attempt_id == CompetencyResult.attempt_id)
    results = results.where(*result_filters(CompetencyResult, filters))
    if filters.competency_id is not None:
        results = results.where(CompetencyResult.competency_id == filters.competency_id)
    levels: dict[int, dict[str, int | str]] = {}
    codes: dict[str, int] = {}
    for attempt_id, code, position, level in session.execute(results):
        levels.setdefault(attempt_id, {})[code] = not_assessed_text if level is None else level
        codes[code] = position
    competency_columns = sorted(codes, key=lambda code: (codes[code], code))
    head = ("person", "organisation", "role_profile", "campaign", "cycle_label") if pseudonymise else (
        "person", "email", "organisation", "role_profile", "campaign", "cycle_label")
    rows = []
    for attempt_id, user_id, name, email, organisation, role, campaign, cycle, _cid in people:
        row = {"person": pseudonym(user_id, key) if pseudonymise else name, "organisation": organisation,
               "role_profile": role or "", "campaign": campaign, "cycle_label": cycle}
        if not pseudonymise:
            row["email"] = email
        row.update({code: levels.get(attempt_id, {}).get(code) for code in competency_columns})
        rows.append(row)
    rows.sort(key=lambda r: (r["organisation"], r["person"]))
    columns = (*head, *competency_columns)
    return Table("officials-levels", columns, rows, 1, plain=columns)
