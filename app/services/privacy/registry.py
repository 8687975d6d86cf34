"""Where personal data lives, table by table, and what erasure does to it (like Moodle's privacy providers).

Every table is either in ``TABLES`` (it references people or holds personal data; each such column is
declared with what it is and its ``Erasure``) or in ``NO_PERSONAL_DATA`` with the reason.
tests/unit/test_privacy_registry.py walks ``Base.metadata`` and fails for a column that references
users, is named like an e-mail or a name, or holds free text or JSON, without a declaration here.

Erasure keeps the ``users`` row as a de-identified tombstone, so that assessment results, invitations,
progress and feedback keep counting in every figure (they point at an account with no name, no e-mail
and no way to sign in) while everything that says who the person was goes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class Erasure(StrEnum):
    OWNER = "owner"          # names the person whose row it is: the key export and erasure select by
    KEEP = "keep"            # kept: after erasure it points at a de-identified account
    CLEAR = "clear"          # set to NULL where it references the person (a link that must not dangle)
    ANONYMISE = "anonymise"  # in the person's own rows, replaced by ``Column.value``
    SCRUB = "scrub"          # the person's name and e-mail are cut out wherever they occur, in every row
    NONE = "none"            # no personal data (declared because its name or type looks as if it might)


ERASED_NAME = "Erased person"
ERASED_DOMAIN = "erased.invalid"  # RFC 2606: never deliverable
REDACTED = "[erased]"


def erased_email(user_id: int) -> str:
    return f"erased-{user_id}@{ERASED_DOMAIN}"


def erased_session_token(user_id: int) -> str:
    # Deterministic, so a second erasure changes nothing; the account is inactive, so it never loads.
    return f"erased-{user_id}"


@dataclass(frozen=True)
class Column:
    what: str
    erasure: Erasure
    value: Any = None  # ANONYMISE: the replacement, or a function of the user id giving it


@dataclass(frozen=True)
class Table:
    purpose: str
    columns: dict[str, Column] = field(default_factory=dict)
    delete_rows: bool = False  # erasure deletes the person's rows (else keeps them, anonymised)
    parent: tuple[str, str] | None = None  # (foreign key, parent table): the person's rows are the
    #                                        children of the person's rows there

    @property
    def owner(self) -> str | None:
        return next((name for name, column in self.columns.items() if column.erasure == Erasure.OWNER), None)

    def of(self, erasure: Erasure) -> dict[str, Column]:
        return {name: column for name, column in self.columns.items() if column.erasure == erasure}


def _c(what: str, erasure: Erasure, value: Any = None) -> Column:
    return Column(what, erasure, value)


OWN, KEEP, CLEAR, ANON, SCRUB, NONE = (Erasure.OWNER, Erasure.KEEP, Erasure.CLEAR, Erasure.ANONYMISE,
                                       Erasure.SCRUB, Erasure.NONE)
_BY = "who did it; after erasure, a de-identified account"

TABLES: dict[str, Table] = {
    "users": Table("accounts; erasure keeps a de-identified tombstone so results keep counting", {
        "id": _c("the person", OWN),
        "email": _c("e-mail address", ANON, erased_email),
        "name": _c("full name", ANON, ERASED_NAME),
        "password_hash": _c("password hash", ANON, None),
        "locale": _c("preferred language", ANON, None),
        "learning_languages": _c("languages they learn in, from their account page", ANON, None),
        "email_reminders": _c("wants assessment reminders by e-mail (a choice, not an address)", ANON, False),
        "email_follow_ups": _c("wants follow-up questions by e-mail (a choice, not an address)", ANON, False),
        "last_login_at": _c("last sign-in time", ANON, None),
        "session_token": _c("login session id", ANON, erased_session_token),
        "active": _c("may sign in", ANON, False),
        "manager_id": _c("line manager: the reports of an erased manager lose the link", CLEAR),
    }),
    "account_tokens": Table("e-mailed link tokens (hashes)", {
        "user_id": _c("whose link", OWN),
    }, delete_rows=True),
    "focal_point_scopes": Table("countries a focal point may see", {
        "user_id": _c("the focal point", OWN),
        "granted_by_id": _c("the admin who granted it; " + _BY, KEEP),
    }, delete_rows=True),
    "audit_events": Table("the audit log: kept whole (tamper-evident), referring to people by id", {
        "actor_id": _c("who acted; " + _BY, KEEP),
        "ip": _c("the address the actor came from: security log, kept with the event", KEEP),
        # Never rewritten, or the hash chain breaks: app.services.audit puts people in as ids only.
        "details": _c("what changed, people referred to by id (app.services.audit)", KEEP),
    }),
    "jobs": Table("background jobs", {
        "created_by_id": _c("who started it; " + _BY, KEEP),
        "params": _c("job parameters (an inviter's name)", SCRUB),
        "message": _c("outcome text, may quote an address", SCRUB),
    }),
    "outbox_messages": Table("e-mail waiting to be sent, or sent in the last MAIL_OUTBOX_KEEP_DAYS days", {
        # app.services.mail_outbox.add sets it whenever the address has an account.
        "user_id": _c("the recipient", OWN),
        "to_address": _c("the recipient's e-mail address", SCRUB),
        "subject": _c("may name someone else (the official a manager is asked to review)", SCRUB),
        "body": _c("the message: the recipient's name, maybe someone else's", SCRUB),
        "last_error": _c("the mail server's answer, may quote the address", SCRUB),
    }, delete_rows=True),
    "campaigns": Table("assessment rounds", {
        "created_by_id": _c("the focal point who created it; " + _BY, KEEP),
        "name": _c("the campaign's name", NONE),
        "reminder_days": _c("the days before closing on which reminders go out", NONE),
    }),
    "invitations": Table("who was invited to a campaign: kept, the participation funnel counts them", {
        "user_id": _c("the invited official", OWN),
        "emailed_at": _c("when the invitation was sent", NONE),
    }),
    "invite_files": Table("staged invitation files: rows of invitees' names and e-mails", {
        "uploaded_by_id": _c("the focal point who uploaded it; " + _BY, KEEP),
        "filename": _c("the uploaded file's name", SCRUB),
        "valid_rows": _c("invitees' e-mails, names and managers' e-mails", SCRUB),
        "errors": _c("bad rows, quoting addresses", SCRUB),
    }),
    "attempts": Table("assessment attempts: kept for every figure, under the de-identified account", {
        "user_id": _c("the official", OWN),
        "manager_id": _c("the manager asked to validate; " + _BY, KEEP),
    }),
    "attempt_items": Table("the items an attempt showed (item statistics)", {},
                           parent=("attempt_id", "attempts")),
    "answers": Table("answers as given; option values kept for item statistics", {
        "value": _c("the answer; free-text answers are blanked", ANON, ""),
    }, parent=("attempt_id", "attempts")),
    "competency_results": Table("results per competency: kept, every dashboard counts them", {
        "evidence": _c("share of checks right per level", NONE),
        "probabilities": _c("probability per level", NONE),
        "manager_reason": _c("what the manager wrote about the official", ANON, ""),
        "validated_by_id": _c("the manager who validated; " + _BY, KEEP),
    }, parent=("attempt_id", "attempts")),
    "result_history": Table("earlier rules' figures of a result", {
        "values": _c("figures only", NONE),
    }, parent=("result_id", "competency_results")),
    "organisation_assessments": Table("an organisation's maturity answers", {
        "answered_by_id": _c("the focal point who answered; " + _BY, KEEP),
        "answers": _c("answers about the organisation", NONE),
        "dimension_scores": _c("scores about the organisation", NONE),
    }),
    "learning_plans": Table("an official's recommendations: kept for learning-activity figures", {
        "user_id": _c("the official", OWN),
        "unmet": _c("gaps no material serves (competency ids and levels)", NONE),
    }),
    "plan_items": Table("recommendations of a plan", {
        "reason": _c("the matcher's reason (competencies and levels)", NONE),
        "closes": _c("gaps it closes", NONE),
        "dismiss_reason": _c("why the official dismissed it, in their words", ANON, ""),
    }, parent=("plan_id", "learning_plans")),
    "enrolments": Table("path enrolments: kept for completion figures", {
        "user_id": _c("the official", OWN),
    }),
    "progress": Table("progress per resource: kept for learning-activity figures", {
        "user_id": _c("the official", OWN),
        "evidence_url": _c("a link to the official's evidence", ANON, ""),
        "evidence_file": _c("the stored evidence file's name (the file is deleted)", ANON, ""),
    }),
    "feedback": Table("ratings (Kirkpatrick L1): kept, the comment goes", {
        "user_id": _c("the official", OWN),
        "comment": _c("what the official wrote", ANON, ""),
    }),
    "follow_ups": Table("behaviour surveys (L3): kept, the comment goes", {
        "user_id": _c("the official", OWN),
        "barriers": _c("chosen barrier codes", NONE),
        "comment": _c("what the official wrote", ANON, ""),
    }),
    "suggestions": Table("suggested resources", {
        "suggested_by_id": _c("who suggested it", OWN),
        "reason": _c("why, in the suggester's words", ANON, REDACTED),
        "decided_by_id": _c("the admin who decided; " + _BY, KEEP),
        "rejection_reason": _c("the admin's reason", SCRUB),
    }),
    "resources": Table("the curated catalogue", {
        "reviewed_by": _c("the reviewer's name", SCRUB),
        "description": _c("curated description", NONE),
        "languages": _c("language codes", NONE),
        "prerequisites": _c("resource codes", NONE),
        "accessibility": _c("accessibility flags", NONE),
    }),
    "path_versions": Table("course path versions", {
        "created_by_id": _c("the admin who made it; " + _BY, KEEP),
        "description": _c("curated description", NONE),
        "prerequisites": _c("resource codes", NONE),
    }),
    "indicators": Table("country indicators (L4)", {
        "created_by_id": _c("the focal point who made it; " + _BY, KEEP),
        "name": _c("the indicator's name", NONE),
        "description": _c("what it measures", NONE),
    }),
    "indicator_values": Table("indicator values", {
        "recorded_by_id": _c("the focal point who recorded it; " + _BY, KEEP),
    }),
    "organisations": Table("ministries and agencies", {"name": _c("the organisation's name", NONE)}),
    "countries": Table("countries", {"name": _c("the country's name", NONE)}),
}

_CONTENT = "curated content (frameworks, instruments, catalogue), from the YAML files: no person in it"
NO_PERSONAL_DATA: dict[str, str] = {
    **{name: _CONTENT for name in (
        "frameworks", "proficiency_levels", "areas", "competencies", "level_descriptors", "role_profiles",
        "role_targets", "instruments", "instrument_sections", "items", "resource_competencies",
        "course_paths", "path_steps", "path_version_roles", "path_version_competencies")},
    "campaign_organisations": "which organisations a campaign covers",
    "data_versions": "one counter moved by changes to what the dashboards count (their cache key)",
    "result_pairs": "levels, gaps and knowledge checks copied from competency_results (kept as they are),"
                    " a follow-up's beside its baseline's; no free text",
}
