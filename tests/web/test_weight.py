"""What a page weighs: pages compressed when the browser asks (brotli, else gzip), plain when it does not;
the CSS and JavaScript under hashed names, kept by the browser for a year; downloads still whole.

The assets come from ``make assets`` (app/static_assets.py build); the build itself is tested on a copy."""

from __future__ import annotations

import gzip
import io
import json
import re
import zipfile

import brotli
import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import Answer
from app.models.base import utcnow
from app.services.assessment import taking
from app.static_assets import AssetError, build
from tests.conftest import csrf_from
from tests.factories import (
    CampaignFactory,
    CountryFactory,
    InvitationFactory,
    RoleProfileFactory,
    UserFactory,
    make_framework,
    make_instrument,
)

HASHED_URL = re.compile(r"/static/build/[\w.-]+\.[0-9a-f]{12}\.(css|js|svg)")
YEAR = {"public", "max-age=31536000", "immutable"}
BR = {"Accept-Encoding": "br"}
CHROME = {"Accept-Encoding": "gzip, deflate, br, zstd"}


def _decoded(response) -> bytes:
    body = response.get_data()
    encoding = response.headers.get("Content-Encoding")
    return {"br": brotli.decompress, "gzip": gzip.decompress, None: bytes}[encoding](body)


def _directives(response) -> set[str]:
    return {part.strip() for part in response.headers.get("Cache-Control", "").split(",") if part.strip()}


def _asset_urls(html: str) -> list[str]:
    return re.findall(r'<(?:link|script)\b[^>]*\b(?:href|src)="(/static/[^"]+)"', html)


@pytest.fixture
def attempt():
    framework = make_framework(competencies=2)
    role = RoleProfileFactory(framework=framework, targets={framework.competencies[0]: 3})
    campaign = CampaignFactory(instrument=make_instrument(framework))
    invitation = InvitationFactory(campaign=campaign, role_profile=role)
    return taking.start(db.session, invitation.user, invitation.campaign_id, utcnow())


# Pages ----------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("accept", "encoding"), [
    ("br", "br"), ("gzip", "gzip"), ("gzip, deflate, br, zstd", "br"), ("gzip;q=1, br;q=0.5", "gzip"),
    ("", None), ("identity", None)])
def test_the_login_page_is_compressed_as_the_browser_asks_and_plain_otherwise(client, accept, encoding):
    plain = client.get("/auth/login").get_data()
    response = client.get("/auth/login", headers={"Accept-Encoding": accept} if accept else {})
    assert response.status_code == 200
    assert response.headers.get("Content-Encoding") == encoding
    assert "Accept-Encoding" in response.headers["Vary"]
    assert b"Sign in" in _decoded(response)
    assert len(_decoded(response)) == len(plain)
    if encoding:
        assert int(response.headers["Content-Length"]) == len(response.get_data()) < len(plain) / 3
    assert "unsafe-inline" not in response.headers["Content-Security-Policy"]


def test_an_assessment_section_is_compressed_and_works_without_javascript(client, attempt):
    with client.session_transaction() as session:
        session["_user_id"] = attempt.user.get_id()
        session["_fresh"] = True
    url = f"/assess/attempts/{attempt.id}/sections/2"
    response = client.get(url, headers=CHROME)
    assert response.headers["Content-Encoding"] == "br"
    assert response.headers["Cache-Control"] == "no-store"  # a signed-in page is never kept
    page = _decoded(response).decode()
    # Without JavaScript: a plain form that posts the answers, no inline script, the module only adds.
    assert '<form method="post" novalidate data-autosave-url=' in page  # posts to the page itself
    assert '<button type="submit" name="action" value="continue"' in page
    assert re.search(r'<script type="module" src="/static/build/autosave\.[0-9a-f]{12}\.js">', page)
    assert "<script>" not in page and "style=" not in page
    item = re.search(r'name="(item-\d+)" type="radio" value="([^"]+)"', page)
    saved = client.post(url, data={"csrf_token": csrf_from(page), item[1]: item[2], "action": "continue"})
    assert saved.status_code == 302 and saved.headers["Location"].endswith("/review")
    answers = db.session.scalars(select(Answer).where(Answer.attempt_id == attempt.id)).all()
    assert [(f"item-{answer.item_id}", str(answer.value)) for answer in answers] == [(item[1], item[2])]


# Static files ---------------------------------------------------------------------------------------

def test_the_page_links_hashed_assets_that_are_kept_for_a_year(client):
    html = client.get("/auth/login").get_data(as_text=True)
    urls = _asset_urls(html)
    assert len(urls) == 3  # the icon, the stylesheet and the module
    for url in urls:
        assert HASHED_URL.fullmatch(url), url
        plain = client.get(url)
        assert plain.status_code == 200, url
        assert _directives(plain) == YEAR, url
        assert plain.headers["X-Content-Type-Options"] == "nosniff"
        assert "Content-Encoding" not in plain.headers
        compressed = client.get(url, headers=BR)
        assert compressed.headers["Content-Encoding"] == "br"
        assert "Accept-Encoding" in compressed.headers["Vary"]
        assert _decoded(compressed) == plain.get_data()
        assert len(compressed.get_data()) < len(plain.get_data())
        plain.close()
        compressed.close()


