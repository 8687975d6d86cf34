"""The command line: creating users, the demo data."""

from sqlalchemy import func, select

from app.content.loader import load_content
from app.content.sync import sync_content
from app.extensions import db
from app.main.cli import demo_command
from app.models import Base, Role, User
from app.services import accounts, passwords
from tests.factories import OrganisationFactory


def test_users_create_reads_the_password_from_stdin(app):
    org = OrganisationFactory(name="Ministry of ICT")
    result = app.test_cli_runner().invoke(args=[
        "users", "create", "Chief@Example.org", "--role", "official", "--country", org.country.code,
        "--organisation", "Ministry of ICT", "--password-stdin"], input="a very good passphrase\n")
    assert result.exit_code == 0, result.output
    user = db.session.scalar(select(User).where(User.email == "chief@example.org"))
    assert user.organisation is org and passwords.verify(user.password_hash, "a very good passphrase")


def test_users_create_asks_for_the_password(app):
    result = app.test_cli_runner().invoke(args=["users", "create", "root@example.org", "--role", "admin"],
                                          input="a very good passphrase\na very good passphrase\n")
    assert result.exit_code == 0, result.output
    assert "Created admin root@example.org" in result.output


def test_users_create_explains_a_bad_password(app):
    result = app.test_cli_runner().invoke(args=["users", "create", "root@example.org", "--role", "admin",
                                                "--password-stdin"], input="short\n")
    assert result.exit_code == 1
    assert "password: Password must be at least 12 characters" in result.output


def test_users_create_explains_an_unknown_country(app):
    result = app.test_cli_runner().invoke(args=["users", "create", "x@example.org", "--role", "focal_point",
                                                "--country", "QQ", "--password-stdin"], input="x" * 20)
    assert result.exit_code == 2 and "no country with code QQ" in result.output


def _count(table):
    return db.session.scalar(select(func.count()).select_from(table))


def _every_count() -> dict[str, int]:
    return {table.name: _count(table) for table in Base.metadata.sorted_tables}


def test_demo_builds_the_country_once_and_prints_the_logins(app):
    sync_content(db.session, load_content().content)
    db.session.commit()
    runner = app.test_cli_runner()
    first = runner.invoke(demo_command)
    assert first.exit_code == 0, first.output
    counts = _every_count()
    second = runner.invoke(demo_command)
    assert second.exit_code == 0, second.output
    assert _every_count() == counts  # the second run writes nothing, in any table

    for login in ("admin@example.org", "focal@example.org",
                  "brian.otieno@example.org (National Statistics Office): took only the baseline",
                  "chloe.martin@example.org (Revenue Authority): learns in French"):
        assert login in second.output
    assert "took both rounds and improved the most: +" in second.output
    assert "capstack-demo-2026" in second.output
    assert "360 officials; submitted: " in second.output and "learning plans" in second.output
    roles = [u.role for u in db.session.scalars(select(User))]
    assert roles.count(Role.OFFICIAL) == 360 and roles.count(Role.ADMIN) == 1
    assert roles.count(Role.FOCAL_POINT) == 1
    assert counts["organisations"] == 6 and counts["campaigns"] == 2 and counts["course_paths"] == 4
    focal = accounts.authenticate(db.session, "focal@example.org", "capstack-demo-2026")
    official = accounts.authenticate(db.session, "chloe.martin@example.org", "capstack-demo-2026")
    assert focal is not None and official is not None


def test_demo_asks_for_the_content_first(app):
    result = app.test_cli_runner().invoke(demo_command)
    assert result.exit_code == 1 and "run flask content sync first" in result.output
    assert _count(User.__table__) == 0


def test_demo_refuses_to_run_in_production(app):
    app.config["ENV_NAME"] = "production"
    try:
        result = app.test_cli_runner().invoke(demo_command)
    finally:
        app.config["ENV_NAME"] = "test"
    assert result.exit_code == 1 and "refuses to run under ProductionConfig" in result.output
    assert _count(User.__table__) == 0
