"""Addresses on this site that the app may send a browser back to (after sign-in, from an error page)."""

from __future__ import annotations

import unicodedata
from urllib.parse import urlsplit

from werkzeug.urls import iri_to_uri


def same_site_path(target: str | None) -> str | None:
    """``target`` if it is a path on this site, else None.

    Judged as Werkzeug will send it (``iri_to_uri`` drops tabs and newlines, so "/<tab>/evil" would
    leave as "//evil"); anything with a control character or whitespace is refused outright, and so
    is a backslash, which browsers read as a slash."""
    if not target or "\\" in target or any(
            char.isspace() or unicodedata.category(char).startswith("C") for char in target):
        return None
    try:
        sent = iri_to_uri(target)
        parts = urlsplit(sent)
    except ValueError:  # e.g. an unclosed "[" read as an IPv6 host
        return None
    if parts.scheme or parts.netloc or any(not form.startswith("/") or form.startswith("//")
                                           for form in (target, sent)):
        return None
    return target


def same_site_referrer(referrer: str | None, host: str) -> str | None:
    """The path (and query) of ``referrer`` if it is a page of this site (``host``), else None."""
    if not referrer:
        return None
    try:
        parts = urlsplit(referrer)
    except ValueError:
        return None
    if parts.netloc != host:
        return None
    return same_site_path(parts.path + (f"?{parts.query}" if parts.query else ""))