def test_the_module_imports_govuk_frontend_under_its_hashed_name_too(client):
    html = client.get("/auth/login").get_data(as_text=True)
    module = next(url for url in _asset_urls(html) if url.endswith(".js"))
    source = client.get(module).get_data(as_text=True)
    imported = re.search(r"from '\./(govuk-frontend\.min\.[0-9a-f]{12}\.js)'", source)
    assert imported, source
    response = client.get(f"/static/build/{imported[1]}")
    assert response.status_code == 200 and _directives(response) == YEAR
    assert b"initAll" in response.get_data()
    response.close()


def test_an_unknown_hashed_name_is_a_404(client):
    assert client.get("/static/build/app.000000000000.css").status_code == 404
    assert client.get("/static/build/app.000000000000.css", headers=BR).status_code == 404


def test_a_file_without_a_hash_in_its_name_is_kept_for_an_hour_only(client):
    response = client.get("/static/favicon.svg")
    assert response.status_code == 200
    assert _directives(response) == {"public", "max-age=3600"}
    response.close()


# What is not compressed ---------------------------------------------------------------------------

def test_a_tiny_response_is_not_compressed(client):
    response = client.get("/healthz", headers=BR)
    assert response.status_code == 200 and len(response.get_data()) < 500
    assert "Content-Encoding" not in response.headers
    assert response.get_json()["database"] == "ok"


def test_a_csv_download_is_compressed_and_an_xlsx_one_is_not(browser):
    country = CountryFactory()
    browser.sign_in_as(UserFactory(admin=True))
    csv = browser.get("/admin/items.csv", headers=BR)
    assert csv.status_code == 200 and csv.headers["Content-Encoding"] == "br"
    assert csv.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert csv.headers["Content-Disposition"].startswith("attachment; filename=")
    assert _decoded(csv).startswith(b"\xef\xbb\xbf")
    assert _decoded(csv) == browser.get("/admin/items.csv").get_data()
    xlsx = browser.get(f"/dashboard/export/heatmap.xlsx?country={country.id}", headers=BR)
    assert xlsx.status_code == 200, xlsx.status_code
    assert "Content-Encoding" not in xlsx.headers  # a ZIP already
    assert zipfile.ZipFile(io.BytesIO(xlsx.get_data())).testzip() is None


# The build ------------------------------------------------------------------------------------------

def _sources(tmp_path, app_js: str):
    for name, text in {"build/app.css": "body{color:#0b0c0c}" * 50,
                       "build/govuk-frontend.min.js": "export function initAll(){}" * 40,
                       "js/app.js": app_js, "js/autosave.js": "const saved = 1\n" * 40,
                       "js/autocomplete.js": "const picked = 1\n" * 40,
                       "favicon.svg": "<svg xmlns='http://www.w3.org/2000/svg'></svg>"}.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)


@pytest.mark.no_db
def test_the_build_names_each_asset_by_its_content_and_points_imports_at_those_names(tmp_path):
    _sources(tmp_path, "import { initAll } from '../build/govuk-frontend.min.js'\ninitAll()\n")
    first = build(tmp_path)
    assert all(re.fullmatch(r"build/[\w.-]+\.[0-9a-f]{12}\.(css|js|svg)", copy) for copy in first.values())
    assert json.loads((tmp_path / "build/manifest.json").read_text()) == first
    module = (tmp_path / first["js/app.js"]).read_text()
    assert f"from './{first['build/govuk-frontend.min.js'].removeprefix('build/')}'" in module
    css = tmp_path / first["build/app.css"]
    assert brotli.decompress((tmp_path / (first["build/app.css"] + ".br")).read_bytes()) == css.read_bytes()
    assert gzip.decompress((tmp_path / (first["build/app.css"] + ".gz")).read_bytes()) == css.read_bytes()

    (tmp_path / "build/govuk-frontend.min.js").write_text("export function initAll(){return 1}" * 40)
    second = build(tmp_path)
    # A new bundle is a new name, and so is the module importing it; what did not change keeps its name.
    assert second["build/govuk-frontend.min.js"] != first["build/govuk-frontend.min.js"]
    assert second["js/app.js"] != first["js/app.js"]
    assert second["build/app.css"] == first["build/app.css"]
    assert not (tmp_path / first["js/app.js"]).exists()  # the earlier build's copies are gone
    assert not (tmp_path / (first["js/app.js"] + ".br")).exists()


@pytest.mark.no_db
def test_the_build_refuses_a_module_that_imports_a_file_it_does_not_hash(tmp_path):
    _sources(tmp_path, "import { x } from './missing.js'\n")
    with pytest.raises(AssetError, match="missing.js"):
        build(tmp_path)
