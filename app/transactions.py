"""Writing at the end of a request that only read until then (a GET that records an audit event).

On SQLite a transaction that has read and then writes cannot wait for the write lock: if anyone committed
in between, it fails at once with "database is locked". Requests that may write (POST and the like) begin
as writers (``BEGIN IMMEDIATE``, app/__init__.py); a GET begins as a reader, so a download's audit event
goes through ``begin_writing``: the reading transaction ends, and the next one begins as a writer and
waits its turn. On PostgreSQL it only commits, which ends a transaction that wrote nothing.
"""

from __future__ import annotations

from flask import g, has_request_context, request

from app.extensions import db

SAFE_METHODS = ("GET", "HEAD", "OPTIONS")


def begin_writing() -> None:
    """End the request's reading transaction; the next one begins as a writer. What was read stays
    loaded (the transaction wrote nothing, so nothing needs reloading: the user, the selection)."""
    session = db.session()
    expire, session.expire_on_commit = session.expire_on_commit, False
    try:
        session.commit()
    finally:
        session.expire_on_commit = expire
    g.begin_writing = True


def request_writes() -> bool:
    """Whether the transaction beginning now, in this request, may write."""
    return has_request_context() and (request.method not in SAFE_METHODS or g.get("begin_writing", False))
