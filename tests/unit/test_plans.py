"""Building and refreshing learning plans from the database (app/services/plans.py)."""

from __future__ import annotations

import random
from datetime import timedelta

from sqlalchemy import event, func, select

from app.extensions import db
from app.jobs import enqueue
from app.models import (
    Answer,
    Attempt,
    AttemptStatus,
    Competency,
    CompetencyResult,
    Enrolment,
    Instrument,
    Item,
    ItemKind,
    Job,
    LearningPlan,
    PathStep,
    PlanItem,
    Progress,
    Resource,
    ResultSource,
    User,
)
from app.models.base import utcnow
from app.services.learning import plans
from app.services.learning import progress as learning
from tests.factories import (
    CampaignFactory,
    CompetencyFactory,
    OrganisationFactory,
    ResourceFactory,
    RoleProfileFactory,
    UserFactory,
    make_framework,
    make_instrument,
    make_path,
)

# Test data: officials with known results ------------------------------------------------------------


def instrument_for(framework) -> Instrument:
    """make_instrument's instrument (made once per framework), with the formats and hours context items
    of the real one."""
    instrument = db.session.scalar(select(Instrument).where(Instrument.framework_id == framework.id))
    if instrument is not None:
        return instrument
    instrument = make_instrument(framework)
    context = instrument.sections[0]
    for position, code in ((90, plans.FORMATS_ITEM), (91, plans.HOURS_ITEM)):
        instrument.items.append(Item(section=context, code=code, kind=ItemKind.CONTEXT, prompt=code,
                                     input="multiple", position=position))
    db.session.flush()
    return instrument


def competencies(*names: str) -> list[Competency]:
    """Competencies of one new framework, with these names."""
    framework = make_framework(competencies=0)
    area = framework.areas[0]
    return [CompetencyFactory(area=area, framework=framework, name=name) for name in names]


def assessed(results: dict, *, languages=None, formats=None, hours=None, role=None, user=None,
             campaign=None, submitted_at=None, status=AttemptStatus.SUBMITTED, **user_fields) -> User:
    """An official with a submitted attempt whose results are {competency: (current, target)}, and
    context answers for the languages, formats and hours given."""
    framework = next(iter(results)).framework
    campaign = campaign or CampaignFactory(instrument=instrument_for(framework))
    if user is None:
        user = UserFactory(organisation=OrganisationFactory(country=campaign.country), **user_fields)
    attempt = Attempt(campaign=campaign, user=user, instrument=campaign.instrument,
                      country_id=campaign.country_id, organisation=user.organisation, role_profile=role,
                      status=status,
                      submitted_at=(submitted_at or utcnow()) if status == AttemptStatus.SUBMITTED
                      else None)
    db.session.add(attempt)
    for competency, (current, target) in results.items():
        if current is None:  # not assessed: no level, no gap
            attempt.results.append(CompetencyResult(competency=competency, calibrated_level=None,
                                                    target_level=target, gap=None, self_level=2,
                                                    source=ResultSource.NOT_ASSESSED))
            continue
        attempt.results.append(CompetencyResult(competency=competency, calibrated_level=current,
                                                target_level=target, gap=max(0, target - current)))
    items = {item.code: item for item in campaign.instrument.items}
    for code, value in ((plans.LANGUAGES_ITEM, languages), (plans.FORMATS_ITEM, formats),
                        (plans.HOURS_ITEM, hours)):
        if value is not None and code in items:
            attempt.answers.append(Answer(item=items[code], value=value))
    db.session.flush()
    return user


def items_of(user: User, *, dismissed: bool = True) -> list[PlanItem]:
    plan = db.session.scalar(select(LearningPlan).where(LearningPlan.user_id == user.id))
    found = sorted(plan.items, key=lambda i: i.position) if plan else []
    return [i for i in found if dismissed or i.status != "dismissed"]


def refs(user: User) -> list:
    return [i.resource.code if i.kind == "resource" else f"path:{i.path_version_id}"
            for i in items_of(user)]


# The plan of one official ------------------------------------------------------------------------------


