"""Item statistics for the people who keep the item bank. No Flask.

What the figures mean (per knowledge check, within one instrument version):

- **Times shown**: the submitted attempts whose form showed the check (its AttemptItem rows).
- **Times answered**: of those, the attempts with an answer that has a value. An unanswered check is
  no response, as in scoring: it is left out of every figure below, never counted wrong.
- **Share right** (classical difficulty, p): the share of answers that are right by
  ``scoring.is_right``, the one definition of a right answer.
- **Discrimination**: the corrected point-biserial correlation between answering this check right
  (1/0) and the official's proportion right on the *other* answered checks of the same competency in
  the same attempt (the rest score, so the check is not correlated with itself). Officials with no
  other answered check of the competency are left out. Undefined (None) when everyone in it got the
  check right, or wrong, or has the same rest score.
- **Option shares**: how the answers spread over the options (distractors nobody picks do no work).
- **KR-20** (per competency): Kuder-Richardson 20, k/(k-1) * (1 - sum p q / var(total)), the
  reliability of the competency's checks taken together; see ``kr20`` for forms that differ.

Flags: discrimination below 0.2, share right above 95 % or below 20 %. Any figure over fewer than
MIN_RESPONSES responses (or fewer than the small-cell K, whichever is more) is TOO_FEW ("not enough
responses"), never a number, and raises no flag. The counts of attempts (times shown, times
answered, the responses and KR-20 respondents of a competency) are released by
app.services.evaluation.release ("fewer than K" under K, else moved by the noise of their set of
attempts, keyed by the sum of the attempt ids). The statistics themselves are exact: each is over at
least MIN_RESPONSES officials and the page is for admins only.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import stats as scipy_stats
from sqlalchemy import and_, select
from sqlalchemy.orm import Session

from app.models import Answer, Attempt, AttemptItem, AttemptStatus, Competency, Instrument, Item, ItemKind
from app.models.instruments import InstrumentKind
from app.services.assessment.scoring import is_right
from app.services.evaluation import DEFAULT_K, Scope, Suppressed
from app.services.evaluation.common import in_scope
from app.services.evaluation.release import Release, as_release

MIN_RESPONSES = 30
LOW_DISCRIMINATION, TOO_EASY, TOO_HARD = 0.2, 0.95, 0.20  # the flags' thresholds
FLAGS = ("low_discrimination", "too_easy", "too_hard")

Answers = Mapping[Hashable, Mapping[int, bool]]
"""One competency's answered checks: attempt -> {item id: answered right}. Unanswered checks are absent."""


@dataclass(frozen=True)
class TooFewResponses:
    """Stands in for a figure over fewer than MIN_RESPONSES responses: no number, ever."""

    def __str__(self) -> str:
        return "not enough responses"


TOO_FEW = TooFewResponses()
Stat = float | TooFewResponses | None
Count = int | Suppressed


# Pure statistics --------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Discrimination:
    value: float | None  # None: undefined (no spread in the check or in the rest scores)
    n: int  # officials behind it


@dataclass(frozen=True)
class Reliability:
    value: float | None  # None: fewer than two checks, or no spread in the totals
    n: int  # officials behind it: those who answered every check of ``items``
    items: tuple[int, ...]  # the item set it is computed on


def difficulty(right: Iterable[bool]) -> float | None:
    """The share of answers that are right (None for no answers)."""
    answers = list(right)
    return sum(answers) / len(answers) if answers else None


def discrimination(answers: Answers) -> dict[int, Discrimination]:
    """Each item's corrected point-biserial discrimination against the rest of the competency.

    For an item, each attempt that answered it and at least one other check in ``answers`` gives a pair
    (1 if right else 0, the proportion right on its other answered checks); the value is the Pearson
    correlation of the pairs (scipy.stats.pointbiserialr). Attempts with no other answered check are
    left out; the value is None when fewer than two pairs are left or either side has no spread.
    """
    pairs: dict[int, list[tuple[int, float]]] = {}
    for checks in answers.values():
        answered, right = len(checks), sum(checks.values())
        for item, correct in checks.items():
            item_pairs = pairs.setdefault(item, [])
            if answered > 1:
                item_pairs.append((int(correct), (right - correct) / (answered - 1)))
    return {item: _point_biserial(item_pairs) for item, item_pairs in pairs.items()}


