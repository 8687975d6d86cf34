"""The dashboard's tables laid out as grids (one line per organisation, one column per competency,
dimension, period or answer) show the figures of their CSV files, each in the cell its row and
column name: organisation maturity, results indicators and follow-up answers.

Data: tests/web/test_dashboard.py's Aland (tests/unit/analytics_learning.py: the Ministry's
maturity, its indicator and the follow-up answers of its and the Revenue Agency's officials)."""

from __future__ import annotations

import re

from tests.factories import FocalPointFactory
from tests.web.test_dashboard import csv_of, page_of, worlds  # noqa: F401 - worlds is a fixture
from tests.web.test_dashboard_not_assessed import table_after

CELL = re.compile(r"<t[dh][^>]*>(.*?)</t[dh]>", re.S)


def text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).strip()


def grid_of(table: str) -> tuple[list[str], list[list[str]]]:
    """The last header line and the body lines of a grid, each cell as text."""
    head, body = (re.findall(r"<tr[^>]*>(.*?)</tr>", part, re.S) for part in table.split("<tbody", 1))
    return [text(c) for c in CELL.findall(head[-1])], [[text(c) for c in CELL.findall(line)] for line in body]


def line_of(lines: list[list[str]], *cells: str) -> list[str]:
    found = [line for line in lines if all(c in line for c in cells)]
    assert len(found) == 1, (cells, lines)
    return found[0]


def test_organisation_maturity_shows_each_dimension_of_its_file(browser, worlds):  # noqa: F811
    a, _b, _learning = worlds
    browser.sign_in_as(FocalPointFactory(country=a.country))
    html = page_of(browser.get("/dashboard/"))
    header, lines = grid_of(table_after(html, "Organisation maturity by dimension"))
    line = line_of(lines, a.o1.name)
    _head, *rows = csv_of(browser.get("/dashboard/export/organisation-maturity.csv"))
    assert rows
    for organisation, _campaign, _cycle, dimension, score, level in (row[:6] for row in rows):
        column = header.index(dimension.replace("_", " ").capitalize())  # in words: "Data governance"
        assert organisation == a.o1.name
        assert line[column] == f"{float(score):.1f} level {level}", (dimension, line)


def test_results_indicators_show_each_period_of_their_file(browser, worlds):  # noqa: F811
    a, _b, _learning = worlds
    browser.sign_in_as(FocalPointFactory(country=a.country))
    header, lines = grid_of(table_after(page_of(browser.get("/dashboard/change")),
                                        "Results indicators by organisation and period"))
    assert header[2:] == ["2025", "2026"]
    assert line_of(lines, a.o1.name)[2:] == ["40", "55"]
    assert line_of(lines, "Whole country")[2:] == ["–", "50"]  # no value for 2025
    _head, *rows = csv_of(browser.get("/dashboard/export/indicators.csv"))
    assert sorted(float(row[-1]) for row in rows if row[2] == a.o1.name) == [40, 55]


def test_follow_up_answers_show_each_share_and_count_of_their_file(browser, worlds):  # noqa: F811
    a, _b, _learning = worlds
    browser.sign_in_as(FocalPointFactory(country=a.country))
    html = table_after(page_of(browser.get("/dashboard/learning")), "Follow-up answers by organisation")
    header, lines = grid_of(html)
    assert header[:2] == ["Organisation", "Follow-ups answered"]
    groups = re.findall(r'<th scope="colgroup" colspan="(\d+)"[^>]*>([^<]*)</th>', html)
    assert [name for _span, name in groups] == ["Applied it at work", "How often", "What stopped them"]
    _head, *rows = csv_of(browser.get("/dashboard/export/follow-ups.csv"))
    starts = {}  # the first column of each question's answers
    column = 2
    for span, name in groups:
        starts[name] = column
        column += int(span)
    questions = {"applied": "Applied it at work", "frequency": "How often", "barrier": "What stopped them"}
    spans = {name: int(span) for span, name in groups}
    checked = 0
    for organisation, question, answer, answered, count, share, *_reason in rows:
        line = line_of(lines, organisation)
        first = starts[questions[question]]
        at = first + header[first:first + spans[questions[question]]].index(answer)
        percent = f"{round(float(share) * 100)}%" if share[:1].isdigit() else "hidden"
        shown = f"{percent} {count}" if count.isdigit() else "hidden"  # a hidden count hides its share
        assert line[1] == (answered if answered.isdigit() else "hidden"), (organisation, line)
        assert line[at] == shown, (organisation, question, answer, line)
        checked += 1
    assert checked > 3
