"""Answers survive a server restart mid-assessment, for real: a server process on a SQLite file, answers given
over HTTP, the process killed (SIGKILL), a new one started on the same file, and the answers shown again."""

from __future__ import annotations

import http.cookiejar
import json
import os
import re
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
from sqlalchemy import select

from app import create_app
from app.extensions import db
from app.models import Item
from config import BASE_DIR, Config
from tests.factories import PASSWORD, CampaignFactory, InvitationFactory, make_framework, make_instrument
from tests.web.servers import free_port

pytestmark = pytest.mark.no_db

FLASK = str(Path(sys.executable).parent / "flask")


def _environment(database: Path) -> dict[str, str]:
    return {**os.environ, "CAPSTACK_CONFIG": "development", "DATABASE_URL": f"sqlite:///{database}",
            "SECRET_KEY": "restart-test-secret", "LOG_LEVEL": "WARNING", "FLASK_APP": "wsgi"}



class Server:
    """``flask run`` in a process of its own."""

    def __init__(self, database: Path, log: Path) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log = log.open("ab")
        self.process = subprocess.Popen(  # noqa: S603 - our own venv's flask, fixed arguments
            [FLASK, "--app", "wsgi", "run", "--port", str(self.port), "--no-reload", "--no-debugger"],
            cwd=BASE_DIR, env=_environment(database), stdout=self.log, stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"{self.base}/healthz", timeout=2) as response:  # noqa: S310
                    if response.status == 200:
                        return
            except (urllib.error.URLError, ConnectionError):
                pass
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.kill()
                raise RuntimeError(f"the server did not start; see {log}")
            time.sleep(0.1)

    def kill(self) -> None:
        """SIGKILL: no clean shutdown, nothing flushed on the way out."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)
        self.log.close()


class Client:
    """A browser's worth of HTTP: cookies kept, redirects followed, the CSRF token read from each page."""

    def __init__(self) -> None:
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
        self.base = ""
        self.token = ""

    def get(self, path: str) -> tuple[str, str]:
        with self.opener.open(self.base + path, timeout=10) as response:
            page = response.read().decode()
            self._remember_token(page)
            return response.geturl().removeprefix(self.base), page

    def post(self, path: str, fields: dict[str, str]) -> tuple[str, str]:
        body = urllib.parse.urlencode({"csrf_token": self.token, **fields}).encode()
        request = urllib.request.Request(self.base + path, data=body)  # noqa: S310 - http to our server
        with self.opener.open(request, timeout=10) as response:
            page = response.read().decode()
            self._remember_token(page)
            return response.geturl().removeprefix(self.base), page

    def post_json(self, path: str, payload: dict) -> dict:
        request = urllib.request.Request(  # noqa: S310 - http to our own test server
            self.base + path, data=json.dumps(payload).encode(), method="POST",
            headers={"Content-Type": "application/json", "X-CSRFToken": self.token})
        with self.opener.open(request, timeout=10) as response:
            return json.loads(response.read())

    def _remember_token(self, page: str) -> None:
        match = re.search(r'name="csrf_token"(?: type="hidden")? value="([^"]+)"', page)
        if match:
            self.token = match.group(1)


def _build_database(database: Path) -> dict:
    """`flask db upgrade` on a new file, then an official invited to an open campaign (committed)."""
    subprocess.run([FLASK, "--app", "wsgi", "db", "upgrade"], cwd=BASE_DIR,  # noqa: S603
                   env=_environment(database), check=True, capture_output=True)
    config = Config()
    config.SQLALCHEMY_DATABASE_URI = f"sqlite:///{database}"
    app = create_app(config)
    with app.app_context():
        framework = make_framework(competencies=2)
        invitation = InvitationFactory(campaign=CampaignFactory(instrument=make_instrument(framework)))
        items = {item.code: item.id for item in db.session.scalars(
            select(Item).where(Item.instrument_id == invitation.campaign.instrument_id))}
        data = {"email": invitation.user.email, "campaign": invitation.campaign_id, "items": items,
                "competency": framework.competencies[0].code}
        db.session.commit()
        db.session.remove()
        db.engine.dispose()
    return data


def test_answers_survive_a_server_restart_mid_assessment(tmp_path):
    database = tmp_path / "restart.sqlite"
    data = _build_database(database)
    items, code = data["items"], data["competency"]
    client = Client()

    server = Server(database, tmp_path / "server.log")
    try:
        client.base = server.base
        client.get("/auth/login")
        url, _ = client.post("/auth/login", {"email": data["email"], "password": PASSWORD})
        assert url == "/"
        client.get("/assess/")
        url, page = client.post(f"/assess/campaigns/{data['campaign']}/start", {})
        attempt_path = re.match(r"(/assess/attempts/\d+)/sections/1$", url).group(1)
        assert "Section 1 of 2" in page
        # Page 1 without JavaScript: the form's "Save and continue".
        url, page = client.post(f"{attempt_path}/sections/1",
                                {f"item-{items['ctx-languages']}": "fr", "action": "continue"})
        assert url == f"{attempt_path}/sections/2"
        # Page 2 as the JavaScript does it: one answer at a time, each saved at once.
        assert client.post_json(f"{attempt_path}/answers",
                                {"item": items[f"{code}-self"], "value": "3"})["saved"] is True
        assert client.post_json(f"{attempt_path}/answers",
                                {"item": items[f"{code}-k1"], "value": "c"})["answered"] == 3
    finally:
        server.kill()
    assert server.process.returncode == -signal.SIGKILL

    server = Server(database, tmp_path / "server.log")
    try:
        client.base = server.base
        url, page = client.get(attempt_path)  # resume, as from another device after the restart
        assert url == f"{attempt_path}/sections/2"
        assert re.search(rf'name="item-{items[f"{code}-self"]}" type="radio" value="3"\s+checked', page)
        assert re.search(rf'name="item-{items[f"{code}-k1"]}" type="radio" value="c"\s+checked', page)
        assert re.search(r"You have answered\s*<span data-answered-count>3</span>", page)
        _, page = client.get(f"{attempt_path}/sections/1")
        assert re.search(rf'name="item-{items["ctx-languages"]}" type="checkbox" value="fr"\s+checked', page)
    finally:
        server.kill()
