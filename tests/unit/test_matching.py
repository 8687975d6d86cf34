"""The matching rules (app/services/matching.py), on plain data."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.services.learning.matching import Gap, Official, Path, Resource, Teaches, build_plan, unmet_gaps

pytestmark = pytest.mark.no_db

FRENCH = Official(role_profile="analyst", languages=("fr",))
ANALYSIS = Gap("DATA.ANALYSIS", "Data analysis", current=1, target=3)
SECURITY = Gap("TECH.SEC", "Cybersecurity", current=1, target=2)


def res(id, competency="DATA.ANALYSIS", frm=1, to=2, languages=("en",), hours=5, fmt="course", prereq=()):
    teaches = (Teaches(competency, frm, to),)
    return Resource(id, id.title(), tuple(languages), fmt, hours, teaches, tuple(prereq))


def test_the_first_items_close_the_largest_gaps_in_the_officials_language_with_reasons():
    resources = [res("sec-fr", "TECH.SEC", 0, 3, ["fr"], 2), res("ana-fr", languages=["fr"], hours=6),
                 res("ana-en-short", hours=1)]
    plan = build_plan(FRENCH, [SECURITY, ANALYSIS], resources)
    assert [item.ref for item in plan] == ["ana-fr", "sec-fr"]
    assert plan[0].reason == "closes Data analysis 1 → 2 · in French · 6 h"
    assert plan[1].reason == "closes Cybersecurity 1 → 2 · in French · 2 h"


def test_a_resource_must_start_at_or_below_the_officials_level():
    too_advanced = res("advanced", frm=2, to=4)
    assert build_plan(FRENCH, [ANALYSIS], [too_advanced]) == []
    starts_below = res("intro", frm=0, to=2, languages=["fr"])
    assert [i.ref for i in build_plan(FRENCH, [ANALYSIS], [starts_below])] == ["intro"]


def test_a_resource_that_ends_at_the_current_level_closes_nothing():
    assert build_plan(FRENCH, [ANALYSIS], [res("basics", frm=0, to=1, languages=["fr"])]) == []


def test_levels_closed_stop_at_the_target():
    plan = build_plan(FRENCH, [SECURITY], [res("all-the-way", "TECH.SEC", 0, 4, ["fr"])])
    assert (plan[0].closes[0].level_from, plan[0].closes[0].level_to) == (1, 2)


def test_more_levels_per_hour_wins_when_the_gap_is_the_same():
    slow = res("slow", frm=1, to=3, languages=["fr"], hours=20)
    quick = res("quick", frm=1, to=3, languages=["fr"], hours=4)
    assert build_plan(FRENCH, [ANALYSIS], [slow, quick])[0].ref == "quick"


def test_ties_are_broken_by_id_so_the_plan_is_deterministic():
    a, b = res("b-course", languages=["fr"]), res("a-course", languages=["fr"])
    first = build_plan(FRENCH, [ANALYSIS], [a, b])
    assert [i.ref for i in first][:1] == ["a-course"]
    assert [i.ref for i in build_plan(FRENCH, [ANALYSIS], [b, a])] == [i.ref for i in first]


def test_a_preferred_format_breaks_a_tie():
    official = Official("analyst", ("fr",), preferred_formats=("video",))
    video = res("z-video", languages=["fr"], fmt="video")
    guide = res("a-guide", languages=["fr"], fmt="guide")
    assert build_plan(official, [ANALYSIS], [guide, video])[0].ref == "z-video"


def test_material_in_the_officials_language_comes_before_a_better_one_in_another():
    english_better = res("en-quick", frm=1, to=3, hours=1)
    french = res("fr-slow", frm=1, to=2, languages=["fr"], hours=10)
    plan = build_plan(FRENCH, [Gap("DATA.ANALYSIS", "Data analysis", 1, 3)], [english_better, french])
    assert plan[0].ref == "fr-slow" and plan[0].in_language == "fr"


def test_the_more_preferred_language_breaks_a_tie():
    bilingual = Official("analyst", ("fr", "en"))
    english, french = res("a-english"), res("b-french", languages=["fr"])
    plan = build_plan(bilingual, [ANALYSIS], [english, french])
    assert [i.ref for i in plan][:1] == ["b-french"]
    quicker_english = res("c-english", hours=1)
    assert build_plan(bilingual, [ANALYSIS], [french, quicker_english])[0].ref == "c-english"


def test_language_fallback_is_said_when_nothing_exists_in_the_officials_languages():
    arabic_speaker = Official("analyst", ("ar",))
    plan = build_plan(arabic_speaker, [ANALYSIS], [res("english-only", hours=3)])
    assert plan[0].in_language is None
    assert plan[0].reason == ("closes Data analysis 1 → 2 · only available in English: "
                              "nothing in your languages covers this yet · 3 h")


def test_a_language_tag_matches_on_its_primary_subtag():
    plan = build_plan(Official("x", ("fr-CA",)), [ANALYSIS], [res("fr-fr", languages=["fr-FR"])])
    assert plan[0].in_language == "fr-CA"


def test_no_material_means_an_empty_plan_and_the_gap_stays_unmet():
    plan = build_plan(FRENCH, [ANALYSIS, SECURITY], [res("sec", "TECH.SEC", 1, 2, ["fr"])])
    assert [i.ref for i in plan] == ["sec"]
    assert unmet_gaps([ANALYSIS, SECURITY], plan) == [ANALYSIS]


def test_no_gaps_no_plan():
    met = Gap("DATA.ANALYSIS", "Data analysis", current=3, target=3)
    assert build_plan(FRENCH, [met], [res("any", languages=["fr"])]) == []


def test_prerequisites_come_first_with_their_reason():
    basics = res("basics", "DATA.LIT", 0, 1, ["fr"], 2)
    advanced = res("advanced", languages=["fr"], prereq=["basics"])
    plan = build_plan(FRENCH, [ANALYSIS], [advanced, basics])
    assert [i.ref for i in plan] == ["basics", "advanced"]
    assert plan[0].reason.startswith("needed before Advanced")


def test_completed_prerequisites_are_not_suggested_again():
    official = Official("analyst", ("fr",), completed=frozenset({"basics"}))
    basics = res("basics", "DATA.LIT", 0, 1, ["fr"])
    plan = build_plan(official, [ANALYSIS], [basics, res("advanced", languages=["fr"], prereq=["basics"])])
    assert [i.ref for i in plan] == ["advanced"]


def test_a_path_for_the_officials_role_comes_first_and_its_steps_build_on_each_other():
    step1, step2 = res("step-1", frm=1, to=2, languages=["fr"]), res("step-2", frm=2, to=3, languages=["fr"])
    path = Path("path-v1", "Analyst path", ("analyst",), (step1, step2))
    other_role = Path("path-other", "Other path", ("developer",), (step1, step2))
    plan = build_plan(FRENCH, [ANALYSIS, SECURITY], [step1, step2, res("sec", "TECH.SEC", 1, 2, ["fr"])],
                      [other_role, path])
    assert plan[0].kind == "path" and plan[0].ref == "path-v1"
    assert (plan[0].closes[0].level_from, plan[0].closes[0].level_to) == (1, 3)
    assert [i.ref for i in plan[1:]] == ["sec"]  # the path's steps are not suggested again


gap_strategy = st.builds(Gap, st.sampled_from(["A", "B", "C"]), st.just("Comp"),
                         st.integers(0, 4), st.integers(0, 4))
resource_strategy = st.builds(
    lambda i, c, f, span, lang, hours: res(f"r{i}", c, f, min(4, f + span), [lang], hours),
    st.integers(0, 30), st.sampled_from(["A", "B", "C"]), st.integers(0, 3), st.integers(1, 3),
    st.sampled_from(["en", "fr"]), st.integers(1, 20))


@given(st.lists(gap_strategy, max_size=3, unique_by=lambda g: g.competency),
       st.lists(resource_strategy, max_size=12, unique_by=lambda r: r.id))
def test_plans_are_deterministic_never_repeat_and_never_overshoot(gaps, resources):
    plan = build_plan(FRENCH, gaps, resources)
    assert [i.ref for i in plan] == [i.ref for i in build_plan(FRENCH, gaps, list(reversed(resources)))]
    assert len({i.ref for i in plan}) == len(plan)
    targets = {g.competency: g for g in gaps}
    for item in plan:
        for closed in item.closes:
            assert closed.level_from < closed.level_to <= targets[closed.competency].target


# Not assessed, paths in other languages, alternatives ------------------------------------------------

NOT_ASSESSED = Gap("DATA.GOV", "Data governance", current=None, target=3)


def test_a_not_assessed_competency_is_never_a_gap():
    teaches_from_zero = res("gov-intro", "DATA.GOV", 0, 3, ["fr"])
    assert NOT_ASSESSED.size == 0
    assert build_plan(FRENCH, [NOT_ASSESSED], [teaches_from_zero]) == []
    assert unmet_gaps([NOT_ASSESSED], []) == []
    plan = build_plan(FRENCH, [NOT_ASSESSED, ANALYSIS], [teaches_from_zero, res("ana", languages=["fr"])])
    assert [i.ref for i in plan] == ["ana"]
    assert all(c.competency != "DATA.GOV" for i in plan for c in i.closes)


# The bundled "Cyber hygiene for everyone" path and the security material (courses/resources/).
CYBER_GAP = Gap("TECH.SEC", "Cybersecurity", current=1, target=3)
CCCS = Resource("cccs-top-10-it-security-actions", "Top 10 IT security actions", ("en", "fr"), "guide", 2,
                (Teaches("TECH.OPS", 1, 2), Teaches("TECH.SEC", 1, 2)))
NCSC = Resource("ncsc-10-steps-cyber-security", "10 Steps to Cyber Security", ("en",), "guide", 4,
                (Teaches("LEAD.STRATEGY", 1, 2), Teaches("TECH.SEC", 1, 3)))
ANSSI = Resource("anssi-guide-hygiene-informatique", "Guide d'hygiène informatique", ("fr",), "guide", 6,
                 (Teaches("TECH.OPS", 1, 2), Teaches("TECH.SEC", 1, 3)))
EBIOS = Resource("openclassrooms-ebios-risk-manager", "EBIOS Risk Manager", ("fr",), "course", 8,
                 (Teaches("LEAD.STRATEGY", 1, 2), Teaches("TECH.SEC", 2, 3)),
                 ("anssi-guide-hygiene-informatique",))
OWASP = Resource("owasp-top-10-2021", "OWASP Top 10", ("en", "fr", "ar"), "guide", 6,
                 (Teaches("TECH.DEV", 1, 2), Teaches("TECH.SEC", 1, 3)))
SECURITY_CATALOGUE = [CCCS, NCSC, ANSSI, EBIOS, OWASP]
FRENCH_OFFICER = Official("security-officer", ("fr",))


def test_a_path_in_a_language_the_official_does_not_read_never_comes_before_material_in_theirs():
    english_path = Path("cyber-v1", "Cyber hygiene for everyone", ("security-officer",), (CCCS, NCSC))
    plan = build_plan(FRENCH_OFFICER, [CYBER_GAP], SECURITY_CATALOGUE, [english_path])
    assert plan[0].kind == "resource" and plan[0].in_language == "fr"
    assert "path" not in {i.kind for i in plan}
    assert "nothing in your languages" not in " ".join(i.reason for i in plan)
    # the same path is first for an official who reads English
    assert build_plan(Official("security-officer", ("fr", "en")), [CYBER_GAP], SECURITY_CATALOGUE,
                      [english_path])[0].ref == "cyber-v1"


def test_a_path_takes_the_alternative_in_the_officials_language():
    path = Path("cyber-v1", "Cyber hygiene for everyone", ("security-officer",), (CCCS, NCSC),
                alternatives=((CCCS,), (NCSC, ANSSI)))
    plan = build_plan(FRENCH_OFFICER, [CYBER_GAP], SECURITY_CATALOGUE, [path])
    assert plan[0].kind == "path" and plan[0].ref == "cyber-v1"
    assert plan[0].reason == "closes Cybersecurity 1 → 3 · in French · 8 h"  # CCCS then ANSSI
    assert {"cccs-top-10-it-security-actions", "anssi-guide-hygiene-informatique"}.isdisjoint(
        i.ref for i in plan[1:])
    english = build_plan(Official("security-officer", ("en",)), [CYBER_GAP], SECURITY_CATALOGUE, [path])
    assert english[0].reason == "closes Cybersecurity 1 → 3 · in English · 6 h"  # CCCS then NCSC


def test_a_fallback_reason_is_only_given_when_nothing_in_the_officials_languages_serves_the_gap():
    plan = build_plan(Official("x", ("ar",)), [CYBER_GAP], [NCSC, OWASP])
    assert [i.ref for i in plan] == ["owasp-top-10-2021"] and plan[0].in_language == "ar"
    plan = build_plan(Official("x", ("sw",)), [CYBER_GAP], [NCSC])
    assert plan[0].reason.endswith("only available in English: nothing in your languages covers this "
                                   "yet · 4 h")


maybe_assessed_gap = st.builds(Gap, st.sampled_from(["A", "B", "C"]), st.just("Comp"),
                               st.one_of(st.none(), st.integers(0, 4)), st.integers(0, 4))
official_strategy = st.builds(lambda langs: Official("analyst", tuple(langs)),
                              st.lists(st.sampled_from(["en", "fr", "ar"]), min_size=1, max_size=2,
                                       unique=True))


@given(official_strategy, st.lists(maybe_assessed_gap, max_size=3, unique_by=lambda g: g.competency),
       st.lists(resource_strategy, max_size=12, unique_by=lambda r: r.id), st.data())
def test_paths_are_in_the_officials_languages_and_not_assessed_competencies_get_nothing(
        official, gaps, resources, data):
    paths = []
    if len(resources) >= 2:
        steps = data.draw(st.lists(st.sampled_from(resources), min_size=1, max_size=3, unique=True))
        paths.append(Path("p1", "Path", (), tuple(steps)))
    plan = build_plan(official, gaps, resources, paths)
    not_assessed = {g.competency for g in gaps if g.current is None}
    for item in plan:
        assert not_assessed.isdisjoint(c.competency for c in item.closes)
        if item.kind == "path":
            assert item.in_language in official.languages
    assert not_assessed.isdisjoint(g.competency for g in unmet_gaps(gaps, plan))
