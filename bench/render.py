"""The cost of the assessment section page and of autosave, in hello-units: each timed against a
hello-world route added to the same app, in the same process, alternating.

    .venv/bin/python bench/render.py [--rounds N] [--profile section|autosave]
    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/capstack_render .venv/bin/python bench/render.py

Writes a throwaway SQLite file (or, with DATABASE_URL, an empty database it migrates and fills; drop it
afterwards): the bundled content (``flask content sync``), one official invited to a
campaign on the bundled instrument, an attempt started, about half of its answers given. Then, with the
test client, alternates ``GET /bench-hello`` with ``GET`` of the section with the most items, and with a
``POST`` autosave of one of its answers, and prints the medians and their ratios (hello-units). The
page's own share spent in ``render_template`` is timed too, and the template against the one it replaced
(GOV.UK Frontend macros, kept as tests/web/section_reference.html), alternating. ``--profile
section|autosave`` prints the cProfile top of one of them.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import re
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import flask  # noqa: E402
from flask_login import login_user  # noqa: E402
from flask_migrate import upgrade  # noqa: E402
from sqlalchemy import select  # noqa: E402

from app import create_app  # noqa: E402
from app.assess.forms import ActionForm  # noqa: E402
from app.content.loader import load_content  # noqa: E402
from app.content.sync import sync_content  # noqa: E402
from app.extensions import db  # noqa: E402
from app.models import (  # noqa: E402
    Attempt,
    Campaign,
    Country,
    Instrument,
    InstrumentKind,
    Invitation,
    Organisation,
    Role,
    User,
)
from app.models.base import utcnow  # noqa: E402
from app.services.assessment import answers, questions, taking  # noqa: E402
from config import Config  # noqa: E402

HELLO = "/bench-hello"
REFERENCE = Path(__file__).resolve().parents[1] / "tests" / "web" / "section_reference.html"


def populate() -> tuple[str, int, int]:
    """The official's session token, their attempt and its largest section's number (1-based)."""
    sync_content(db.session, load_content().content)
    instrument = db.session.scalar(select(Instrument).where(
        Instrument.kind == InstrumentKind.INDIVIDUAL, Instrument.current.is_(True)).order_by(Instrument.id))
    country = Country(code="XR", name="Renderland", time_zone="Africa/Nairobi")
    organisation = Organisation(country=country, name="Ministry of Rendering")
    user = User(email="official@render.example.org", name="Official", role=Role.OFFICIAL,
                country=country, organisation=organisation, activated_at=utcnow())
    campaign = Campaign(country=country, instrument=instrument, name="Render", cycle_label="baseline",
                        opens_at=utcnow() - timedelta(days=1), closes_at=utcnow() + timedelta(days=30))
    db.session.add_all([user, campaign, Invitation(campaign=campaign, user=user, organisation=organisation)])
    db.session.flush()
    attempt = taking.start(db.session, user, campaign.id, utcnow())
    pages = questions.review(db.session, attempt)
    given = {q.item.id: q.choices[0].value for page in pages for q in page.questions[::2]
             if q.choices and q.item.input != "multiple"}
    answers.save_answers(db.session, attempt.id, user.id, given, now=utcnow())
    db.session.commit()
    largest = max(range(len(pages)), key=lambda n: len(pages[n].questions)) + 1
    return user.get_id(), attempt.id, largest


def _timed(client, method: str, url: str, **kwargs) -> float:
    start = time.perf_counter()
    response = client.open(url, method=method, **kwargs)
    elapsed = time.perf_counter() - start
    assert response.status_code == 200, (url, response.status_code, response.get_data(as_text=True)[:300])
    return elapsed


def alternate(client, request: tuple, rounds: int) -> tuple[float, float, float]:
    """Medians of the hello route and of ``request`` (method, url, kwargs), taken in turn, and the median
    of each pair's ratio (steadier on a busy machine: both of a pair see the same load)."""
    hello, page = [], []
    for _ in range(rounds):
        hello.append(_timed(client, "GET", HELLO))
        page.append(_timed(client, request[0], request[1], **request[2]))
    ratio = statistics.median(p / h for p, h in zip(page, hello, strict=True))
    return statistics.median(hello), statistics.median(page), ratio


