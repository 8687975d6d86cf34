"""Reading a small JSON request body safely: bounded in size and depth, numbers finite.

Python's json parser recurses once per level (a 100,000-deep body raises RecursionError) and accepts
Infinity and NaN, which no database column or JSON consumer downstream wants. The depth is checked on
the raw text, before parsing, so deep input never reaches the recursive parser.
"""

from __future__ import annotations

import json
import math
from typing import Any

from flask import request
from flask_babel import gettext as _

MAX_BYTES = 64 * 1024  # a 2,000-character answer, every character escaped as \uXXXX, is 12 KB
MAX_DEPTH = 20


class BadJSON(ValueError):
    """The body is not JSON this endpoint accepts; the message says why, for the user."""


def json_body(max_bytes: int = MAX_BYTES, max_depth: int = MAX_DEPTH) -> Any:
    """The request's JSON body, or None when it is not sent as JSON. Raises BadJSON for a body over
    ``max_bytes``, nested deeper than ``max_depth``, with Infinity/NaN, or that does not parse."""
    if not request.is_json:
        return None
    if (request.content_length or 0) > max_bytes:
        raise BadJSON(_("The request is too large (at most %(limit)s bytes).", limit=max_bytes))
    raw = request.get_data()
    if len(raw) > max_bytes:
        raise BadJSON(_("The request is too large (at most %(limit)s bytes).", limit=max_bytes))
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise BadJSON(_("The request is not valid UTF-8.")) from None
    if nesting(text) > max_depth:
        raise BadJSON(_("The JSON is nested too deeply (at most %(limit)s levels).", limit=max_depth))
    try:
        return json.loads(text, parse_constant=_refuse_constant, parse_float=_finite_float)
    except BadJSON:
        raise
    except (ValueError, RecursionError):
        return None  # not JSON at all: the endpoint says what it expects


def nesting(text: str) -> int:
    """How deeply arrays and objects nest in JSON text (brackets inside strings do not count)."""
    depth = deepest = 0
    in_string = escaped = False
    for char in text:
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif char in "]}":
            depth -= 1
    return deepest


def _refuse_constant(name: str) -> None:
    raise BadJSON(_("%(constant)s is not a number JSON allows; send a finite number.", constant=name))


def _finite_float(literal: str) -> float:
    value = float(literal)
    if not math.isfinite(value):
        raise BadJSON(_("%(number)s is too large a number.", number=literal[:40]))
    return value
