"""A dashboard page, chart or export runs the same number of SQL statements whatever the amount of data:
counted with a SQLAlchemy event listener, for one country of 10 officials and again after it has
grown to 30 officials in 6 organisations with 3 series of campaigns (one with results not assessed),
with every result and with the validated ones only."""

from __future__ import annotations

from contextlib import contextmanager

from sqlalchemy import event

from app.extensions import db
from tests.factories import CountryFactory, FocalPointFactory, UserFactory
from tests.unit.analytics_fixture import build_world
from tests.unit.analytics_learning import add_learning

URLS = ("/dashboard/", "/dashboard/skills", "/dashboard/change", "/dashboard/learning",
        "/dashboard/chart/trend.svg", "/dashboard/chart/levels.svg", "/dashboard/export/heatmap.xlsx",
        "/dashboard/export/change-by-organisation.csv", "/dashboard/skills?results=validated",
        "/dashboard/change?results=validated", "/dashboard/export/levels.csv?results=validated")


@contextmanager
def counting(engine):
    statements: list[str] = []

    def count(_conn, _cursor, statement, *_args):
        if not statement.lstrip().upper().startswith(("SAVEPOINT", "RELEASE", "ROLLBACK")):
            statements.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", count)


def statements_per_url(browser, urls) -> dict[str, int]:
    with browser.client.application.app_context():
        engine = db.engine
    counts = {}
    for url in urls:
        with counting(engine) as statements:
            assert browser.get(url).status_code == 200, url
        counts[url] = len(statements)
    return counts


def test_statements_do_not_grow_with_the_data(browser):
    country = CountryFactory(name="Growland")
    add_learning(build_world(country=country, prefix="One "))
    db.session.commit()
    browser.sign_in_as(FocalPointFactory(country=country))
    small = statements_per_url(browser, URLS)

    for prefix, not_assessed in (("Two ", False), ("Three ", True)):
        add_learning(build_world(country=country, prefix=prefix, not_assessed=not_assessed))
    db.session.commit()
    large = statements_per_url(browser, URLS)

    assert large == small
    assert all(n > 3 for n in small.values())  # the listener did count the page's queries


def test_countries_side_by_side_does_not_grow_with_the_countries(browser):
    add_learning(build_world(country=CountryFactory(name="Firstland"), prefix="First "))
    db.session.commit()
    browser.sign_in_as(UserFactory(admin=True))
    urls = ("/dashboard/countries", "/dashboard/export/countries.csv", "/dashboard/")
    small = statements_per_url(browser, urls)
    for name in ("Secondland", "Thirdland"):
        add_learning(build_world(country=CountryFactory(name=name), prefix=f"{name} "))
    db.session.commit()
    assert statements_per_url(browser, urls) == small
