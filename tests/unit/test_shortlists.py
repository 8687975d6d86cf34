"""Shortlists (app/services/shortlists.py): matching a campaign against the top candidates per official
gives exactly the plans of matching each official against the whole catalogue."""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.services.learning import greedy, shortlists
from app.services.learning.matching import Gap, Official, Path, Resource, Teaches, build_plan

pytestmark = pytest.mark.no_db

COMPETENCIES = ["A", "B", "C", "D"]
LANGUAGES = ["en", "fr", "ar", "en-GB"]
FORMATS = ["course", "video", "guide"]


@st.composite
def catalogues(draw):
    count = draw(st.integers(0, 25))
    resources = []
    for n in range(count):
        teaches = []
        for competency in draw(st.lists(st.sampled_from(COMPETENCIES), min_size=1, max_size=2, unique=True)):
            start = draw(st.integers(0, 3))
            teaches.append(Teaches(competency, start, min(4, start + draw(st.integers(1, 3)))))
        prerequisites = (f"r{draw(st.integers(0, n - 1))}",) if n and draw(st.booleans()) else ()
        resources.append(Resource(
            f"r{n}", f"Resource {n}", tuple(draw(st.lists(st.sampled_from(LANGUAGES), min_size=1, max_size=2,
                                                            unique=True))),
            draw(st.sampled_from(FORMATS)), float(draw(st.sampled_from([0.1, 0.5, 1, 2, 3, 4, 8]))),
            tuple(sorted(teaches, key=lambda t: (t.competency, t.level_from))), prerequisites))
    return resources


@st.composite
def officials(draw, resources):
    gaps = []
    for competency in draw(st.lists(st.sampled_from(COMPETENCIES), max_size=4, unique=True)):
        current = draw(st.one_of(st.none(), st.integers(0, 4)))
        gaps.append(Gap(competency, f"Competency {competency}", current, draw(st.integers(0, 4))))
    ids = [r.id for r in resources]
    completed = frozenset(draw(st.lists(st.sampled_from(ids), max_size=3)) if ids else ())
    official = Official(draw(st.sampled_from([None, "analyst"])),
                        tuple(draw(st.lists(st.sampled_from(LANGUAGES), min_size=1, max_size=3,
                                            unique=True))),
                        tuple(draw(st.lists(st.sampled_from(FORMATS), max_size=2, unique=True))),
                        completed=completed)
    return official, gaps


def summary(plan):
    return [(item.kind, item.ref, item.reason) for item in plan]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data(), catalogues(), st.integers(1, 6))
def test_shortlisted_plans_are_the_plans_against_the_whole_catalogue(data, resources, k):
    people = [data.draw(officials(resources)) for _ in range(data.draw(st.integers(1, 4)))]
    paths = [Path("p1", "Path", ("analyst",), tuple(resources[:2]))] if len(resources) > 2 else []
    scorer = shortlists.Scorer(resources)
    for (official, gaps), shortlist in zip(people, scorer.shortlists(people, k), strict=True):
        expected = build_plan(official, gaps, resources, paths)
        assert summary(shortlists.plan(scorer, shortlist, official, gaps, paths, k)) == summary(expected)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data(), catalogues(), st.integers(1, 6))
def test_a_campaign_matched_at_once_gets_the_plans_against_the_whole_catalogue(data, resources, k):
    people = [data.draw(officials(resources)) for _ in range(data.draw(st.integers(1, 6)))]
    paths = [Path("p1", "Path", ("analyst",), tuple(resources[-2:]))] if len(resources) > 2 else []
    found = shortlists.plans(shortlists.Scorer(resources), people, [paths] * len(people), k)
    assert [summary(plan) for plan in found] == [summary(build_plan(official, gaps, resources, paths))
                                                for official, gaps in people]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data(), catalogues())
