"""Background jobs: on RQ when REDIS_URL is set, otherwise inline, in the request that asked.

A job is a row in ``jobs`` (kind, params, progress) plus a handler registered under its kind.
Handlers take the Job and a ``progress(done, total)`` callback and run inside an app context.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

import click
from flask import Flask, Response, abort, current_app
from flask.cli import with_appcontext

from app.authz import get_scoped_or_404
from app.extensions import db
from app.models import Job
from app.models.base import utcnow
from app.services import outbox

log = logging.getLogger("capstack.jobs")
Handler = Callable[[Job, Callable[[int, int], None]], str | None]
HANDLERS: dict[str, Handler] = {}


def handler(kind: str) -> Callable[[Handler], Handler]:
    """Register the function that runs jobs of ``kind``."""

    def register(function: Handler) -> Handler:
        HANDLERS[kind] = function
        return function

    return register


def job_or_404(job_id: int, *kinds: str) -> Job:
    """The job, if it is of one of ``kinds`` and in a country the current user may see; else 404."""
    job = get_scoped_or_404(Job, job_id, lambda j: j.country_id)
    if job.kind not in kinds:
        abort(404)
    return job


def enqueue(kind: str, params: dict, *, country_id: int | None = None,
            created_by_id: int | None = None) -> Job:
    """Record a job and start it: on the RQ queue when Redis is configured, else right now."""
    if kind not in HANDLERS:
        raise KeyError(f"no handler for job kind {kind!r}")
    job = Job(kind=kind, params=params, country_id=country_id, created_by_id=created_by_id)
    db.session.add(job)
    db.session.commit()
    start(job.id)
    return job


def start(job_id: int) -> None:
    """Start a job already recorded and committed: on the RQ queue when Redis is configured, else now."""
    redis_url = current_app.config.get("REDIS_URL")
    if redis_url:
        from redis import Redis
        from rq import Queue

        Queue("capstack", connection=Redis.from_url(redis_url)).enqueue(
            "app.jobs.run_in_worker", job_id, job_timeout=3600
        )
    else:
        run(job_id)


def start_committed(response: Response) -> Response:
    """After a request: start the jobs its transactions wrote through app.services.outbox and committed.

    Registered with ``app.after_request``. The response is already built, so a job that fails here is
    recorded as failed on its row and never turns the page into an error.
    """
    if db.session.registry.has():
        for job_id in outbox.take_committed(db.session):
            try:
                start(job_id)
            except Exception:  # e.g. Redis unreachable: the row stays queued
                db.session.rollback()
                log.exception("job %s could not be started", job_id)
    return response


def run(job_id: int) -> None:
    """Run one job in the current app context, recording progress and the outcome."""
    job = db.session.get(Job, job_id)
    if job is None or job.status in ("done", "running"):
        return
    job.status = "running"
    db.session.commit()

    def progress(done: int, total: int) -> None:
        job.done, job.total = done, total
        db.session.commit()

    try:
        message = HANDLERS[job.kind](job, progress)
    except Exception as exc:  # a job's failure is recorded, never lost
        db.session.rollback()
        log.exception("job %s (%s) failed", job.id, job.kind)
        job = db.session.get(Job, job_id)
        job.status, job.message = "failed", f"{type(exc).__name__}: {exc}"
    else:
        job.status, job.message = "done", message or ""
    job.finished_at = utcnow()
    db.session.commit()


_worker_app: Flask | None = None


def run_in_worker(job_id: int) -> None:
    """Entry point for the RQ worker process: build the app once, then run the job."""
    global _worker_app
    if _worker_app is None:
        from app import create_app

        _worker_app = create_app()
    with _worker_app.app_context():
        run(job_id)


@click.group("jobs", help="Background jobs.")
def jobs_cli() -> None:
    pass


@jobs_cli.command("worker")
@with_appcontext
def worker() -> None:
    """Run an RQ worker for the capstack queue (needs REDIS_URL)."""
    redis_url = current_app.config.get("REDIS_URL")
    if not redis_url:
        raise click.ClickException("REDIS_URL is not set: without Redis, jobs run inline")
    from redis import Redis
    from rq import Queue, Worker

    connection = Redis.from_url(redis_url)
    Worker([Queue("capstack", connection=connection)], connection=connection).work()
