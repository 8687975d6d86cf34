"""No figure about officials leaves the dashboard without going through the release layer.

Every dashboard route (read from the app's URL map, so a new route is walked too) is requested:
each page, each chart of each table and each table's CSV and XLSX export. Every table the routes
build is caught on its way out, and every number in it must be a released one (``Count`` or
``Value`` from app/services/evaluation/release.py), a marker (hidden, not enough data) or in a
column the table declares plain (not about officials: a level, a number of resources, an
organisation's score). The person-level export is for admins and about named or pseudonymised
individuals, not groups: its table declares every column plain."""

from __future__ import annotations

import dataclasses
import pathlib
import re

from app.dashboard import tables as dashboard_tables
from app.dashboard.charts import CHARTS
from app.extensions import db
from app.services.evaluation.common import NotEnoughData, Suppressed
from app.services.evaluation.release import Count, Value
from tests.factories import UserFactory
from tests.unit.analytics_fixture import build_world
from tests.unit.analytics_learning import add_learning

ALLOWED = (Count, Value, Suppressed, NotEnoughData)


def _bypasses(table) -> list[str]:
    found = []
    for row in table.rows:
        for column in table.columns:
            if column in table.plain:
                continue
            value = table.value(row, column)
            if isinstance(value, int | float) and not isinstance(value, (bool, *ALLOWED)):
                found.append(f"{table.name}.{column} = {value!r}")
    return found


def _catch(monkeypatch) -> list:
    caught: list = []
    for name, spec in list(dashboard_tables.TABLES.items()):
        def build(session, selection, k, _build=spec.build):
            table = _build(session, selection, k)
            caught.append(table)
            return table
        monkeypatch.setitem(dashboard_tables.TABLES, name, dataclasses.replace(spec, build=build))
    return caught


def _urls(app) -> list[str]:
    urls = []
    for rule in app.url_map.iter_rules():
        if not rule.endpoint.startswith("dashboard."):
            continue
        if rule.endpoint == "dashboard.chart":
            urls += [f"/dashboard/chart/{name}.svg" for name in CHARTS]
        elif rule.endpoint == "dashboard.export":
            urls += [f"/dashboard/export/{name}.{fmt}" for name in dashboard_tables.TABLES
                     for fmt in ("csv", "xlsx")]
        else:
            assert not rule.arguments, f"walk {rule.rule} in this test"
            urls.append(rule.rule)
    return urls


def test_every_dashboard_figure_goes_through_the_release_layer(app, browser, monkeypatch):
    world = build_world()
    add_learning(world)
    db.session.commit()
    browser.sign_in_as(UserFactory(admin=True))
    caught = _catch(monkeypatch)
    urls = _urls(app)
    for query in ("", f"?country={world.country.id}&results=validated"):
        for url in urls:
            response = browser.get(url + query)
            assert response.status_code in (200, 302), url
    assert {table.name for table in caught} == set(dashboard_tables.TABLES)
    assert [line for table in caught for line in _bypasses(table)] == []


def test_only_the_release_layer_makes_released_numbers_and_hidden_markers():
    root = pathlib.Path(__file__).resolve().parents[2] / "app"
    made = re.compile(r"\b(Count|Value|Suppressed)\(")
    places = [f"{path.relative_to(root)}:{number}" for path in root.rglob("*.py")
              if path.name not in ("release.py", "common.py")
              for number, line in enumerate(path.read_text().splitlines(), start=1)
              if made.search(line.split("#")[0]) and "isinstance" not in line and "``" not in line]
    assert places == []
