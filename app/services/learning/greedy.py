"""``matching.build_plan`` for a campaign: the same plan from the same shortlist, worked out from facts
about each resource prepared once per catalogue (``Facts``) rather than from the resources each round.

Each round, ``build_plan`` ranks every resource that serves a gap now by ``matching._rank`` and takes the
best. Its first parts are whether a resource in another language is passed over for one in the
official's languages, then the size of the largest gap the resource serves. One passed over is never
the best (what it is passed over for ranks before it), and a resource serving a gap of the largest size
ranks before every one serving only smaller gaps. So the best is found by looking at the gaps from the
largest down, among the resources of the shortlist teaching the level each is at (from an index by
competency and level), in the order of the most levels per hour they could ever close, up to the first
that could not beat the best so far: a round ranks a handful of resources, not the whole shortlist.

``tests/unit/test_shortlists.py`` holds it to ``matching.build_plan`` on random catalogues.
"""

from __future__ import annotations

from collections.abc import Sequence

from app.services.learning import matching


def _base(code: str) -> str:
    return code.split("-")[0].lower()


class Facts:
    """What the rules ask of each resource of a catalogue, by position, and a cache per official's
    languages of the index of their most preferred language each resource is in."""

    def __init__(self, resources: Sequence[matching.Resource]) -> None:
        self.resources = list(resources)
        self.ids = [r.id for r in self.resources]
        self.hours = [r.hours for r in self.resources]
        self.formats = [r.format for r in self.resources]
        self.teaches = [tuple((t.competency, t.level_from, t.level_to) for t in r.teaches)
                        for r in self.resources]
        self.position = {r.id: j for j, r in enumerate(self.resources)}
        self.by_level: dict[tuple[str, int], frozenset[int]] = {}  # (competency, level): who teaches it
        found: dict[tuple[str, int], set[int]] = {}
        for j, teaches in enumerate(self.teaches):
            for code, level_from, level_to in teaches:
                for level in range(level_from, level_to):
                    found.setdefault((code, level), set()).add(j)
        self.by_level = {key: frozenset(positions) for key, positions in found.items()}
        # More than any official could have them close per hour: ``_rank`` divides the same way.
        self.most_per_hour = [sum(max(0, to - frm) for _code, frm, to in teaches) / max(r.hours, 0.25)
                              for r, teaches in zip(self.resources, self.teaches, strict=True)]
        self._bases = [{_base(c) for c in r.languages} for r in self.resources]
        self._preference: dict[tuple[str, ...], list[int]] = {}

    def preference(self, languages: tuple[str, ...]) -> list[int]:
        """Per resource: ``languages.index(shared_language(...))``, or ``len(languages)`` for none."""
        if languages not in self._preference:
            codes = [_base(code) for code in languages]
            self._preference[languages] = [next((i for i, code in enumerate(codes) if code in bases),
                                                len(codes)) for bases in self._bases]
        return self._preference[languages]