def test_the_first_items_close_the_largest_gaps_in_their_language_each_with_its_reason():
    analysis, security = competencies("Data analysis", "Cybersecurity")
    ResourceFactory(code="ana-fr", languages=["fr"], hours=6, teaches={analysis: (1, 2)})
    ResourceFactory(code="ana-en-short", languages=["en"], hours=1, teaches={analysis: (1, 2)})
    ResourceFactory(code="sec-fr", languages=["fr"], hours=2, teaches={security: (0, 3)})
    official = assessed({analysis: (1, 3), security: (1, 2)}, languages=["fr"])

    plan = plans.refresh_plan(db.session, official)

    assert refs(official) == ["ana-fr", "sec-fr"]
    first, second = items_of(official)
    assert first.reason == "closes Data analysis 1 → 2 · in French · 6 h"
    assert second.reason == "closes Cybersecurity 1 → 2 · in French · 2 h"
    assert first.closes == [{"competency": analysis.code, "competency_id": analysis.id,
                             "name": "Data analysis", "level_from": 1, "level_to": 2}]
    assert [(i.rank, i.position, i.status) for i in (first, second)] == [(0, 0, "suggested"),
                                                                        (1, 1, "suggested")]
    # what is left of the analysis gap (2 -> 3) has no material
    assert plan.unmet == [{"competency": analysis.code, "competency_id": analysis.id,
                           "name": "Data analysis", "current": 2, "target": 3}]
    assert plan.country_id == official.country_id


def test_without_languages_the_account_locale_then_english_is_assumed():
    (analysis,) = competencies("Data analysis")
    ResourceFactory(code="ana-en", languages=["en"], teaches={analysis: (1, 2)})
    ResourceFactory(code="ana-fr", languages=["fr"], teaches={analysis: (1, 2)})
    french_account = assessed({analysis: (1, 2)}, locale="fr")
    nothing_said = assessed({analysis: (1, 2)})

    profile = plans.official_profile(db.session, french_account)
    assert profile.official.languages == ("fr",) and profile.languages_assumed
    plans.refresh_plan(db.session, french_account)
    assert refs(french_account) == ["ana-fr"]
    assert plans.official_profile(db.session, nothing_said).official.languages == ("en",)
    plans.refresh_plan(db.session, nothing_said)
    assert refs(nothing_said) == ["ana-en"]


def test_other_languages_are_a_fallback_and_the_reason_says_so():
    (analysis,) = competencies("Data analysis")
    ResourceFactory(code="ana-en", languages=["en"], hours=3, teaches={analysis: (1, 2)})
    official = assessed({analysis: (1, 2)}, languages=["ar", "other"])
    assert plans.official_profile(db.session, official).official.languages == ("ar",)
    plans.refresh_plan(db.session, official)
    (item,) = items_of(official)
    assert item.reason == ("closes Data analysis 1 → 2 · only available in English: "
                           "nothing in your languages covers this yet · 3 h")


def test_context_answers_give_formats_and_hours_per_week():
    (analysis,) = competencies("Data analysis")
    official = assessed({analysis: (1, 2)}, formats=["video", "guide"], hours="3-5")
    profile = plans.official_profile(db.session, official)
    assert profile.official.preferred_formats == ("video", "guide")
    assert profile.hours_per_week == 4.0


def test_no_material_means_the_gap_is_listed_as_unmet():
    analysis, governance = competencies("Data analysis", "Data governance")
    ResourceFactory(code="ana", teaches={analysis: (1, 2)})
    ResourceFactory(code="too-advanced", teaches={governance: (3, 4)})
    official = assessed({analysis: (1, 2), governance: (2, 3)})
    plan = plans.refresh_plan(db.session, official)
    assert refs(official) == ["ana"]
    assert [(u["name"], u["current"], u["target"]) for u in plan.unmet] == [("Data governance", 2, 3)]


def test_retired_resources_are_not_recommended():
    (analysis,) = competencies("Data analysis")
    ResourceFactory(code="old", status="retired", teaches={analysis: (1, 2)})
    official = assessed({analysis: (1, 2)})
    plan = plans.refresh_plan(db.session, official)
    assert refs(official) == [] and len(plan.unmet) == 1


def test_prerequisites_come_first():
    analysis, literacy = competencies("Data analysis", "Data literacy")
    ResourceFactory(code="basics", teaches={literacy: (0, 1)}, hours=2)
    ResourceFactory(code="advanced", title="Advanced analysis", teaches={analysis: (1, 2)},
                    prerequisites=["basics"])
    official = assessed({analysis: (1, 2)})
    plans.refresh_plan(db.session, official)
    assert refs(official) == ["basics", "advanced"]
    assert items_of(official)[0].reason.startswith("needed before Advanced analysis")


