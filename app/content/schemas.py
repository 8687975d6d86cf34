"""The shape of each kind of YAML file in assessments/, as pydantic models that refuse unknown fields.

These check one file's structure and types. The rules that need more than one field or file (a
descriptor for every level of the scale, references between files, unique codes) are in
app/content/loader.py and app/content/items.py, so every error can be reported with its file and field path.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictBool,
    StringConstraints,
)

# Codes are stable identifiers: they never change once published, and results refer to them.
LOWER_CODE = r"^[a-z0-9][a-z0-9-]*$"  # frameworks, role profiles, instruments: dgcf, data-analyst
NODE_CODE = r"^[A-Za-z0-9][A-Za-z0-9._:-]*$"  # areas and competencies: LEAD, LEAD.CHANGE, 1.2
ITEM_CODE = r"^[A-Za-z0-9][A-Za-z0-9._-]*$"  # sections and items: lead, LEAD.CHANGE-k2

MATURITY_DIMENSIONS = ("strategy", "leadership", "budget", "data_governance", "infrastructure", "staffing")
ITEM_KINDS = ("context", "self_rating", "knowledge", "maturity")


def _scalar_as_text(value: Any) -> Any:
    """YAML reads some unquoted words as other types. Accept whole numbers as their text (``1`` is
    ``"1"``), refuse what cannot be turned back into what the author typed."""
    if isinstance(value, bool):
        raise ValueError("YAML reads yes/no/true/false/on/off as a boolean here: put the value in "
                         'quotes, e.g. "no"')
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        raise ValueError('YAML reads this as a decimal number: put it in quotes, e.g. "1.0"')
    return value


Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
OptionalText = Annotated[str, StringConstraints(strip_whitespace=True)]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
LongName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=300)]
LowerCode = Annotated[str, StringConstraints(pattern=LOWER_CODE, max_length=60)]
NodeCode = Annotated[str, StringConstraints(pattern=NODE_CODE, max_length=120)]
SectionCode = Annotated[str, StringConstraints(pattern=ITEM_CODE, max_length=60)]
ItemCode = Annotated[str, StringConstraints(pattern=ITEM_CODE, max_length=80)]
Identifier = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Version = Annotated[str, BeforeValidator(_scalar_as_text),
                    StringConstraints(strip_whitespace=True, min_length=1, max_length=40)]
OptionValue = Annotated[str, BeforeValidator(_scalar_as_text),
                        StringConstraints(strip_whitespace=True, min_length=1, max_length=40)]
Level = Annotated[int, Field(strict=True, ge=0, le=10)]


def _https_url(value: str) -> str:
    parts = urlsplit(value)
    if parts.scheme != "https" or not parts.hostname or any(c.isspace() for c in value):
        raise ValueError(f"{value!r} is not a secure web address: give the full address, starting with "
                         "https://")
    return value


# The pattern is for editors (JSON Schema); _https_url gives the error the loader reports.
HttpsUrl = Annotated[str, StringConstraints(strip_whitespace=True, max_length=1000),
                     AfterValidator(_https_url), Field(json_schema_extra={"format": "uri", "pattern": r"^https://\S+$"})]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


# Framework ----------------------------------------------------------------------------------------


class ScaleLevel(_Model):
    level: Level
    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=80)]
    description: OptionalText = ""


class CompetencyModel(_Model):
    code: NodeCode = Field(description="Stable code, e.g. LEAD.CHANGE.")
    name: LongName
    description: OptionalText = ""
    identifier: Identifier | None = Field(default=None, description="An external identifier, e.g. a "
                                          "CASE CFItem identifier.")
    levels: dict[Level, Text] = Field(description="One descriptor for every level of the scale.")


class AreaModel(_Model):
    code: NodeCode
    name: LongName
    description: OptionalText = ""
    identifier: Identifier | None = None
    parent: NodeCode | None = Field(default=None, description="Code of the area this one sits in.")
    competencies: list[CompetencyModel] = []


class FrameworkModel(_Model):
    """A competency framework: its proficiency scale, areas and competencies."""

    model_config = ConfigDict(title="Competency framework")

    code: LowerCode
    name: Name
    version: Version
    description: OptionalText = ""
    licence: Annotated[str, StringConstraints(strip_whitespace=True, max_length=60)] = ""
    identifier: Identifier | None = None
    scale: list[ScaleLevel] = Field(min_length=2)
    areas: list[AreaModel] = Field(min_length=1)

    def competencies(self) -> list[CompetencyModel]:
        return [competency for area in self.areas for competency in area.competencies]


# Role profile -------------------------------------------------------------------------------------


class RoleProfileModel(_Model):
    """A job role with a target level per competency of one framework."""

    model_config = ConfigDict(title="Role profile")

    code: LowerCode
    name: Name
    description: OptionalText = ""
    framework: LowerCode
    targets: dict[NodeCode, Level] = Field(min_length=1)


# Instrument ---------------------------------------------------------------------------------------


class Option(_Model):
    value: OptionValue
    label: Text


class MaturityOption(Option):
    score: Annotated[int, Field(strict=True, ge=0, le=4)]


class ContextItem(_Model):
    """Work conditions, access, preferences: not scored."""

    code: ItemCode
    kind: Literal["context"]
    prompt: Text
    input: Literal["single", "multiple", "number", "text"]
    options: list[Option] = []


class SelfRatingItem(_Model):
    """The official picks the level descriptor that fits; the options come from the framework."""

    code: ItemCode
    kind: Literal["self_rating"]
    competency: NodeCode
    prompt: Text


class SourceModel(_Model):
    """The public document a knowledge check rests on, so a reviewer can check the key."""

    title: LongName
    url: HttpsUrl


class _Check(_Model):
    """Multiple choice with one key, giving evidence for one level of one competency."""

    code: ItemCode
    competency: NodeCode
    level: Annotated[int, Field(strict=True, ge=1, le=10)]
    prompt: Text
    options: list[Option] = Field(min_length=2)
    key: OptionValue
    explanation: Text


class KnowledgeItem(_Check):
    """A knowledge check written in the instrument itself (most come from an item bank)."""

    kind: Literal["knowledge"]
    source: SourceModel | None = None


class MaturityItem(_Model):
    """Organisation instruments only: each option carries a score from 0 to 4."""

    code: ItemCode
    kind: Literal["maturity"]
    dimension: Literal[MATURITY_DIMENSIONS]  # type: ignore[valid-type]
    prompt: Text
    options: list[MaturityOption] = Field(min_length=2)


ItemModel = Annotated[ContextItem | SelfRatingItem | KnowledgeItem | MaturityItem,
                      Field(discriminator="kind")]


class SectionModel(_Model):
    code: SectionCode
    title: Name
    intro: OptionalText = ""
    items: list[ItemModel] = Field(min_length=1)


class FormModel(_Model):
    """How an attempt draws its knowledge checks from the instrument's bank."""

    checks_per_level: Annotated[int, Field(strict=True, ge=1)] = Field(
        description="How many checks an attempt shows per competency and level.")


