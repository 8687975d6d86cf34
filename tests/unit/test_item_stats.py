"""Item statistics: hand-computed figures for a small fixture, the forms rule of KR-20, the threshold,
flags and the query layer (submitted attempts only, shown from the form, scoped, filtered)."""

from __future__ import annotations

import math

import pytest

from app.extensions import db
from app.models import Answer, Attempt, AttemptItem, AttemptStatus, ItemKind
from app.services.assessment import item_stats
from app.services.assessment.item_stats import (
    TOO_FEW,
    BankItem,
    Shown,
    build,
    difficulty,
    discrimination,
    flags,
    kr20,
    modal_item_set,
    option_counts,
    option_shares,
)
from app.services.assessment.scoring import is_right
from app.services.evaluation import Suppressed
from tests.factories import (
    CampaignFactory,
    CountryFactory,
    OrganisationFactory,
    UserFactory,
    make_framework,
    make_instrument,
)

# The hand-computed fixture: 6 officials x 4 checks A-D of one competency (1 right, 0 wrong).
#
#         A  B  C  D   total
#   P1    1  1  1  1     4
#   P2    1  1  1  0     3
#   P3    1  1  0  0     2
#   P4    1  0  1  0     2
#   P5    0  1  0  0     1
#   P6    0  0  0  0     0
#
# Difficulty: A 4/6, B 4/6, C 3/6, D 1/6.
# KR-20: p q = 8/36, 8/36, 9/36, 5/36, sum 30/36 = 5/6. Totals 4,3,2,2,1,0: mean 2, squared deviations
#   4,1,0,0,1,4 = 10, population variance 10/6 = 5/3. KR-20 = 4/3 * (1 - (5/6)/(5/3)) = 4/3 * 1/2 = 2/3.
# Discrimination of A: x = 1,1,1,1,0,0; rest = share right on B,C,D = 3/3,2/3,1/3,1/3,1/3,0 (in thirds
#   y = 3,2,1,1,1,0; a correlation does not change with the scale). mean x 2/3, mean y 4/3.
#   Sxy = 1/3*(5/3+2/3-1/3-1/3) + (-2/3)*(-1/3-4/3) = 5/9 + 10/9 = 5/3; Sxx = 4/9 + 8/9 = 4/3;
#   Syy = (25+4+1+1+1+16)/9 = 16/3. r = (5/3) / sqrt(4/3 * 16/3) = (5/3) / (8/3) = 5/8.
# Discrimination of D: x = 1,0,0,0,0,0; rest on A,B,C in thirds y = 3,3,2,2,1,0, mean 11/6.
#   Sxy = 3 - 11/6 = 7/6; Sxx = 6 * 1/6 * 5/6 = 5/6; Syy = 27 - 6*(11/6)^2 = 41/6.
#   r = (7/6) / sqrt(5/6 * 41/6) = 7 / sqrt(205).
A, B, C, D = 1, 2, 3, 4
MATRIX = {"P1": (1, 1, 1, 1), "P2": (1, 1, 1, 0), "P3": (1, 1, 0, 0), "P4": (1, 0, 1, 0),
          "P5": (0, 1, 0, 0), "P6": (0, 0, 0, 0)}


def fixture_answers() -> dict[str, dict[int, bool]]:
    return {person: {item: bool(x) for item, x in zip((A, B, C, D), row, strict=True)}
            for person, row in MATRIX.items()}


def close(value, expected) -> bool:
    return value is not None and math.isclose(value, expected, rel_tol=0, abs_tol=1e-9)


@pytest.mark.no_db
def test_difficulty_is_the_share_right():
    answers = fixture_answers()
    shares = [difficulty(answers[p][item] for p in answers) for item in (A, B, C, D)]
    assert all(close(s, e) for s, e in zip(shares, (4 / 6, 4 / 6, 3 / 6, 1 / 6), strict=True))
    assert difficulty([]) is None


@pytest.mark.no_db
def test_discrimination_is_the_point_biserial_against_the_rest_of_the_competency():
    result = discrimination(fixture_answers())
    assert close(result[A].value, 5 / 8) and result[A].n == 6
    assert close(result[D].value, 7 / math.sqrt(205))


