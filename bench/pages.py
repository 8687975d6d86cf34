"""Time every key page under gunicorn on bench/national.py's database, as multiples of a hello route.

    .venv/bin/python bench/pages.py [--database capstack_national] [--workers 2] [--repeat 20]
                                    [--pages section,autosave,...] [--budget 90] [--timeout 60]

Serves bench/pages_app.py (the app plus ``/__hello``, which touches neither the database nor a
template) with gunicorn, ``--workers`` sync workers, on the database, and signs in as the actors
national.py made. For each page: the server is started afresh and the page's first request timed
(cold); then the page and the hello route are requested in turn ``--repeat`` times (warm; fewer when
the page's requests pass ``--budget`` seconds), one request at a time. Figures are ratios to the hello
route of the same server in the same run ("hello-units"): the cold time over the hello mean, the warm
mean over the hello mean (the throughput ratio, inverted), the warm p95 over the hello p95. A page
that answers with an error or takes longer than ``--timeout`` seconds is reported as such.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import re
import signal
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

import psycopg

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.national import ADMIN, FOCAL, PASSWORD, database_url  # noqa: E402

CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


class Client:
    """One signed-in browser: its cookies and CSRF token; a new connection per request, as gunicorn's
    sync workers close each one."""

    def __init__(self, port: int, timeout: float):
        self.port, self.timeout = port, timeout
        self.cookies: dict[str, str] = {}
        self.csrf = ""

    def request(self, method: str, path: str, body: bytes | None = None,
                headers: dict[str, str] | None = None) -> tuple[int, bytes]:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=self.timeout)
        sent = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items()), **(headers or {})}
        try:
            connection.request(method, path, body=body, headers=sent)
            response = connection.getresponse()
            data = response.read()
        finally:
            connection.close()
        for name, value in response.getheaders():
            if name.lower() == "set-cookie":
                key, _, rest = value.partition("=")
                self.cookies[key] = rest.split(";", 1)[0]
        found = CSRF.search(data.decode("utf-8", "replace")) if b"csrf_token" in data else None
        if found:
            self.csrf = found.group(1)
        return response.status, data

    def sign_in(self, email: str) -> None:
        self.request("GET", "/auth/login")
        form = urlencode({"csrf_token": self.csrf, "email": email, "password": PASSWORD}).encode()
        status, _ = self.request("POST", "/auth/login", form,
                                 {"Content-Type": "application/x-www-form-urlencoded"})
        if status != 302:
            sys.exit(f"signing in as {email} gave HTTP {status}: run bench/national.py first")
        self.request("GET", "/catalogue/")  # a page with the sign-out form: its CSRF token, for autosave


@dataclass(frozen=True)
class Page:
    name: str
    actor: str  # official | focal | admin
    method: str
    path: str
    body: object = None  # JSON for a POST


def pages(database: str) -> list[Page]:
    """The key pages, with the ids the official's attempts have in this database."""
    with psycopg.connect(database_url(database)) as conn:
        official, in_progress, submitted, item = conn.execute("""
            SELECT u.email, a.id, b.id, (SELECT i.id FROM items i JOIN attempt_items ai ON ai.item_id = i.id
                                         WHERE ai.attempt_id = a.id AND i.kind = 'self_rating' LIMIT 1)
            FROM attempts a JOIN users u ON u.id = a.user_id
            JOIN attempts b ON b.user_id = u.id AND b.status = 'submitted'
            WHERE a.status = 'in_progress' AND u.password_hash IS NOT NULL
            ORDER BY b.id DESC LIMIT 1""").fetchone()
    attempt = f"/assess/attempts/{in_progress}"
    return [
        Page("section", official, "GET", f"{attempt}/sections/2"),
        Page("autosave", official, "POST", f"{attempt}/answers", {"item": item, "value": 2}),
        Page("results", official, "GET", f"/assess/attempts/{submitted}/results"),
        Page("plan", official, "GET", "/learn/"),
        Page("catalogue-search", official, "GET", "/catalogue/?q=data"),
        Page("dashboard", FOCAL, "GET", "/dashboard/"),
        Page("skills", FOCAL, "GET", "/dashboard/skills"),
        Page("change", FOCAL, "GET", "/dashboard/change"),
        Page("learning", FOCAL, "GET", "/dashboard/learning"),
        Page("countries", ADMIN, "GET", "/dashboard/countries"),
        Page("heatmap-svg", FOCAL, "GET", "/dashboard/chart/heatmap.svg"),
        Page("heatmap-csv", FOCAL, "GET", "/dashboard/export/heatmap.csv"),
    ]


