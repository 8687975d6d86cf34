"""End-to-end: a real server (flask run on a throwaway SQLite file with the demo country) and Debian's
Chromium driven by Playwright. Without /usr/bin/chromium these tests are skipped, except in CI, where
a missing browser is a failure (make test installs it where it can)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
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


@pytest.fixture(scope="session")
def live_server(tmp_path_factory):
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI"):
            pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium package")
        pytest.skip(f"{CHROMIUM} is not installed (apt-get install chromium)")
    database = tmp_path_factory.mktemp("e2e") / "e2e.sqlite"
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{database}", "CAPSTACK_CONFIG": "development"}
    for command in (("db", "upgrade"), ("content", "sync"), ("demo",)):
        _flask(env, *command)
    port = _free_port()
    server = subprocess.Popen([sys.executable, "-m", "flask", "--app", "wsgi", "run", "--port", str(port)],  # noqa: S603
                              cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
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
def chromium():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=BROWSER_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def sign_in(chromium, live_server):
    """sign_in(email) -> a page signed in as that demo account (None: anonymous)."""
    contexts = []

    def open_page(email: str | None):
        context = chromium.new_context()
        contexts.append(context)
        page = context.new_page()
        if email:
            page.goto(live_server + "/auth/login")
            page.fill("#email", email)
            page.fill("#password", PASSWORD)
            page.click("button:has-text('Sign in')")
            page.wait_for_url(live_server + "/")
        return page

    yield open_page
    for context in contexts:
        context.close()
