"""The bank report: checks per competency and level, and the cues and gaps an author should fix."""

from __future__ import annotations

import pytest

from app.content.bank_report import bank_report, key_is_longest
from app.content.schemas import BankCheck, KnowledgeItem

pytestmark = pytest.mark.no_db

SOURCE = {"title": "A guide", "url": "https://example.org/guide"}


def check(code: str, labels: list[str], key: str = "a", *, competency: str = "LEAD.CHANGE", level: int = 1,
          source: dict | None = SOURCE) -> BankCheck | KnowledgeItem:
    options = [{"value": value, "label": label} for value, label in zip("abcd", labels, strict=False)]
    data = {"code": code, "competency": competency, "level": level, "prompt": "Which one?",
            "options": options, "key": key, "explanation": "Because."}
    if source is None:
        return KnowledgeItem(kind="knowledge", **data)
    return BankCheck(source=source, **data)


EVEN = ["Alpha beta", "Gamma delta", "Epsilon zeta", "Eta theta"]  # key a: neither longest nor shortest
LONGEST_KEY = ["The key, which is the longest option of all", "Short", "Shorter", "Brief"]


def test_the_key_is_the_longest_option_only_when_it_is_longer_than_every_other():
    assert key_is_longest(check("x", LONGEST_KEY))
    assert not key_is_longest(check("x", ["Tie one", "Tie two", "Short"]))  # as long as another
    assert not key_is_longest(check("x", ["Short", "A longer one"]))


def test_a_key_that_is_longest_in_two_checks_of_five_is_warned():
    checks = [check("c1", LONGEST_KEY), check("c2", LONGEST_KEY, level=2)]
    checks += [check(f"c{n}", EVEN, level=n - 2) for n in (3, 4, 5)]
    report = bank_report("dgcf", [("banks/dgcf-lead.yaml", c) for c in checks])
    assert report.longest == 2
    warnings = [w for w in report.warnings if "longest" in w]
    assert warnings == ["banks/dgcf-lead.yaml: the key is the longest option in 40 % of the checks (2 of 5; "
                        "keep it at 30 % or less): c1, c2"]
    assert "the key is the longest option in 2 (40 %)" in report.lines()[0]


def test_a_key_that_is_longest_in_one_check_of_five_is_not_warned():
    checks = [check("c1", LONGEST_KEY)] + [check(f"c{n}", EVEN) for n in range(2, 6)]
    report = bank_report("dgcf", [("banks/dgcf-lead.yaml", c) for c in checks])
    assert report.longest == 1
    assert not [w for w in report.warnings if "longest" in w]


def test_duplicate_labels_and_missing_sources_are_found():
    checks = [("banks/dgcf-lead.yaml", check("dup", ["Open data", "open  data", "Closed", "Other"])),
              ("instruments/tna.yaml", check("own", EVEN, source=None)),
              ("banks/dgcf-lead.yaml", check("fine", EVEN))]
    warnings = bank_report("dgcf", checks).warnings
    assert "banks/dgcf-lead.yaml: dup: options a, b have the same label" in warnings
    assert ("instruments/tna.yaml: own: no source (give the title and https address of what the key rests "
            "on)") in warnings
    assert not [w for w in warnings if ": fine: " in w]


def test_counts_per_competency_and_level_with_thin_levels_warned():
    checks = [check(f"L{level}-{n}", EVEN, level=level) for level in (1, 2, 3, 4) for n in range(3)]
    checks += [check("S-1", EVEN, competency="LEAD.STRATEGY", level=2)]
    report = bank_report("dgcf", [("banks/b.yaml", c) for c in checks],
                         competencies=["LEAD.CHANGE", "LEAD.STRATEGY", "LEAD.POLICY"], levels=[0, 1, 2, 3, 4])
    lines = report.lines()
    assert lines[0].startswith("dgcf: 13 knowledge checks = 3 competencies × 4 levels × 0–3 checks; ")
    assert lines[1:4] == ["  LEAD.CHANGE    L1 3  L2 3  L3 3  L4 3",
                          "  LEAD.STRATEGY  L1 0  L2 1  L3 0  L4 0",
                          "  LEAD.POLICY    L1 0  L2 0  L3 0  L4 0"]
    thin = [w for w in report.warnings if "fewer than 3" in w]
    assert "dgcf: LEAD.STRATEGY level 2: 1 checks (fewer than 3)" in thin
    assert "dgcf: LEAD.POLICY level 4: 0 checks (fewer than 3)" in thin
    assert len(thin) == 8 and not [w for w in thin if "LEAD.CHANGE" in w]
    warned = [line for line in lines if line.startswith("warning: ")]
    assert warned == [f"warning: {w}" for w in report.warnings]


def test_uniform_coverage_reads_as_one_number():
    checks = [check(f"{c}-{level}-{n}", EVEN, competency=c, level=level)
              for c in ("A.ONE", "A.TWO") for level in (1, 2) for n in range(3)]
    report = bank_report("fw", [("banks/fw.yaml", c) for c in checks], levels=[0, 1, 2])
    assert report.lines()[0] == ("fw: 12 knowledge checks = 2 competencies × 2 levels × 3 checks; the key is "
                                 "the longest option in 0 (0 %), the shortest in 0 (0 %)")
    assert report.warnings == []


def test_no_checks_no_report():
    assert bank_report("fw", [], competencies=[], levels=[0, 1]).lines() == []
