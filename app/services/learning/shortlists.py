"""Shortlists: for each official of a campaign, the few resources matching's rules will choose from,
scored for many officials at once as sparse matrices.

- ``gaps`` (officials × competency-levels): 1 where the level lies in one of an official's gaps
  ``[current, target)``;
- ``coverage`` (competency-levels × resources): 1 where the resource teaches that level.

Their product gives, for every official and resource that serves one of their gaps, the levels it
could close at best, in one sparse product per chunk of officials; the resources that serve nothing are
never looked at again. Each pair is then scored as the rules rank it after the gap itself
(app/services/matching.py ``_rank``: levels per hour at best, language order, formats, hours, id), and
the shortlist keeps, for each level of the official's gaps, the ``k`` best resources teaching it (and the
``k`` best in their languages): one integer per (official, resource, level) served, ranked by one sort
for a block of officials at a time (small enough to stay in the processor's cache).

Every part of a score is either fixed or only gets worse as a plan closes gaps, so the best score left
out for each competency and level (``matching.Bound.floors``) lets ``build_plan`` prove that the
shortlist changed nothing, round by round, or say so (``ShortlistTooShort``) and the official is matched
against a longer one: the plans are always those against the whole catalogue. ``plans`` applies the
rules to each shortlist (app/services/learning/greedy.py, the rules of ``build_plan`` from facts about
each resource prepared once) and scores those whose shortlist was too short again, together.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from scipy import sparse

from app.services.learning import greedy, matching

DEFAULT_K = 8  # candidates per level of a gap (and as many in the official's languages)
_MAX_KEY = 2 ** 62
_BLOCK = 128  # officials whose rows are ranked at a time


@dataclass(frozen=True)
class Shortlist:
    resources: list[matching.Resource]
    bound: matching.Bound
    positions: list[int] = field(default_factory=list)  # of ``resources`` in the scorer's, in order


def _base(code: str) -> str:
    return code.split("-")[0].lower()


class Scorer:
    """The catalogue's resources as matrices, built once per campaign and shared by every chunk."""

    def __init__(self, resources: Sequence[matching.Resource]) -> None:
        self.resources = list(resources)
        self.position = {r.id: j for j, r in enumerate(self.resources)}
        self.facts = greedy.Facts(self.resources)
        self.prerequisites = [self._prerequisites(r) for r in self.resources]
        self.competencies = {c: i for i, c in enumerate(sorted(
            {t.competency for r in self.resources for t in r.teaches}))}
        self.width = max((t.level_to for r in self.resources for t in r.teaches), default=0) + 1
        self._teaches = np.array([(j, self.competencies[t.competency], t.level_from, t.level_to)
                                  for j, r in enumerate(self.resources) for t in r.teaches
                                  if t.level_from < t.level_to], dtype=np.int64).reshape(-1, 4)
        starts = np.maximum(self._teaches[:, 2], 0)
        spans = self._teaches[:, 3] - starts
        first = np.repeat(np.cumsum(spans) - spans, spans)
        rows = np.repeat(self._teaches[:, 1] * self.width + starts, spans) + np.arange(spans.sum()) - first
        cols = np.repeat(self._teaches[:, 0], spans)
        self.coverage = sparse.csr_matrix((np.ones(len(rows)), (rows, cols)),
                                          shape=(len(self.competencies) * self.width, len(self.resources)))
        # Greater than the levels any resource covers.
        self.base = int(np.asarray(self.coverage.sum(axis=0)).max(initial=0)) + 1
        self._entry_count = np.bincount(self._teaches[:, 0], minlength=len(self.resources))
        self._entry_start = np.cumsum(self._entry_count) - self._entry_count
        self._static()
        self._languages: dict[tuple[str, ...], np.ndarray] = {}
        self._formats: dict[tuple[str, ...], np.ndarray] = {}
        self._in_language: dict[tuple[str, ...], np.ndarray] = {}

    def _prerequisites(self, resource: matching.Resource) -> tuple[int, ...]:
        """The positions of every prerequisite of ``resource`` among the resources, transitively."""
        found: list[int] = []
        stack = list(resource.prerequisites)
        while stack:
            other = self.position.get(stack.pop())
            if other is None or other in found:
                continue
            found.append(other)
            stack.extend(self.resources[other].prerequisites)
        return tuple(found)

    def _static(self) -> None:
        """What does not depend on the official: levels per hour ranked exactly, (hours, id) ranked."""
        n = len(self.resources)
        self.hours = np.array([r.hours for r in self.resources], dtype=float)
        divisors, self._hour_of = np.unique(np.maximum(self.hours, 0.25), return_inverse=True)
        per_hour = np.arange(self.base, dtype=float)[:, None] / divisors[None, :]  # as _rank divides
        _values, ranks = np.unique(per_hour.ravel(), return_inverse=True)
        self._per_hour_rank = ranks.reshape(per_hour.shape).astype(np.int64)
        self._per_hour_ranks = int(self._per_hour_rank.max(initial=0)) + 1
        order = sorted(range(n), key=lambda j: (self.resources[j].hours, self.resources[j].id))
        self._tiebreak = np.empty(n, dtype=np.int64)
        self._tiebreak[order] = np.arange(n - 1, -1, -1)  # bigger is better, as for every part of the key
        self._bases = [{_base(c) for c in r.languages} for r in self.resources]
        self._format = np.array([r.format for r in self.resources], dtype=object)

    def preference(self, languages: tuple[str, ...]) -> np.ndarray:
        """Per resource, the index of the official's most preferred language it is in (else their count)."""
        if languages not in self._languages:
            found = np.full(len(self.resources), len(languages), dtype=np.int64)
            for index in range(len(languages) - 1, -1, -1):
                code = _base(languages[index])
                found[[code in bases for bases in self._bases]] = index
            self._languages[languages] = found
        return self._languages[languages]

    def preferred(self, formats: tuple[str, ...]) -> np.ndarray:
        if formats not in self._formats:
            self._formats[formats] = np.isin(self._format, list(formats)).astype(np.int64)
        return self._formats[formats]

    def _in_language_counts(self, languages: tuple[str, ...]) -> np.ndarray:
        """Per competency-level: how many teachings in these languages cover it."""
        if languages not in self._in_language:
            ours = (self.preference(languages) < len(languages)).astype(float)
            self._in_language[languages] = np.rint(self.coverage @ ours).astype(np.int64)
        return self._in_language[languages]

    # Scoring ------------------------------------------------------------------------------------------

    def _people(self, people: Sequence[tuple[matching.Official, Sequence[matching.Gap]]]
                ) -> tuple[sparse.csr_matrix, np.ndarray, np.ndarray]:
        """officials × competency-levels: 1 where the level is in one of the official's gaps; and
        officials × competencies: each gap's current level and target (0, 0 where there is none)."""
        rows, cols = [], []
        current = np.zeros((len(people), len(self.competencies)), dtype=np.int64)
        target = np.zeros_like(current)
        for i, (_official, gaps) in enumerate(people):
            for gap in gaps:
                c = self.competencies.get(gap.competency)
                if c is None or gap.size == 0:
                    continue
                current[i, c], target[i, c] = gap.current, gap.target
                for level in range(gap.current, min(gap.target, self.width)):
                    rows.append(i)
                    cols.append(c * self.width + level)
        gaps = sparse.csr_matrix((np.ones(len(rows)), (rows, cols)),
                                 shape=(len(people), self.coverage.shape[0]))
        return gaps, current, target

    def _gaps(self, people: Sequence[tuple[matching.Official, Sequence[matching.Gap]]]) -> sparse.csr_matrix:
        return self._people(people)[0]

    def shortlists(self, people: Sequence[tuple[matching.Official, Sequence[matching.Gap]]],
                   k: int | None = DEFAULT_K) -> list[Shortlist]:
        """Each person's shortlist: for each level of their gaps, the ``k`` resources teaching it that
        score best (all that serve a gap when ``k`` is None), with their prerequisites, and the
        bound of what was left out. Scored for all of ``people`` at once."""
        gaps, current, target = self._people(people)
        scores = (gaps @ self.coverage).tocsr()  # levels each resource could close at best
        most_languages = max((len(o.languages) for o, _g in people), default=0)
        width = self._per_hour_ranks * (most_languages + 1) * 2 * len(self.resources)
        if width * max(len(self.competencies) * self.width, 1) > _MAX_KEY:
            k = None  # the key would overflow: shortlist nothing out
        kept: list[np.ndarray] = []
        floors: list[tuple[dict, dict]] = []
        for start in range(0, len(people) if k is not None else 0, _BLOCK):  # blocks that stay in cache
            end = start + _BLOCK
            block = self._top(scores[start:end], current[start:end], target[start:end], people[start:end],
                              k, width)
            kept.extend(block[0])
            floors.extend(block[1])
        out = []
        for i, (official, _gaps) in enumerate(people):
            start, end = scores.indptr[i], scores.indptr[i + 1]
            if k is None or end - start <= k:
                out.append(self._shortlist(scores.indices[start:end], official, ({}, {})))
            else:
                out.append(self._shortlist(kept[i], official, floors[i]))
        return out

    def _top(self, scores: sparse.csr_matrix, current: np.ndarray, target: np.ndarray,
             people: Sequence[tuple[matching.Official, Sequence[matching.Gap]]], k: int, width: int
             ) -> tuple[list[np.ndarray], list[tuple[dict, dict]]]:
        """For each person, the ``k`` best-scoring resources teaching each level of their gaps (and the
        ``k`` best in their languages), and for each (competency, level) with more, the score of the
        best one left out in their languages and of the best in none of them (``matching.Bound.floors``
        and ``.others``); one row per (person, resource, level) served."""
        n = len(people)
        columns = scores.indices.astype(np.int64)
        who = np.repeat(np.arange(n), np.diff(scores.indptr))
        counts = self._entry_count[columns]
        owner = np.repeat(np.arange(len(columns)), counts)
        entries = np.repeat(self._entry_start[columns] - (np.cumsum(counts) - counts), counts) + np.arange(
            counts.sum())
        comp, frm, to = self._teaches[entries, 1], self._teaches[entries, 2], self._teaches[entries, 3]
        now, goal = current[who[owner], comp], target[who[owner], comp]
        serving = (goal > now) & (frm < goal) & (to > now)
        owner, comp, now, goal = owner[serving], comp[serving], now[serving], goal[serving]
        # One row per level each serves: the rules take, each round, something teaching the level a gap
        # is at now, so that is what is kept (and bounded) per competency and level.
        low = np.maximum(frm[serving], now)
        spans = np.minimum(to[serving], goal) - low
        owner = np.repeat(owner, spans)
        above = np.arange(spans.sum()) - np.repeat(np.cumsum(spans) - spans, spans)
        level = np.repeat(comp * self.width + low, spans) + above
        # From that level on it closes fewer levels of this competency than from the gap's start.
        best = np.rint(scores.data).astype(np.int64)[owner] - above
        column, person = columns[owner], who[owner]
        preference, ours = self._preferences(people, person, column)
        score = level * width + self._score(column, best, person, preference, people)
        span = max(len(self.competencies) * self.width, 1) * width
        rank, order, groups = _rank_within(person, level, score, span)
        # The best in the official's languages too, so that a fallback is never chosen for want of them.
        inside = np.flatnonzero(ours)
        rank_ours = _rank_within(person[inside], level[inside], score[inside], span)[0]
        keep = rank < k
        keep[inside] |= rank_ours < k
        # What was left out: the best in their languages, and apart the best in none of them.
        left = np.flatnonzero(~ours[order] & (rank[order] >= k))  # in the order of the ranking
        others = order[left[np.diff(groups[left], prepend=-1) != 0]]
        bounds = [self._floors(inside[rank_ours == k], level, column, best, person, people),
                  self._floors(others, level, column, best, person, people)]
        pairs = np.unique(person[keep] * len(self.resources) + column[keep])
        starts = np.searchsorted(pairs // max(len(self.resources), 1), np.arange(n + 1))
        kept = pairs % max(len(self.resources), 1)
        return ([kept[starts[i]:starts[i + 1]] for i in range(n)],
                [(bounds[0][i], bounds[1][i]) for i in range(n)])

    def _floors(self, rows: np.ndarray, level: np.ndarray, column: np.ndarray, best: np.ndarray,
                person: np.ndarray, people: Sequence[tuple[matching.Official, Sequence[matching.Gap]]]
                ) -> list[dict[tuple[str, int], tuple]]:
        """Per person, the floor (``matching.Bound``) of each of ``rows`` by (competency, level)."""
        floors: list[dict[tuple[str, int], tuple]] = [{} for _ in people]
        names = list(self.competencies)
        for p in rows.tolist():
            i, at = int(person[p]), int(level[p])
            floors[i][(names[at // self.width], at % self.width)] = self._floor(
                int(column[p]), int(best[p]), people[i][0])
        return floors

    def _preferences(self, people: Sequence[tuple[matching.Official, Sequence[matching.Gap]]],
                     person: np.ndarray, column: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Per row: the index of the person's most preferred language the resource is in (else their
        count), and whether it is in one of them."""
        tuples = {t: i for i, t in enumerate(sorted({o.languages for o, _g in people}))}
        table = np.array([self.preference(t) for t in tuples], dtype=np.int64).reshape(len(tuples), -1)
        which = np.array([tuples[o.languages] for o, _g in people], dtype=np.int64)
        count = np.array([len(o.languages) for o, _g in people], dtype=np.int64)
        preference = table[which[person], column]
        return preference, preference < count[person]

    def _score(self, columns: np.ndarray, levels: np.ndarray, person: np.ndarray, preference: np.ndarray,
               people: Sequence[tuple[matching.Official, Sequence[matching.Gap]]]) -> np.ndarray:
        """One integer per candidate, bigger for a better rank after the gap it serves (levels per hour
        at best, language order, format, hours, id); no two candidates of a person share one."""
        most_languages = max((len(o.languages) for o, _g in people), default=0)
        tuples = {t: i for i, t in enumerate(sorted({o.preferred_formats for o, _g in people}))}
        table = np.array([self.preferred(t) for t in tuples], dtype=np.int64).reshape(len(tuples), -1)
        which = np.array([tuples[o.preferred_formats] for o, _g in people], dtype=np.int64)
        key = self._per_hour_rank[levels, self._hour_of[columns]]
        key = key * (most_languages + 1) + (most_languages - preference)
        key = key * 2 + table[which[person], columns]
        return key * len(self.resources) + self._tiebreak[columns]

    def _floor(self, column: int, levels: int, official: matching.Official) -> tuple:
        """The best rank after the gap it serves that the resource at ``column`` could ever have, in the
        terms of matching._rank."""
        resource = self.resources[column]
        return (-(levels / max(resource.hours, 0.25)), int(self.preference(official.languages)[column]),
                resource.format not in official.preferred_formats, resource.hours, resource.id)

    def _shortlist(self, columns: np.ndarray, official: matching.Official,
                   floors: tuple[dict[tuple[str, int], tuple], dict[tuple[str, int], tuple]]) -> Shortlist:
        chosen = set(columns.tolist())
        for column in columns.tolist():
            chosen.update(self.prerequisites[column])
        positions = sorted(chosen)
        resources = [self.resources[j] for j in positions]
        if not floors[0] and not floors[1]:
            return Shortlist(resources, matching.Bound(), positions)

        def in_language(levels: frozenset[tuple[str, int]]) -> bool:
            return self._left_out_in_language(official, resources, levels)

        return Shortlist(resources, matching.Bound(floors[0], in_language, floors[1]), positions)

    def _left_out_in_language(self, official: matching.Official, kept: list[matching.Resource],
                              levels: frozenset[tuple[str, int]]) -> bool:
        """Whether a resource in the official's languages that is not ``kept`` teaches one of ``levels``
        (competency, level): it would serve that gap now. Counts teachings, as the table does."""
        counts = self._in_language_counts(official.languages)
        for competency, level in levels:
            c = self.competencies.get(competency)
            if c is None or level >= self.width:
                continue
            served = sum(1 for r in kept if matching.shared_language(official, r.languages)
                         for t in r.teaches
                         if t.competency == competency and t.level_from <= level < t.level_to)
            if counts[c * self.width + level] > served:
                return True
        return False


def plan(scorer: Scorer, shortlist: Shortlist, official: matching.Official, gaps: Sequence[matching.Gap],
         paths: Sequence[matching.Path], k: int | None = DEFAULT_K) -> list[matching.Recommendation]:
    """``official``'s plan from their shortlist (``plans`` for one person)."""
    return plans(scorer, [(official, gaps)], [paths], k, [shortlist])[0]


def plans(scorer: Scorer, people: Sequence[tuple[matching.Official, Sequence[matching.Gap]]],
          paths: Sequence[Sequence[matching.Path]], k: int | None = DEFAULT_K,
          found: Sequence[Shortlist] | None = None) -> list[list[matching.Recommendation]]:
    """Each person's plan (``paths``: each one's), from their shortlist in ``found`` (scored here when
    None); those whose shortlist may have left out what the rules would choose are scored again
    together against longer ones (four times, then every resource that serves a gap)."""
    out: list[list[matching.Recommendation]] = [[] for _ in people]
    todo = list(range(len(people)))
    found = scorer.shortlists(people, k) if found is None else found
    while todo:
        again = []
        for i, shortlist in zip(todo, found, strict=True):
            official, gaps = people[i]
            try:
                out[i] = greedy.build_plan(scorer.facts, shortlist.positions, official, gaps, paths[i],
                                           bound=shortlist.bound)
            except matching.ShortlistTooShort:
                again.append(i)
        k = None if k is None or k * 4 >= len(scorer.resources) else k * 4
        todo, found = again, scorer.shortlists([people[i] for i in again], k) if again else []
    return out


def _rank_within(person: np.ndarray, level: np.ndarray, score: np.ndarray, span: int
                 ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each row's place (0 for the best) among the rows of the same person and level, by ``score``
    (levels in its top digits, so sorting by score sorts by level first; below ``span``); the order of
    the rows by person, level and place, and the (person, level) group of each in that order. Rows that
    tie are the same resource at the same level, with the same floor: their order does not matter."""
    if (int(person.max(initial=0)) + 1) * span <= _MAX_KEY:
        order = np.argsort(-(person * span + score))
    else:
        order = np.lexsort((-score, person))
    positions = np.arange(len(order))
    sorted_groups = person[order] * (int(level.max(initial=0)) + 1) + level[order]
    starts = np.r_[True, sorted_groups[1:] != sorted_groups[:-1]]
    first = np.maximum.accumulate(np.where(starts, positions, 0))
    rank = np.empty(len(order), dtype=np.int64)
    rank[order] = positions - first
    return rank, order, sorted_groups