def test_completed_resources_are_not_suggested_again():
    (analysis,) = competencies("Data analysis")
    done = ResourceFactory(code="done", teaches={analysis: (1, 2)}, hours=1)
    ResourceFactory(code="other", teaches={analysis: (1, 2)}, hours=5)
    official = assessed({analysis: (1, 2)})
    db.session.add(Progress(user_id=official.id, resource=done, status="completed"))
    plans.refresh_plan(db.session, official)
    assert refs(official) == ["other"]


def test_a_path_for_the_officials_role_comes_first():
    analysis, security = competencies("Data analysis", "Cybersecurity")
    role = RoleProfileFactory(framework=analysis.framework)
    step1 = ResourceFactory(code="step-1", teaches={analysis: (1, 2)})
    step2 = ResourceFactory(code="step-2", teaches={analysis: (2, 3)})
    ResourceFactory(code="sec", teaches={security: (1, 2)})
    path = make_path([step1, step2], roles=[role])
    make_path([step1], code="draft-path", status="draft")
    official = assessed({analysis: (1, 3), security: (1, 2)}, role=role)
    plans.refresh_plan(db.session, official)
    assert refs(official) == [f"path:{path.id}", "sec"]
    assert items_of(official)[0].reason.startswith("closes Data analysis 1 → 3")


def test_the_latest_submitted_attempt_counts():
    analysis, security = competencies("Data analysis", "Cybersecurity")
    ResourceFactory(code="ana", teaches={analysis: (1, 2)})
    ResourceFactory(code="sec", teaches={security: (1, 2)})
    official = assessed({analysis: (1, 2)}, submitted_at=utcnow() - timedelta(days=90))
    assessed({security: (1, 2)}, user=official)
    assessed({analysis: (0, 2)}, user=official, status=AttemptStatus.IN_PROGRESS)
    plans.refresh_plan(db.session, official)
    assert refs(official) == ["sec"]


def test_nothing_is_written_without_a_submitted_attempt():
    (analysis,) = competencies("Data analysis")
    official = assessed({analysis: (1, 2)}, status=AttemptStatus.IN_PROGRESS)
    assert plans.refresh_plan(db.session, official) is None
    assert db.session.scalar(select(LearningPlan).where(LearningPlan.user_id == official.id)) is None


def test_refreshing_keeps_what_the_official_did():
    a, b, c, e, f = competencies("A", "B", "C", "E", "F")
    ResourceFactory(code="r-a", teaches={a: (0, 2)}, hours=1)
    r_b = ResourceFactory(code="r-b", teaches={b: (0, 1)}, hours=1)
    ResourceFactory(code="r-c", teaches={c: (0, 1)}, hours=2)
    ResourceFactory(code="r-e", teaches={e: (0, 1)}, hours=3)
    ResourceFactory(code="r-f", teaches={f: (0, 1)}, hours=1)
    official = assessed({a: (0, 2), b: (0, 1), c: (0, 1), e: (0, 1)},
                        submitted_at=utcnow() - timedelta(days=60))
    plans.refresh_plan(db.session, official)
    assert refs(official) == ["r-a", "r-b", "r-c", "r-e"]
    by_code = {i.resource.code: i for i in items_of(official)}
    learning.accept(db.session, official, by_code["r-c"].id)
    learning.move(db.session, official, by_code["r-c"].id, "up")
    learning.move(db.session, official, by_code["r-c"].id, "up")
    learning.dismiss(db.session, official, by_code["r-e"].id, "no_time")
    db.session.add(Progress(user_id=official.id, resource=r_b, status="started"))
    db.session.flush()
    assert refs(official) == ["r-c", "r-a", "r-b", "r-e"]

    # A new assessment: A and B are met now, C and E remain, F is new.
    assessed({a: (2, 2), b: (1, 1), c: (0, 1), e: (0, 1), f: (0, 1)}, user=official)
    plans.refresh_plan(db.session, official)

    assert refs(official) == ["r-c", "r-b", "r-e", "r-f"]  # r-a was untouched and is no longer needed
    by_code = {i.resource.code: i for i in items_of(official)}
    assert by_code["r-c"].status == "accepted"
    assert (by_code["r-e"].status, by_code["r-e"].dismiss_reason) == ("dismissed", "no_time")
    assert by_code["r-b"].status == "suggested"  # kept for its progress
    assert by_code["r-f"].status == "suggested"


