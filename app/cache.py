"""The cache of computed figures (Flask-Caching): Redis when REDIS_URL is set, so every app instance
shares it, else each process's memory (config CACHE_*).

What is cached is keyed by the data version in the database (app.services.evaluation.data_version),
so nothing needs deleting when the data changes: the next request asks for a key no one has written.
The cache only ever saves work. When it cannot be reached (Redis down, a value it cannot read back),
``remember`` computes the value as if nothing were cached and logs a warning; it never fails a page.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TypeVar

from flask_caching import Cache

log = logging.getLogger(__name__)
cache = Cache()

T = TypeVar("T")
_MISSING = object()


def remember(key: str, compute: Callable[[], T]) -> T:
    """The value cached under ``key``, else ``compute()``, stored under ``key`` for the next request."""
    found = _read(key)
    if found is not _MISSING:
        return found  # type: ignore[return-value]
    value = compute()
    try:
        cache.set(key, value)
    except Exception as error:  # noqa: BLE001 - a cache that fails is a cache that is not there
        log.warning("cache: not stored (%s: %s)", type(error).__name__, error)
    return value


def _read(key: str) -> object:
    try:
        found = cache.get(key)
    except Exception as error:  # noqa: BLE001 - Redis down, or an entry that no longer unpickles
        log.warning("cache: not read, computing instead (%s: %s)", type(error).__name__, error)
        return _MISSING
    return _MISSING if found is None else found
