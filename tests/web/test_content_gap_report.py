"""The content-gap report: one table ("content-gaps") for the report page, the skills page, their CSV
and XLSX downloads and `flask catalogue gaps`, its officials released like every other dashboard figure
(a count under K is "fewer than K", on the page, in the files and in the terminal), and every
download in the audit log."""

from __future__ import annotations

import csv
import io
from html.parser import HTMLParser
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import select

from app.dashboard.cli import catalogue_cli
from app.extensions import db
from app.models import AuditEvent
from app.services.spreadsheet import escape_cell
from tests.factories import CountryFactory, FocalPointFactory, InvitationFactory, UserFactory
from tests.unit.test_content_gaps import _submitted
from tests.unit.test_exports import read_xlsx

FEWER = "fewer than 5"  # why a figure is hidden, in a file's last column and the CLI
HIDDEN = "hidden"  # a hidden figure on a page
COLUMNS = ["competency_code", "competency", "level", "language", "officials", "resources_in_language",
           "resources_any_language", "status"]


def _gap_in_a_new_country(name):
    invitation = InvitationFactory(campaign__country__name=name)
    competency = invitation.campaign.instrument.framework.competencies[0]
    competency.name = f"Skill of {name}"
    _submitted(invitation.campaign, invitation.organisation, results={competency: (0, 2)},
               languages=["fr"])
    return invitation.campaign.country


def _small_and_large_gaps(name="Gapland"):
    """A country with two gaps and no material: 2 French speakers and 6 English speakers at level 1
    of its first competency."""
    invitation = InvitationFactory(campaign__country__name=name)
    competency = invitation.campaign.instrument.framework.competencies[0]
    for language, officials in (("fr", 2), ("en", 6)):
        for _ in range(officials):
            _submitted(invitation.campaign, invitation.organisation, results={competency: (1, 3)},
                       languages=[language])
    db.session.commit()
    return invitation.campaign.country


class _GapTable(HTMLParser):
    """The page's content-gap table: its columns (th data-column) and its rows ({column: text})."""

    def __init__(self, html: str):
        super().__init__()
        self.columns: list[str] = []
        self.headers: list[str] = []
        self.rows: list[dict[str, str]] = []
        self._inside = False
        self._cell: str | None = None
        self._header = False
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "table" and attrs.get("data-table") == "content-gaps":
            self._inside = True
        elif self._inside and tag == "tr" and self.columns:
            self.rows.append({})
        elif self._inside and tag == "th" and "data-column" in attrs:
            self.columns.append(attrs["data-column"])
            self.headers.append("")
            self._header = True
        elif self._inside and tag == "td" and "data-column" in attrs:
            self._cell = attrs["data-column"]
            self.rows[-1][self._cell] = ""

    def handle_endtag(self, tag):
        if tag == "table":
            self._inside = False
        elif tag == "td":
            self._cell = None
        elif tag == "th":
            self._header = False

    def handle_data(self, data):
        if self._header:
            self.headers[-1] += data.strip()
        elif self._cell is not None:
            self.rows[-1][self._cell] = " ".join((self.rows[-1][self._cell] + " " + data).split())


def _table(rows: list[list[str]]) -> tuple[list[str], list[dict[str, str]]]:
    """A file's header and rows ({column: text}, the columns taken by position, and "_rest": what
    follows them, e.g. the note of the figures not shown), past the lines about the file ("# ...")."""
    rows = [row for row in rows if row and any(row) and not row[0].lstrip("\ufeff").startswith("#")]
    return rows[0], [{**dict(zip(COLUMNS, row, strict=False)), "_rest": " ".join(row[len(COLUMNS):])}
                     for row in rows[1:]]


def _csv(response) -> tuple[list[str], list[dict[str, str]]]:
    assert response.status_code == 200, response.status_code
    assert response.mimetype == "text/csv"
    return _table(list(csv.reader(io.StringIO(response.get_data(as_text=True)))))


def _xlsx(response) -> tuple[list[str], list[dict[str, str]]]:
    assert response.status_code == 200, response.status_code
    return _table(read_xlsx(response.get_data()))


def _is_released(text: str) -> bool:
    """A count of officials as it may be shown with K = 5: hidden, or 5 or more."""
    return text in (FEWER, HIDDEN) or int(text.replace(",", "")) >= 5


