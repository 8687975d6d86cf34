"""Assessment instruments: versioned questionnaires made of sections and items.

A version never changes once written: when the items of an instrument change, sync writes a new
version, and attempts keep the version they were taken on.
"""

from __future__ import annotations

from enum import StrEnum

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.base import Base, created_at, intpk, str200
from app.models.frameworks import Competency, Framework


class InstrumentKind(StrEnum):
    INDIVIDUAL = "individual"      # answered by each official about themselves
    ORGANISATION = "organisation"  # answered once per organisation, by its focal point


class ItemKind(StrEnum):
    CONTEXT = "context"          # work conditions, access, preferences; not scored
    SELF_RATING = "self_rating"  # pick the level descriptor that fits
    KNOWLEDGE = "knowledge"      # multiple choice with a key, evidence for one level
    MATURITY = "maturity"        # organisation instruments: options carry a score 0-4


class Instrument(Base):
    __tablename__ = "instruments"
    __table_args__ = (UniqueConstraint("code", "version", name="uq_instruments_code_version"),)

    id: Mapped[intpk]
    code: Mapped[str] = mapped_column(String(60), index=True)
    version: Mapped[int] = mapped_column(Integer)
    name: Mapped[str200]
    kind: Mapped[str] = mapped_column(String(20))
    framework_id: Mapped[int] = mapped_column(ForeignKey("frameworks.id"))
    description: Mapped[str] = mapped_column(Text, default="")
    # Hash of the sections and items as loaded: a different hash means a new version.
    content_hash: Mapped[str] = mapped_column(String(64))
    current: Mapped[bool] = mapped_column(Boolean, default=True)
    # How an attempt draws its knowledge checks: {"checks_per_level": 1} draws that many per competency
    # and level from the instrument's checks (its bank); {} shows every item (app.services.assessment.forms).
    form: Mapped[dict] = mapped_column(JSON, default=dict, server_default="{}")
    # A practice instrument shows keys and explanations as soon as an attempt is submitted.
    practice: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    created_at: Mapped[created_at]

    framework: Mapped[Framework] = relationship()
    sections: Mapped[list[InstrumentSection]] = relationship(
        back_populates="instrument", order_by="InstrumentSection.position",
        cascade="all, delete-orphan",
    )
    items: Mapped[list[Item]] = relationship(
        back_populates="instrument", order_by="Item.position", cascade="all, delete-orphan",
        overlaps="section,items",
    )

    def __repr__(self) -> str:
        return f"<Instrument {self.code} v{self.version}>"


class InstrumentSection(Base):
    __tablename__ = "instrument_sections"
    __table_args__ = (UniqueConstraint("instrument_id", "code", name="uq_instrument_sections_code"),)

    id: Mapped[intpk]
    instrument_id: Mapped[int] = mapped_column(ForeignKey("instruments.id"), index=True)
    code: Mapped[str] = mapped_column(String(60))
    title: Mapped[str200]
    intro: Mapped[str] = mapped_column(Text, default="")
    position: Mapped[int] = mapped_column(Integer)

    instrument: Mapped[Instrument] = relationship(back_populates="sections")
    items: Mapped[list[Item]] = relationship(
        back_populates="section", order_by="Item.position", overlaps="instrument,items"
    )


class Item(Base):
    __tablename__ = "items"
    __table_args__ = (UniqueConstraint("instrument_id", "code", name="uq_items_code"),)

    id: Mapped[intpk]
    instrument_id: Mapped[int] = mapped_column(ForeignKey("instruments.id"), index=True)
    section_id: Mapped[int] = mapped_column(ForeignKey("instrument_sections.id"), index=True)
    code: Mapped[str] = mapped_column(String(80))
    kind: Mapped[str] = mapped_column(String(20))
    prompt: Mapped[str] = mapped_column(Text)
    input: Mapped[str] = mapped_column(String(20), default="single")  # single|multiple|number|text
    competency_id: Mapped[int | None] = mapped_column(ForeignKey("competencies.id"), index=True)
    level: Mapped[int | None] = mapped_column(Integer)  # knowledge items: the level they evidence
    key: Mapped[str | None] = mapped_column(String(40))  # knowledge items: the right option's value
    explanation: Mapped[str] = mapped_column(Text, default="")
    dimension: Mapped[str | None] = mapped_column(String(40))  # maturity items
    options: Mapped[list[dict]] = mapped_column(JSON, default=list)  # [{value, label, score?}]
    # Knowledge items: the public source the check rests on, {title, url}.
    source: Mapped[dict] = mapped_column(JSON, default=dict, server_default="{}")
    position: Mapped[int] = mapped_column(Integer)

    instrument: Mapped[Instrument] = relationship(back_populates="items", overlaps="items")
    section: Mapped[InstrumentSection] = relationship(back_populates="items", overlaps="items")
    competency: Mapped[Competency | None] = relationship()

