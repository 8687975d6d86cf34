"""Link checks against a local HTTP server on 127.0.0.1: never the internet."""

from __future__ import annotations

import socket
import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import Job, Resource
from app.models.base import utcnow
from app.services import links
from tests.factories import ResourceFactory


class _Handler(BaseHTTPRequestHandler):
    """/ok 200 · /missing 404 · /no-head 405 on HEAD, 200 on GET · /moved 301 → /ok ·
    /loop redirects to itself · /slow answers after the client gave up · /error 500."""

    seen: list[tuple[str, str]] = []

    def do_HEAD(self):  # noqa: N802
        self._answer("HEAD")

    def do_GET(self):  # noqa: N802
        self._answer("GET")

    def _answer(self, method: str) -> None:
        self.seen.append((method, self.path))
        if self.path == "/ok":
            self._send(200)
        elif self.path == "/no-head":
            self._send(405 if method == "HEAD" else 200)
        elif self.path == "/moved":
            self._send(301, location="/ok")
        elif self.path == "/loop":
            self._send(302, location="/loop")
        elif self.path == "/slow":
            threading.Event().wait(1.5)
            self._send(200)
        elif self.path == "/error":
            self._send(500)
        else:
            self._send(404)

    def _send(self, status: int, location: str | None = None) -> None:
        body = b"hello" if self.command == "GET" else b""
        self.send_response(status)
        if location:
            self.send_header("Location", location)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if body:
            self.wfile.write(body)

    def log_message(self, *args):  # keep test output quiet
        pass


@pytest.fixture(scope="module")
def server():
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()


@pytest.fixture
def closed_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]  # nothing listens there once the socket is closed


def test_a_working_address_is_ok_with_a_head_request(server):
    _Handler.seen.clear()
    result = links.check_url(f"{server}/ok")
    assert (result.status, result.outcome) == (200, "ok")
    assert _Handler.seen == [("HEAD", "/ok")]


def test_a_missing_page_is_broken(server):
    result = links.check_url(f"{server}/missing")
    assert (result.status, result.outcome) == (404, "broken")
    assert links.check_url(f"{server}/error").status == 500


def test_a_server_refusing_head_is_asked_with_get(server):
    _Handler.seen.clear()
    result = links.check_url(f"{server}/no-head")
    assert (result.status, result.outcome) == (200, "ok")
    assert _Handler.seen == [("HEAD", "/no-head"), ("GET", "/no-head")]


def test_redirects_are_followed_and_keep_the_head_method(server):
    _Handler.seen.clear()
    result = links.check_url(f"{server}/moved")
    assert (result.status, result.outcome) == (200, "redirected")
    assert result.final_url == f"{server}/ok"
    assert _Handler.seen == [("HEAD", "/moved"), ("HEAD", "/ok")]


def test_a_redirect_loop_is_broken_not_endless(server):
    result = links.check_url(f"{server}/loop")
    assert result.outcome == "broken" and result.status == 302


def test_unreachable_addresses_record_0_and_never_raise(server, closed_port):
    assert links.check_url(f"http://127.0.0.1:{closed_port}/").status == 0
    assert links.check_url(f"{server}/slow", timeout=0.3).status == 0
    for bad in ["not a url", "", "ftp://127.0.0.1/x", "http://", "http://[::1"]:
        result = links.check_url(bad, timeout=0.5)
        assert result.status == 0 and result.outcome == "unreachable", bad


def test_checking_resources_records_statuses_and_counts_outcomes(server, closed_port):
    ok = ResourceFactory(code="ok", url=f"{server}/ok")
    moved = ResourceFactory(code="moved", url=f"{server}/moved")
    missing = ResourceFactory(code="missing", url=f"{server}/missing")
    no_head = ResourceFactory(code="no-head", url=f"{server}/no-head")
    down = ResourceFactory(code="down", url=f"http://127.0.0.1:{closed_port}/")
    retired = ResourceFactory(code="retired", url=f"{server}/missing", status="retired")
    calls = []

    summary = links.check_resources(db.session, workers=4, timeout=2,
                                    progress=lambda done, total: calls.append((done, total)))

    assert summary.counts == {"ok": 2, "redirected": 1, "broken": 1, "unreachable": 1}
    assert summary.broken == [("down", 0), ("missing", 404)]
    assert summary.line() == "5 checked: 2 ok, 1 redirected, 1 broken, 1 unreachable"
    assert [ok.link_status, moved.link_status, missing.link_status, no_head.link_status,
            down.link_status] == [200, 200, 404, 200, 0]
    assert all(r.link_checked_at is not None for r in (ok, moved, missing, no_head, down))
    assert retired.link_status is None and retired.link_checked_at is None
    assert calls[0] == (0, 5) and calls[-1] == (5, 5) and len(calls) == 6


def test_only_stale_checks_skip_recently_checked_links(server):
    ResourceFactory(code="recent", url=f"{server}/ok", link_status=200,
                    link_checked_at=utcnow() - timedelta(days=2))
    old = ResourceFactory(code="old", url=f"{server}/missing", link_status=200,
                          link_checked_at=utcnow() - timedelta(days=40))
    never = ResourceFactory(code="never", url=f"{server}/ok")
    assert [code for _, code, _ in links.resources_to_check(db.session, stale_days=7)] == ["old", "never"]
    summary = links.check_resources(db.session, stale_days=7, timeout=2)
    assert summary.total == 2 and old.link_status == 404 and never.link_status == 200


def test_flask_links_check_prints_a_summary(app, server, closed_port):
    ResourceFactory(code="fine", url=f"{server}/ok")
    ResourceFactory(code="gone", url=f"{server}/missing")
    ResourceFactory(code="dead", url=f"http://127.0.0.1:{closed_port}/")
    result = app.test_cli_runner().invoke(args=["links", "check", "--timeout", "2"])
    assert result.exit_code == 0, result.output
    assert "3 checked: 1 ok, 0 redirected, 1 broken, 1 unreachable" in result.output
    assert "gone: 404" in result.output and "dead: unreachable" in result.output
    statuses = dict(db.session.execute(select(Resource.code, Resource.link_status)).all())
    assert statuses == {"fine": 200, "gone": 404, "dead": 0}

    again = app.test_cli_runner().invoke(args=["links", "check", "--only-stale-days", "1"])
    assert again.exit_code == 0 and "0 checked" in again.output


def test_the_link_check_job_records_progress_and_its_summary(app, server):
    from app.jobs import enqueue

    ResourceFactory(code="fine", url=f"{server}/ok")
    ResourceFactory(code="gone", url=f"{server}/missing")
    with app.test_request_context():
        job = enqueue("links.check", {"stale_days": None})
    job = db.session.get(Job, job.id)
    assert job.status == "done", job.message
    assert (job.done, job.total) == (2, 2)
    assert job.message == "2 checked: 1 ok, 0 redirected, 1 broken, 0 unreachable"
