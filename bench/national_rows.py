"""The rows of bench/national.py's country, written with COPY: officials, invitations, attempts, their
forms, answers and competency results, and learning activity.

Each official has a latent level per competency (near their role's target where it sets one, a little
below it on average, lower elsewhere, higher in their organisation's strong areas) that drifts up a
little between cycles, and more where they learned. From it, per submitted attempt: a self-rating
(the level plus the official's own bias), one knowledge check per competency and level answered
right with a probability that rises with level - check level, and the result the dashboards read.
"""

from __future__ import annotations

import json
import math
import random
import secrets
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from app.services.assessment import context
from app.services.assessment.context import HOURS_ITEM, LANGUAGES_ITEM

CHUNK = 5_000  # officials per round of COPY statements
NOT_ASSESSED, VALIDATED = 1 / 25, 1 / 5  # shares of the results
GUESS = 0.12
LANGUAGES = (("en",), ("en", "fr"), ("fr",), ("en", "ar"))


@dataclass
class Country:
    """What the generator needs of the content and the country already written by the ORM."""

    country_id: int
    organisations: list[int]  # ids
    org_roles: dict[int, list[tuple[int, float]]]  # organisation -> (role profile id, weight)
    org_strength: dict[int, dict[int, float]]  # organisation -> competency id -> levels added
    competencies: list[int]
    targets: dict[int, dict[int, int]]  # role profile -> competency -> target level
    instrument_id: int
    campaigns: list[tuple[int, datetime, datetime]]  # (id, opens_at, closes_at), oldest first
    context_items: list[tuple[int, str, str, tuple[str, ...]]]  # (id, code, input, option values)
    self_items: dict[int, int]  # competency -> self-rating item id
    checks: dict[tuple[int, int], list[tuple[int, str, tuple[str, ...]]]]  # (comp, level) -> items
    resources: list[tuple[int, float]]  # (id, hours)
    path_versions: list[int]
    now: datetime
    first_ids: dict[str, int] = field(default_factory=dict)  # table -> next free id


@dataclass
class Counts:
    rows: dict[str, int] = field(default_factory=dict)

    def add(self, table: str, n: int) -> None:
        self.rows[table] = self.rows.get(table, 0) + n


COLUMNS = {
    "users": ("id", "email", "name", "password_hash", "role", "country_id", "organisation_id", "manager_id",
              "locale", "active", "created_at", "activated_at", "last_login_at", "session_token"),
    "invitations": ("id", "campaign_id", "user_id", "organisation_id", "role_profile_id", "invited_at",
                    "emailed_at", "reminded_at", "reminders"),
    "attempts": ("id", "campaign_id", "user_id", "instrument_id", "country_id", "organisation_id",
                 "role_profile_id", "status", "last_section", "seed", "manager_id", "review_requested_at",
                 "reviewed_at", "started_at", "updated_at", "submitted_at", "first_language"),
    "attempt_items": ("attempt_id", "item_id", "position", "drawn_at"),
    "answers": ("id", "attempt_id", "item_id", "value", "answered_at"),
    "competency_results": ("id", "attempt_id", "competency_id", "self_level", "evidence", "knowledge_correct",
                           "knowledge_total", "knowledge_offered", "evidence_level", "estimated_level",
                           "calibrated_level", "probabilities", "probability", "interval_low",
                           "interval_high", "confidence", "target_level", "gap", "source", "rule_version",
                           "manager_level", "manager_reason", "validated_by_id", "validated_at"),
    "learning_plans": ("id", "user_id", "country_id", "attempt_id", "built_at", "unmet"),
    "plan_items": ("id", "plan_id", "kind", "resource_id", "path_version_id", "rank", "position", "reason",
                   "closes", "status", "dismiss_reason", "created_at"),
    "progress": ("id", "user_id", "resource_id", "status", "started_on", "completed_on", "evidence_url",
                 "evidence_file", "updated_at"),
    "enrolments": ("id", "user_id", "path_version_id", "enrolled_at", "completed_at"),
    "feedback": ("id", "user_id", "resource_id", "path_version_id", "rating", "relevance", "would_recommend",
                 "comment", "created_at"),
    "follow_ups": ("id", "user_id", "country_id", "organisation_id", "path_version_id", "due_at", "sent_at",
                   "answered_at", "applied", "frequency", "barriers", "comment"),
}


def _json(value) -> str:
    """JSON of an answer's value: the common cases without json.dumps (it dominates the load)."""
    if type(value) is int:
        return str(value)
    if type(value) is str:
        return f'"{value}"'
    return json.dumps(value)


