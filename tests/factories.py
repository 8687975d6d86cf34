"""Test data. Every factory writes through the test's own session (rolled back after the test)."""

from __future__ import annotations

from datetime import timedelta

import factory
from factory.alchemy import SQLAlchemyModelFactory

from app.extensions import db
from app.models import (
    Area,
    Campaign,
    Competency,
    CompetencyResult,
    Country,
    CoursePath,
    FocalPointScope,
    Framework,
    Instrument,
    InstrumentKind,
    InstrumentSection,
    Invitation,
    Item,
    ItemKind,
    LevelDescriptor,
    Organisation,
    PathStep,
    PathVersion,
    ProficiencyLevel,
    Resource,
    ResourceCompetency,
    ResultSource,
    Role,
    RoleProfile,
    RoleTarget,
    User,
)
from app.models.base import utcnow
from app.services.catalogue import normalise_url
from app.services.passwords import hash_password

PASSWORD = "correct horse battery staple"
_PASSWORD_HASH = hash_password(PASSWORD)  # hashed once: Argon2 is slow on purpose


class _Base(SQLAlchemyModelFactory):
    class Meta:
        abstract = True
        sqlalchemy_session_factory = lambda: db.session  # noqa: E731
        sqlalchemy_session_persistence = "flush"


class CountryFactory(_Base):
    class Meta:
        model = Country

    code = factory.Sequence(lambda n: f"{chr(65 + n // 26 % 26)}{chr(65 + n % 26)}")
    name = factory.Sequence(lambda n: f"Country {n}")
    time_zone = "Africa/Nairobi"


class OrganisationFactory(_Base):
    class Meta:
        model = Organisation

    country = factory.SubFactory(CountryFactory)
    name = factory.Sequence(lambda n: f"Ministry {n}")


class UserFactory(_Base):
    class Meta:
        model = User

    email = factory.Sequence(lambda n: f"person{n}@example.org")
    name = factory.Sequence(lambda n: f"Person {n}")
    role = Role.OFFICIAL
    organisation = factory.SubFactory(OrganisationFactory)
    country = factory.SelfAttribute("organisation.country")
    password_hash = _PASSWORD_HASH
    activated_at = factory.LazyFunction(utcnow)

    class Params:
        admin = factory.Trait(role=Role.ADMIN, organisation=None, country=None)
        invited = factory.Trait(password_hash=None, activated_at=None)


class FocalPointFactory(UserFactory):
    """A focal point who may see ``country`` (its scope is granted)."""

    role = Role.FOCAL_POINT
    organisation = None
    country = factory.SubFactory(CountryFactory)

    @factory.post_generation
    def scope(self, create, extracted, **kwargs):
        self.scopes.append(FocalPointScope(country=self.country))
        db.session.flush()


# Frameworks, instruments, campaigns ----------------------------------------------------------------

SCALE = ((0, "None"), (1, "Awareness"), (2, "Working"), (3, "Practitioner"), (4, "Expert"))


class FrameworkFactory(_Base):
    class Meta:
        model = Framework

    code = factory.Sequence(lambda n: f"fw{n}")
    name = factory.Sequence(lambda n: f"Framework {n}")
    version = "1.0"

    @factory.post_generation
    def scale(self, create, extracted, **kwargs):
        for level, name in SCALE:
            self.levels.append(ProficiencyLevel(level=level, name=name, description=f"{name} level"))


class AreaFactory(_Base):
    class Meta:
        model = Area

    framework = factory.SubFactory(FrameworkFactory)
    code = factory.Sequence(lambda n: f"AREA{n}")
    name = factory.Sequence(lambda n: f"Area {n}")
    position = factory.Sequence(int)


class CompetencyFactory(_Base):
    class Meta:
        model = Competency

    area = factory.SubFactory(AreaFactory)
    framework = factory.SelfAttribute("area.framework")
    code = factory.Sequence(lambda n: f"COMP.{n}")
    name = factory.Sequence(lambda n: f"Competency {n}")
    position = factory.Sequence(int)

    @factory.post_generation
    def levels(self, create, extracted, **kwargs):
        for level, name in SCALE:
            self.descriptors.append(LevelDescriptor(level=level, text=f"{self.name} at {name}"))


class RoleProfileFactory(_Base):
    class Meta:
        model = RoleProfile

    code = factory.Sequence(lambda n: f"role-{n}")
    name = factory.Sequence(lambda n: f"Role {n}")
    framework = factory.SubFactory(FrameworkFactory)

    @factory.post_generation
    def targets(self, create, extracted, **kwargs):
        """targets={competency: level, ...}"""
        for competency, level in (extracted or {}).items():
            self.targets.append(RoleTarget(competency=competency, level=level))


def make_framework(competencies: int = 2, areas: int = 1) -> Framework:
    """A framework with the 0-4 scale and ``competencies`` competencies in each of ``areas`` areas."""
    framework = FrameworkFactory()
    for _ in range(areas):
        area = AreaFactory(framework=framework)
        for _ in range(competencies):
            CompetencyFactory(area=area, framework=framework)
    db.session.flush()
    return framework