def _point_biserial(pairs: Sequence[tuple[int, float]]) -> Discrimination:
    x, y = [pair[0] for pair in pairs], [pair[1] for pair in pairs]
    if len(pairs) < 2 or min(x) == max(x) or min(y) == max(y):
        return Discrimination(None, len(pairs))
    return Discrimination(float(scipy_stats.pointbiserialr(x, y).statistic), len(pairs))


def modal_item_set(answers: Answers) -> tuple[int, ...]:
    """The set of two or more checks that the most attempts answered exactly (ties: the larger set,
    then the smaller item ids); () when no attempt answered two checks."""
    sets = Counter(tuple(sorted(checks)) for checks in answers.values() if len(checks) >= 2)
    if not sets:
        return ()
    return min(sets, key=lambda items: (-sets[items], -len(items), items))


def kr20(answers: Answers) -> Reliability:
    """KR-20 of one competency's checks: k/(k-1) * (1 - sum(p q) / var(total)).

    Forms may differ between officials (drawn from a bank, adaptive, a check left unanswered), and
    KR-20 needs one set of checks that everyone in it answered. So it is computed on the competency's
    most common answered item set (``modal_item_set``) over the attempts that answered every check of
    that set (answers to checks outside the set are ignored); other attempts are left out, not scored
    as wrong. On a fixed form that everyone answered this is the usual KR-20 over everyone.
    ``p`` is each check's share right among those attempts, ``q = 1 - p``; ``var(total)`` is the
    population variance (divisor n, like ``p q``) of their number right on the set. The value is
    None with fewer than two checks or two attempts, or when every total is the same.
    """
    items = modal_item_set(answers)
    rows = [[checks[item] for item in items] for checks in answers.values()
            if all(item in checks for item in items)] if items else []
    if len(rows) < 2:
        return Reliability(None, len(rows), items)
    matrix = np.array(rows, dtype=float)
    k = len(items)
    p = matrix.mean(axis=0)
    variance = matrix.sum(axis=1).var(ddof=0)
    if variance == 0:
        return Reliability(None, len(rows), items)
    return Reliability(float(k / (k - 1) * (1 - float((p * (1 - p)).sum()) / variance)), len(rows), items)


def option_counts(values: Iterable[Any], options: Sequence[str]) -> dict[str, int]:
    """How many answers chose each option, in the options' order (options nobody chose count 0); a value
    that is not an option (the item changed since) is counted under its own text, after them."""
    counts = dict.fromkeys((str(option) for option in options), 0)
    for value in values:
        counts[str(value)] = counts.get(str(value), 0) + 1
    return counts


def option_shares(counts: Mapping[str, int]) -> dict[str, float]:
    """Each option's share of the answers (every share 0 when there are none)."""
    total = sum(counts.values())
    return {option: (count / total if total else 0.0) for option, count in counts.items()}


def shown_figure(value: float | None, n: int, minimum: int = MIN_RESPONSES) -> Stat:
    """A figure over ``n`` responses as shown: TOO_FEW below ``minimum``."""
    return TOO_FEW if n < minimum else value


def flags(share_right: Stat, discrimination_value: Stat) -> tuple[str, ...]:
    """The flags of a check from its figures as shown (a figure not shown raises none)."""
    raised = []
    if isinstance(discrimination_value, float) and discrimination_value < LOW_DISCRIMINATION:
        raised.append("low_discrimination")
    if isinstance(share_right, float) and share_right > TOO_EASY:
        raised.append("too_easy")
    if isinstance(share_right, float) and share_right < TOO_HARD:
        raised.append("too_hard")
    return tuple(raised)


# The table ---------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class BankItem:  # what the statistics need of a knowledge check, as one query reads it
    id: int
    instrument_id: int
    instrument: str  # its code
    version: int
    competency_id: int
    competency: str  # its code
    competency_name: str
    code: str
    level: int
    key: str | None
    options: tuple[tuple[str, str], ...] = ()  # (value, label)


@dataclass(frozen=True)
class Shown:
    """A check on a submitted attempt's form, with the value answered (None: not answered)."""

    attempt_id: int
    item_id: int
    value: Any = None