def _text(value) -> str:
    """One field in COPY text format (the values written here hold no tab, newline or backslash)."""
    if value is None:
        return "\\N"
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, datetime):
        return value.isoformat()
    return str(value)


class Writer:
    """Rows per table, COPYed every CHUNK officials; ids handed out from each table's next free id."""

    def __init__(self, cursor, country: Country, counts: Counts):
        self.cursor, self.counts = cursor, counts
        self.ids = dict(country.first_ids)
        self.lines: dict[str, list[str]] = {table: [] for table in COLUMNS}

    def next_id(self, table: str) -> int:
        value = self.ids[table]
        self.ids[table] = value + 1
        return value

    def row(self, table: str, *values) -> None:
        self.lines[table].append("\t".join([v if type(v) is str else _text(v) for v in values]))

    def flush(self) -> None:
        for table, lines in self.lines.items():
            if not lines:
                continue
            with self.cursor.copy(f"COPY {table} ({', '.join(COLUMNS[table])}) FROM STDIN") as copy:
                copy.write("\n".join(lines) + "\n")
            self.counts.add(table, len(lines))
            lines.clear()


def _clamp(level: float) -> float:
    return min(4.0, max(0.0, level))


@dataclass
class Official:
    id: int
    organisation_id: int
    role_id: int
    manager_id: int | None
    bias: float
    drive: float
    levels: dict[int, float]
    joins: int  # the first cycle they are invited to
    languages: tuple[str, ...]
    hours: str


def officials(rng: random.Random, country: Country, n: int, first_id: int) -> Iterator[Official]:
    """``n`` officials, spread over the organisations by a skewed weight; the first ones of each
    organisation are its managers."""
    weights = [rng.lognormvariate(0, 0.8) for _ in country.organisations]
    managers: dict[int, list[int]] = {}
    for number in range(n):
        uid = first_id + number
        org = rng.choices(country.organisations, weights)[0]
        roles = country.org_roles[org]
        role = rng.choices([r for r, _ in roles], [w for _, w in roles])[0]
        bosses = managers.setdefault(org, [])
        manager = rng.choice(bosses) if bosses and len(bosses) >= 3 else None
        if len(bosses) < 3 or rng.random() < 0.02:
            bosses.append(uid)
        targets, strength = country.targets.get(role, {}), country.org_strength[org]
        levels = {c: _clamp((targets[c] - rng.gauss(0.9, 0.7) if c in targets else rng.gauss(0.7, 0.6))
                            + strength.get(c, 0.0)) for c in country.competencies}
        yield Official(uid, org, role, manager, rng.gauss(0.4, 0.4), rng.random(), levels,
                       joins=0 if rng.random() > 0.06 else rng.randint(1, 2),
                       languages=rng.choices(LANGUAGES, (60, 20, 12, 8))[0],
                       hours=rng.choices(("lt1", "1-2", "3-5", "gt5"), (20, 40, 30, 10))[0])


def write_user(w: Writer, country: Country, p: Official) -> None:
    created = country.campaigns[0][1] - timedelta(days=10)
    w.row("users", p.id, f"official{p.id}@national.example.org", f"Official {p.id}", None, "official",
          country.country_id, p.organisation_id, p.manager_id, None, True, created, None, None,
          secrets.token_urlsafe(32))


def _right(rng: random.Random, level: float, check_level: int) -> bool:
    return rng.random() < GUESS + (1 - GUESS - 0.03) / (1 + math.exp(-2.2 * (level - check_level + 0.3)))


def _first_language(country: Country, p: Official) -> str | None:
    for item in country.context_items:
        if item[1] == LANGUAGES_ITEM:
            return context.first_language(_context_value(random.Random(0), p, item))
    return None


def _context_value(rng: random.Random, p: Official, item: tuple[int, str, str, tuple[str, ...]]):
    _item_id, code, kind, values = item
    if code == LANGUAGES_ITEM:
        return [lang for lang in p.languages if lang in values] or list(values[:1])
    if code == HOURS_ITEM:
        return p.hours
    if not values:
        return None
    return [rng.choice(values)] if kind == "multiple" else rng.choice(values)


