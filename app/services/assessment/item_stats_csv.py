"""The item statistics table as CSV (app.services.assessment.item_stats)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from app.services.assessment.item_stats import ItemStatistics, TooFewResponses
from app.services.evaluation.common import Suppressed
from app.services.evaluation.exports import cell
from app.services.spreadsheet import csv_text

CSV_COLUMNS = ("instrument", "version", "competency", "competency_name", "competency_responses", "kr20",
               "kr20_officials", "kr20_checks", "item", "level", "times_shown", "times_answered",
               "share_right", "discrimination", "option_shares", "flags")


def to_csv(stats: ItemStatistics, words: Mapping[str, str]) -> str:
    """The table as CSV, one line per check, every cell escaped against formulas. A figure not shown
    (too few responses, or a count of fewer than K officials) is an empty cell, and the last column
    names those cells and why, as in the dashboard's files, so every number column stays numeric.
    ``words`` give the page's wording: "too_few", "suppressed", "key", "hidden" (the last column's
    header) and each flag (see FLAGS)."""
    lines = []
    for group in stats.competencies:
        for row in group.items:
            values = dict(zip(CSV_COLUMNS[:14], (
                group.instrument, group.version, group.competency, group.name, group.responses, group.kr20,
                group.kr20_respondents, group.kr20_checks, row.code, row.level, row.shown, row.answered,
                row.share_right, row.discrimination), strict=True))
            values["option_shares"] = None if row.options_too_few else "; ".join(
                f"{o.value}{' (' + words['key'] + ')' if o.key else ''}: {cell(o.share)}"
                for o in row.options)
            values["flags"] = "; ".join(words[f] for f in row.flags)
            lines.append(_line(values, row.options_too_few, words))
    return csv_text((*CSV_COLUMNS, words["hidden"]), lines)


def _line(values: dict[str, Any], options_too_few: bool, words: Mapping[str, str]) -> list[Any]:
    reasons: dict[str, list[str]] = {}
    out = []
    for column, value in values.items():
        if isinstance(value, TooFewResponses) or (column == "option_shares" and options_too_few):
            reasons.setdefault(words["too_few"], []).append(column)
            out.append("")
        elif isinstance(value, Suppressed):
            reasons.setdefault(words["suppressed"], []).append(column)
            out.append("")
        else:
            out.append(cell(value))
    return [*out, "; ".join(f"{why}: {', '.join(columns)}" for why, columns in reasons.items())]