@pytest.mark.no_db
def test_kr20_of_the_fixture():
    reliability = kr20(fixture_answers())
    assert close(reliability.value, 2 / 3)
    assert (reliability.n, reliability.items) == (6, (A, B, C, D))


@pytest.mark.no_db
def test_an_official_with_no_other_answered_check_is_left_out_of_discrimination_and_kr20():
    # P7 was shown A and B but answered only A: no rest score, and not on the common item set.
    answers = {**fixture_answers(), "P7": {A: True}}
    assert difficulty(answers[p][A] for p in answers) == pytest.approx(5 / 7)
    assert close(discrimination(answers)[A].value, 5 / 8) and discrimination(answers)[A].n == 6
    assert close(kr20(answers).value, 2 / 3) and kr20(answers).n == 6


@pytest.mark.no_db
def test_the_rest_score_is_the_share_right_on_the_other_answered_checks():
    # P8 answered A right and B wrong only: rest 0/1 = 0. With P1-P6 (rest in thirds 3,2,1,1,1,0):
    # x = 1,1,1,1,0,0,1; y = 3,2,1,1,1,0,0 (thirds); mean x 5/7, mean y 8/7; Sxy = 7 - 7*(5/7)(8/7) = 9/7;
    # Sxx = 7*(5/7)(2/7) = 10/7; Syy = 16 - 64/7 = 48/7; r = (9/7)/sqrt(480/49) = 9/sqrt(480).
    answers = {**fixture_answers(), "P8": {A: True, B: False}}
    assert close(discrimination(answers)[A].value, 9 / math.sqrt(480))
    assert discrimination(answers)[A].n == 7


@pytest.mark.no_db
def test_discrimination_is_undefined_without_spread():
    everyone_right = {p: {A: True, B: bool(i % 2)} for i, p in enumerate("abcd")}
    assert discrimination(everyone_right)[A].value is None
    assert discrimination({"p": {A: True}})[A].value is None


@pytest.mark.no_db
def test_kr20_on_drawn_forms_uses_the_most_common_item_set():
    # Three officials saw A+B, three C+D (a drawn form): the sets tie, so the smaller ids (A, B) win.
    # On A, B: (1,1), (1,0), (0,0): p 2/3, 1/3; p q 2/9 + 2/9 = 4/9; totals 2,1,0, variance 2/3;
    # KR-20 = 2 * (1 - (4/9)/(2/3)) = 2/3. A fourth C+D official makes C+D the common set instead.
    answers = {"p1": {A: True, B: True}, "p2": {A: True, B: False}, "p3": {A: False, B: False},
               "p4": {C: True, D: True}, "p5": {C: False, D: True}, "p6": {C: True, D: False}}
    assert modal_item_set(answers) == (A, B)
    assert close(kr20(answers).value, 2 / 3) and kr20(answers).n == 3
    answers["p7"] = {C: False, D: False}
    assert modal_item_set(answers) == (C, D) and kr20(answers).n == 4


@pytest.mark.no_db
def test_kr20_takes_officials_who_answered_more_than_the_common_set_on_that_set():
    answers = {**fixture_answers(), "P9": {A: True, B: True, C: False, D: True, 99: True}}
    assert modal_item_set(answers) == (A, B, C, D) and kr20(answers).n == 7


@pytest.mark.no_db
def test_kr20_is_undefined_for_one_check_or_no_spread():
    assert kr20({"p": {A: True}, "q": {A: False}}).value is None
    assert kr20({"p": {A: True, B: True}, "q": {A: True, B: True}}).value is None


@pytest.mark.no_db
def test_option_counts_and_shares_keep_the_options_order():
    counts = option_counts(["b", "a", "b", "z"], ["a", "b", "c"])
    assert counts == {"a": 1, "b": 2, "c": 0, "z": 1}
    assert option_shares(counts) == {"a": 0.25, "b": 0.5, "c": 0.0, "z": 0.25}