def test_refreshing_twice_changes_nothing():
    (analysis,) = competencies("Data analysis")
    ResourceFactory(code="ana", teaches={analysis: (1, 2)})
    official = assessed({analysis: (1, 2)})
    plans.refresh_plan(db.session, official)
    before = [(i.id, i.position, i.rank, i.reason) for i in items_of(official)]
    plans.refresh_plan(db.session, official)
    assert [(i.id, i.position, i.rank, i.reason) for i in items_of(official)] == before


def test_an_enrolled_official_keeps_the_path_version_after_a_new_one_is_published():
    (analysis,) = competencies("Data analysis")
    step1 = ResourceFactory(code="s1", teaches={analysis: (1, 2)})
    step2 = ResourceFactory(code="s2", teaches={analysis: (2, 3)})
    first = make_path([step1])
    official = assessed({analysis: (1, 3)})
    plans.refresh_plan(db.session, official)
    assert refs(official) == [f"path:{first.id}", "s2"]
    learning.enrol(db.session, official, first.id)

    first.status = "superseded"
    second = make_path([step1, step2], version=2, path=first.path)
    newcomer = assessed({analysis: (1, 3)})
    plans.refresh_plan(db.session, official)
    plans.refresh_plan(db.session, newcomer)

    assert refs(official)[0] == f"path:{first.id}"
    assert refs(newcomer) == [f"path:{second.id}"]
    enrolment = db.session.scalar(select(Enrolment).where(Enrolment.user_id == official.id))
    assert enrolment.path_version_id == first.id


def test_refreshing_takes_a_handful_of_queries_whatever_the_catalogue_size():
    comps = competencies("A", "B", "C")

    def queries_for_a_new_official() -> int:
        official = assessed({c: (0, 3) for c in comps})
        count = 0

        def count_query(_conn, _cursor, statement, *_args):
            nonlocal count
            count += statement.lstrip().upper().startswith("SELECT")  # inserts grow with the plan

        engine = db.session.get_bind().engine
        event.listen(engine, "before_cursor_execute", count_query)
        try:
            plans.refresh_plan(db.session, official)
        finally:
            event.remove(engine, "before_cursor_execute", count_query)
        return count

    for comp in comps:
        ResourceFactory(teaches={comp: (0, 1)})
    few = queries_for_a_new_official()
    for n in range(30):
        ResourceFactory(teaches={comps[n % 3]: (n % 3, n % 3 + 1)}, prerequisites=[])
    assert queries_for_a_new_official() == few
    assert few <= 20


# A whole campaign ---------------------------------------------------------------------------------------


def _synthetic_campaign(officials: int = 30, resources: int = 40, seed: int = 4):
    """A campaign whose officials have random gaps, languages and formats, and a random catalogue with
    chains of levels, prerequisites and a path."""
    rng = random.Random(seed)
    comps = competencies(*[f"Competency {n}" for n in range(5)])
    role = RoleProfileFactory(framework=comps[0].framework)
    campaign = CampaignFactory(instrument=instrument_for(comps[0].framework))
    made = []
    for n in range(resources):
        start = rng.randint(0, 3)
        made.append(ResourceFactory(
            code=f"res-{n:02d}", languages=rng.choice([["en"], ["fr"], ["en", "fr"], ["ar"]]),
            format=rng.choice(["course", "video", "guide"]), hours=rng.choice([1, 2, 4, 8, 20]),
            teaches={rng.choice(comps): (start, min(4, start + rng.randint(1, 2)))},
            prerequisites=[f"res-{rng.randrange(n):02d}"] if n and rng.random() < 0.2 else []))
    make_path(made[:2], roles=[role])
    users = []
    for _ in range(officials):
        results = {}
        for comp in rng.sample(comps, rng.randint(1, 5)):
            current = rng.randint(0, 3)
            results[comp] = (current, rng.randint(current, 4))
        users.append(assessed(results, campaign=campaign, role=role if rng.random() < 0.3 else None,
                              languages=rng.choice([["fr"], ["en"], ["ar", "en"], None]),
                              formats=rng.choice([["video"], None]), hours=rng.choice(["lt1", "3-5"])))
    return campaign, users


