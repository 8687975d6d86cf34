"""The focal point's journey in Chromium, from sign-in to the last step: they create a campaign, then
change it (a later closing date, one more organisation, automatic reminders), download the invitations
template, invite from a file in which an official with an account is in another organisation than the
file says — the check warns, they choose to keep her where she is — and download a dashboard table.
Every page visited passes axe and fits the screen at 390 and 1280 px (journey.check).

Demoland's Chloé Martin (chloe.martin@example.org) works at the Revenue Authority.
"""

from __future__ import annotations

import csv
import io
import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

pytestmark = pytest.mark.no_db

FOCAL = "focal@example.org"
MOVED = "chloe.martin@example.org"


def _fill_date(page, field: str, day) -> None:
    page.fill(f"#{field}-day", str(day.day))
    page.fill(f"#{field}-month", str(day.month))
    page.fill(f"#{field}-year", str(day.year))


def _create(page, journey, opens, closes) -> str:
    page.goto(journey.url("/campaigns/"))
    journey.check(page, "campaigns")
    page.get_by_role("button", name="Create a campaign").click()
    page.fill("#name", "Journey round")
    page.fill("#cycle_label", "baseline")
    _fill_date(page, "opens_date", opens)
    _fill_date(page, "closes_date", closes)
    page.get_by_label("Only the organisations chosen below").check()
    page.get_by_label("Ministry of Health").first.check()
    page.get_by_label("Revenue Authority").first.check()
    journey.check(page, "campaign-new")
    page.get_by_role("button", name="Create campaign").click()
    page.wait_for_load_state()
    assert "Campaign Journey round created" in page.inner_text("body")
    assert re.search(r"/campaigns/\d+$", page.url), page.url
    journey.check(page, "campaign")
    return page.url


def _edit(page, journey, closes) -> None:
    page.get_by_role("button", name="Change the campaign").click()
    journey.check(page, "campaign-edit")
    later = closes + timedelta(days=7)
    _fill_date(page, "closes_date", later)
    page.get_by_label("Ministry of Education").check()
    page.get_by_label("3 days before closing").check()
    page.get_by_role("button", name="Save changes").click()
    page.wait_for_load_state()
    said = page.inner_text("body")
    assert "Campaign changes saved" in said
    assert f"closes {later.day} {later:%B %Y}" in said and "Ministry of Education" in said
    assert "3 days before closing" in said
    journey.check(page, "campaign-edited")


def _invite(page, journey, tmp_path) -> None:
    page.get_by_role("button", name="Invite officials").click()
    journey.check(page, "invite")
    with page.expect_download() as template:
        page.get_by_role("link", name="Download the invitations template (CSV)").click()
    assert template.value.suggested_filename == "invitations-template.csv"
    header = next(csv.reader(io.StringIO(template.value.path().read_text("utf-8-sig"))))
    assert header == ["email", "name", "organisation", "role profile", "manager email"]

    officials = tmp_path / "officials.csv"
    officials.write_text("email,name,organisation\n"
                         "journey.newcomer@example.org,Journey Newcomer,Ministry of Health\n"
                         f"{MOVED},Chloé Martin,Ministry of Education\n", encoding="utf-8")
    page.set_input_files("input[type=file]", str(officials))
    page.get_by_role("button", name="Check the file").click()
    page.wait_for_load_state()
    said = page.inner_text("body")
    assert f"Row 3: {MOVED} is in Revenue Authority; the file says Ministry of Education" in said
    journey.check(page, "invite-checked")

    page.get_by_role("button", name=re.compile(r"Import the 2 valid rows")).click()  # no choice yet
    page.wait_for_load_state()
    assert "Choose whether to keep chloe.martin@example.org in Revenue Authority or move them" in \
        page.inner_text("body")
    journey.check(page, "invite-choice-missing")
    page.get_by_label("Keep in Revenue Authority").check()
    page.get_by_role("button", name=re.compile(r"Import the 2 valid rows")).click()
    page.wait_for_load_state()
    said = page.inner_text("body")
    assert "2 officials invited: 1 with a new account and 1 who already had an account" in said
    assert "1 official kept where they are" in said
    journey.check(page, "invite-done")


def _export(page, journey) -> None:
    page.goto(journey.url("/dashboard/"))
    journey.check(page, "dashboard")
    link = page.locator("a[href*='/dashboard/export/'][href*='.csv']").first
    with page.expect_download() as download:
        link.click()
    name = download.value.suggested_filename
    assert re.fullmatch(r"[a-z0-9-]+(_[A-Za-z0-9-]+)*_\d{4}-\d{2}-\d{2}\.csv", name), name
    text = download.value.path().read_text("utf-8-sig")
    assert text.strip(), "the export is empty"
    with page.expect_download() as workbook:
        page.locator("a[href*='/dashboard/export/'][href*='.xlsx']").first.click()
    assert workbook.value.suggested_filename.endswith(".xlsx")
    assert workbook.value.path().read_bytes()[:2] == b"PK"  # an XLSX file is a zip


def test_a_focal_point_creates_and_changes_a_campaign_invites_and_exports(journey, tmp_path):
    page = journey.sign_in(FOCAL)
    journey.check(page, "home")
    today = datetime.now(ZoneInfo("Africa/Nairobi")).date()
    _create(page, journey, today, today + timedelta(days=30))
    _edit(page, journey, today + timedelta(days=30))
    _invite(page, journey, tmp_path)
    _export(page, journey)