@pytest.mark.no_db
def test_flags_at_their_boundaries():
    assert flags(0.5, 0.19) == ("low_discrimination",)
    assert flags(0.5, 0.2) == ()
    assert flags(0.96, 0.5) == ("too_easy",) and flags(0.95, 0.5) == ()
    assert flags(0.19, 0.5) == ("too_hard",) and flags(0.2, 0.5) == ()
    assert flags(TOO_FEW, TOO_FEW) == () and flags(0.5, None) == ()


def _bank(key="a") -> list[BankItem]:
    options = tuple((v, f"Option {v}") for v in "abcd")
    return [BankItem(item, 1, "inst", 1, 7, "C.1", "Competency", f"k{item}", item, key, options)
            for item in (A, B, C, D)]


def _shown(people: int, *, value_of=lambda person, item: "a" if person % 5 >= item else "b"):
    """Every official answers A-D; official p gets the p % 5 easiest right (a Guttman pattern)."""
    return [Shown(person, item, value_of(person, item)) for person in range(people) for item in (A, B, C, D)]


@pytest.mark.no_db
def test_figures_under_min_responses_read_not_enough_responses():
    group = build(_bank(), _shown(item_stats.MIN_RESPONSES - 1)).competencies[0]
    row = group.items[0]
    assert (row.share_right, row.discrimination, group.kr20) == (TOO_FEW, TOO_FEW, TOO_FEW)
    assert row.options_too_few and row.flags == ()
    assert row.answered == item_stats.MIN_RESPONSES - 1
    assert str(TOO_FEW) == "not enough responses"


@pytest.mark.no_db
def test_figures_at_min_responses_are_shown_and_match_the_pure_functions():
    shown = _shown(item_stats.MIN_RESPONSES)
    group = build(_bank(), shown).competencies[0]
    answers = {}
    for row in shown:
        answers.setdefault(row.attempt_id, {})[row.item_id] = is_right("a", row.value)
    assert isinstance(group.kr20, float) and group.kr20 == kr20(answers).value
    assert group.items[0].share_right == difficulty(answers[p][A] for p in answers)
    assert isinstance(group.items[0].discrimination, float)
    assert group.items[0].discrimination == discrimination(answers)[A].value
    assert [o.value for o in group.items[0].options] == ["a", "b", "c", "d"]
    assert [o.key for o in group.items[0].options] == [True, False, False, False]


@pytest.mark.no_db
def test_unanswered_checks_are_shown_not_answered_and_not_wrong():
    shown = _shown(item_stats.MIN_RESPONSES + 5,
                   value_of=lambda person, item: None if person < 5 else "a" if person % 2 else "b")
    row = build(_bank(), shown).competencies[0].items[0]
    assert (row.shown, row.answered) == (item_stats.MIN_RESPONSES + 5, item_stats.MIN_RESPONSES)
    assert row.share_right == 0.5


@pytest.mark.no_db
def test_right_follows_scoring_is_right():
    # A key "1" and an answer stored as the number 1 are right, as scoring says.
    shown = [Shown(p, A, 1) for p in range(item_stats.MIN_RESPONSES)]
    assert build(_bank(key="1"), shown).competencies[0].items[0].share_right == 1.0


@pytest.mark.no_db
def test_small_counts_follow_the_small_cell_rule_and_nothing_shown_is_empty():
    group = build(_bank(), _shown(3), k=5).competencies[0]
    assert group.items[0].shown == Suppressed(5) and group.responses == Suppressed(5)
    assert build(_bank(), []).empty


# The query layer ------------------------------------------------------------------------------------

def _submitted(campaign, answers: dict[str, str | None], *, status=AttemptStatus.SUBMITTED, country=None):
    """An attempt whose form shows the campaign's knowledge checks ``answers`` names (code -> value)."""
    organisation = OrganisationFactory(country=country or campaign.country)
    user = UserFactory(organisation=organisation)
    attempt = Attempt(campaign=campaign, user=user, instrument=campaign.instrument,
                      country_id=organisation.country_id, organisation=organisation, status=status)
    db.session.add(attempt)
    db.session.flush()
    items = {item.code: item for item in campaign.instrument.items}
    for position, (code, value) in enumerate(answers.items()):
        db.session.add(AttemptItem(attempt_id=attempt.id, item_id=items[code].id, position=position))
        if value is not None:
            db.session.add(Answer(attempt_id=attempt.id, item_id=items[code].id, value=value))
    db.session.flush()
    return attempt


