"""The rules of instruments and item banks beyond their structure, and how bank checks join an instrument.

An item bank (assessments/banks/<code>.yaml) holds knowledge checks of one framework. Every individual
instrument on that framework takes every check of its banks: a check goes into the section that holds
the self-rating item of its competency, after the section's own items, ordered by competency (in the
order of the section's self-rating items), then level, then code. The instrument that is synced (and
hashed into a version) is the one with its checks in place, so a changed check makes a new version.

Functions return (field, reason) pairs for one file, or (file, field, reason) when several files are
involved; app/content/loader.py turns them into ContentErrors.
"""

from __future__ import annotations

from collections import defaultdict

from app.content.schemas import (
    BankCheck,
    BankModel,
    ContextItem,
    FrameworkModel,
    InstrumentModel,
    KnowledgeItem,
    MaturityItem,
    SelfRatingItem,
)


def scale_text(levels: list[int]) -> str:
    return f"{min(levels)}–{max(levels)}" if levels else "empty"


# Instruments --------------------------------------------------------------------------------------


def instrument_problems(instrument: InstrumentModel, frameworks: dict[str, FrameworkModel],
                        broken: set[str]) -> list[tuple[str, str]]:
    problems: list[tuple[str, str]] = []
    framework = frameworks.get(instrument.framework)
    if framework is None and instrument.framework not in broken:
        problems.append(("framework", f"no framework with code {instrument.framework}"))
    codes = {c.code for c in framework.competencies()} if framework else None
    levels = {level.level for level in framework.scale} if framework else None
    organisation = instrument.kind == "organisation"
    if organisation and instrument.form is not None:
        problems.append(("form", "an organisation instrument has no knowledge checks to draw"))

    section_at: dict[str, int] = {}
    item_at: dict[str, str] = {}
    for s, section in enumerate(instrument.sections):
        if section.code in section_at:
            problems.append((f"sections[{s}].code", f"section code {section.code} is also used by "
                                                    f"sections[{section_at[section.code]}]"))
        section_at.setdefault(section.code, s)
        for i, item in enumerate(section.items):
            path = f"sections[{s}].items[{i}]"
            if item.code in item_at:
                problems.append((f"{path}.code",
                                 f"item code {item.code} is also used by {item_at[item.code]}"))
            item_at.setdefault(item.code, path)
            problems.extend(_item_problems(item, path, organisation, codes, levels, instrument.framework))
    return problems


def _item_problems(item, path: str, organisation: bool, codes: set[str] | None, levels: set[int] | None,
                   framework_code: str) -> list[tuple[str, str]]:
    problems = []
    if isinstance(item, MaturityItem) and not organisation:
        problems.append((f"{path}.kind", "maturity items belong in organisation instruments only"))
    if isinstance(item, SelfRatingItem | KnowledgeItem) and organisation:
        problems.append((f"{path}.kind", f"{item.kind} items belong in individual instruments only: an "
                                         "organisation instrument measures the organisation, not a person"))
    if isinstance(item, SelfRatingItem | KnowledgeItem):
        scale = levels if isinstance(item, KnowledgeItem) else None  # a self-rating has no level
        problems.extend(_rated_problems(item, path, codes, scale, framework_code))
    problems.extend(_option_problems(item, path))
    if isinstance(item, ContextItem):
        options = item.options
        if item.input in ("single", "multiple") and len(options) < 2:
            problems.append((f"{path}.options", f"a {item.input} choice needs at least two options"))
        if item.input in ("number", "text") and options:
            problems.append((f"{path}.options", f"a {item.input} answer takes no options"))
    return problems


def _rated_problems(item, path: str, codes: set[str] | None, levels: set[int] | None,
                    framework_code: str) -> list[tuple[str, str]]:
    """The competency (when ``codes`` is given) and the level (when ``levels`` is) of a rated item."""
    problems = []
    if codes is not None and item.competency not in codes:
        problems.append((f"{path}.competency",
                         f"no competency {item.competency} in framework {framework_code}"))
    if levels is not None and item.level not in levels:
        problems.append((f"{path}.level", f"level {item.level} is not on the scale of {framework_code} "
                                          f"({scale_text(sorted(levels))})"))
    return problems


