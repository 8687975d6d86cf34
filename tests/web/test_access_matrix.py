"""The access matrix: every route in ``app.url_map``, for seven actors, answers as its declaration says.

Each route declares who may use it (``require_role`` / ``signed_in`` in app/authz.py, or the public
table there). The world is the demo country plus a colleague, a manager, a second country and its focal
point; every id in a URL names a record of one official ("the official") in the demo country, or a shared
record. Each request runs in a savepoint rolled back afterwards, so a POST one actor may make changes
nothing the next actor sees."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import sessionmaker
from werkzeug.routing.converters import AnyConverter

from app.authz import (
    EVERYONE,
    PUBLIC_ENDPOINTS,
    Access,
    Scope,
    access_of,
    require_role,
    signed_in,
    undeclared_endpoints,
)
from app.campaigns.jobs import INVITE
from app.catalogue.jobs import LINKS_CHECK
from app.content.loader import load_content
from app.content.sync import sync_content
from app.evaluation.jobs import SEND
from app.extensions import db, limiter
from app.models import (
    Attempt,
    AttemptStatus,
    CoursePath,
    FollowUp,
    Indicator,
    IndicatorValue,
    InviteFile,
    Job,
    LearningPlan,
    PlanItem,
    Progress,
    Role,
    Suggestion,
    User,
)
from app.services import links
from app.services.demo import build_demo
from tests.conftest import Browser, _TestSession, csrf_from, sign_in_throttle
from tests.factories import CountryFactory, FocalPointFactory, UserFactory

ACTORS = ("anonymous", "official", "colleague", "manager", "focal_point", "other_focal_point", "admin")
# Which actors stand in each relation to the official's records (and their country's).
RELATION = {Scope.OWN: {"official"}, Scope.REPORTS: {"manager"}, Scope.COUNTRY: {"focal_point", "admin"}}
# URL arguments that are not records: they never narrow who may use a route.
NOT_RECORDS = {"number", "action", "direction", "kind", "token", "filename", "name", "file_format"}
EVIDENCE = "0123456789abcdef0123456789abcdef.png"


@dataclass
class World:
    connection: object  # the module's connection: each request runs in a savepoint of it
    tokens: dict[str, str]  # actor -> session token
    roles: dict[str, str]
    values: dict[str, object]  # URL argument -> value
    per_endpoint: dict[str, dict[str, object]] = field(default_factory=dict)
    autosave_item: int = 0


def _pick_official() -> tuple[User, Attempt]:
    """An official of the demo with a submitted attempt, a plan, progress and a follow-up survey."""
    for follow_up in db.session.scalars(select(FollowUp).order_by(FollowUp.id)):
        attempt = db.session.scalar(select(Attempt).where(
            Attempt.user_id == follow_up.user_id, Attempt.status == AttemptStatus.SUBMITTED)
            .order_by(Attempt.id.desc()))
        progress = db.session.scalar(select(Progress).where(Progress.user_id == follow_up.user_id))
        if attempt is not None and progress is not None:
            return db.session.get_one(User, follow_up.user_id), attempt
    raise AssertionError("the demo has no official with an attempt, progress and a follow-up")


def _records(official: User, attempt: Attempt, evidence_dir: Path) -> tuple[dict, dict]:
    """The ids every URL argument takes, and the per-route exceptions."""
    campaign = attempt.campaign
    progress = db.session.scalar(select(Progress).where(Progress.user_id == official.id))
    progress.evidence_file = EVIDENCE
    (evidence_dir / str(official.id)).mkdir(parents=True, exist_ok=True)
    (evidence_dir / str(official.id) / EVIDENCE).write_bytes(b"\x89PNG\r\n\x1a\n" + b"0" * 64)
    item = db.session.scalar(select(PlanItem).join(LearningPlan)
                             .where(LearningPlan.user_id == official.id).order_by(PlanItem.id))
    indicator = db.session.scalar(select(Indicator).where(Indicator.country_id == campaign.country_id))
    value = db.session.scalar(select(IndicatorValue).where(IndicatorValue.indicator_id == indicator.id))
    path = db.session.scalar(select(CoursePath).order_by(CoursePath.id))
    version = path.versions[0]
    resource = version.steps[0].resource
    suggestion = Suggestion(url="https://learn.example.org/suggested", title="A suggestion",
                            normalised_url="learn.example.org/suggested", reason="Useful",
                            suggested_by_id=official.id)
    invite_file = InviteFile(campaign_id=campaign.id, filename="officials.csv", valid_rows=[], errors=[])
    jobs = {kind: Job(kind=kind, params={"campaign_id": campaign.id}, country_id=campaign.country_id)
            for kind in (INVITE, SEND, LINKS_CHECK)}
    db.session.add_all([suggestion, invite_file, *jobs.values()])
    db.session.flush()
    follow_up = db.session.scalar(select(FollowUp).where(FollowUp.user_id == official.id))
    values = {
        "country_id": campaign.country_id, "organisation_id": official.organisation_id,
        "user_id": official.id, "attempt_id": attempt.id, "number": 1, "campaign_id": campaign.id,
        "file_id": invite_file.id, "job_id": jobs[INVITE].id, "resource_id": resource.id,
        "code": resource.code, "suggestion_id": suggestion.id, "item_id": item.id,
        "path_version_id": version.id, "version_id": version.id, "path_id": path.id,
        "progress_id": progress.id, "follow_up_id": follow_up.id, "indicator_id": indicator.id,
        "value_id": value.id, "name": "participation", "filename": "favicon.svg", "token": "not-a-link",
    }
    per_endpoint = {"catalogue.job": {"job_id": jobs[LINKS_CHECK].id},
                    "evaluation.follow_ups_job": {"job_id": jobs[SEND].id}}
    return values, per_endpoint


def _build_world(evidence_dir: Path) -> World:
    sync_content(db.session, load_content().content)
    build_demo(db.session, size=12)
    official, attempt = _pick_official()
    colleague = UserFactory(organisation=official.organisation, name="Colleague")
    manager = UserFactory(organisation=official.organisation, name="Manager")
    official.manager_id = attempt.manager_id = manager.id
    focal = FocalPointFactory(country=official.country)
    other_focal = FocalPointFactory(country=CountryFactory())
    admin = UserFactory(admin=True)
    values, per_endpoint = _records(official, attempt, evidence_dir)
    people = {"official": official, "colleague": colleague, "manager": manager, "focal_point": focal,
              "other_focal_point": other_focal, "admin": admin}
    world = World(connection=None, tokens={a: u.session_token for a, u in people.items()},
                  roles={a: u.role for a, u in people.items()}, values=values, per_endpoint=per_endpoint,
                  autosave_item=attempt.instrument.items[0].id)
    db.session.commit()
    return world


@pytest.fixture(scope="module")
def world(app, tmp_path_factory):
    """The demo world, built once for the module in a transaction of its own, rolled back at the end."""
    instance_path = app.instance_path
    app.instance_path = str(tmp_path_factory.mktemp("instance"))
    with app.app_context():
        connection = db.engine.connect()
    outer = connection.begin()
    original = db.session
    db.session = _TestSession(sessionmaker(bind=connection, join_transaction_mode="create_savepoint"))
    try:
        with app.app_context():
            built = _build_world(Path(app.instance_path) / "evidence")
        db.session.registry().close()
        built.connection = connection
        yield built
    finally:
        db.session.registry().close()
        db.session = original
        outer.rollback()
        connection.close()
        app.instance_path = instance_path


@pytest.fixture(autouse=True)
def _transaction(app, world):
    """Replaces the per-test transaction of tests/conftest.py: these tests share the module's world."""
    limiter.reset()
    sign_in_throttle(app).reset()
    yield


