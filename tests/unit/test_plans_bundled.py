"""Plans from the bundled catalogue (courses/) and the demo's course paths: what a real official sees."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.content.loader import load_content
from app.content.sync import sync_content
from app.extensions import db
from app.models import Competency, Instrument, Resource, RoleProfile
from app.services.audit import Actor
from app.services.demo.courses import ensure_paths
from app.services.learning import plans
from tests.factories import CampaignFactory
from tests.unit.test_plans import assessed, items_of


@pytest.fixture
def bundled():
    result = load_content()
    assert result.errors == []
    sync_content(db.session, result.content)
    ensure_paths(db.session, Actor(None))
    competency = {c.code: c for c in db.session.scalars(select(Competency))}
    role = db.session.scalar(select(RoleProfile).where(RoleProfile.code == "security-officer"))
    instrument = db.session.scalar(select(Instrument).where(Instrument.code == "tna-individual"))
    return competency, role, CampaignFactory(instrument=instrument)


def test_a_french_only_security_officer_is_not_sent_to_english_material_first(bundled):
    competency, role, campaign = bundled
    official = assessed({competency["TECH.SEC"]: (1, 3), competency["TECH.OPS"]: (1, 2)},
                        languages=["fr"], role=role, campaign=campaign)
    plans.refresh_plan(db.session, official)
    items = items_of(official)
    first = items[0]
    # the cyber hygiene path, as they follow it: the CCCS top 10 (also in French), then the ANSSI guide
    assert first.kind == "path" and first.path_version.title == "Cyber hygiene for everyone"
    assert first.reason == "closes Web operations 1 → 2 · closes Cybersecurity 1 → 3 · in French · 8 h"
    assert all("nothing in your languages" not in item.reason for item in items)


def test_an_official_who_reads_neither_english_nor_french_gets_material_in_their_language_first(bundled):
    competency, role, campaign = bundled
    official = assessed({competency["TECH.SEC"]: (1, 3)}, languages=["ar"], role=role, campaign=campaign)
    plans.refresh_plan(db.session, official)
    (only,) = items_of(official)
    assert (only.kind, only.resource.code) == ("resource", "owasp-top-10-2021")
    assert only.reason == "closes Cybersecurity 1 → 3 · in Arabic · 6 h"


def test_without_the_anssi_guide_the_path_is_english_only_and_not_offered_to_a_french_reader(bundled):
    competency, role, campaign = bundled
    anssi = "anssi-guide-hygiene-informatique"
    db.session.scalar(select(Resource).where(Resource.code == anssi)).status = "retired"
    official = assessed({competency["TECH.SEC"]: (1, 3)}, languages=["fr"], role=role, campaign=campaign)
    plans.refresh_plan(db.session, official)
    items = items_of(official)
    assert all(item.kind == "resource" for item in items)  # the path is English-only without ANSSI
    assert items[0].resource.code != anssi and "in French" in items[0].reason
    assert all("nothing in your languages" not in item.reason for item in items)
