"""How well the assessment measures, in simulation: the scoring model (rule 2) and the adaptive form
against the fixed form and the old rule (rule 1), on simulated officials with a known true level.

    .venv/bin/python bench/measurement.py [--officials N] [--seed S] [--demo]

Prints
- the share of random guessers who self-rate 4 and are placed at level 3 or above (rule 2, and rule 1's
  "self-rating capped one above the evidence" on the same answers as the baseline);
- the mean absolute error (MAE) of the estimate against the true level, for fixed and adaptive forms of
  25 %, 50 %, 75 % and 100 % of one competency's bank (12 checks: 3 per level 1-4), and for the
  self-rating alone as the baseline;
- what the adaptive form's stop rule asks on average, and its MAE, against the bundled fixed form
  (one check per level: 4);
- with --demo: KR-20 per competency on the demo's answers (a throwaway SQLite file; about a minute).

Simulated officials: true level uniform over 0-4; self-rating = true level + one of -1, 0, 0, +1, +1, +2
(clipped: people overrate more than they underrate); a check at or below the true level is answered
right 90 % of the time, above it by chance (1 in 4).
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from app.services.assessment import adaptive, scoring  # noqa: E402
from app.services.assessment.estimate import Check  # noqa: E402
from app.services.assessment.forms import Candidate  # noqa: E402

LEVELS = scoring.LEVELS
BANK = [(level, letter) for level in (1, 2, 3, 4) for letter in "abc"]  # one competency's 12 checks
OPTIONS = 4
FRACTIONS = (0.25, 0.5, 0.75, 1.0)


def official(rng: random.Random) -> tuple[int, int]:
    true_level = rng.choice(LEVELS)
    return true_level, min(4, max(0, true_level + rng.choice((-1, 0, 0, 1, 1, 2))))


def answer(rng: random.Random, true_level: int, level: int) -> bool:
    return rng.random() < (0.9 if true_level >= level else 1 / OPTIONS)


def fixed_levels(count: int) -> list[int]:
    """``count`` checks spread over the levels: 1, 2, 3, 4, 1, 2, ..."""
    return [1 + i % 4 for i in range(count)]


def rule1(self_level: int, checks: list[Check]) -> int:
    """The old rule: the self-rating capped one level above the highest level with half its checks right."""
    shares = scoring.evidence_shares(checks)
    evidence = max((level for level, share in shares.items() if share >= 0.5), default=0) if shares else None
    return self_level if evidence is None else min(self_level, evidence + 1)


def run_fixed(rng, count, true_level, self_level):
    checks = [Check(level, OPTIONS, answer(rng, true_level, level)) for level in fixed_levels(count)]
    return checks


def run_adaptive(rng, budget, true_level, self_level, *, stop=False):
    pool = [(Candidate(i, f"k{level}{letter}", "knowledge", 1, level, i), OPTIONS)
            for i, (level, letter) in enumerate(BANK)]
    checks: list[Check] = []
    while pool and len(checks) < budget:
        if stop and adaptive.should_stop(self_level, checks, 2, budget=budget):
            break
        chosen = adaptive.next_check(self_level, checks, pool, set(), rng)
        pool = [entry for entry in pool if entry[0].id != chosen.id]
        checks.append(Check(chosen.level, OPTIONS, answer(rng, true_level, chosen.level)))
    return checks


def level_of(self_level, checks):
    return scoring.score_competency(1, self_level, checks, len(checks), None,
                                    scoring.Minimum(checks=0)).level


def mae(officials, form):
    return statistics.fmean(abs(level_of(s, form(t, s)) - t) for t, s in officials)


def guessers(rng, runs):
    rule2 = rule1_high = 0
    for _ in range(runs):
        checks = [Check(level, OPTIONS, rng.random() < 1 / OPTIONS) for level in fixed_levels(4)]
        rule2 += level_of(4, checks) >= 3
        rule1_high += rule1(4, checks) >= 3
    return rule2 / runs, rule1_high / runs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--officials", type=int, default=4000)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--demo", action="store_true", help="also KR-20 per competency on the demo")
    args = parser.parse_args()
    rng = random.Random(args.seed)
    people = [official(rng) for _ in range(args.officials)]

    rate2, rate1 = guessers(random.Random(args.seed), args.officials)
    print(f"Random guessers who self-rate 4, fixed form of 4 checks, {args.officials} runs:")
    print(f"  placed at level 3 or above: rule 2 {rate2:.1%}   (baseline rule 1: {rate1:.1%})")

    self_only = statistics.fmean(abs(s - t) for t, s in people)
    old = statistics.fmean(abs(rule1(s, run_fixed(rng, 4, t, s)) - t) for t, s in people)
    print(f"\nMAE against the true level ({args.officials} simulated officials per figure):")
    print(f"  baseline: self-rating alone {self_only:.3f}; rule 1 on the fixed 4-check form {old:.3f}")
    print(f"  {'share of bank':>14} {'checks':>6} {'fixed':>7} {'adaptive':>9} {'adaptive/fixed':>15}")
    curve = {}
    for fraction in FRACTIONS:
        count = round(fraction * len(BANK))
        fixed = mae(people, lambda t, s, c=count: run_fixed(rng, c, t, s))
        adapt = mae(people, lambda t, s, c=count: run_adaptive(rng, c, t, s))
        curve[count] = (fixed, adapt)
        print(f"  {fraction:>14.0%} {count:>6} {fixed:>7.3f} {adapt:>9.3f} {adapt / fixed:>15.2f}")

    used, errors = [], []
    for t, s in people:
        checks = run_adaptive(rng, adaptive.MAX_CHECKS, t, s, stop=True)
        used.append(len(checks))
        errors.append(abs(level_of(s, checks) - t))
    bundled = mae(people, lambda t, s: run_fixed(rng, 4, t, s))
    print(f"\nThe adaptive form with its stop rule (at least 2 checks; stop once one level holds "
          f"{adaptive.STOP_MASS:.0%}; at most {adaptive.MAX_CHECKS}) asks {statistics.fmean(used):.2f} "
          f"checks on average, {statistics.fmean(used) / 4:.0%} of the bundled fixed form's 4, for an MAE of "
          f"{statistics.fmean(errors):.3f} against the fixed form's {bundled:.3f}")
    if args.demo:
        from bench.measurement_demo import print_demo_reliability

        print_demo_reliability()


if __name__ == "__main__":
    main()