class _Round:
    """An official's remaining gaps and what the shortlist offers them, as the rounds go."""

    def __init__(self, facts: Facts, positions: Sequence[int], official: matching.Official,
                 remaining: dict[str, matching.Gap], planned: set[str]) -> None:
        self.facts, self.positions, self.official, self.planned = facts, positions, official, planned
        self.current = {code: gap.current for code, gap in remaining.items()}
        self.target = {code: gap.target for code, gap in remaining.items()}
        self.names = {code: gap.name for code, gap in remaining.items()}
        self.preference = facts.preference(official.languages)
        self.none = len(official.languages)
        self.shortlist = set(positions)
        self._teaching: dict[tuple[str, int], tuple[list[int], list[int]]] = {}
        self._served: dict[str, bool] = {}

    def _teaching_now(self, code: str) -> tuple[list[int], list[int]]:
        """The resources of the shortlist that teach the level the gap in ``code`` is at, and those of
        them in the official's languages, by the most levels per hour they could ever close."""
        key = (code, self.current[code])
        if key not in self._teaching:
            every = sorted(self.facts.by_level.get(key, frozenset()) & self.shortlist,
                           key=self.facts.most_per_hour.__getitem__, reverse=True)
            self._teaching[key] = every, [j for j in every if self.preference[j] < self.none]
        return self._teaching[key]

    def _served_in_language(self, code: str, served: dict[str, bool]) -> bool:
        """Whether something in the official's languages serves the gap in ``code`` this round."""
        if code not in served:
            served[code] = False
            for j in self._teaching_now(code)[1]:
                if self.facts.ids[j] not in self.planned:
                    served[code] = True
                    break
        return served[code]

    def choose(self) -> tuple[tuple, int] | None:
        """The best rank this round and the position of the resource that has it, or None.

        A resource in another language that ``_rank`` passes over (something in the official's
        languages serves one of the same gaps) is never the best: that something ranks before it."""
        by_size: dict[int, list[str]] = {}
        for code, now in self.current.items():
            if self.target[code] > now:
                by_size.setdefault(self.target[code] - now, []).append(code)
        served = self._served = {}  # this round's, for ``floor`` too
        for size in sorted(by_size, reverse=True):
            best = None
            for code in by_size[size]:
                best = self._best_teaching(code, size, best, served)
            if best is not None:
                return best
        return None

    def _best_teaching(self, code: str, size: int, best: tuple[tuple, int] | None, served: dict[str, bool]
                       ) -> tuple[tuple, int] | None:
        """``best``, or the best-ranked resource teaching the level the gap in ``code`` (of ``size``) is
        at if it ranks before. They come by the most levels per hour they could ever close: the first
        that could not beat ``best`` ends the search."""
        facts, current, target = self.facts, self.current, self.target
        every, ours = self._teaching_now(code)
        for j in ours if self._served_in_language(code, served) else every:
            if best is not None and facts.most_per_hour[j] < -best[0][2]:
                break
            if facts.ids[j] in self.planned:
                continue
            levels, codes = 0, []
            for other, level_from, level_to in facts.teaches[j]:
                now = current.get(other)
                if now is not None and now < target[other] and level_from <= now < level_to:
                    levels += min(level_to, target[other]) - now
                    codes.append(other)
            hours, preference = facts.hours[j], self.preference[j]
            per_hour = levels / max(hours, 0.25)
            if best is not None and per_hour < -best[0][2]:
                continue
            if preference == self.none and any(self._served_in_language(c, served) for c in codes):
                continue  # passed over, see ``choose``
            rank = (0, -size, -per_hour, preference, facts.formats[j] not in self.official.preferred_formats,
                    hours, facts.ids[j])
            if best is None or rank < best[0]:
                best = (rank, j)
        return best

    def closes(self, j: int) -> list[matching.Closes]:
        found = []
        for code, level_from, level_to in self.facts.teaches[j]:
            now = self.current.get(code)
            if now is not None and now < self.target[code] and level_from <= now < level_to:
                found.append(matching.Closes(code, self.names[code], now, min(level_to, self.target[code])))
        return found

    def apply(self, closes: list[matching.Closes]) -> None:
        for c in closes:
            self.current[c.competency] = c.level_to

    def floor(self, bound: matching.Bound) -> tuple | None:
        """``bound.rank`` of the remaining gaps (asked in the round of ``choose``), but for resources
        left out in none of the official's languages only where nothing of the shortlist in their
        languages serves that gap now: else the rules pass them over, whatever their rank."""
        current, target, served = self.current, self.target, self._served
        return min(((0, current[code] - target[code], *floor)
                    for floors, apart in ((bound.floors, False), (bound.others, True))
                    for (code, level), floor in floors.items()
                    if code in current and target[code] > current[code] and current[code] == level
                    and not (apart and self._served_in_language(code, served))),
                   default=None)

    def missing_prerequisites(self, j: int) -> list[int]:
        """``matching._missing_prerequisites`` among the shortlist."""
        if not self.facts.resources[j].prerequisites:
            return []
        ordered: list[int] = []
        seen: set[str] = set()

        def visit(p: int) -> None:
            for pid in self.facts.resources[p].prerequisites:
                q = self.facts.position.get(pid)
                if pid in self.planned or pid in seen or q not in self.shortlist:
                    continue
                seen.add(pid)
                visit(q)
                ordered.append(q)

        visit(j)
        return ordered


def build_plan(facts: Facts, positions: Sequence[int], official: matching.Official,
               gaps: Sequence[matching.Gap], paths: Sequence[matching.Path] = (), *, limit: int = 12,
               bound: matching.Bound | None = None) -> list[matching.Recommendation]:
    """``matching.build_plan(official, gaps, [facts.resources[j] for j in positions], paths, ...)``."""
    remaining = {g.competency: g for g in gaps if g.size > 0}
    plan: list[matching.Recommendation] = []
    planned: set[str] = set(official.completed)
    best_path = matching._best_path(official, paths, remaining)
    if best_path is not None:
        closes = matching._closes_in_order(best_path.resources, remaining)
        matching._apply(closes, remaining)
        plan.append(matching.Recommendation("path", best_path.id, best_path.title, best_path.hours, closes,
                                            matching.shared_language(official, best_path.languages)))
        planned.update(r.id for r in best_path.resources)
    state = _Round(facts, positions, official, remaining, planned)
    while len(plan) < limit:
        found = state.choose()
        if found is None:
            if bound is not None and state.floor(bound) is not None:
                raise matching.ShortlistTooShort  # something left out may still serve what remains
            break
        rank, j = found
        choice = facts.resources[j]
        if bound is not None:
            floor = state.floor(bound)
            if floor is not None and rank >= floor:
                raise matching.ShortlistTooShort
            if state.preference[j] == state.none and bound.in_language is not None and bound.in_language(
                    frozenset((c.competency, c.level_from) for c in state.closes(j))):
                raise matching.ShortlistTooShort
        for p in state.missing_prerequisites(j):
            planned.add(facts.ids[p])
            before = state.closes(p)
            state.apply(before)
            plan.append(matching._recommend(facts.resources[p], official, before,
                                            prerequisite_for=choice.title))
        closes = state.closes(j)
        state.apply(closes)
        planned.add(choice.id)
        plan.append(matching._recommend(choice, official, closes))
    return plan