def test_shortlists_give_the_same_recommendations_as_the_whole_catalogue():
    campaign, _users = _synthetic_campaign()
    data = plans.load_campaign(db.session, campaign.id)
    whole = plans.match_campaign(data, top_k=0)
    assert len(whole) == 30
    assert sum(len(recs) for recs in whole.values()) > 30  # the test has something to compare
    for top_k in (None, 1, 3, 24):  # 1 and 3 keep too few: the matcher asks for longer shortlists
        shortlisted = plans.match_campaign(data, top_k=top_k)
        assert {u: [(r.kind, r.ref, r.reason) for r in recs] for u, recs in shortlisted.items()} == {
            u: [(r.kind, r.ref, r.reason) for r in recs] for u, recs in whole.items()}


def test_the_batch_builds_one_plan_per_submitted_official_like_the_one_by_one_service():
    campaign, users = _synthetic_campaign(officials=12)
    unsubmitted = assessed({db.session.scalars(select(Competency)).first(): (0, 2)}, campaign=campaign,
                           status=AttemptStatus.IN_PROGRESS)
    one_by_one = {}
    for user in users:
        plans.refresh_plan(db.session, user)
        one_by_one[user.id] = [(i.kind, i.resource_id, i.path_version_id, i.reason) for i in items_of(user)]
    for plan in db.session.scalars(select(LearningPlan)):
        db.session.delete(plan)
    db.session.flush()

    report = plans.build_campaign_plans(db.session, campaign.id, chunk_size=5)

    assert (report.officials, report.created, report.updated) == (12, 12, 0)
    assert report.items_added == sum(len(v) for v in one_by_one.values())
    batch = {user.id: [(i.kind, i.resource_id, i.path_version_id, i.reason) for i in items_of(user)]
             for user in users}
    assert batch == one_by_one
    assert db.session.scalar(select(LearningPlan).where(LearningPlan.user_id == unsubmitted.id)) is None

    again = plans.build_campaign_plans(db.session, campaign.id)
    assert (again.created, again.updated, again.unchanged, again.items_added) == (0, 0, 12, 0)


def test_a_dry_run_writes_nothing_and_says_what_would_change():
    campaign, users = _synthetic_campaign(officials=5)
    report = plans.build_campaign_plans(db.session, campaign.id, dry_run=True)
    assert report.created == 5 and report.items_added > 0
    assert "would be created" in report.summary()
    assert db.session.scalar(select(LearningPlan)) is None


def test_the_background_job_reports_progress_and_counts(app):
    campaign, users = _synthetic_campaign(officials=6)
    with app.app_context():
        job = enqueue("plans.build", {"campaign_id": campaign.id}, country_id=campaign.country_id)
    job = db.session.get(Job, job.id)
    assert job.status == "done", job.message
    assert (job.done, job.total) == (6, 6)
    assert job.message.startswith("6 officials: 6 plans were created")
    assert len(list(db.session.scalars(select(LearningPlan)))) == 6


def test_the_job_reports_progress_as_each_chunk_of_officials_is_matched_and_written():
    campaign, users = _synthetic_campaign(officials=7)
    seen = []

    def progress(done, total):
        seen.append((done, total, db.session.scalar(select(func.count()).select_from(LearningPlan))))

    plans.build_campaign_plans(db.session, campaign.id, chunk_size=3, progress=progress)
    # Before any matching, then after each chunk, with that chunk's plans already written.
    assert seen == [(0, 7, 0), (3, 7, 3), (6, 7, 6), (7, 7, 7)]


def test_the_bar_shows_how_many_officials_before_the_campaign_is_loaded(monkeypatch):
    """Loading a national campaign (profiles, catalogue) takes seconds: the job's page shows
    "0 of N" from the start, not "waiting"."""
    campaign, _users = _synthetic_campaign(officials=4)
    order = []
    loading = plans.load_campaign
    monkeypatch.setattr(plans, "load_campaign", lambda *args: (order.append("load"), loading(*args))[1])
    plans.build_campaign_plans(db.session, campaign.id, chunk_size=10,
                               progress=lambda done, total: order.append((done, total)))
    assert order == [(0, 4), "load", (4, 4)]


