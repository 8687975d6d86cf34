"""The words of the dashboard's files: a readable, translated header for each column of every
analytics table, and each table's title. tests/web/test_export_files.py fails when a column of a
dashboard table has no header here.

``HEADERS`` holds a column's usual header; ``TABLE_HEADERS`` what it means in one table where that
differs (``officials`` is "Officials assessed" in the heatmap, "Officials affected" in content gaps;
``group`` is the competency, organisation or role profile a change table is by).
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from app.services.evaluation import Table

PERSON_LEVELS = "officials-levels"  # its columns after PERSON_HEAD are competency codes
PERSON_HEAD = ("person", "email", "organisation", "role_profile", "campaign", "cycle_label")

HEADERS = {
    # who, where, when
    "campaign": _l("Campaign"),
    "cycle_label": _l("Cycle"),
    "baseline": _l("Baseline campaign"),
    "chain": _l("Series (first campaign)"),
    "position": _l("Cycle number (0 = baseline)"),
    "organisation": _l("Organisation"),
    "country_code": _l("Country code"),
    "country": _l("Country"),
    "person": _l("Person"),
    "email": _l("E-mail address"),
    "role_profile": _l("Role profile"),
    "group": _l("Group"),
    "competency_code": _l("Competency code"),
    "competency": _l("Competency"),
    "level": _l("Level"),
    "level_name": _l("Level name"),
    "language": _l("Language"),
    "period": _l("Period"),
    # participation and pairing
    "invited": _l("Officials invited"),
    "started": _l("Started"),
    "submitted": _l("Submitted"),
    "response_rate": _l("Response rate"),
    "paired": _l("In both cycles (pairs)"),
    "baseline_only": _l("Baseline only"),
    "follow_up_only": _l("Follow-up only"),
    "follow_up": _l("Latest follow-up"),
    # levels and gaps
    "officials": _l("Officials"),
    "assessed": _l("Officials assessed"),
    "not_assessed": _l("Not assessed"),
    "mean_gap": _l("Mean gap (levels)"),
    "practitioners": _l("At practitioner level or above"),
    "mean": _l("Mean level"),
    "ci_low": _l("95% CI, low"),
    "ci_high": _l("95% CI, high"),
    "resources_in_language": _l("Resources in this language"),
    "resources_any_language": _l("Resources in any language"),
    "status": _l("Resources available"),
    # change
    "pairs": _l("Pairs"),
    "mean_before": _l("Mean level before"),
    "mean_after": _l("Mean level after"),
    "change": _l("Mean change (levels)"),
    "mean_change": _l("Mean change (levels)"),
    "p": _l("p (paired t-test)"),
    "p_adjusted": _l("p adjusted (Holm)"),
    "cohens_dz": _l("Effect size (Cohen's d_z)"),
    "share_closed": _l("Share who closed their gap"),
    "knowledge_before": _l("Knowledge checks right before (share)"),
    "knowledge_after": _l("Knowledge checks right after (share)"),
    "normalised_gain": _l("Normalised gain"),
    # learning and feedback
    "officials_with_plan": _l("Officials with an accepted plan"),
    "officials_enrolled": _l("Officials enrolled in a path"),
    "enrolments": _l("Enrolments"),
    "officials_completed": _l("Officials who completed a path"),
    "completions": _l("Paths completed"),
    "learners": _l("Officials who completed a resource"),
    "resources_completed": _l("Resources completed"),
    "hours_completed": _l("Hours completed"),
    "kind": _l("Kind"),
    "code": _l("Code"),
    "title": _l("Title"),
    "version": _l("Version"),
    "responses": _l("Responses"),
    "mean_rating": _l("Mean rating (1–5)"),
    "mean_relevance": _l("Mean relevance (1–5)"),
    "share_recommend": _l("Share who would recommend it"),
    "flagged": _l("Rated poorly"),
    "question": _l("Question"),
    "answer": _l("Answer"),
    "answered": _l("Follow-ups answered"),
    "count": _l("Answers"),
    "share": _l("Share"),
    # organisations
    "dimension": _l("Dimension"),
    "score": _l("Score (0–4)"),
    "indicator": _l("Indicator"),
    "unit": _l("Unit"),
    "value": _l("Value"),
}

TABLE_HEADERS = {
    ("organisation-maturity", "level"): _l("Maturity level"),
    ("heatmap", "officials"): _l("Officials assessed"),
    ("trend", "officials"): _l("Officials assessed"),
    ("content-gaps", "level"): _l("From level"),
    ("content-gaps", "officials"): _l("Officials affected"),
    ("change-by-competency", "group"): _l("Competency"),
    ("change-by-organisation", "group"): _l("Organisation"),
    ("change-by-role-profile", "group"): _l("Role profile"),
    ("pairing-by-organisation", "group"): _l("Organisation"),
    ("countries", "not_assessed"): _l("Officials with a competency not assessed"),
    ("countries", "pairs"): _l("Pairs (latest follow-up)"),
}

TITLES = {
    "participation": _l("Participation by campaign and organisation"),
    "organisation-maturity": _l("Organisation maturity"),
    "heatmap": _l("Gaps by organisation and competency"),
    "levels": _l("Levels per competency"),
    "assets": _l("Assets: practitioners per competency"),
    "content-gaps": _l("Content gaps"),
    "trend": _l("Mean level across cycles"),
    "indicators": _l("Results indicators"),
    "pairing-by-organisation": _l("Paired and unpaired officials"),
    "change-by-competency": _l("Change by competency"),
    "change-by-organisation": _l("Change by organisation"),
    "change-by-role-profile": _l("Change by role profile"),
    "learning-activity": _l("Learning activity"),
    "resource-feedback": _l("Feedback on resources"),
    "path-feedback": _l("Feedback on paths"),
    "follow-ups": _l("Follow-up answers"),
    "countries": _l("Countries side by side"),
    PERSON_LEVELS: _l("Each official's latest levels"),
}


def header(table_name: str, column: str) -> str | None:
    """The header of ``column`` in the table ``table_name``; None when there is none."""
    found = TABLE_HEADERS.get((table_name, column), HEADERS.get(column))
    return None if found is None else str(found)


def headers_for(table: Table) -> dict[str, str]:
    """Every column's header (translated now). In the person-level table a competency column is
    headed by the competency's code; any other column without a header keeps its name."""
    if table.name == PERSON_LEVELS:
        return {column: (header(table.name, column) if column in PERSON_HEAD else None) or column
                for column in table.columns}
    return {column: header(table.name, column) or column for column in table.columns}


def title_of(table: Table) -> str:
    return str(TITLES.get(table.name, table.name))
