"""The dashboard's tables and charts, computed once per data version and request (app.cache).

A key holds everything a figure depends on: the data version (and the learning one, for figures
about learning) and campaign windows (read from the
database before the figures, so figures newer than their key may be stored, never older ones), what
is asked for (a page's tables, one table, one chart), the selection (countries in scope, the country
picked, the filters), the release settings (threshold, noise and its key), the language and the
viewer's role. A focal point of one country and one of another never share a key, whatever they ask.
A rendered part of a page is keyed by the templates too, so a new release never serves an old one.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import TypeVar

from flask import g
from flask_babel import get_locale
from flask_login import current_user

from app.cache import remember
from app.dashboard.selection import Selection
from app.extensions import db
from app.services.evaluation import data_version
from app.services.evaluation.release import Release

T = TypeVar("T")


def cached(what: str, selection: Selection, release: Release, compute: Callable[[], T], *,
           learning: bool = False) -> T:
    """``compute()`` for ``what`` under this request's selection, from the cache when it holds it.
    ``learning``: the figures count officials' learning, so the learning data version keys them too
    (every other figure stays cached while officials work on their plans)."""
    version = _version()
    token = version.with_learning if learning else version.token
    return remember(key(token, what, selection, release), compute)


def _version() -> data_version.DataVersion:
    """The data versions, read once per request (before any figure it computes): a page's rendered
    part and its tables are keyed by the same reading."""
    if "dashboard_data_version" not in g:
        g.dashboard_data_version = data_version.current(db.session, datetime.now(UTC))
    return g.dashboard_data_version


def rendered(what: str, selection: Selection, release: Release, render: Callable[[], T], *,
             learning: bool = False) -> T:
    """``cached`` for HTML rendered from the templates: the key also names the templates' version."""
    return cached(f"{what}:{templates_version()}", selection, release, render, learning=learning)


@cache
def templates_version() -> str:
    """A digest of every template, read once per process (templates change with a release)."""
    digest = hashlib.sha256()
    for path in sorted((Path(__file__).resolve().parent.parent / "templates").rglob("*.html")):
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def key(version: str, what: str, selection: Selection, release: Release) -> str:
    scope = "all" if selection.scope is None else ",".join(str(c) for c in sorted(selection.scope))
    args = "&".join(f"{name}={value}" for name, value in sorted(selection.args.items()))
    secret = hashlib.sha256(release.secret).hexdigest()[:16]
    parts = (version, what, f"scope={scope}", args, f"k={release.k}", f"noise={release.noise}", secret,
             str(get_locale() or "en"), str(current_user.role))
    return "dashboard:" + hashlib.sha256("|".join(parts).encode()).hexdigest()