def write_attempt(rng: random.Random, w: Writer, country: Country, p: Official, cycle: int, *,
                  submitted: bool, with_answers: bool) -> int:
    """One attempt of ``p`` in ``cycle``: its form and answers (when asked), and its results when
    submitted. Returns the attempt id."""
    campaign_id, opens, closes = country.campaigns[cycle]
    end = min(closes, country.now - timedelta(hours=2))
    started = opens + (end - opens) * rng.betavariate(1.3, 3.0)
    sent = min(end, started + timedelta(minutes=rng.uniform(10, 40))) if submitted else None
    attempt_id = w.next_id("attempts")
    review = sent if submitted and p.manager_id and rng.random() < 0.3 else None
    first = _first_language(country, p) if submitted and with_answers else None  # as the submission keeps it
    w.row("attempts", attempt_id, campaign_id, p.id, country.instrument_id, country.country_id,
          p.organisation_id, p.role_id, "submitted" if submitted else "in_progress",
          6 if submitted else rng.randint(1, 4), rng.randint(0, 2**31 - 1), p.manager_id if review else None,
          review, review, started, sent or started, sent, first)
    answered, drawn = (sent or started).isoformat(), started.isoformat()
    position = 0

    def shown(item_id: int, value) -> None:
        nonlocal position
        if not with_answers:
            return
        w.row("attempt_items", attempt_id, item_id, position, drawn)
        position += 1
        if value is not None and (submitted or position < 50):
            w.row("answers", w.next_id("answers"), attempt_id, item_id, _json(value), answered)

    for item in country.context_items:
        shown(item[0], _context_value(rng, p, item))
    targets = country.targets.get(p.role_id, {})
    for competency in country.competencies:
        level = p.levels[competency]
        self_level = round(_clamp(level + p.bias + rng.gauss(0, 0.45)))
        shown(country.self_items[competency], self_level)
        right = {}
        for check_level in (1, 2, 3, 4):
            bank = country.checks.get((competency, check_level))
            if not bank:
                continue
            item_id, key, values = rng.choice(bank)
            if rng.random() < 0.02:
                shown(item_id, None)  # skipped
                continue
            right[check_level] = _right(rng, level, check_level)
            wrong = [v for v in values if v != key] or [key]
            shown(item_id, key if right[check_level] else rng.choice(wrong))
        if submitted:
            _result(rng, w, attempt_id, competency, level, self_level, right, targets.get(competency), p,
                    sent)
    return attempt_id


def _result(rng: random.Random, w: Writer, attempt_id: int, competency: int, level: float, self_level: int,
            right: dict[int, bool], target: int | None, p: Official, sent: datetime) -> None:
    draw = rng.random()
    source = "not_assessed" if draw < NOT_ASSESSED else (
        "validated" if draw < NOT_ASSESSED + VALIDATED and p.manager_id else "assessed")
    evidence = "{" + ", ".join(f'"{lv}": {1.0 if ok else 0.0}' for lv, ok in right.items()) + "}"
    evidence_level = 0
    for lv in sorted(right):
        if not right[lv]:
            break
        evidence_level = lv
    estimate = round(_clamp(level + rng.gauss(0, 0.35)))
    calibrated, manager = (None, None) if source == "not_assessed" else (estimate, None)
    if source == "validated":
        manager = round(_clamp(estimate + rng.choice((0, 0, 0, 0, 1, -1))))
        calibrated = manager
    probability = round(rng.uniform(0.45, 0.92), 3)
    rest = (1 - probability) / 4
    probabilities = None if calibrated is None else json.dumps(
        [probability if lv == estimate else round(rest, 3) for lv in range(5)])
    confidence = "ok" if calibrated is None or abs(self_level - calibrated) < 2 else (
        "over" if self_level > calibrated else "under")
    gap = None if calibrated is None or target is None else max(0, target - calibrated)
    w.row("competency_results", w.next_id("competency_results"), attempt_id, competency, self_level,
          evidence, sum(right.values()), len(right), len(right),
          *((None,) * 3 if calibrated is None else (evidence_level, estimate, calibrated)),
          probabilities, None if calibrated is None else probability,
          *((None, None) if calibrated is None else (max(0, calibrated - 1), min(4, calibrated + 1))),
          confidence, target, gap, source, 1, manager, "", p.manager_id if manager is not None else None,
          sent + timedelta(days=3) if manager is not None else None)