# The bare SQL GROUP BY over the rows a dashboard page reads, timed right before the page's cold
# request: the floor a page that groups those rows in the database cannot go under. A page that reads
# more than one set of rows (the change page: the pairs of results, every cycle's results for the
# trend, the pairs of attempts for the pairing; the learning page: plans, progress, feedback, follow-ups
# and enrolments) has one bare GROUP BY per set, and the floor is their sum.
LATEST_RESULTS = """SELECT r.competency_id, count(*), sum(r.gap) FROM (
        SELECT id, row_number() OVER (PARTITION BY user_id ORDER BY submitted_at DESC, id DESC) AS rank
        FROM attempts WHERE status = 'submitted' AND country_id = %(country)s) latest
    JOIN competency_results r ON r.attempt_id = latest.id WHERE latest.rank = 1 GROUP BY r.competency_id"""
PAIRED_RESULTS = """SELECT c.id, a.competency_id, count(*), sum(a.calibrated_level - b.calibrated_level)
    FROM attempts f JOIN campaigns c ON c.id = f.campaign_id AND c.baseline_id IS NOT NULL
    JOIN attempts base ON base.campaign_id = c.baseline_id AND base.user_id = f.user_id
                      AND base.status = 'submitted'
    JOIN competency_results a ON a.attempt_id = f.id
    JOIN competency_results b ON b.attempt_id = base.id AND b.competency_id = a.competency_id
    WHERE f.status = 'submitted' AND f.country_id = %(country)s GROUP BY c.id, a.competency_id"""
CYCLE_RESULTS = """SELECT a.campaign_id, r.competency_id, count(*), sum(r.calibrated_level)
    FROM attempts a JOIN competency_results r ON r.attempt_id = a.id
    WHERE a.status = 'submitted' AND a.country_id = %(country)s GROUP BY a.campaign_id, r.competency_id"""
PAIRED_ATTEMPTS = """SELECT c.id, f.organisation_id, count(*)
    FROM attempts f JOIN campaigns c ON c.id = f.campaign_id AND c.baseline_id IS NOT NULL
    JOIN attempts base ON base.campaign_id = c.baseline_id AND base.user_id = f.user_id
                      AND base.status = 'submitted'
    WHERE f.status = 'submitted' AND f.country_id = %(country)s GROUP BY c.id, f.organisation_id"""
INVITED = """SELECT i.campaign_id, a.status, count(*) FROM invitations i
    JOIN campaigns c ON c.id = i.campaign_id AND c.country_id = %(country)s
    LEFT JOIN attempts a ON a.campaign_id = i.campaign_id AND a.user_id = i.user_id
    GROUP BY i.campaign_id, a.status"""


def _every_country(sql: str) -> str:
    for condition in ("AND f.country_id = %(country)s", "AND country_id = %(country)s",
                      "AND c.country_id = %(country)s"):
        sql = sql.replace(condition, "")
    return sql