def _option_problems(item, path: str) -> list[tuple[str, str]]:
    """Unique option values, and a key that is one of them."""
    problems = []
    values: set[str] = set()
    for o, option in enumerate(getattr(item, "options", [])):
        if option.value in values:
            problems.append((f"{path}.options[{o}].value", f"option value {option.value!r} is given twice"))
        values.add(option.value)
    if isinstance(item, KnowledgeItem | BankCheck) and item.key not in values:
        problems.append((f"{path}.key", f"key {item.key!r} is not the value of one of the options "
                                        f"({', '.join(sorted(values))})"))
    return problems


# Item banks ---------------------------------------------------------------------------------------


def bank_problems(bank: BankModel, frameworks: dict[str, FrameworkModel],
                  broken: set[str]) -> list[tuple[str, str]]:
    """One bank's rules: its framework exists, and each check's competency, level and options."""
    if bank.framework in broken:
        return []  # the framework file could not be read; its own errors say why
    framework = frameworks.get(bank.framework)
    if framework is None:
        return [("framework", f"no framework with code {bank.framework}")]
    codes = {c.code for c in framework.competencies()}
    levels = {level.level for level in framework.scale}
    problems = []
    for c, check in enumerate(bank.checks):
        path = f"checks[{c}]"
        problems.extend(_rated_problems(check, path, codes, levels, bank.framework))
        problems.extend(_option_problems(check, path))
    return problems


def code_problems(banks: list[tuple[str, BankModel]],
                  instruments: list[tuple[str, InstrumentModel]]) -> list[tuple[str, str, str]]:
    """Check codes are unique across all banks of a framework, and no individual instrument on that
    framework has an item of its own with the code of one of them (its checks join that instrument)."""
    problems = []
    used: dict[tuple[str, str], str] = {}  # (framework, code) -> where
    for relative, instrument in instruments:
        if instrument.kind == "individual":
            for s, section in enumerate(instrument.sections):
                for i, item in enumerate(section.items):
                    used.setdefault((instrument.framework, item.code),
                                    f"{relative} sections[{s}].items[{i}]")
    for relative, bank in banks:
        for c, check in enumerate(bank.checks):
            where = used.get((bank.framework, check.code))
            if where is not None:
                problems.append((relative, f"checks[{c}].code", f"check code {check.code} is also used by "
                                                                 f"{where}"))
            else:
                used[bank.framework, check.code] = f"{relative} checks[{c}]"
    return problems


def place_checks(instrument: InstrumentModel, banks: list[tuple[str, BankModel]],
                 frameworks: dict[str, FrameworkModel]) -> tuple[InstrumentModel, list[tuple[str, str]]]:
    """The instrument with every check of its framework's banks in place (see the module docstring),
    and a problem for each competency with checks but no section to take them when it has a form."""
    if instrument.kind != "individual":
        return instrument, []
    framework = frameworks.get(instrument.framework)
    known = {c.code for c in framework.competencies()} if framework else set()
    home: dict[str, tuple[int, int]] = {}  # competency -> (section index, order in the section)
    for s, section in enumerate(instrument.sections):
        rated = [item.competency for item in section.items if isinstance(item, SelfRatingItem)]
        for order, competency in enumerate(rated):
            home.setdefault(competency, (s, order))

    placed: dict[int, list[BankCheck]] = defaultdict(list)
    homeless: dict[str, set[str]] = defaultdict(set)  # competency -> bank files
    for relative, bank in banks:
        if bank.framework != instrument.framework:
            continue
        for check in bank.checks:
            if check.competency in home:
                placed[home[check.competency][0]].append(check)
            elif check.competency in known:  # an unknown one is the bank's error
                homeless[check.competency].add(relative)
    problems = []
    if instrument.form is not None:
        problems = [("sections", f"no section has the self_rating item of {competency}, so its checks in "
                                 f"{', '.join(sorted(files))} have nowhere to go (an instrument with a form "
                                 "takes every check of its framework)")
                    for competency, files in sorted(homeless.items())]
    if not placed:
        return instrument, problems
    sections = []
    for s, section in enumerate(instrument.sections):
        checks = sorted(placed.get(s, []), key=lambda c: (home[c.competency][1], c.level, c.code))
        items = [*section.items, *(check.as_item() for check in checks)]
        sections.append(section.model_copy(update={"items": items}) if checks else section)
    return instrument.model_copy(update={"sections": sections}), problems
