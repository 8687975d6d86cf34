"""Link checking: the HTTP status of each published resource's address, checked a few at a time.

A check never raises: an address that cannot be reached records 0. The network work happens in
worker threads that never touch the database; results are written by the caller's thread.
"""

from __future__ import annotations

import urllib.error
import urllib.request
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from app.models import Resource
from app.models.base import utcnow
from app.services.catalogue import PUBLISHED

TIMEOUT = 10.0
WORKERS = 8
USER_AGENT = "CapStack-link-check/1.0 (checks that curated learning resources are still online)"
UNREACHABLE = 0
OK, REDIRECTED, BROKEN = "ok", "redirected", "broken"
OUTCOMES = (OK, REDIRECTED, BROKEN, "unreachable")


@dataclass(frozen=True)
class LinkResult:
    url: str
    status: int  # the final HTTP status, 0 when unreachable
    final_url: str
    error: str = ""

    @property
    def redirected(self) -> bool:
        return self.final_url != self.url

    @property
    def outcome(self) -> str:
        if self.status == UNREACHABLE:
            return "unreachable"
        if not 200 <= self.status < 300:  # 4xx, 5xx, or a 3xx left over from a redirect loop
            return BROKEN
        return REDIRECTED if self.redirected else OK


class _KeepMethodRedirects(urllib.request.HTTPRedirectHandler):
    """urllib turns a redirected HEAD into a GET; keep it a HEAD, so no body is fetched. Follow
    redirects to http(s) addresses only (urllib would follow one to ftp://)."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        if not newurl.lower().startswith(("http://", "https://", "/")):
            raise urllib.error.HTTPError(req.full_url, code, f"redirect to {newurl}", headers, fp)
        new = super().redirect_request(req, fp, code, msg, headers, newurl)
        if new is not None and req.get_method() == "HEAD":
            new.method = "HEAD"
        return new


def _opener() -> urllib.request.OpenerDirector:
    return urllib.request.build_opener(_KeepMethodRedirects())


def check_url(url: str, *, timeout: float = TIMEOUT) -> LinkResult:
    """HEAD ``url`` (GET when the server refuses HEAD with 405 or 501), following redirects.
    Never raises."""
    result = _request(url, "HEAD", timeout)
    if result.status in (405, 501):
        result = _request(url, "GET", timeout)
    return result


def _request(url: str, method: str, timeout: float) -> LinkResult:
    if not url.lower().startswith(("http://", "https://")):
        return LinkResult(url, UNREACHABLE, url, error="not an http(s) address")
    try:
        request = urllib.request.Request(url, method=method, headers={  # noqa: S310 - http(s) only
            "User-Agent": USER_AGENT, "Accept": "text/html,application/xhtml+xml,*/*;q=0.8"})
        with _opener().open(request, timeout=timeout) as response:
            return LinkResult(url, response.status, response.geturl())
    except urllib.error.HTTPError as exc:  # an HTTP answer: 4xx, 5xx, or a redirect loop
        exc.close()
        return LinkResult(url, exc.code, exc.geturl() or url)
    except Exception as exc:  # noqa: BLE001 - refused, timed out, bad TLS, bad address: never raise
        return LinkResult(url, UNREACHABLE, url, error=f"{type(exc).__name__}: {exc}")


@dataclass
class Summary:
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(OUTCOMES, 0))
    broken: list[tuple[str, int]] = field(default_factory=list)  # (resource code, status)

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def line(self) -> str:
        return (f"{self.total} checked: {self.counts[OK]} ok, {self.counts[REDIRECTED]} redirected, "
                f"{self.counts[BROKEN]} broken, {self.counts['unreachable']} unreachable")


def resources_to_check(session: Session, *, stale_days: int | None = None,
                       now: datetime | None = None) -> list[tuple[int, str, str]]:
    """(id, code, url) of published resources, only those not checked for ``stale_days`` if given."""
    stmt = select(Resource.id, Resource.code, Resource.url).where(Resource.status == PUBLISHED)
    if stale_days is not None:
        cutoff = (now or utcnow()) - timedelta(days=stale_days)
        stmt = stmt.where(or_(Resource.link_checked_at.is_(None), Resource.link_checked_at < cutoff))
    return [tuple(row) for row in session.execute(stmt.order_by(Resource.id))]


def check_resources(
    session: Session, *, stale_days: int | None = None,
    targets: list[tuple[int, str, str]] | None = None,
    progress: Callable[[int, int], None] | None = None,
    workers: int = WORKERS, timeout: float = TIMEOUT,
    checker: Callable[..., LinkResult] | None = None,
) -> Summary:
    """Check every published resource's address (or only those not checked for ``stale_days``),
    ``workers`` at a time, and record ``link_status`` and ``link_checked_at``. ``targets`` (from
    ``resources_to_check``) replaces the query when given. ``progress(done, total)`` is called in
    this thread before the first result and after each. The caller commits."""
    checker = checker or check_url
    if targets is None:
        targets = resources_to_check(session, stale_days=stale_days)
    summary = Summary()
    total = len(targets)
    if progress:
        progress(0, total)
    if not targets:
        return summary
    with ThreadPoolExecutor(max_workers=max(1, workers), thread_name_prefix="link-check") as pool:
        futures = {pool.submit(checker, url, timeout=timeout): (resource_id, code)
                   for resource_id, code, url in targets}
        for done, future in enumerate(as_completed(futures), start=1):
            resource_id, code = futures[future]
            result = future.result()  # check_url never raises
            resource = session.get(Resource, resource_id)
            if resource is not None:
                resource.link_status, resource.link_checked_at = result.status, utcnow()
            summary.counts[result.outcome] += 1
            if result.outcome in (BROKEN, "unreachable"):
                summary.broken.append((code, result.status))
            if progress:
                progress(done, total)
    session.flush()
    summary.broken.sort()
    return summary