BARE = {
    "dashboard": (INVITED,),
    "skills": (LATEST_RESULTS,),
    "heatmap-svg": (LATEST_RESULTS,),
    "heatmap-csv": (LATEST_RESULTS,),
    "change": (PAIRED_RESULTS, CYCLE_RESULTS, PAIRED_ATTEMPTS),
    "countries": tuple(_every_country(sql) for sql in (INVITED, LATEST_RESULTS, PAIRED_RESULTS)),
    "learning": (  # plans, progress, feedback, follow-ups and enrolments, each grouped once
        """SELECT i.status, count(*) FROM plan_items i JOIN learning_plans p ON p.id = i.plan_id
        WHERE p.country_id = %(country)s GROUP BY i.status""",
        """SELECT g.resource_id, g.status, count(*) FROM progress g JOIN users u ON u.id = g.user_id
        WHERE u.country_id = %(country)s GROUP BY g.resource_id, g.status""",
        """SELECT f.resource_id, f.path_version_id, count(*), sum(f.rating) FROM feedback f
        JOIN users u ON u.id = f.user_id WHERE u.country_id = %(country)s
        GROUP BY f.resource_id, f.path_version_id""",
        """SELECT organisation_id, applied, count(*) FROM follow_ups WHERE country_id = %(country)s
        GROUP BY organisation_id, applied""",
        """SELECT e.path_version_id, count(*), count(e.completed_at) FROM enrolments e
        JOIN users u ON u.id = e.user_id WHERE u.country_id = %(country)s GROUP BY e.path_version_id"""),
}


def bare_seconds(database: str, page: str) -> float | None:
    """The bare GROUP BYs of ``page`` on Nationland, timed and added up (None: not a dashboard's)."""
    statements = BARE.get(page)
    if statements is None:
        return None
    with psycopg.connect(database_url(database)) as conn:
        country = conn.execute("SELECT id FROM countries WHERE code = 'NB'").fetchone()[0]
        started = time.perf_counter()
        for sql in statements:
            conn.execute(sql, {"country": country}).fetchall()
        return time.perf_counter() - started


def worker_peak_mb(master: int) -> float:
    """The highest peak resident memory (VmHWM) among the gunicorn master's workers, in MB."""
    peak = 0
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            fields = dict(line.split(":", 1) for line in status.read_text().splitlines() if ":" in line)
        except OSError:  # the process ended meanwhile
            continue
        if fields.get("PPid", "").strip() == str(master) and "VmHWM" in fields:
            peak = max(peak, int(fields["VmHWM"].split()[0]))
    return peak / 1024