def make_instrument(framework: Framework, *, knowledge_levels=(1, 3), code: str | None = None,
                    version: int = 1, bank: int = 0, practice: bool = False) -> Instrument:
    """An individual instrument: a context section, then per area a section with, for each competency,
    a self-rating item and a knowledge item at each of ``knowledge_levels`` (key "a" is right).

    With ``bank=N``: N checks per level (codes ``-k<level><a|b|c...>``) and a form that draws one of them
    per competency and level."""
    instrument = Instrument(code=code or f"inst-{framework.code}", version=version, name="Needs assessment",
                            kind=InstrumentKind.INDIVIDUAL, framework=framework, content_hash="x" * 64,
                            form={"checks_per_level": 1} if bank else {}, practice=practice)
    db.session.add(instrument)
    position = 0
    context = InstrumentSection(code="context", title="About you", position=0)
    instrument.sections.append(context)
    instrument.items.append(Item(
        section=context, code="ctx-languages", kind=ItemKind.CONTEXT, prompt="Languages?",
        input="multiple", position=position,
        options=[{"value": "en", "label": "English"}, {"value": "fr", "label": "French"}]))
    for s, area in enumerate(framework.areas, start=1):
        section = InstrumentSection(code=area.code.lower(), title=area.name, position=s)
        instrument.sections.append(section)
        for competency in area.competencies:
            position += 1
            instrument.items.append(Item(
                section=section, code=f"{competency.code}-self", kind=ItemKind.SELF_RATING,
                prompt=f"Which fits your {competency.name}?", competency=competency, position=position))
            for level, letter in [(level, letter) for level in knowledge_levels
                                  for letter in ("abcdefgh"[:bank] if bank else [""])]:
                position += 1
                instrument.items.append(Item(
                    section=section, code=f"{competency.code}-k{level}{letter}", kind=ItemKind.KNOWLEDGE,
                    prompt=f"Question at level {level}", competency=competency, level=level, key="a",
                    explanation="Because a is right.", position=position,
                    options=[{"value": v, "label": f"Option {v}"} for v in "abcd"]))
    db.session.flush()
    return instrument


class CampaignFactory(_Base):
    class Meta:
        model = Campaign

    country = factory.SubFactory(CountryFactory)
    name = factory.Sequence(lambda n: f"Campaign {n}")
    instrument = factory.LazyFunction(lambda: make_instrument(make_framework()))
    cycle_label = "baseline"
    opens_at = factory.LazyFunction(lambda: utcnow() - timedelta(days=1))
    closes_at = factory.LazyFunction(lambda: utcnow() + timedelta(days=30))


class InvitationFactory(_Base):
    class Meta:
        model = Invitation

    campaign = factory.SubFactory(CampaignFactory)
    organisation = factory.SubFactory(OrganisationFactory,
                                      country=factory.SelfAttribute("..campaign.country"))
    user = factory.SubFactory(UserFactory, organisation=factory.SelfAttribute("..organisation"))


class CompetencyResultFactory(_Base):
    """One competency's result; pass attempt= (or .build() it and append to attempt.results).
    Traits: not_assessed (no level, so no gap: never 0), validated (confirmed by the manager)."""

    class Meta:
        model = CompetencyResult

    competency = factory.SubFactory(CompetencyFactory)
    calibrated_level = 2
    self_level = factory.SelfAttribute("calibrated_level")
    estimated_level = factory.SelfAttribute("calibrated_level")
    target_level = None
    gap = factory.LazyAttribute(lambda o: None if o.calibrated_level is None or o.target_level is None
                                else max(0, o.target_level - o.calibrated_level))
    source = ResultSource.ASSESSED

    class Params:
        not_assessed = factory.Trait(calibrated_level=None, source=ResultSource.NOT_ASSESSED)
        validated = factory.Trait(source=ResultSource.VALIDATED,
                                  manager_level=factory.SelfAttribute("calibrated_level"),
                                  validated_at=factory.LazyFunction(utcnow))


# Catalogue and course paths -----------------------------------------------------------------------


class ResourceFactory(_Base):
    """A published resource. teaches={competency: (from, to), ...}"""

    class Meta:
        model = Resource

    code = factory.Sequence(lambda n: f"resource-{n}")
    title = factory.Sequence(lambda n: f"Resource {n}")
    provider = "Open University"
    url = factory.Sequence(lambda n: f"https://learn.example.org/course/{n}")
    normalised_url = factory.LazyAttribute(lambda o: normalise_url(o.url))
    licence = "CC-BY-4.0"
    languages = factory.LazyFunction(lambda: ["en"])
    format = "course"
    hours = 4.0
    reviewed_on = factory.LazyFunction(lambda: utcnow().date())
    reviewed_by = "CapStack curators"

    @factory.post_generation
    def teaches(self, create, extracted, **kwargs):
        for competency, (level_from, level_to) in (extracted or {}).items():
            self.teaches.append(ResourceCompetency(competency=competency, level_from=level_from,
                                                   level_to=level_to))
        db.session.flush()


def make_path(resources, *, code: str | None = None, roles=(), status: str = "published",
              version: int = 1, path: CoursePath | None = None) -> PathVersion:
    """A path version whose steps are ``resources`` in order."""
    path = path or CoursePath(code=code or f"path-{resources[0].code}")
    path_version = PathVersion(path=path, version=version, status=status, title=f"Path {path.code}",
                               published_at=utcnow() if status == "published" else None)
    path_version.role_profiles.extend(roles)
    for position, resource in enumerate(resources):
        path_version.steps.append(PathStep(position=position, resource=resource))
    db.session.add(path_version)
    db.session.flush()
    return path_version
