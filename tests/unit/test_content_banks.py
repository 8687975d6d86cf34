"""Item banks: every check is validated where it is, and joins the individual instruments of its framework."""

from __future__ import annotations

import random
from collections import Counter

import pytest

from app.content.loader import load_content
from app.content.schemas import KnowledgeItem, SelfRatingItem
from app.content.sync import content_hash
from tests.unit.content_files import read, write

pytestmark = pytest.mark.no_db


def individual(content):
    return next(i for i in content.instruments if i.code == "tna-individual")


def test_the_bundled_banks_cover_every_competency_and_level_three_times_with_sources(bundled):
    dgcf = next(fw for fw in bundled.frameworks if fw.code == "dgcf")
    assert {bank.code for bank in bundled.banks} == {"dgcf-lead", "dgcf-deliv", "dgcf-serv", "dgcf-data",
                                                      "dgcf-tech"}
    per_level = Counter((check.competency, check.level) for bank in bundled.banks for check in bank.checks)
    assert per_level == Counter({(c.code, level): 3 for c in dgcf.competencies() for level in (1, 2, 3, 4)})
    assert all(check.source.url.startswith("https://") for bank in bundled.banks for check in bank.checks)


def test_the_individual_instrument_takes_every_bank_check_in_the_section_of_its_self_rating(bundled):
    instrument = individual(bundled)
    assert instrument.form.checks_per_level == 1 and instrument.practice is False
    checks = {check.code: check for bank in bundled.banks for check in bank.checks}
    knowledge = [item for item in instrument.items() if isinstance(item, KnowledgeItem)]
    assert sorted(item.code for item in knowledge) == sorted(checks)  # every one, and nothing else
    assert knowledge[0].source == checks[knowledge[0].code].source
    for section in instrument.sections:
        rated = [item.competency for item in section.items if isinstance(item, SelfRatingItem)]
        placed = [item for item in section.items if isinstance(item, KnowledgeItem)]
        assert {item.competency for item in placed} == set(rated)
        # After the section's own items, by competency (in the order they are rated), level, code.
        if placed:
            assert section.items[-len(placed):] == placed
        assert placed == sorted(placed, key=lambda i: (rated.index(i.competency), i.level, i.code))
    organisation = next(i for i in bundled.instruments if i.code == "tna-organisation")
    assert not [item for item in organisation.items() if item.kind == "knowledge"]


def test_the_order_of_checks_in_a_bank_file_makes_no_new_version(content_copy, bundled):
    path = content_copy / "banks" / "dgcf-serv.yaml"
    bank = read(path)
    random.Random(7).shuffle(bank["checks"])
    write(path, bank)
    result = load_content(content_copy)
    assert result.errors == []
    assert content_hash(individual(result.content)) == content_hash(individual(bundled))

    bank["checks"][0]["prompt"] += " Reworded."
    write(path, bank)
    assert content_hash(individual(load_content(content_copy).content)) != content_hash(individual(bundled))


def test_a_check_must_give_a_secure_source(content_copy):
    path = content_copy / "banks" / "dgcf-lead.yaml"
    bank = read(path)
    bank["checks"][4]["source"]["url"] = "http://example.org/guide"
    del bank["checks"][5]["source"]
    bank["checks"][6]["source"]["title"] = " "
    write(path, bank)
    assert [str(e) for e in load_content(content_copy).errors] == [
        "banks/dgcf-lead.yaml: checks[4].source.url: 'http://example.org/guide' is not a secure web address: "
        "give the full address, starting with https://",
        "banks/dgcf-lead.yaml: checks[5].source: required field is missing",
        "banks/dgcf-lead.yaml: checks[6].source.title: String should have at least 1 character",
    ]