@dataclass(frozen=True)
class OptionShare:
    value: str
    label: str
    key: bool
    share: Stat


@dataclass(frozen=True)
class ItemRow:
    id: int
    code: str
    level: int
    shown: Count
    answered: Count
    share_right: Stat
    discrimination: Stat
    options: tuple[OptionShare, ...]
    flags: tuple[str, ...]

    @property
    def options_too_few(self) -> bool:
        """Whether the option shares are not shown (too few answers)."""
        return any(isinstance(option.share, TooFewResponses) for option in self.options)


@dataclass(frozen=True)
class CompetencyRow:
    instrument: str
    version: int
    competency: str
    name: str
    responses: Count  # attempts that answered at least one of its checks
    kr20: Stat
    kr20_respondents: Count
    kr20_checks: int
    items: tuple[ItemRow, ...]


@dataclass(frozen=True)
class ItemStatistics:
    competencies: list[CompetencyRow]
    k: int

    @property
    def empty(self) -> bool:
        return not self.competencies

    @property
    def rows(self) -> int:  # checks in the table
        return sum(len(group.items) for group in self.competencies)


def build(items: Sequence[BankItem], shown: Iterable[Shown], k: int | Release = DEFAULT_K
          ) -> ItemStatistics:
    """The statistics of ``items`` (in order; a competency comes where its first check does) from the
    shown rows; empty when nothing was shown. ``k``: the release (an int: exact counts)."""
    release = as_release(k)
    by_id = {item.id: item for item in items}
    times_shown: Counter[int] = Counter()
    keys: Counter[tuple[str, int]] = Counter()  # ("shown" | "answered", item id) -> sum of attempt ids
    values: dict[int, list[Any]] = defaultdict(list)
    answers: dict[tuple[int, int], dict[int, dict[int, bool]]] = defaultdict(lambda: defaultdict(dict))
    by_level: dict[tuple[int, int], dict[int, dict[int, bool]]] = defaultdict(lambda: defaultdict(dict))
    for row in shown:
        item = by_id.get(row.item_id)
        if item is None:
            continue
        times_shown[item.id] += 1
        keys[("shown", item.id)] += row.attempt_id
        if row.value is not None:
            keys[("answered", item.id)] += row.attempt_id
            values[item.id].append(row.value)
            right = is_right(item.key, row.value)
            answers[(item.instrument_id, item.competency_id)][row.attempt_id][item.id] = right
            by_level[(item.instrument_id, item.competency_id)][row.attempt_id].setdefault(item.level, right)
    if not times_shown:
        return ItemStatistics([], release.k)
    groups: dict[tuple[int, int], list[BankItem]] = defaultdict(list)
    for item in items:
        groups[(item.instrument_id, item.competency_id)].append(item)
    minimum = max(MIN_RESPONSES, release.k)
    competencies = [_competency_row(group, answers[key], by_level[key], times_shown, values, keys, release,
                                    minimum)
                    for key, group in groups.items()]
    return ItemStatistics(competencies, release.k)


def _competency_row(group: Sequence[BankItem], answers: Answers, by_level: Answers,
                    times_shown: Mapping[int, int], values: Mapping[int, list[Any]],
                    keys: Mapping[tuple[str, int], int], release: Release, minimum: int) -> CompetencyRow:
    """Parallel forms (one check per level drawn from the bank) share few exact item sets, so KR-20 is
    also worked out with the checks of one level taken as interchangeable; the one over more officials
    is shown."""
    first = group[0]
    reliability, among = max((kr20(answers), answers), (kr20(by_level), by_level),
                             key=lambda found: found[0].n)
    respondents = [attempt for attempt, checks in among.items()
                   if reliability.items and all(item in checks for item in reliability.items)]
    separating = discrimination(answers)
    rows = tuple(_item_row(item, times_shown.get(item.id, 0), values.get(item.id, []),
                           separating.get(item.id, Discrimination(None, 0)),
                           (keys[("shown", item.id)], keys[("answered", item.id)]), release, minimum)
                 for item in group)
    return CompetencyRow(first.instrument, first.version, first.competency, first.competency_name,
                         release.count(len(answers), sum(answers), "attempts"),
                         shown_figure(reliability.value, reliability.n, minimum),
                         release.count(reliability.n, sum(respondents), "attempts"), len(reliability.items),
                         rows)