def test_resources_ids_in_plans_are_the_database_ids():
    (analysis,) = competencies("Data analysis")
    resource = ResourceFactory(code="ana", teaches={analysis: (1, 2)})
    official = assessed({analysis: (1, 2)})
    plans.refresh_plan(db.session, official)
    assert items_of(official)[0].resource_id == resource.id
    assert db.session.get(Resource, resource.id).code == "ana"


# Not assessed --------------------------------------------------------------------------------------------


def test_a_not_assessed_competency_gets_no_recommendation_and_is_not_unmet():
    analysis, governance = competencies("Data analysis", "Data governance")
    ResourceFactory(code="ana", teaches={analysis: (1, 2)})
    ResourceFactory(code="gov-from-zero", teaches={governance: (0, 3)})
    official = assessed({analysis: (1, 2), governance: (None, 3)})
    plan = plans.refresh_plan(db.session, official)
    assert refs(official) == ["ana"]
    assert plan.unmet == []
    assert [g.name for g in plans.official_profile(db.session, official).gaps] == ["Data analysis"]
    view = learning.plan_view(db.session, official)
    assert view.not_assessed == ["Data governance"]
    assert view.empty_reason is None  # there is something to do


def test_a_plan_from_an_attempt_where_nothing_was_assessed_is_empty_and_says_why():
    analysis, governance = competencies("Data analysis", "Data governance")
    ResourceFactory(code="ana-from-zero", teaches={analysis: (0, 3)})
    official = assessed({analysis: (None, 2), governance: (None, 3)})
    plan = plans.refresh_plan(db.session, official)
    assert plan is not None and plan.items == [] and plan.unmet == []
    view = learning.plan_view(db.session, official)
    assert view.entries == [] and view.not_assessed == ["Data analysis", "Data governance"]
    assert view.empty_state == "not_assessed"
    assert view.empty_reason == ("Not enough answers to recommend training: Data analysis and Data "
                                 "governance were not assessed. Answer the knowledge questions in your "
                                 "next assessment to get recommendations.")


def test_the_empty_state_says_when_the_assessed_results_meet_the_targets():
    analysis, governance = competencies("Data analysis", "Data governance")
    official = assessed({analysis: (2, 2), governance: (None, 3)})
    plans.refresh_plan(db.session, official)
    view = learning.plan_view(db.session, official)
    assert view.empty_state == "met_but_not_assessed"
    assert view.empty_reason.startswith("Your assessed results meet the targets of your role. Not enough "
                                        "answers to recommend training for Data governance")
    met = assessed({analysis: (2, 2)})
    plans.refresh_plan(db.session, met)
    assert learning.plan_view(db.session, met).empty_state == "met"


def test_the_batch_leaves_not_assessed_competencies_out_too():
    analysis, governance = competencies("Data analysis", "Data governance")
    ResourceFactory(code="gov-from-zero", teaches={governance: (0, 3)})
    ResourceFactory(code="ana", teaches={analysis: (1, 2)})
    campaign = CampaignFactory(instrument=instrument_for(analysis.framework))
    official = assessed({analysis: (1, 2), governance: (None, 3)}, campaign=campaign)
    plans.build_campaign_plans(db.session, campaign.id)
    assert refs(official) == ["ana"]


# Paths: languages, alternatives, retired steps -------------------------------------------------------------


def security_catalogue():
    """The bundled security material (courses/resources/) and the demo's "Cyber hygiene for everyone"
    path: CCCS top 10 (en, fr), then NCSC 10 steps (en) or the ANSSI hygiene guide (fr)."""
    security, operations = competencies("Cybersecurity", "IT operations")
    role = RoleProfileFactory(framework=security.framework)
    made = {
        "cccs": ResourceFactory(code="cccs-top-10", languages=["en", "fr"], format="guide", hours=2,
                                teaches={security: (1, 2), operations: (1, 2)}),
        "ncsc": ResourceFactory(code="ncsc-10-steps", languages=["en"], format="guide", hours=4,
                                teaches={security: (1, 3)}),
        "anssi": ResourceFactory(code="anssi-hygiene", languages=["fr"], format="guide", hours=6,
                                 teaches={security: (1, 3), operations: (1, 2)}),
        "ebios": ResourceFactory(code="ebios-rm", languages=["fr"], hours=8, teaches={security: (2, 3)},
                                 prerequisites=["anssi-hygiene"]),
        "owasp": ResourceFactory(code="owasp-top-10", languages=["en", "fr", "ar"], format="guide", hours=6,
                                 teaches={security: (1, 3)}),
    }
    return security, role, made