def _url(rule, world: World) -> str:
    values = {**world.values, **world.per_endpoint.get(rule.endpoint, {})}
    missing = [arg for arg, conv in rule._converters.items()
               if arg not in values and not isinstance(conv, AnyConverter)]
    assert not missing, f"{rule.rule} takes {missing}: give the world a record for each (_records)"
    args = {arg: sorted(conv.items)[0] if isinstance(conv, AnyConverter) else values[arg]
            for arg, conv in rule._converters.items()}
    return rule.build(args, append_unknown=False)[1]


def _request(browser: Browser, rule, url: str, actor: str, world: World):
    if actor != "anonymous":
        browser.sign_in_as(_Token(world.tokens[actor]))
    if "GET" in rule.methods:
        return browser.get(url)
    token_from = "/auth/login" if actor == "anonymous" else "/"
    if rule.endpoint == "assess.autosave":
        page = browser.get(token_from).get_data(as_text=True)
        return browser.client.post(url, json={"item": world.autosave_item, "value": None},
                                   headers={"X-CSRFToken": csrf_from(page), "Accept": "application/json"})
    return browser.post(url, {}, token_from=token_from)


@dataclass(frozen=True)
class _Token:
    token: str

    def get_id(self) -> str:
        return self.token


def _probe(app, rule, actor: str, world: World) -> str:
    """'allowed', 'login' (sent to sign in), 'refused' (403/404) or 'error: <status>'."""
    limiter.reset()
    sign_in_throttle(app).reset()
    savepoint = world.connection.begin_nested()
    try:
        response = _request(Browser(app.test_client()), rule, _url(rule, world), actor, world)
        response.close()  # files sent (static, evidence, exports) are closed
    finally:
        db.session.registry().close()
        savepoint.rollback()
    status = response.status_code
    if status >= 500 or status == 405:
        return f"error: {status}"
    if status == 401 or (status in (302, 303)
                         and response.headers["Location"].startswith("/auth/login?next=")):
        return "login"
    return "refused" if status in (403, 404) else "allowed"