def test_the_query_reads_shown_checks_of_submitted_attempts_in_scope():
    campaign = CampaignFactory()
    checks = [i for i in campaign.instrument.items if i.kind == ItemKind.KNOWLEDGE]
    first, second = checks[0], checks[1]
    _submitted(campaign, {first.code: "a", second.code: None})
    _submitted(campaign, {first.code: "b"}, status=AttemptStatus.IN_PROGRESS)
    _submitted(campaign, {first.code: "a"}, country=CountryFactory())
    db.session.add(Answer(attempt_id=_submitted(campaign, {}).id, item_id=first.id, value="a"))  # not shown

    rows = item_stats.shown_rows(db.session, frozenset({campaign.country_id}))
    assert sorted((r.item_id, r.value) for r in rows) == [(first.id, "a"), (second.id, None)]
    everywhere = item_stats.shown_rows(db.session, None)
    assert sorted(r.value for r in everywhere if r.item_id == first.id) == ["a", "a"]
    assert item_stats.shown_rows(db.session, frozenset()) == []


def test_the_bank_lists_every_check_of_the_instruments_taken_and_filters_by_code_and_version():
    campaign = CampaignFactory()
    other = CampaignFactory(country=campaign.country)
    code = campaign.instrument.items[2].code
    _submitted(campaign, {code: "a"})
    scope = frozenset({campaign.country_id})
    bank = item_stats.bank_items(db.session, scope)
    assert {item.instrument for item in bank} == {campaign.instrument.code}  # `other` was never taken
    assert len(bank) == sum(i.kind == ItemKind.KNOWLEDGE for i in campaign.instrument.items)
    assert item_stats.bank_items(db.session, scope, instrument=other.instrument.code) == []
    assert item_stats.bank_items(db.session, scope, instrument=campaign.instrument.code, version=2) == []
    stats = item_stats.item_statistics(db.session, scope, instrument=campaign.instrument.code, version=1)
    shown = {row.code: row.shown for group in stats.competencies for row in group.items}
    assert shown[code] == Suppressed(5) and sorted(set(shown.values()), key=str) == [0, Suppressed(5)]


def test_the_hand_computed_fixture_through_the_database():
    # The fixture five times over (30 officials): shares, KR-20 (p, q and the population variance are
    # the same) and the correlations do not change when every official is repeated.
    campaign = CampaignFactory(instrument=make_instrument(make_framework(competencies=1),
                                                          knowledge_levels=(1, 2, 3, 4)))
    checks = sorted((i for i in campaign.instrument.items if i.kind == ItemKind.KNOWLEDGE),
                    key=lambda i: i.level)
    for _copy in range(5):
        for row in MATRIX.values():
            _submitted(campaign, {item.code: "a" if x else "c" for item, x in zip(checks, row, strict=True)})
    stats = item_stats.item_statistics(db.session, frozenset({campaign.country_id}))
    (group,) = stats.competencies
    assert close(group.kr20, 2 / 3) and group.kr20_respondents == 30 and group.kr20_checks == 4
    by_level = {row.level: row for row in group.items}
    assert [by_level[level].share_right for level in (1, 2, 3, 4)] == pytest.approx(
        [4 / 6, 4 / 6, 3 / 6, 1 / 6], abs=1e-9)
    assert close(by_level[1].discrimination, 5 / 8)
    assert close(by_level[4].discrimination, 7 / math.sqrt(205))
    assert [(o.value, o.share) for o in by_level[4].options] == [
        ("a", pytest.approx(1 / 6)), ("b", 0.0), ("c", pytest.approx(5 / 6)), ("d", 0.0)]
    assert by_level[4].flags == ("too_hard",) and by_level[1].flags == ()