def cyber_path(made, role, *, alternative=True):
    version = make_path([made["cccs"], made["ncsc"]], code="cyber-hygiene-for-everyone", roles=[role])
    version.title = "Cyber hygiene for everyone"
    if alternative:
        second = version.steps[1]
        second.alternative_group = "step-2"
        version.steps.append(PathStep(position=2, resource=made["anssi"], alternative_group="step-2"))
    version.steps.append(PathStep(position=3, resource=made["owasp"], optional=True))
    db.session.flush()
    return version


def test_an_english_only_path_is_not_recommended_to_a_french_only_official():
    security, role, made = security_catalogue()
    path = cyber_path(made, role, alternative=False)
    official = assessed({security: (1, 3)}, languages=["fr"], role=role)
    plans.refresh_plan(db.session, official)
    assert f"path:{path.id}" not in refs(official)
    first = items_of(official)[0]
    assert first.resource.languages != ["en"] and "in French" in first.reason
    assert all("nothing in your languages" not in item.reason for item in items_of(official))
    bilingual = assessed({security: (1, 3)}, languages=["fr", "en"], role=role)
    plans.refresh_plan(db.session, bilingual)
    assert refs(bilingual)[0] == f"path:{path.id}"
    assert items_of(bilingual)[0].reason == "closes Cybersecurity 1 → 3 · in English · 6 h"


def test_a_path_follows_the_alternative_in_the_officials_language_on_the_plan_page_too():
    security, role, made = security_catalogue()
    path = cyber_path(made, role)
    official = assessed({security: (1, 3)}, languages=["fr"], role=role)
    plans.refresh_plan(db.session, official)
    assert refs(official)[0] == f"path:{path.id}"
    assert items_of(official)[0].reason == "closes Cybersecurity 1 → 3 · in French · 8 h"
    entry = learning.plan_view(db.session, official).entries[0]
    assert (entry.in_language, entry.fallback_languages, entry.hours) == ("fr", (), 8)
    assert learning.path_view(db.session, official, path.id).hours == 8  # the path page agrees


def test_a_published_path_with_a_retired_step_is_not_recommended_and_the_retired_step_never_is():
    security, role, made = security_catalogue()
    path = cyber_path(made, role, alternative=False)
    made["ncsc"].status = "retired"
    official = assessed({security: (1, 3)}, languages=["en"], role=role)
    plans.refresh_plan(db.session, official)
    assert f"path:{path.id}" not in refs(official)
    assert "ncsc-10-steps" not in refs(official)
    assert refs(official) == ["cccs-top-10", "owasp-top-10"]  # what remains of it in English, one by one
    catalogue = plans.load_catalogue(db.session)
    assert path.id not in catalogue.versions
    assert all(r.id != "ncsc-10-steps" for r in catalogue.resources)


def test_a_retired_alternative_leaves_the_other_to_stand_for_its_step():
    security, role, made = security_catalogue()
    path = cyber_path(made, role)
    made["ncsc"].status = "retired"
    english = assessed({security: (1, 3)}, languages=["en"], role=role)
    plans.refresh_plan(db.session, english)
    # the only step 2 left is in French: the path is not one an English-only reader can follow
    assert f"path:{path.id}" not in refs(english) and "ncsc-10-steps" not in refs(english)
    french = assessed({security: (1, 3)}, languages=["fr"], role=role)
    plans.refresh_plan(db.session, french)
    assert refs(french)[0] == f"path:{path.id}"
    assert items_of(french)[0].reason == "closes Cybersecurity 1 → 3 · in French · 8 h"


def test_a_path_item_is_removed_on_refresh_once_its_step_is_retired():
    security, role, made = security_catalogue()
    path = cyber_path(made, role, alternative=False)
    official = assessed({security: (1, 3)}, languages=["en"], role=role)
    plans.refresh_plan(db.session, official)
    assert refs(official)[0] == f"path:{path.id}"
    made["ncsc"].status = "retired"
    db.session.flush()
    plans.refresh_plan(db.session, official)
    assert f"path:{path.id}" not in refs(official)
