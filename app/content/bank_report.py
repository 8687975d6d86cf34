"""How good a framework's knowledge checks are as a bank: coverage per competency and level, and cues.

Pure: it takes checks (bank checks or an instrument's own knowledge items) with the file each comes
from, and returns lines to print. ``flask content validate`` prints one report per framework.

Warnings:
- a file where the key is the longest option in more than 30 % of its checks: test-wise people pick the
  longest answer, so a bank where that works measures test-wiseness, not knowledge;
- a check with two options of the same label (the official cannot tell them apart);
- a check without a source (a reviewer cannot check its key);
- a competency and level with fewer than 3 checks (a follow-up could not draw an unseen one, and one
  weak check would weigh too much).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from app.content.schemas import BankCheck, KnowledgeItem

MIN_PER_LEVEL = 3
MAX_LENGTH_CUE = 0.30

Check = KnowledgeItem | BankCheck


def key_is_longest(check: Check) -> bool:
    """The key's label is longer than every other option's."""
    key = [len(option.label) for option in check.options if option.value == check.key]
    others = [len(option.label) for option in check.options if option.value != check.key]
    return bool(key) and all(key[0] > length for length in others)


def key_is_shortest(check: Check) -> bool:
    key = [len(option.label) for option in check.options if option.value == check.key]
    others = [len(option.label) for option in check.options if option.value != check.key]
    return bool(key) and all(key[0] < length for length in others)


def _label(text: str) -> str:
    return " ".join(text.split()).casefold()


def _percent(part: int, whole: int) -> str:
    return f"{round(100 * part / whole)} %" if whole else "–"


@dataclass
class BankReport:
    framework: str
    levels: list[int]  # the levels a check can evidence (the scale without 0)
    counts: dict[str, Counter] = field(default_factory=dict)  # competency -> level -> checks
    checks: int = 0
    longest: int = 0  # checks whose key is the longest option
    shortest: int = 0
    warnings: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        if not self.counts:
            return []
        per_level = [counts[level] for counts in self.counts.values() for level in self.levels]
        low, high = min(per_level), max(per_level)
        checks = f"{low}" if low == high else f"{low}–{high}"
        width = max(len(code) for code in self.counts)
        lines = [f"{self.framework}: {self.checks} knowledge checks = {len(self.counts)} competencies × "
                 f"{len(self.levels)} levels × {checks} checks; the key is the longest option in "
                 f"{self.longest} ({_percent(self.longest, self.checks)}), the shortest in "
                 f"{self.shortest} ({_percent(self.shortest, self.checks)})"]
        lines += [f"  {code:<{width}}  " + "  ".join(f"L{level} {counts[level]}" for level in self.levels)
                  for code, counts in self.counts.items()]
        return lines + [f"warning: {warning}" for warning in self.warnings]


def bank_report(framework: str, checks: Iterable[tuple[str, Check]], *, competencies: Sequence[str] = (),
                levels: Sequence[int] = ()) -> BankReport:
    """The report on ``checks`` ((file, check) pairs) of one framework. ``competencies`` and ``levels``
    (the framework's, in its order; level 0 is left out) are listed even when no check covers them;
    without them, those the checks name are listed."""
    checks = list(checks)
    levels = sorted({level for level in levels if level >= 1} or {check.level for _, check in checks})
    report = BankReport(framework, levels, {code: Counter() for code in competencies}, len(checks))
    by_file: dict[str, list[Check]] = defaultdict(list)
    for file, check in checks:
        report.counts.setdefault(check.competency, Counter())[check.level] += 1
        by_file[file].append(check)
        report.longest += key_is_longest(check)
        report.shortest += key_is_shortest(check)
    for file, in_file in by_file.items():
        report.warnings += _length_cue(file, in_file)
        report.warnings += [f"{file}: {check.code}: {problem}" for check in in_file
                            for problem in check_problems(check)]
    for code, counts in report.counts.items():
        report.warnings += [f"{framework}: {code} level {level}: {counts[level]} checks (fewer than "
                            f"{MIN_PER_LEVEL})" for level in levels if counts[level] < MIN_PER_LEVEL]
    return report


def _length_cue(file: str, checks: list[Check]) -> list[str]:
    longest = [check.code for check in checks if key_is_longest(check)]
    if len(longest) <= MAX_LENGTH_CUE * len(checks):
        return []
    return [f"{file}: the key is the longest option in {_percent(len(longest), len(checks))} of the checks "
            f"({len(longest)} of {len(checks)}; keep it at {round(100 * MAX_LENGTH_CUE)} % or less): "
            + ", ".join(longest)]


def check_problems(check: Check) -> list[str]:
    """What one check lacks: a label given to two options, a source."""
    problems = []
    labels: dict[str, list[str]] = defaultdict(list)
    for option in check.options:
        labels[_label(option.label)].append(option.value)
    problems += [f"options {', '.join(values)} have the same label" for values in labels.values()
                 if len(values) > 1]
    if not check.source:
        problems.append("no source (give the title and https address of what the key rests on)")
    return problems