def _render_share(app, client, url: str, rounds: int) -> float:
    """The median share of the page's time spent inside render_template."""
    spent: list[float] = []
    original = flask.render_template

    def timed_render(*args, **kwargs):
        start = time.perf_counter()
        try:
            return original(*args, **kwargs)
        finally:
            spent.append(time.perf_counter() - start)

    module = sys.modules["app.assess.routes"]
    module.render_template = timed_render
    try:
        totals = [_timed(client, "GET", url) for _ in range(rounds)]
    finally:
        module.render_template = original
    return statistics.median(s / t for s, t in zip(spent, totals, strict=True))


def template_costs(app, attempt_id: int, number: int, rounds: int) -> tuple[float, float]:
    """Medians of rendering the section page with today's template and with the GOV.UK-macro template it
    replaced (tests/web/section_reference.html), alternating, in one request context."""
    reference = app.jinja_env.from_string(REFERENCE.read_text(encoding="utf-8"))  # compiled once
    with app.test_request_context(f"/assess/attempts/{attempt_id}/sections/{number}"):
        attempt = db.session.get(Attempt, attempt_id)
        login_user(attempt.user)
        page = questions.section_page(db.session, attempt, number)
        context = {"attempt": attempt, "page": page, "form": ActionForm(), "errors": {}}
        new, old = [], []
        for _ in range(rounds):
            start = time.perf_counter()
            flask.render_template("assess/section.html", **context)
            new.append(time.perf_counter() - start)
            start = time.perf_counter()
            flask.render_template(reference, **context)
            old.append(time.perf_counter() - start)
        db.session.rollback()
    return statistics.median(new), statistics.median(old)


def _profile(client, request: tuple, times: int = 20) -> None:
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(times):
        client.open(request[1], method=request[0], **request[2])
    profiler.disable()
    pstats.Stats(profiler).sort_stats("cumulative").print_stats(25)


def _client(app, session_token: str):
    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = session_token
        session["_fresh"] = True
    return client


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=200)
    parser.add_argument("--profile", choices=("section", "autosave"),
                        help="print the cProfile top of one of them")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        config = Config()
        config.SQLALCHEMY_DATABASE_URI = os.environ.get("DATABASE_URL") or f"sqlite:///{folder}/render.sqlite"
        config.RATELIMIT_ENABLED = False
        app = create_app(config)
        app.add_url_rule(HELLO, "bench_hello", lambda: "Hello, world!")
        with app.app_context():
            upgrade()
            session_token, attempt_id, number = populate()
            page = questions.section_page(db.session, db.session.get(Attempt, attempt_id), number)
            options = sum(len(q.choices) for q in page.questions)
            item_id, value = next((q.item.id, q.choices[-1].value) for q in page.questions
                                  if q.choices and q.item.input != "multiple")
        client = _client(app, session_token)
        show = ("GET", f"/assess/attempts/{attempt_id}/sections/{number}", {})
        html = client.get(show[1]).get_data(as_text=True)
        token = re.search(r'name="csrf_token"(?: type="hidden")? value="([^"]+)"', html).group(1)
        save = ("POST", f"/assess/attempts/{attempt_id}/answers",
                {"json": {"item": item_id, "value": value}, "headers": {"X-CSRFToken": token}})
        for _ in range(20):  # warm up: templates compiled, caches filled
            _timed(client, *show[:2])
            _timed(client, *save[:2], **save[2])
        if args.profile:
            _profile(client, show if args.profile == "section" else save)
        hello, section, section_ratio = alternate(client, show, args.rounds)
        hello_save, autosave, autosave_ratio = alternate(client, save, args.rounds)
        share = _render_share(app, client, show[1], args.rounds // 2)
        new, old = template_costs(app, attempt_id, number, args.rounds // 2)
    print(f"section page: {len(page.questions)} items, {options} options, {len(html) / 1000:.0f} kB")
    print(f"hello route        median {hello * 1000:7.3f} ms")
    print(f"section page       median {section * 1000:7.3f} ms  = {section / hello:5.1f} hello-units"
          f" (median of pairs {section_ratio:5.1f}; {share:.0%} in render_template)")
    print(f"hello route        median {hello_save * 1000:7.3f} ms")
    print(f"autosave (POST)    median {autosave * 1000:7.3f} ms  = {autosave / hello_save:5.1f} hello-units"
          f" (median of pairs {autosave_ratio:5.1f})")
    print(f"render_template of the section page: {new * 1000:.3f} ms, with the GOV.UK macros it replaced "
          f"{old * 1000:.3f} ms ({old / new:.1f}x), i.e. {new / hello:.1f} and {old / hello:.1f} hello-units")


if __name__ == "__main__":
    main()
