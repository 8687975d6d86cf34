"""Background jobs: on RQ when REDIS_URL is set, otherwise inline, in the request that asked.

A job is a row in ``jobs`` (kind, params, progress) plus a handler registered under its kind.
Handlers take the Job and a ``progress(done, total)`` callback and run inside an app context.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

import click
from flask import Flask, Response, abort, current_app, g, has_request_context
from flask.cli import with_appcontext

from app import mailer
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


class QueueUnavailable(RuntimeError):
    """REDIS_URL is set but Redis does not answer: refuse a background action before writing anything."""


def _redis():
    from redis import Redis

    return Redis.from_url(current_app.config["REDIS_URL"], socket_connect_timeout=1, socket_timeout=2)


def queue_state() -> str:
    """"inline" (no REDIS_URL: jobs run in the request that asks), "ok", or "down"; asked of Redis once
    per request (a route checks before writing, and ``add`` again for callers that did not)."""
    if not current_app.config.get("REDIS_URL"):
        return "inline"
    if has_request_context() and "queue_state" in g:
        return g.queue_state
    try:
        _redis().ping()
    except Exception:  # noqa: BLE001 - refused, timed out, wrong password: all mean "not answering"
        state = "down"
    else:
        state = "ok"
    if has_request_context():
        g.queue_state = state
    return state


def require_queue() -> None:
    """Raise QueueUnavailable when Redis is configured and down. Call it before writing anything."""
    if queue_state() == "down":
        log.warning("the job queue (Redis) does not answer: a background action was refused")
        raise QueueUnavailable


def add(kind: str, params: dict, *, country_id: int | None = None,
        created_by_id: int | None = None) -> Job:
    """A job in the current transaction, with whatever else the action writes; it starts once that
    commits (app.services.outbox). Refused with QueueUnavailable, before the job is written, when the
    queue is down: the caller's transaction is then rolled back (app.errors does so for requests)."""
    if kind not in HANDLERS:
        raise KeyError(f"no handler for job kind {kind!r}")
    require_queue()
    job = outbox.add(db.session, Job(kind=kind, params=params, country_id=country_id,
                                     created_by_id=created_by_id))
    db.session.flush()
    return job


def enqueue(kind: str, params: dict, *, country_id: int | None = None,
            created_by_id: int | None = None) -> Job:
    """Record a job on its own, commit, and start it (for actions that write nothing else)."""
    job = add(kind, params, country_id=country_id, created_by_id=created_by_id)
    db.session.commit()
    start_pending()
    return job


def start(job_id: int) -> None:
    """Start a job already recorded and committed: on the RQ queue when Redis is configured, else now."""
    if current_app.config.get("REDIS_URL"):
        from rq import Queue

        Queue("capstack", connection=_redis()).enqueue("app.jobs.run_in_worker", job_id, job_timeout=3600)
    else:
        run(job_id)


def start_pending() -> None:
    """Start the jobs the current session has committed through app.services.outbox. If the queue has
    gone away since they were written, they run here and now rather than wait for ever."""
    for job_id in outbox.take_committed(db.session):
        try:
            start(job_id)
        except Exception:  # noqa: BLE001 - Redis went down between the check and the start
            db.session.rollback()
            log.warning("job %s could not be queued (Redis unreachable): running it inline", job_id)
            run(job_id)


def start_committed(response: Response) -> Response:
    """After a request: start the jobs its transactions wrote through app.services.outbox and committed.

    Registered with ``app.after_request``. The response is already built, so a job that fails here is
    recorded as failed on its row and never turns the page into an error.
    """
    if db.session.registry.has():
        try:
            start_pending()
        except Exception:  # e.g. the database went away: the rows stay queued for `flask jobs resume`
            db.session.rollback()
            log.exception("jobs could not be started after the request")
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
        mailer.deliver_committed()

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
    mailer.deliver_committed()  # the e-mail the job's transactions wrote, now that they have committed


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
@click.option("--burst", is_flag=True, help="Run what is queued, then stop (cron, a catch-up).")
@with_appcontext
def worker(burst: bool) -> None:
    """Run an RQ worker for the capstack queue (needs REDIS_URL)."""
    redis_url = current_app.config.get("REDIS_URL")
    if not redis_url:
        raise click.ClickException("REDIS_URL is not set: without Redis, jobs run inline")
    from redis import Redis
    from rq import Queue, Worker

    connection = Redis.from_url(redis_url)
    Worker([Queue("capstack", connection=connection)], connection=connection).work(burst=burst)


@jobs_cli.command("resume")
@click.option("--older-than", default=5, show_default=True, help="Minutes a job has waited in the queue.")
@with_appcontext
def resume(older_than: int) -> None:
    """Start the jobs still queued after OLDER_THAN minutes (the process that wrote them died first)."""
    from datetime import timedelta

    from sqlalchemy import select

    cutoff = utcnow() - timedelta(minutes=older_than)
    ids = list(db.session.scalars(select(Job.id).where(Job.status == "queued", Job.created_at < cutoff)))
    for job_id in ids:
        start(job_id)
    click.echo(f"{len(ids)} queued jobs started")
