"""The summary in words at the top of each dashboard page: worked out only from the page's tables
(released figures) and the Holm-adjusted tests, and worded so that a hidden count is never a number.

The change fixture: 30 officials assessed in a baseline (March 2025) and its follow-up (November
2026). Data literacy: every official at level 1 before; 27 of them at 2 after (a clear rise of 0.9).
Budgeting: every official at 2 before; after, 3 at 3 and 3 at 1, the rest unchanged (mean change 0,
p = 1: no clear change). Campaign names hold no digits, so any digit in a sentence is a figure or a
year.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest

from app.dashboard.summary import page_summary
from app.extensions import db
from app.services import evaluation
from app.services.evaluation import ChangeRow, Suppressed, Table
from app.services.evaluation.change import CHANGE_COLUMNS
from app.services.evaluation.release import Count, Value
from app.services.evaluation.summary import ChangeFacts, Movement, change_facts
from tests.factories import (
    CampaignFactory,
    CountryFactory,
    OrganisationFactory,
    RoleProfileFactory,
    UserFactory,
    make_framework,
    make_instrument,
)
from tests.unit.analytics_fixture import build_world, submit
from tests.unit.analytics_learning import add_learning

BASELINE_AT = datetime(2025, 3, 3, tzinfo=UTC)
FOLLOW_UP_AT = datetime(2026, 11, 2, tzinfo=UTC)
K = 5
TOO_FEW = "Too few officials took both cycles to say what changed."


def _cycles(country):
    framework = make_framework(competencies=2)
    literacy, budgeting = framework.competencies
    literacy.name, budgeting.name = "Data literacy", "Budgeting"
    role = RoleProfileFactory(framework=framework, targets={literacy: 3, budgeting: 2})
    instrument = make_instrument(framework)
    baseline = CampaignFactory(country=country, instrument=instrument, name="Baseline", opens_at=BASELINE_AT,
                               closes_at=BASELINE_AT + timedelta(days=30))
    follow_up = CampaignFactory(country=country, instrument=instrument, name="Follow-up",
                                cycle_label="follow-up", baseline=baseline, opens_at=FOLLOW_UP_AT,
                                closes_at=FOLLOW_UP_AT + timedelta(days=30))
    return (literacy, budgeting), role, baseline, follow_up


def _budgeting_after(n: int) -> int:
    return 3 if n <= 3 else 1 if n <= 6 else 2  # +1 for three, -1 for three, the rest unchanged


def build_change_world(officials: int = 30, *, rise: bool = True, paired: bool = True):
    """``officials`` officials in one organisation. ``rise`` False: Data literacy falls from 2 to 1 for
    27 of 30 instead. ``paired`` False: the first half takes only the baseline, the rest only the
    follow-up (nobody takes both)."""
    country = CountryFactory()
    organisation = OrganisationFactory(country=country)
    competencies, role, baseline, follow_up = _cycles(country)
    for n in range(1, officials + 1):
        official = UserFactory(organisation=organisation)
        moved = n <= officials * 9 // 10
        before, after = (1, 2 if moved else 1) if rise else (2, 1 if moved else 2)
        if paired or n <= officials // 2:
            submit(baseline, official, organisation, role, competencies, ((before, 0), (2, 1)),
                   BASELINE_AT + timedelta(hours=n))
        if paired or n > officials // 2:
            submit(follow_up, official, organisation, role, competencies,
                   ((after, 1), (_budgeting_after(n), 1)), FOLLOW_UP_AT + timedelta(hours=n))
    db.session.flush()
    return country


def change_tables(country, k=K) -> dict[str, Table]:
    scope = frozenset({country.id})
    return {"change-by-competency": evaluation.change_by_competency(db.session, scope, k=k),
            "pairing-by-organisation": evaluation.pairing(db.session, scope, k=k, by="organisation")}


def words(app, page: str, tables: dict[str, Table]) -> str:
    with app.test_request_context():
        sentences = page_summary(db.session, page, tables)
    assert 1 <= len(sentences) <= 3, sentences
    return " ".join(sentences)


# The facts ----------------------------------------------------------------------------------------

def test_a_clear_rise_is_a_fact_and_a_null_is_not():
    facts = change_facts(db.session, change_tables(build_change_world()))
    assert isinstance(facts, ChangeFacts) and facts.enough
    assert (facts.baseline.name, facts.follow_up.name) == ("Baseline", "Follow-up")
    assert (facts.baseline.opens_at.month, facts.follow_up.opens_at.year) == (3, 2026)
    assert facts.tested == 2  # both competencies have a test
    assert [m.competency for m in facts.rose] == ["Data literacy"]
    assert facts.rose[0].change == pytest.approx(0.9)
    assert facts.fell == ()
    assert facts.pairs == 30 and isinstance(facts.pairs, Count)


def _row(group: str, p: float, p_adjusted: float, low: float, high: float) -> ChangeRow:
    return ChangeRow(2, "Follow-up", "follow-up", 1, "Baseline", None, group, Count(40), Value(1.0),
                     Value(1.2), Value((low + high) / 2), Value(low), Value(high), Value(p),
                     Value(p_adjusted), Value(0.3), None, None, None, None)


def test_a_raw_p_under_005_is_not_clear_once_adjusted_for_the_number_of_tests():
    rows = [_row("Procurement", 0.03, 0.09, 0.01, 0.4),  # clear on its own, not among three tests
            _row("Audit", 0.001, 0.003, 0.1, 0.5),
            _row("Ethics", 0.004, 0.008, -0.6, -0.2)]
    table = Table("change-by-competency", CHANGE_COLUMNS, rows, K)
    facts = change_facts(db.session, {"change-by-competency": table})
    assert facts.rose == (Movement("Audit", pytest.approx(0.3)),)
    assert [m.competency for m in facts.fell] == ["Ethics"]
    assert facts.tested == 3 and facts.pairs is None


# The words -----------------------------------------------------------------------------------------

def test_the_change_summary_names_the_clear_rise_with_its_change_and_not_the_null(app):
    text = words(app, "change", change_tables(build_change_world()))
    assert "Baseline (March 2025)" in text and "Follow-up (November 2026)" in text
    assert "1 of 2 competencies improved clearly (largest: Data literacy, +0.9 levels)" in text
    assert "Budgeting" not in text
    assert "none fell clearly" in text
    assert "30 officials took both" in text
    assert "adjusted p (Holm) is under 0.05 and its 95% confidence interval" in text and "%%" not in text


def test_a_clear_fall_is_worded_as_a_fall(app):
    text = words(app, "change", change_tables(build_change_world(rise=False)))
    assert "none of the 2 competencies tested improved clearly" in text
    assert "1 fell clearly (largest: Data literacy, -0.9 levels)" in text
    assert "Budgeting" not in text


def test_no_pairs_says_too_few_in_words(app):
    tables = change_tables(build_change_world(paired=False))
    assert tables["change-by-competency"].rows == []
    assert change_facts(db.session, tables).enough is False
    assert words(app, "change", tables) == TOO_FEW


def test_a_hidden_count_of_pairs_is_never_written_as_a_number(app):
    tables = change_tables(build_change_world(officials=3))  # 3 pairs, under k = 5
    facts = change_facts(db.session, tables)
    assert isinstance(facts.pairs, Suppressed) and facts.enough is False
    text = words(app, "change", tables)
    assert text == TOO_FEW
    assert not re.search(r"\d", text) and "fewer than" not in text


def test_the_same_world_with_k_one_shows_the_three_pairs(app):
    # The hidden case above is hidden by k alone: with k = 1 the same three pairs are worded.
    text = words(app, "change", change_tables(build_change_world(officials=3), k=1))
    assert "3 officials took both" in text


# The other pages (figures hand-computed in analytics_fixture.py and analytics_learning.py) -----------

def test_the_participation_summary_gives_the_latest_campaign_and_its_response_rate(app):
    world = build_world()
    table = evaluation.participation_funnel(db.session, world.scope, k=K)
    text = words(app, "index", {"participation": table})
    # Follow-up 2026: 10 invited, 9 submitted (u6 only started)
    assert text == ("In the latest of 2 campaigns, Follow-up 2026, 10 officials were invited and 9 "
                    "submitted their assessment: a response rate of 90%.")


def test_the_skills_summary_gives_the_largest_gaps_and_the_officials_not_assessed(app):
    world = build_world(not_assessed=True)
    scope = world.scope
    tables = {"heatmap": evaluation.heatmap(db.session, scope, k=1),
              "levels": evaluation.level_distribution(db.session, scope, k=1)}
    text = words(app, "skills", tables)
    # Latest results: c1 gaps (target 3) u1-u8 0,0,1,-,1,1,1,0 (u4 not assessed) and u9 2: 6/8;
    # c2 (target 2) u1-u9 0,1,0,2,1,-,0,1,2 (u6 baseline not assessed): 7/8; u10 not assessed in both.
    assert f"The largest gaps to role targets are in {world.c2.name} (0.9 levels) and {world.c1.name} " \
           "(0.8 levels)." in text
    assert "In 2 of 2 competencies some officials are not assessed" in text
    assert f"the most in {world.c1.name} (2)" in text


def test_the_learning_summary_words_a_hidden_count_without_a_number(app):
    world = build_world()
    add_learning(world)
    scope = world.scope
    tables = {"learning-activity": evaluation.learning_activity(db.session, scope, k=K),
              "resource-feedback": evaluation.resource_feedback(db.session, scope, k=K),
              "path-feedback": evaluation.path_feedback(db.session, scope, k=K)}
    text = words(app, "learning", tables)
    # u1-u8 accepted a plan item, all but u6 enrolled, u1-u3 completed the path (3: hidden)
    assert "8 officials have an accepted learning plan, 9 are enrolled in a path and a few have " \
           "completed one" in text
    assert "3" not in text
    # R (6 ratings, mean 2.3) and P (5) are shown; S has 3 ratings, hidden
    assert "2 resources and paths have enough feedback to show; 1 is rated poorly" in text


def test_the_countries_summary_counts_the_countries_compared(app):
    from app.services.evaluation.countries import countries_side_by_side  # noqa: PLC0415

    build_world(country=CountryFactory(name="Aland"), prefix="Aland ")
    build_world(country=CountryFactory(name="Bland"), prefix="Bland ")
    table = countries_side_by_side(db.session, None, k=K)
    text = words(app, "countries", {"countries": table})
    assert text.startswith(f"{len(table.rows)} countries are compared side by side")
    assert "2 of them have run a follow-up campaign" in text