class Server:
    """gunicorn serving bench/pages_app.py on the database; started and stopped by this script."""

    def __init__(self, database: str, workers: int, port: int):
        self.env = {**os.environ, "DATABASE_URL": database_url(database), "CAPSTACK_CONFIG": "development",
                    "SECRET_KEY": "bench-pages-secret", "LOG_LEVEL": "WARNING"}
        self.args = [str(ROOT / ".venv/bin/gunicorn"), "--workers", str(workers), "--worker-class", "sync",
                     "--bind", f"127.0.0.1:{port}", "--timeout", "300", "--log-level", "warning",
                     "bench.pages_app:app"]
        self.port, self.process = port, None

    def start(self) -> None:
        self.process = subprocess.Popen(self.args, cwd=ROOT, env=self.env,  # noqa: S603 - our own arguments
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if Client(self.port, 2).request("GET", "/__hello")[0] == 200:
                    return
            except OSError:
                time.sleep(0.2)
        sys.exit("gunicorn did not answer /__hello within 60 s")

    def peak_mb(self) -> float:
        return worker_peak_mb(self.process.pid) if self.process is not None else 0.0

    def stop(self) -> None:
        if self.process is not None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
            self.process = None


@dataclass
class Measure:
    page: Page
    status: str = ""
    cold: float | None = None
    times: list[float] = field(default_factory=list)
    hello: list[float] = field(default_factory=list)
    size: int = 0
    bare: float | None = None  # the bare GROUP BY over the page's rows, seconds
    peak_mb: float = 0.0  # the workers' highest peak resident memory


def timed(client: Client, page: Page) -> tuple[float, int, int]:
    body, headers = None, {}
    if page.body is not None:
        body = json.dumps(page.body).encode()
        headers = {"Content-Type": "application/json", "X-CSRFToken": client.csrf}
    started = time.perf_counter()
    status, data = client.request(page.method, page.path, body, headers)
    return time.perf_counter() - started, status, len(data)


def measure(client: Client, server: Server, page: Page, repeat: int, budget: float,
            database: str) -> Measure:
    result = Measure(page)
    server.start()
    try:
        for _ in range(3):  # the floor, before the page has ever been asked for
            result.hello.append(timed(client, Page("hello", "", "GET", "/__hello"))[0])
        result.bare = bare_seconds(database, page.name)
        try:
            seconds, status, result.size = timed(client, page)
        except TimeoutError:
            result.status = f"timeout > {client.timeout:.0f} s"
            return result
        result.cold, result.status = seconds, str(status)
        if status >= 400:
            return result
        spent = 0.0
        for number in range(repeat):
            result.hello.append(timed(client, Page("hello", "", "GET", "/__hello"))[0])
            seconds, status, _ = timed(client, page)
            result.times.append(seconds)
            spent += seconds
            if status >= 400:
                result.status = f"{result.status}, then {status}"
                break
            if spent > budget and number >= 2:
                break
        return result
    finally:
        result.peak_mb = server.peak_mb()
        server.stop()


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[-1] if len(values) >= 2 else values[0]


def table(results: list[Measure]) -> str:
    lines = ["| page | status | bytes | cold s | cold (hello-units) | bare GROUP BY s | cold / bare | "
             "warm mean (hello-units) | warm p95 (hello-units) | warm req/s | hello req/s | repeats | "
             "worker peak MB |",
             "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for m in results:
        hello = statistics.mean(m.hello)
        if m.cold is None:
            lines.append(f"| {m.page.name} | {m.status} | | | | | | | | | {1 / hello:.0f} | 0 | "
                         f"{m.peak_mb:.0f} |")
            continue
        bare = [f"{m.bare:.3f}", f"{m.cold / m.bare:.1f}"] if m.bare else ["", ""]
        warm = statistics.mean(m.times) if m.times else None
        cells = ([f"{warm / hello:.1f}", f"{p95(m.times) / p95(m.hello):.1f}", f"{1 / warm:.1f}"]
                 if warm else ["", "", ""])
        lines.append(f"| {m.page.name} | {m.status} | {m.size:,} | {m.cold:.3f} | {m.cold / hello:.1f} | "
                     f"{' | '.join(bare)} | {' | '.join(cells)} | {1 / hello:.0f} | {len(m.times)} | "
                     f"{m.peak_mb:.0f} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", default="capstack_national")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--repeat", type=int, default=20, help="warm requests of each page")
    parser.add_argument("--budget", type=float, default=90, help="seconds of warm requests per page, at most")
    parser.add_argument("--timeout", type=float, default=60,
                        help="seconds before a request counts as a timeout")
    parser.add_argument("--pages", default="", help="comma-separated names (default: all)")
    args = parser.parse_args()

    chosen = pages(args.database)
    if args.pages:
        wanted = set(args.pages.split(","))
        unknown = wanted - {p.name for p in chosen}
        if unknown:
            sys.exit(f"unknown pages: {', '.join(sorted(unknown))}; "
                     f"known: {', '.join(p.name for p in chosen)}")
        chosen = [p for p in chosen if p.name in wanted]
    server = Server(args.database, args.workers, args.port)
    clients: dict[str, Client] = {}
    server.start()
    try:  # the session cookies outlive a restart: the secret key is the same
        for email in sorted({p.actor for p in chosen}):
            clients[email] = Client(args.port, args.timeout)
            clients[email].sign_in(email)
    finally:
        server.stop()
    results = []
    for page in chosen:
        results.append(measure(clients[page.actor], server, page, args.repeat, args.budget, args.database))
        print(table(results[-1:]).splitlines()[-1], file=sys.stderr, flush=True)  # as it goes
    print(f"\n{args.workers} sync workers on {args.database}; one request at a time\n")
    print(table(results))


if __name__ == "__main__":
    main()