def _hidden_in_file(row: dict[str, str]) -> bool:
    """The officials of a file's row are not shown: no number, and the row says why."""
    return row["officials"] in ("", FEWER) and FEWER in row["officials"] + row["_rest"]


def test_no_count_under_five_on_the_page_or_in_the_csv_or_xlsx(browser):
    country = _small_and_large_gaps()
    browser.sign_in_as(FocalPointFactory(country=country))

    page = _GapTable(browser.get("/dashboard/content-gaps").get_data(as_text=True))
    officials = {row["language"].split()[-1]: row["officials"] for row in page.rows}  # "French fr"
    assert officials["fr"] == HIDDEN and _is_released(officials["en"]), officials
    assert len(page.rows) == 2

    for name, read in (("csv", _csv), ("xlsx", _xlsx)):
        _header, rows = read(browser.get(f"/dashboard/export/content-gaps.{name}"))
        found = {row["language"]: row for row in rows}
        assert set(found) == {"fr", "en"}, (name, rows)
        assert _hidden_in_file(found["fr"]), (name, found["fr"])
        assert int(found["en"]["officials"]) >= 5, (name, found["en"])


def test_a_focal_point_sees_their_countrys_gaps_only_on_the_page_and_in_the_files(browser):
    mine, theirs = _gap_in_a_new_country("Mineland"), _gap_in_a_new_country("Theirland")
    browser.sign_in_as(FocalPointFactory(country=mine))

    page = browser.get("/dashboard/content-gaps").get_data(as_text=True)
    assert "Skill of Mineland" in page and "Skill of Theirland" not in page
    assert browser.get(f"/dashboard/content-gaps?country={theirs.id}").status_code == 404
    assert browser.get(f"/dashboard/content-gaps?country={theirs.id}&format=csv").status_code == 404
    assert browser.get(f"/dashboard/export/content-gaps.csv?country={theirs.id}").status_code == 404
    _header, rows = _csv(browser.get("/dashboard/export/content-gaps.csv"))
    assert [(r["competency"], r["language"], r["resources_in_language"], r["status"]) for r in rows] == [
        ("Skill of Mineland", "fr", "0", "none")]
    assert _hidden_in_file(rows[0])  # one official


def test_the_old_csv_link_redirects_to_the_one_export_which_is_audited(browser):
    country = _small_and_large_gaps()
    focal_point = FocalPointFactory(country=country)
    browser.sign_in_as(focal_point)

    old = browser.get(f"/dashboard/content-gaps?country={country.id}&format=csv")
    assert old.status_code == 302
    target = urlsplit(old.headers["Location"])
    assert target.path == "/dashboard/export/content-gaps.csv"
    assert parse_qs(target.query) == {"country": [str(country.id)]}
    assert db.session.scalars(select(AuditEvent).where(AuditEvent.action == "analytics.export")).all() == []

    _header, rows = _csv(browser.get(old.headers["Location"]))
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "analytics.export")).one()
    assert (event.actor_id, event.object_id, event.country_id) == (focal_point.id, "content-gaps.csv",
                                                                   country.id)
    assert event.details["rows"] == len(rows) == 2


def test_the_page_links_its_downloads_through_the_dashboard_export(browser):
    country = _small_and_large_gaps()
    browser.sign_in_as(FocalPointFactory(country=country))
    page = browser.get(f"/dashboard/content-gaps?country={country.id}").get_data(as_text=True)
    for file_format in ("csv", "xlsx"):
        assert f'href="/dashboard/export/content-gaps.{file_format}?country={country.id}"' in page
    assert "format=csv" not in page


def test_the_page_the_skills_page_and_the_files_have_the_same_columns(browser):
    country = _small_and_large_gaps()
    browser.sign_in_as(FocalPointFactory(country=country))
    report = _GapTable(browser.get("/dashboard/content-gaps").get_data(as_text=True))
    skills = _GapTable(browser.get("/dashboard/skills").get_data(as_text=True))
    assert report.columns == skills.columns == COLUMNS
    assert report.headers == skills.headers and len(set(report.headers)) == len(COLUMNS)
    assert [set(row) for row in report.rows + skills.rows] == [set(COLUMNS)] * 4
    for read, name in ((_csv, "csv"), (_xlsx, "xlsx")):
        header, rows = read(browser.get(f"/dashboard/export/content-gaps.{name}"))
        assert header[:len(COLUMNS)] == report.headers, name  # the same words, in the same order
        assert len(header) - len(COLUMNS) <= 1 and len(rows) == 2, name  # at most a column of notes


