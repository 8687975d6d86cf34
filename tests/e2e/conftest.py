"""End-to-end: a real server (flask run on a throwaway SQLite file with the demo country) and Debian's
Chromium driven by Playwright. Without /usr/bin/chromium these tests are skipped, except in CI, where
a missing browser is a failure (make test installs it where it can)."""

from __future__ import annotations

import os
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.request
from contextlib import closing
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
BROWSER_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--no-first-run"]
PASSWORD = "capstack-demo-2026"


def _flask(env: dict[str, str], *args: str) -> None:
    subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", *args], cwd=ROOT, env=env,  # noqa: S603
                   check=True, capture_output=True)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _require_browser() -> None:
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI"):
            pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium package")
        pytest.skip(f"{CHROMIUM} is not installed (apt-get install chromium)")


def _env(database: Path) -> dict[str, str]:
    return {**os.environ, "DATABASE_URL": f"sqlite:///{database}", "CAPSTACK_CONFIG": "development"}


@pytest.fixture(scope="session")
def demo_file(tmp_path_factory) -> Path:
    """The demo country, built once a run as the Quick start builds it (migrations, content, demo);
    each server starts from a copy of it."""
    _require_browser()
    database = tmp_path_factory.mktemp("demo") / "demo.sqlite"
    for command in (("db", "upgrade"), ("content", "sync"), ("demo",)):
        _flask(_env(database), *command)
    return database


def _serve(folder: Path, demo: Path):
    """A fresh server on its own copy of the demo; yields its base URL."""
    database = folder / "e2e.sqlite"
    with closing(sqlite3.connect(demo)) as source, closing(sqlite3.connect(database)) as copy:
        source.backup(copy)  # whole and consistent, whatever the write-ahead log holds
    env = _env(database)
    port = _free_port()
    server = subprocess.Popen([sys.executable, "-m", "flask", "--app", "wsgi", "run", "--port", str(port)],  # noqa: S603
                              cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):  # up to a minute on a loaded machine
            try:
                with urllib.request.urlopen(base + "/healthz", timeout=1):  # noqa: S310 - our own server
                    break
            except OSError:
                time.sleep(0.2)
        else:
            pytest.fail("the server did not answer /healthz")
        yield base
    finally:
        server.terminate()
        server.wait(timeout=10)


@pytest.fixture(scope="session")
def live_server(tmp_path_factory, demo_file):
    """The server the read-mostly tests share (accessibility, autosave)."""
    yield from _serve(tmp_path_factory.mktemp("e2e"), demo_file)


@pytest.fixture(scope="module")
def journey_server(tmp_path_factory, demo_file):
    """A server of a journey's own: a journey changes the demo data (submits, publishes, edits), so
    each test module that drives one gets a fresh demo and leaves the shared server as it was."""
    yield from _serve(tmp_path_factory.mktemp("journey"), demo_file)


@pytest.fixture(scope="session")
def chromium():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=BROWSER_ARGS)
        yield browser
        browser.close()


def _signer(chromium, base: str, contexts: list, **context_options):
    def open_page(email: str | None):
        context = chromium.new_context(**context_options)
        contexts.append(context)
        page = context.new_page()
        if email:
            page.goto(base + "/auth/login")
            page.fill("#email", email)
            page.fill("#password", PASSWORD)
            page.click("button:has-text('Sign in')")
            page.wait_for_url(base + "/")
        return page

    return open_page


@pytest.fixture
def sign_in(chromium, live_server):
    """sign_in(email) -> a page signed in as that demo account (None: anonymous)."""
    contexts: list = []
    yield _signer(chromium, live_server, contexts)
    for context in contexts:
        context.close()


@pytest.fixture
def journey(chromium, journey_server, request):
    """A journey on its own server: ``journey.sign_in(email)`` opens a page signed in (at the phone
    width, 390 px, unless the test asks for another), and ``journey.check(page, name)`` checks the page
    as the journey leaves it at both widths (axe, nothing wider than the screen) and saves its
    screenshots (tests/e2e/journeys.py)."""
    from tests.e2e.journeys import Journey

    contexts: list = []
    yield Journey(journey_server, _signer(chromium, journey_server, contexts,
                                          viewport={"width": 390, "height": 844}),
                  request.node.name)
    for context in contexts:
        context.close()