class InstrumentModel(_Model):
    """A questionnaire: sections of items, on one framework."""

    model_config = ConfigDict(title="Assessment instrument")

    code: LowerCode
    name: Name
    kind: Literal["individual", "organisation"]
    framework: LowerCode
    description: OptionalText = ""
    form: FormModel | None = Field(default=None, description="Draw each attempt's knowledge checks; "
                                   "without it an attempt shows every item.")
    practice: StrictBool = Field(default=False, description="Show keys and explanations as soon as an "
                                 "attempt is submitted.")
    sections: list[SectionModel] = Field(min_length=1)

    def items(self) -> list[ContextItem | SelfRatingItem | KnowledgeItem | MaturityItem]:
        return [item for section in self.sections for item in section.items]


# Item bank ----------------------------------------------------------------------------------------


class BankCheck(_Check):
    """A knowledge check of an item bank: a knowledge item that must say what it rests on."""

    source: SourceModel

    def as_item(self) -> KnowledgeItem:
        return KnowledgeItem(kind="knowledge", **dict(self))


class BankModel(_Model):
    """The knowledge checks of one framework (or part of it), several per competency and level."""

    model_config = ConfigDict(title="Item bank")

    code: LowerCode
    framework: LowerCode
    checks: list[BankCheck] = Field(min_length=1)


# Which model reads the files of each folder of a content directory.
KINDS: dict[str, type[_Model]] = {
    "frameworks": FrameworkModel,
    "roles": RoleProfileModel,
    "instruments": InstrumentModel,
    "banks": BankModel,
}
SCHEMA_FILES = {
    "frameworks": "framework.schema.json",
    "roles": "role-profile.schema.json",
    "instruments": "instrument.schema.json",
    "banks": "item-bank.schema.json",
}
