"""Cells and CSV text that are safe to open in a spreadsheet (no formula injection)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def escape_cell(value: object) -> object:
    """Text a spreadsheet would run as a formula (starting with = + - @) gets a leading quote;
    numbers and other values are left as they are."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def csv_text(header: Sequence[str], rows: Iterable[Iterable[object]]) -> str:
    """CSV text with every cell escaped."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows([escape_cell(cell) for cell in row] for row in rows)
    return out.getvalue()
