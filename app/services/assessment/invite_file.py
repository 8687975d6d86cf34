"""Reading an officials file for a campaign's invitations: the encoding, the delimiter, the header's
column names, and one dict per row with its row number (app.services.assessment.invites checks them)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator

from app.services.errors import ValidationFailed
from app.services.spreadsheet import csv_text

MAX_BYTES = 20 * 1024 * 1024
MAX_ROWS = 100_000

COLUMNS = {  # the name a header cell is read as, after lower-casing and turning _ into a space
    "email": "email", "e-mail": "email", "email address": "email", "e-mail address": "email",
    "name": "name", "full name": "name",
    "organisation": "organisation", "organization": "organisation",
    "role profile": "role_profile", "role": "role_profile",
    "manager email": "manager_email", "manager e-mail": "manager_email",
    "line manager email": "manager_email",
}
REQUIRED = ("email", "name", "organisation")
# The template a focal point downloads: each column the importer reads, under the name it is documented
# by, and one example row (app/templates/campaigns/invite.html says what goes in each).
TEMPLATE_HEADER = ("email", "name", "organisation", "role profile", "manager email")
TEMPLATE_EXAMPLE = ("amina.okafor@example.org", "Amina Okafor", "Ministry of Health", "",
                    "grace.mwangi@example.org")


def template_csv() -> str:
    """The invitations template as CSV text: the header and the example row."""
    return csv_text(TEMPLATE_HEADER, [TEMPLATE_EXAMPLE])


def _header_key(cell: str) -> str:
    return " ".join(cell.replace("_", " ").split()).casefold()


def _decode(data: bytes) -> str:
    if len(data) > MAX_BYTES:
        raise ValidationFailed(f"The file is larger than {MAX_BYTES // (1024 * 1024)} MB", field="file")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[:exc.start].count(b"\n") + 1
        raise ValidationFailed(
            f"The file is not UTF-8 text (first bad byte on line {line}): save it as "
            "\"CSV UTF-8\" and upload it again", field="file") from exc


def _columns(header: list[str]) -> dict[str, int]:
    found: dict[str, int] = {}
    for index, cell in enumerate(header):
        column = COLUMNS.get(_header_key(cell))
        if column is None:
            continue  # other columns (an HR export's extras) are ignored
        if column in found:
            raise ValidationFailed(f"Row 1 (header): the column {column.replace('_', ' ')} appears "
                                   "twice", field="file")
        found[column] = index
    return found


def _sniff(first_line: str) -> tuple[str, dict[str, int]]:
    """The delimiter (comma or semicolon) under which the header names the most known columns."""
    best: tuple[int, str, dict[str, int]] | None = None
    for delimiter in (",", ";"):
        header = next(csv.reader([first_line], delimiter=delimiter), [])
        columns = _columns(header)
        if best is None or len(columns) > best[0]:
            best = (len(columns), delimiter, columns)
    assert best is not None
    _, delimiter, columns = best
    missing = [c for c in REQUIRED if c not in columns]
    if missing:
        raise ValidationFailed(
            "Row 1 (header): no column for " + ", ".join(missing) + ". The first row must name the "
            "columns email, name, organisation and, optionally, role profile, separated by commas "
            "or semicolons", field="file")
    return delimiter, columns


def read_rows(data: bytes) -> Iterator[tuple[int, dict[str, str]]]:
    """(row number, {email, name, organisation, role_profile}) for each non-blank data row.

    Raises ValidationFailed (field ``file``) when the file as a whole cannot be read.
    """
    text = _decode(data)
    if not text.strip():
        raise ValidationFailed("The file is empty", field="file")
    delimiter, columns = _sniff(text.splitlines()[0])
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    next(reader)
    count = 0
    try:
        for number, cells in enumerate(reader, start=2):
            if not any(cell.strip() for cell in cells):
                continue
            count += 1
            if count > MAX_ROWS:
                raise ValidationFailed(f"The file has more than {MAX_ROWS:,} rows: split it",
                                       field="file")
            yield number, {column: cells[index].strip() if index < len(cells) else ""
                           for column, index in columns.items()}
    except csv.Error as exc:
        raise ValidationFailed(f"Row {reader.line_num}: the file cannot be read as CSV ({exc})",
                               field="file") from exc