def test_the_skills_page_shows_the_ten_largest_and_the_report_and_its_files_all(browser):
    invitation = InvitationFactory()
    competency = invitation.campaign.instrument.framework.competencies[0]
    for level in (0, 1, 2):  # 12 combinations, one official each
        for language in ("fr", "ar", "es", "pt"):
            _submitted(invitation.campaign, invitation.organisation, results={competency: (level, 4)},
                       languages=[language])
    db.session.commit()
    browser.sign_in_as(FocalPointFactory(country=invitation.campaign.country))

    skills_html = browser.get("/dashboard/skills").get_data(as_text=True)
    assert len(_GapTable(skills_html).rows) == 10
    assert 'href="/dashboard/content-gaps' in skills_html
    assert len(_GapTable(browser.get("/dashboard/content-gaps").get_data(as_text=True)).rows) == 12
    assert len(_csv(browser.get("/dashboard/export/content-gaps.csv"))[1]) == 12
    assert len(_xlsx(browser.get("/dashboard/export/content-gaps.xlsx"))[1]) == 12


def test_an_admin_sees_every_country_and_can_pick_one(browser):
    mine, _ = _gap_in_a_new_country("Mineland"), _gap_in_a_new_country("Theirland")
    browser.sign_in_as(UserFactory(admin=True))
    page = browser.get("/dashboard/content-gaps").get_data(as_text=True)
    assert "Skill of Mineland" in page and "Skill of Theirland" in page
    picked = browser.get(f"/dashboard/content-gaps?country={mine.id}").get_data(as_text=True)
    assert "Skill of Theirland" not in picked


def test_officials_cannot_see_the_report(browser):
    browser.sign_in_as(UserFactory())
    assert browser.get("/dashboard/content-gaps").status_code == 403
    assert browser.get("/dashboard/export/content-gaps.csv").status_code == 403


def _cli(app, *args):
    result = app.test_cli_runner().invoke(catalogue_cli, ["gaps", *args])
    assert result.exit_code == 0, result.output
    return result.output


def test_the_cli_prints_the_report_for_one_country_through_the_release(app):
    country = _small_and_large_gaps()
    _gap_in_a_new_country("Theirland")
    lines = _cli(app, "--country", country.code).strip().splitlines()
    found = [line for line in lines if line.split()[2:3] in (["fr"], ["en"])]
    rows = {line.split()[2]: line for line in found}
    assert len(found) == len(rows) == 2  # this country's two gaps only, not the other country's
    assert FEWER in rows["fr"] and " 2 " not in rows["fr"]
    assert FEWER not in rows["en"] and int(rows["en"].split()[3]) >= 5
    unknown = app.test_cli_runner().invoke(catalogue_cli, ["gaps", "--country", "QQ"])
    assert unknown.exit_code == 2 and "no country with code QQ" in unknown.output


def test_the_cli_uses_the_threshold_a_country_set_for_itself(app):
    country = _small_and_large_gaps()
    country.small_cell_k = 7
    db.session.commit()
    output = _cli(app, "--country", country.code)
    assert "fewer than 7" in output and FEWER not in output
    en = next(line for line in output.splitlines() if line.split()[2:3] == ["en"])
    assert "fewer than 7" in en  # 6 officials: under this country's K


@pytest.mark.parametrize("args", [[], ["--country", "XX"]])
def test_the_cli_says_when_there_are_no_gaps(app, args):
    CountryFactory(code="XX")
    assert "No content gaps" in _cli(app, *args)


def test_csv_cells_that_look_like_formulas_are_escaped():
    assert [escape_cell(v) for v in ["=SUM(A1)", "+1", "-2", "@x", "plain", 3]] == [
        "'=SUM(A1)", "'+1", "'-2", "'@x", "plain", 3]
