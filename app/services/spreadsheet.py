"""Cells and CSV files that are safe to open in a spreadsheet and read right in Excel.

- No formula injection: text starting with = + - @ (or a tab or carriage return) gets a leading quote.
- Encoding: UTF-8 with a byte-order mark (``csv_bytes``), without which Excel on Windows reads
  French or Arabic names as mojibake; the HTTP type is ``CSV_TYPE``, one charset.
- A file may open with a block of context lines (``preamble``), each starting with "# ", then one
  blank line, then the table. Excel shows them as rows above the table; a program skips them:
  ``pandas.read_csv(path, encoding="utf-8-sig", comment="#")``, or ``skiprows=len(preamble) + 1``.
  Every text cell is quoted (numbers are not), so a "#" inside a name is never taken for the start
  of a comment.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
BOM = "\ufeff"
CSV_TYPE = "text/csv; charset=utf-8"
COMMENT = "# "


def escape_cell(value: object) -> object:
    """Text a spreadsheet would run as a formula (starting with = + - @) gets a leading quote;
    numbers and other values are left as they are."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def _one_line(text: object) -> str:
    return " ".join(str(text).split())


def preamble_text(lines: Sequence[tuple[str, str]]) -> str:
    """The context block: one line per (label, value), "# label" then the value as a quoted (and
    escaped) cell, and the blank line that ends the block; "" for no lines."""
    if not lines:
        return ""
    out = io.StringIO()
    quoted = csv.writer(out, quoting=csv.QUOTE_ALL)
    for label, value in lines:
        out.write(f"{COMMENT}{_one_line(label)},")
        quoted.writerow([escape_cell(_one_line(value))])
    return out.getvalue() + "\r\n"


def csv_text(header: Sequence[str], rows: Iterable[Iterable[object]],
             preamble: Sequence[tuple[str, str]] = ()) -> str:
    """CSV text with every cell escaped, after the context block ``preamble`` (see the module)."""
    out = io.StringIO()
    out.write(preamble_text(preamble))
    writer = csv.writer(out, quoting=csv.QUOTE_NONNUMERIC)
    writer.writerow([escape_cell(name) for name in header])
    writer.writerows([escape_cell(cell) for cell in row] for row in rows)
    return out.getvalue()


def csv_bytes(text: str) -> bytes:
    """The bytes of a CSV download: UTF-8 with a byte-order mark, so Excel reads it as UTF-8."""
    return (BOM + text.removeprefix(BOM)).encode("utf-8")
