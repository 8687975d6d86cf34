"""One strict way to read an id from a URL path, a query string or a form.

An id is ASCII digits only, from 1 to 2**63 - 1 (what a 64-bit database column holds). Python's
``int()`` and ``str.isdigit()`` accept much more ("²", "٣", "1_000", " 7 "), and an id past 64 bits
crashes the database driver, so nothing else in the web layer turns text into an id.
"""

from __future__ import annotations

import re

from flask import abort, request
from werkzeug.routing import IntegerConverter, ValidationError

MAX_ID = 2**63 - 1
# A page number far past the last page is simply empty, but its OFFSET must still fit in 64 bits.
MAX_PAGE = 2**31 - 1
_ASCII_DIGITS = re.compile(r"[0-9]+")


def parse_id(raw: object, *, maximum: int = MAX_ID) -> int | None:
    """The id that `raw` spells, or None when it is not ASCII digits from 1 to `maximum`."""
    if not isinstance(raw, str) or not _ASCII_DIGITS.fullmatch(raw) or len(raw) > len(str(maximum)):
        return None
    value = int(raw)
    return value if 1 <= value <= maximum else None


def arg_id(name: str) -> int | None:
    """An id from the query string: None when absent or empty; anything not an id aborts with 404."""
    raw = request.args.get(name, "").strip()
    if not raw:
        return None
    value = parse_id(raw)
    if value is None:
        abort(404)
    return value


def page_arg() -> int:
    """?page=: 1 when absent or empty; anything not a page number up to MAX_PAGE aborts with 404."""
    raw = request.args.get("page", "").strip()
    if not raw:
        return 1
    value = parse_id(raw, maximum=MAX_PAGE)
    if value is None:
        abort(404)
    return value


def form_id(raw: object) -> int:
    """A WTForms ``coerce`` for select fields of ids, with 0 for "none": raises ValueError (a field
    error) for anything else, so a form never hands the database an id it cannot hold."""
    if isinstance(raw, int) and not isinstance(raw, bool):
        raw = str(raw)
    if raw == "0":
        return 0
    value = parse_id(raw)
    if value is None:
        raise ValueError("not an id")
    return value


class IdConverter(IntegerConverter):
    """The ``int`` of every route: ASCII digits only (Werkzeug's ``\\d`` matches any Unicode
    digit), within 1..MAX_ID; anything else does not match the route, so the answer is 404. Still an
    IntegerConverter, for code that asks what kind of value a route takes."""

    regex = r"[0-9]+"

    def to_python(self, value: str) -> int:
        parsed = parse_id(value)
        if parsed is None:
            raise ValidationError()
        return parsed


def json_id(value: object) -> int | None:
    """An id sent as a JSON number: an integer (not true/false) from 1 to MAX_ID, else None."""
    if isinstance(value, bool) or not isinstance(value, int):
        return None
    return value if 1 <= value <= MAX_ID else None