def test_the_fast_rules_give_the_plan_of_the_rules_on_any_list_of_resources(data, resources):
    official, gaps = data.draw(officials(resources))
    paths = [Path("p1", "Path", ("analyst",), tuple(resources[:2]))] if len(resources) > 2 else []
    positions = sorted(data.draw(st.sets(st.sampled_from(range(len(resources))))) if resources else [])
    limit = data.draw(st.integers(1, 12))
    expected = build_plan(official, gaps, [resources[j] for j in positions], paths, limit=limit)
    fast = greedy.build_plan(greedy.Facts(resources), positions, official, gaps, paths, limit=limit)
    assert summary(fast) == summary(expected)
    assert [item.closes for item in fast] == [item.closes for item in expected]


def test_a_shortlist_keeps_k_resources_and_their_prerequisites():
    resources = [Resource(f"r{n}", f"R{n}", ("en",), "course", float(n + 1), (Teaches("A", 0, 2),),
                          ("base",) if n == 5 else ()) for n in range(10)]
    resources.append(Resource("base", "Base", ("en",), "course", 50.0, (Teaches("B", 0, 1),)))
    official = Official(None, ("en",))
    scorer = shortlists.Scorer(resources)
    [shortlist] = scorer.shortlists([(official, [Gap("A", "A", 0, 2)])], k=6)
    assert [r.id for r in shortlist.resources] == ["r0", "r1", "r2", "r3", "r4", "r5", "base"]
    assert shortlist.bound.floors[("A", 0)][-1] == "r6"  # the best of what was left out
    plan = shortlists.plan(scorer, shortlist, official, [Gap("A", "A", 0, 2)], [], k=6)
    assert [item.ref for item in plan] == ["r0"]


def test_resources_that_serve_no_gap_are_never_candidates():
    resources = [Resource("low", "Low", ("en",), "course", 1.0, (Teaches("A", 0, 1),)),
                 Resource("other", "Other", ("en",), "course", 1.0, (Teaches("B", 0, 4),)),
                 Resource("fits", "Fits", ("fr",), "course", 9.0, (Teaches("A", 2, 4),))]
    scorer = shortlists.Scorer(resources)
    [shortlist] = scorer.shortlists([(Official(None, ("en",)), [Gap("A", "A", 2, 3)])], k=None)
    assert [r.id for r in shortlist.resources] == ["fits"]
    assert shortlist.bound.floors == {}  # nothing left out


def test_ties_at_the_edge_of_the_shortlist_fall_back_to_a_longer_one():
    # Forty identical resources but for their ids: the one chosen is r00 whatever k is.
    resources = [Resource(f"r{n:02d}", f"R{n}", ("fr",), "course", 2.0, (Teaches("A", 0, 1),))
                 for n in range(39, -1, -1)]
    official = Official(None, ("en", "fr"))
    gaps = [Gap("A", "A", 0, 1)]
    scorer = shortlists.Scorer(resources)
    [shortlist] = scorer.shortlists([(official, gaps)], k=1)
    assert [r.id for r in shortlist.resources] == ["r00"]
    assert [item.ref for item in shortlists.plan(scorer, shortlist, official, gaps, [], k=1)] == ["r00"]


def test_a_fallback_is_not_chosen_while_something_left_out_in_the_officials_language_serves_the_gap():
    # The official completed the English resource the shortlist keeps; the other is left out.
    done = Resource("en1", "Done in English", ("en",), "course", 10.0, (Teaches("A", 0, 1),))
    english = Resource("en2", "In English", ("en",), "course", 10.0, (Teaches("A", 0, 1),))
    french = Resource("fb", "In French", ("fr",), "course", 1.0, (Teaches("A", 0, 1), Teaches("B", 0, 1)))
    french_next = Resource("fb2", "Next in French", ("fr",), "course", 1.0, (Teaches("B", 1, 3),))
    official = Official(None, ("en",), completed=frozenset({"en1"}))
    gaps = [Gap("A", "A", 0, 1), Gap("B", "B", 0, 3)]
    scorer = shortlists.Scorer([done, english, french, french_next])
    [shortlist] = scorer.shortlists([(official, gaps)], k=1)
    assert [r.id for r in shortlist.resources] == ["en1", "fb", "fb2"]

    plan = shortlists.plan(scorer, shortlist, official, gaps, [], k=1)

    assert [item.ref for item in plan] == ["en2", "fb", "fb2"]
    assert "only available in French" in plan[1].reason