def test_every_break_of_a_bank_is_reported_with_its_file_and_field(content_copy):
    path = content_copy / "banks" / "dgcf-lead.yaml"
    bank = read(path)
    checks = bank["checks"]
    checks[0]["competency"] = "LEAD.NOSUCH"
    checks[1]["level"] = 7
    checks[2]["key"] = "z"
    checks[3]["options"][1]["value"] = "a"
    checks[3]["key"] = "b"
    checks[6]["code"] = checks[7]["code"]
    write(path, bank)
    other = content_copy / "banks" / "dgcf-data.yaml"
    data_bank = read(other)
    data_bank["checks"][0]["code"] = checks[8]["code"]  # the same code in another bank of the framework
    data_bank["checks"][1]["code"] = "LEAD.CHANGE-self"  # an item of the instrument the check joins
    write(other, data_bank)
    odd = read(content_copy / "banks" / "dgcf-tech.yaml")
    odd.update(code="other-bank", framework="nosuch")
    write(content_copy / "banks" / "other-bank.yaml", odd)

    messages = [str(error) for error in load_content(content_copy).errors]
    assert sorted(messages) == sorted([
        "banks/dgcf-lead.yaml: checks[0].competency: no competency LEAD.NOSUCH in framework dgcf",
        "banks/dgcf-lead.yaml: checks[1].level: level 7 is not on the scale of dgcf (0–4)",
        "banks/dgcf-lead.yaml: checks[2].key: key 'z' is not the value of one of the options (a, b, c, d)",
        "banks/dgcf-lead.yaml: checks[3].options[1].value: option value 'a' is given twice",
        "banks/dgcf-lead.yaml: checks[3].key: key 'b' is not the value of one of the options (a, c, d)",
        "banks/other-bank.yaml: framework: no framework with code nosuch",
        f"banks/dgcf-lead.yaml: checks[7].code: check code {checks[7]['code']} is also used by "
        "banks/dgcf-lead.yaml checks[6]",
        f"banks/dgcf-lead.yaml: checks[8].code: check code {checks[8]['code']} is also used by "
        "banks/dgcf-data.yaml checks[0]",  # files are read in the order of their names
        "banks/dgcf-data.yaml: checks[1].code: check code LEAD.CHANGE-self is also used by "
        "instruments/tna-individual.yaml sections[1].items[0]",
    ]), messages


def test_an_instrument_with_a_form_needs_a_section_for_every_competency_of_its_banks(content_copy):
    path = content_copy / "instruments" / "tna-individual.yaml"
    instrument = read(path)
    data = next(section for section in instrument["sections"] if section["code"] == "data")
    data["items"] = [item for item in data["items"] if item["competency"] != "DATA.OPEN"]
    write(path, instrument)
    [error] = load_content(content_copy).errors
    assert str(error) == ("instruments/tna-individual.yaml: sections: no section has the self_rating item "
                          "of DATA.OPEN, so its checks in banks/dgcf-data.yaml have nowhere to go (an "
                          "instrument with a form takes every check of its framework)")

    del instrument["form"]  # without a form, the instrument simply does not ask about DATA.OPEN
    write(path, instrument)
    result = load_content(content_copy)
    assert result.errors == []
    asked = {getattr(item, "competency", None) for item in individual(result.content).items()}
    assert "DATA.OPEN" not in asked


@pytest.mark.parametrize(("change", "message"), [
    ({"form": {"checks_per_level": 0}}, "form.checks_per_level: Input should be greater than or equal to 1"),
    ({"form": {}}, "form.checks_per_level: required field is missing"),
    ({"practice": "sometimes"}, "practice: Input should be a valid boolean"),
])
def test_form_and_practice_are_checked(content_copy, change, message):
    path = content_copy / "instruments" / "tna-individual.yaml"
    instrument = read(path)
    instrument.update(change)
    write(path, instrument)
    errors = [str(e) for e in load_content(content_copy).errors]
    assert errors == [f"instruments/tna-individual.yaml: {message}"]


def test_an_organisation_instrument_has_no_form(content_copy):
    path = content_copy / "instruments" / "tna-organisation.yaml"
    instrument = read(path)
    instrument["form"] = {"checks_per_level": 1}
    write(path, instrument)
    assert [str(e) for e in load_content(content_copy).errors] == [
        "instruments/tna-organisation.yaml: form: an organisation instrument has no knowledge checks to draw"]


def test_a_knowledge_item_in_an_instrument_may_give_a_source(content_copy):
    path = content_copy / "instruments" / "tna-individual.yaml"
    instrument = read(path)
    own = {"code": "LEAD.CHANGE-own", "kind": "knowledge", "competency": "LEAD.CHANGE", "level": 2,
           "prompt": "Which one?", "options": [{"value": "a", "label": "A"}, {"value": "b", "label": "B"}],
           "key": "a", "explanation": "Because."}
    lead = instrument["sections"][1]
    lead["items"].insert(1, {**own, "source": {"title": "A guide", "url": "https://example.org/guide"}})
    lead["items"].insert(2, {**own, "code": "LEAD.CHANGE-own2"})
    write(path, instrument)
    result = load_content(content_copy)
    assert result.errors == []
    section = individual(result.content).sections[1]
    assert [item.code for item in section.items[:3]] == ["LEAD.CHANGE-self", "LEAD.CHANGE-own",
                                                          "LEAD.CHANGE-own2"]
    assert section.items[1].source.url == "https://example.org/guide" and section.items[2].source is None