def write_learning(rng: random.Random, w: Writer, country: Country, p: Official, attempt_id: int,
                   after: datetime) -> set[int]:
    """A plan from the attempt, some items accepted, progress on some resources, a path enrolment for
    the keen, feedback and follow-up surveys. Returns the resources they completed."""
    plan_id = w.next_id("learning_plans")
    w.row("learning_plans", plan_id, p.id, country.country_id, attempt_id, after, "[]")
    picked = rng.sample(country.resources, min(len(country.resources), rng.randint(3, 8)))
    completed: set[int] = set()
    for rank, (resource_id, _hours) in enumerate(picked):
        status = "accepted" if rng.random() < 0.35 + 0.5 * p.drive else "suggested"
        w.row("plan_items", w.next_id("plan_items"), plan_id, "resource", resource_id, None, rank, rank,
              "Closes a gap in your results", "[]", status, "", after)
        if status != "accepted" or rng.random() > p.drive:
            continue
        start = after + timedelta(days=rng.randint(1, 60))
        done = rng.random() < 0.6
        end = start + timedelta(days=rng.randint(3, 90)) if done else None
        w.row("progress", w.next_id("progress"), p.id, resource_id, "completed" if done else "started",
              start.date(), end.date() if end else None, "", "", end or start)
        if done:
            completed.add(resource_id)
            if rng.random() < 0.5:
                w.row("feedback", w.next_id("feedback"), p.id, resource_id, None, rng.choice((3, 4, 4, 5, 5)),
                      rng.choice((2, 3, 4, 4, 5)), rng.random() < 0.8, "", end)
    if country.path_versions and p.drive > 0.7:
        path = rng.choice(country.path_versions)
        enrolled = after + timedelta(days=rng.randint(1, 30))
        finished = enrolled + timedelta(days=rng.randint(30, 120)) if rng.random() < 0.5 else None
        w.row("enrolments", w.next_id("enrolments"), p.id, path, enrolled, finished)
        if finished is not None:
            w.row("feedback", w.next_id("feedback"), p.id, None, path, rng.choice((3, 4, 5)),
                  rng.choice((3, 4, 5)), rng.random() < 0.85, "", finished)
            due = finished + timedelta(weeks=8)
            answered = due + timedelta(days=2) if rng.random() < 0.6 else None
            w.row("follow_ups", w.next_id("follow_ups"), p.id, country.country_id, p.organisation_id, path,
                  due, due, answered, rng.choice(("yes", "partly", "no")) if answered else None,
                  rng.choice(("daily", "weekly", "monthly", "rarely")) if answered else None,
                  json.dumps(rng.sample(["time", "tools", "support", "relevance"], rng.randint(0, 2))
                             if answered else []), "")
    return completed


def write_official(rng: random.Random, w: Writer, country: Country, p: Official, *, answers: bool,
                   skip_last: bool = False) -> None:
    """The official, their invitation and attempt in each cycle, and learning between cycles; the latent
    level drifts a little each cycle, and rises more where they learned (keener officials learn more).
    ``skip_last``: no attempt in the latest cycle (a benchmark actor starts it through the app)."""
    write_user(w, country, p)
    last = len(country.campaigns) - 1
    for cycle, (campaign_id, opens, _closes) in enumerate(country.campaigns):
        if cycle < p.joins:
            continue
        w.row("invitations", w.next_id("invitations"), campaign_id, p.id, p.organisation_id, p.role_id,
              opens - timedelta(days=2), opens - timedelta(days=2), None, 0)
        draw = 0.0 if skip_last else rng.random()  # the benchmark official took every earlier cycle
        if (skip_last and cycle == last) or draw > 0.92:
            continue  # invited, never started
        submitted = draw < 0.86 if cycle < last else draw < 0.78
        attempt_id = write_attempt(rng, w, country, p, cycle, submitted=submitted,
                                   with_answers=answers and cycle == last)
        if submitted and cycle < last and cycle == max(p.joins, 0):
            write_learning(rng, w, country, p, attempt_id, opens + timedelta(days=45))
        gains = rng.sample(country.competencies, 4) if p.drive > 0.5 else []
        for competency in country.competencies:
            lift = rng.gauss(0.05, 0.15) + (rng.uniform(0.3, 0.9) if competency in gains else 0.0)
            p.levels[competency] = _clamp(p.levels[competency] + lift)


def write_country(cursor, country: Country, n: int, seed: int, *, answers: bool, progress=print) -> Counts:
    """Every official's rows, COPYed CHUNK officials at a time. The first official gets no attempt in
    the latest cycle. Returns the rows written per table."""
    counts = Counts()
    w = Writer(cursor, country, counts)
    rng = random.Random(seed)
    first = w.next_id("users")
    for number, person in enumerate(officials(rng, country, n, first)):
        if number == 0:
            person.joins = 0
        w.ids["users"] = person.id + 1
        write_official(rng, w, country, person, answers=answers, skip_last=number == 0)
        if (number + 1) % CHUNK == 0:
            w.flush()
            progress(f"  {number + 1:,} officials")
    w.flush()
    country.first_ids = w.ids
    return counts
