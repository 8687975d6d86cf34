"""The item statistics table as CSV (app.services.assessment.item_stats)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from app.services.assessment.item_stats import ItemRow, ItemStatistics, TooFewResponses
from app.services.evaluation.exports import cell
from app.services.spreadsheet import csv_text

CSV_COLUMNS = ("instrument", "version", "competency", "competency_name", "competency_responses", "kr20",
               "kr20_officials", "kr20_checks", "item", "level", "times_shown", "times_answered",
               "share_right", "discrimination", "option_shares", "flags")


def to_csv(stats: ItemStatistics, words: Mapping[str, str]) -> str:
    """The table as CSV, one line per check, every cell escaped against formulas. ``words`` give the
    page's wording: "too_few", "suppressed", "key" and each flag (see FLAGS)."""
    def out(value: Any) -> Any:
        if isinstance(value, TooFewResponses):
            return words["too_few"]
        return cell(value, suppressed_text=words["suppressed"])

    def options(row: ItemRow) -> str:
        if row.options_too_few:
            return words["too_few"]
        return "; ".join(f"{o.value}{' (' + words['key'] + ')' if o.key else ''}: {out(o.share)}"
                         for o in row.options)

    lines = [[out(value) for value in (
        group.instrument, group.version, group.competency, group.name, group.responses, group.kr20,
        group.kr20_respondents, group.kr20_checks, row.code, row.level, row.shown, row.answered,
        row.share_right, row.discrimination)] + [options(row), "; ".join(words[f] for f in row.flags)]
        for group in stats.competencies for row in group.items]
    return csv_text(CSV_COLUMNS, lines)