def expected(access: Access, actor: str, roles: dict[str, str], names_record: bool) -> str:
    """What the declaration promises ``actor`` on a route (whose ids name the official's records)."""
    if access.public:
        return "allowed"
    if actor == "anonymous":
        return "login"
    if roles[actor] not in access.roles:
        return "refused"
    if not names_record or Scope.ANY in access.scopes:
        return "allowed"
    return "allowed" if any(actor in RELATION[scope] for scope in access.scopes) else "refused"


def test_every_route_declares_who_may_use_it(app):
    assert undeclared_endpoints(app) == []
    assert len(list(app.url_map.iter_rules())) >= 90


def test_the_public_table_names_real_routes_that_declare_nothing_else(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    assert sorted(PUBLIC_ENDPOINTS - endpoints) == []
    assert [e for e in PUBLIC_ENDPOINTS if hasattr(app.view_functions[e], "access")] == []


def test_a_route_without_a_declaration_is_reported():
    probe = Flask("probe")
    probe.add_url_rule("/open", "open", lambda: "")
    probe.add_url_rule("/staff", "staff", require_role(Role.ADMIN)(lambda: ""))
    probe.add_url_rule("/mine", "mine", signed_in(Scope.OWN)(lambda: ""))
    assert undeclared_endpoints(probe) == ["open"]
    assert access_of(probe, "mine") == Access(frozenset(EVERYONE), frozenset({Scope.OWN}))


def _mismatches(app, world: World, endpoints: set[str] | None = None) -> tuple[list[str], dict[str, set]]:
    """Each (route, actor) whose answer differs from the declaration, and the outcomes each actor saw."""
    mismatches, seen = [], {actor: set() for actor in ACTORS}
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if endpoints is not None and rule.endpoint not in endpoints:
            continue
        access = access_of(app, rule.endpoint)
        names_record = bool(set(rule._converters) - NOT_RECORDS)
        for actor in ACTORS:
            got = _probe(app, rule, actor, world)
            want = expected(access, actor, world.roles, names_record)
            seen[actor].add(got)
            if got != want:
                mismatches.append(f"{rule.rule} [{rule.endpoint}] {actor}: declared {want}, got {got}")
    return mismatches, seen


def test_every_route_answers_every_actor_as_declared(app, world, monkeypatch):
    monkeypatch.setattr(links, "check_url", lambda url, timeout: links.LinkResult(url, 200, url))
    mismatches, seen = _mismatches(app, world)
    assert mismatches == [], "\n".join(mismatches)
    # The matrix means something: every actor was both let in somewhere and kept out somewhere.
    assert all({"allowed", "login" if actor == "anonymous" else "refused"} <= seen[actor] for actor in ACTORS)


def test_a_declaration_wider_or_narrower_than_the_view_fails_the_matrix(app, world, monkeypatch):
    evidence, path = app.view_functions["learn.evidence"], app.view_functions["learn.path"]
    # Declared for the owner only, the evidence download is also open to staff of the country: caught.
    monkeypatch.setattr(evidence, "access", Access(frozenset(EVERYONE), frozenset({Scope.OWN})))
    # Declared for the owner only, a published path is open to everyone signed in: caught too.
    monkeypatch.setattr(path, "access", Access(frozenset(EVERYONE), frozenset({Scope.OWN})))
    mismatches, _seen = _mismatches(app, world, {"learn.evidence", "learn.path"})
    assert sorted(mismatches) == sorted(
        [f"/learn/evidence/<int:progress_id> [learn.evidence] {actor}: declared refused, got allowed"
         for actor in ("focal_point", "admin")]
        + [f"/learn/paths/<int:path_version_id> [learn.path] {actor}: declared refused, got allowed"
           for actor in ("colleague", "manager", "focal_point", "other_focal_point", "admin")])
