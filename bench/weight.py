"""Bytes a browser receives for the login page and an assessment section page, with their CSS and
JavaScript (the stylesheet, the icon, each module and the modules it imports), on a first load and on a
repeat load, plain (no Accept-Encoding) and compressed (brotli; gzip).

The demo is built in a throwaway SQLite file with the real commands (flask db upgrade, content sync,
demo) and served by gunicorn, as in production; the figures are the bytes on the wire: the body as sent
and the response headers. A repeat load is what a browser with a cache asks again: every page, and each
asset whose Cache-Control does not keep it (no max-age, or no-cache) as a conditional request (304).
The "no caching" line counts a repeat load as if every asset were asked again without validators.

    .venv/bin/python bench/weight.py                      # gunicorn on a free port
    .venv/bin/python bench/weight.py --section 2          # another section of Brian's follow-up
"""

from __future__ import annotations

import argparse
import http.client
import os
import re
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[1]
OFFICIAL = "brian.otieno@example.org"  # took only the baseline: the demo's follow-up is open for him
PASSWORD = "capstack-demo-2026"  # noqa: S105 - the demo's, never in production
ENCODINGS = {"plain": None, "brotli": "br", "gzip": "gzip"}
_ASSET = re.compile(r'<(?:link|script)\b[^>]*\b(?:href|src)="(/static/[^"]+)"')
_IMPORT = re.compile(r"""(?:\bfrom\s*|\bimport\s*)["'](\.{1,2}/[^"']+)["']""")
_CSRF = re.compile(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"')


@dataclass
class Fetched:
    status: int
    headers: dict[str, str]
    body: bytes
    header_bytes: int


@dataclass
class Browser:
    """http.client with cookies and a cache of validators; counts what comes over the wire."""

    port: int
    encoding: str | None
    cookies: dict[str, str] = field(default_factory=dict)

    def fetch(self, path: str, *, method: str = "GET", form: dict | None = None,
              extra: dict[str, str] | None = None) -> Fetched:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
        headers = {**({"Accept-Encoding": self.encoding} if self.encoding else {}), **(extra or {})}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{name}={value}" for name, value in self.cookies.items())
        body = urlencode(form).encode() if form is not None else None
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        data = response.read()
        raw = response.msg.as_bytes()
        for value in response.msg.get_all("Set-Cookie") or []:
            name, _, rest = value.partition("=")
            self.cookies[name] = rest.split(";", 1)[0]
        connection.close()
        return Fetched(response.status, {key.lower(): value for key, value in response.getheaders()}, data,
                       len(raw) + len(f"HTTP/1.1 {response.status} {response.reason}\r\n"))

    def page_text(self, path: str) -> str:
        return _plain(self.fetch(path))


def _plain(fetched: Fetched) -> str:
    import gzip

    import brotli

    encoding = fetched.headers.get("content-encoding")
    decode = {"br": brotli.decompress, "gzip": gzip.decompress}.get(encoding, bytes)
    return decode(fetched.body).decode("utf-8")


def _assets(browser: Browser, html: str) -> list[str]:
    """Every static file the page makes a browser fetch: links, scripts and the modules they import."""
    found, queue = [], list(_ASSET.findall(html))
    while queue:
        url = queue.pop(0)
        if url in found:
            continue
        found.append(url)
        if url.endswith(".js"):
            base = url.rsplit("/", 1)[0]
            source = _plain(browser.fetch(url))
            queue += [os.path.normpath(f"{base}/{target}") for target in _IMPORT.findall(source)]
    return found


def _kept(headers: dict[str, str]) -> bool:
    directives = {part.strip().split("=")[0] for part in headers.get("cache-control", "").split(",")}
    return "max-age" in directives and "no-cache" not in directives and "no-store" not in directives


def _load(browser: Browser, page: str) -> dict[str, int]:
    """Bytes (body, headers) of a first load, a repeat load and a repeat load without any cache."""
    first = browser.fetch(page)
    html = _plain(first)
    assets = {url: browser.fetch(url) for url in _assets(browser, html)}
    totals = {"first": len(first.body) + first.header_bytes}
    totals["first"] += sum(len(got.body) + got.header_bytes for got in assets.values())
    again = browser.fetch(page)
    totals["repeat"] = totals["uncached"] = len(again.body) + again.header_bytes
    for url, got in assets.items():
        totals["uncached"] += len(got.body) + got.header_bytes
        if _kept(got.headers):
            continue
        validators = {"If-None-Match": got.headers.get("etag", ""),
                      "If-Modified-Since": got.headers.get("last-modified", "")}
        revalidated = browser.fetch(url, extra={key: value for key, value in validators.items() if value})
        totals["repeat"] += len(revalidated.body) + revalidated.header_bytes
    totals["html"] = len(first.body)
    totals["files"] = len(assets)
    return totals


def _signed_in(browser: Browser, section: int) -> str:
    """Sign Brian in, start (or continue) his open assessment and return the section's path."""
    token = _CSRF.search(browser.page_text("/auth/login"))[1]
    browser.fetch("/auth/login", method="POST",
                  form={"csrf_token": token, "email": OFFICIAL, "password": PASSWORD})
    campaigns = re.findall(r'href="(/assess/campaigns/\d+)"', browser.page_text("/assess/"))
    for campaign in campaigns:
        page = browser.page_text(campaign)
        attempt = re.search(r'href="/assess/attempts/(\d+)" role="button"', page)  # in progress: Continue
        if f'action="{campaign}/start"' in page:
            started = browser.fetch(f"{campaign}/start", method="POST",
                                    form={"csrf_token": _CSRF.search(page)[1]})
            attempt = re.search(r"/attempts/(\d+)", started.headers["location"])
        if attempt:
            return f"/assess/attempts/{attempt[1]}/sections/{section}"
    raise SystemExit(f"no assessment to start for {OFFICIAL} in {campaigns}")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _serve(scratch: str) -> tuple[subprocess.Popen, int]:
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{scratch}/demo.sqlite", "FLASK_APP": "wsgi",
           "CAPSTACK_CONFIG": "development", "LOG_LEVEL": "WARNING"}
    bin_dir = Path(sys.executable).parent
    for command in (["db", "upgrade"], ["content", "sync"], ["demo"]):
        subprocess.run([str(bin_dir / "flask"), *command], cwd=ROOT, env=env, check=True,  # noqa: S603
                       capture_output=True)
    port = _free_port()
    server = subprocess.Popen([str(bin_dir / "gunicorn"), "-w", "2", "-b", f"127.0.0.1:{port}", "wsgi:app"],  # noqa: S603
                              cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(300):  # until a worker answers, not merely the master listening
        try:
            probe = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            probe.request("GET", "/healthz")
            if probe.getresponse().status == 200:
                return server, port
        except OSError:
            time.sleep(0.2)
    server.terminate()
    raise SystemExit("gunicorn did not answer")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--section", type=int, default=2, help="which section of the assessment")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        server, port = _serve(scratch)
        try:
            rows = []
            for label, encoding in ENCODINGS.items():
                anonymous = Browser(port, encoding)
                rows.append((label, "login", _load(anonymous, "/auth/login")))
                official = Browser(port, encoding)
                section = _signed_in(official, args.section)
                rows.append((label, f"section {args.section}", _load(official, section)))
        finally:
            server.terminate()
            try:
                server.wait(timeout=40)
            except subprocess.TimeoutExpired:
                server.kill()
    print(f"{'encoding':<8} {'page':<10} {'files':>5} {'page KB':>8} {'first KB':>9} {'repeat KB':>10} "
          f"{'no caching KB':>14}")
    for label, page, totals in rows:
        print(f"{label:<8} {page:<10} {totals['files']:>5} {totals['html'] / 1024:>8.1f} "
              f"{totals['first'] / 1024:>9.1f} {totals['repeat'] / 1024:>10.1f} "
              f"{totals['uncached'] / 1024:>14.1f}")
    print("KB = 1,024 bytes on the wire, response headers included; page KB: the page's body alone.")


if __name__ == "__main__":
    main()