def _item_row(item: BankItem, times_shown: int, values: Sequence[Any], separating: Discrimination,
              keys: tuple[int, int], release: Release, minimum: int) -> ItemRow:
    n = len(values)
    share_right = shown_figure(difficulty(is_right(item.key, value) for value in values), n, minimum)
    value = shown_figure(separating.value, separating.n, minimum)
    labels = dict(item.options)
    shares = option_shares(option_counts(values, [option for option, _label in item.options]))
    options = tuple(OptionShare(option, labels.get(option, option), is_right(item.key, option),
                                shown_figure(share, n, minimum))
                    for option, share in shares.items())
    return ItemRow(item.id, item.code, item.level, release.count(times_shown, keys[0], "attempts"),
                   release.count(n, keys[1], "attempts"), share_right, value, options,
                   flags(share_right, value))


# Queries ----------------------------------------------------------------------------------------------

def _instrument_filter(instrument: str | None, version: int | None) -> list[Any]:
    conditions = []
    if instrument is not None:
        conditions.append(Instrument.code == instrument)
    if version is not None:
        conditions.append(Instrument.version == version)
    return conditions


def bank_items(session: Session, scope: Scope, *, instrument: str | None = None,
               version: int | None = None) -> list[BankItem]:
    """The knowledge checks (with a competency and level) of every instrument version that a submitted
    attempt in ``scope`` was taken on, by instrument, then position. One statement."""
    taken = select(Attempt.instrument_id).where(Attempt.status == AttemptStatus.SUBMITTED,
                                                in_scope(Attempt.country_id, scope))
    stmt = (select(Item.id, Item.instrument_id, Instrument.code, Instrument.version, Item.competency_id,
                   Competency.code, Competency.name, Item.code, Item.level, Item.key, Item.options)
            .join(Instrument, Instrument.id == Item.instrument_id)
            .join(Competency, Competency.id == Item.competency_id)
            .where(Item.kind == ItemKind.KNOWLEDGE, Item.level.is_not(None), Item.instrument_id.in_(taken),
                   *_instrument_filter(instrument, version))
            .order_by(Instrument.code, Instrument.version, Item.position, Item.id))
    return [BankItem(*row[:10], options=tuple((str(o.get("value")), str(o.get("label", o.get("value"))))
                                              for o in row[10] or ()))
            for row in session.execute(stmt)]


def shown_rows(session: Session, scope: Scope, *, instrument: str | None = None,
               version: int | None = None) -> list[Shown]:
    """Every knowledge check on the form of a submitted attempt in ``scope``, with the value answered
    (None when not). One statement."""
    stmt = (select(AttemptItem.attempt_id, AttemptItem.item_id, Answer.value)
            .join(Attempt, Attempt.id == AttemptItem.attempt_id)
            .join(Item, Item.id == AttemptItem.item_id)
            .join(Instrument, Instrument.id == Item.instrument_id)
            .outerjoin(Answer, and_(Answer.attempt_id == AttemptItem.attempt_id,
                                    Answer.item_id == AttemptItem.item_id))
            .where(Attempt.status == AttemptStatus.SUBMITTED, in_scope(Attempt.country_id, scope),
                   Item.kind == ItemKind.KNOWLEDGE, Item.level.is_not(None),
                   Item.competency_id.is_not(None), *_instrument_filter(instrument, version)))
    return [Shown(*row) for row in session.execute(stmt)]


def item_statistics(session: Session, scope: Scope, *, instrument: str | None = None,
                    version: int | None = None, k: int | Release = DEFAULT_K) -> ItemStatistics:
    """The item statistics of the submitted attempts in ``scope`` (None: every country), optionally of
    one instrument code and version. Two statements, whatever the number of items and attempts."""
    return build(bank_items(session, scope, instrument=instrument, version=version),
                 shown_rows(session, scope, instrument=instrument, version=version), k)


def instrument_versions(session: Session) -> list[tuple[str, int, str]]:
    """(code, version, name) of every individual instrument, for the filter."""
    return [tuple(row) for row in session.execute(
        select(Instrument.code, Instrument.version, Instrument.name)
        .where(Instrument.kind == InstrumentKind.INDIVIDUAL).order_by(Instrument.code, Instrument.version))]
