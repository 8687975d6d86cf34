"""The command line: creating users, the demo data."""

from sqlalchemy import func, select

from app.extensions import db
from app.main.cli import demo_command
from app.models import Country, Organisation, Role, User
from app.services import passwords
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


def _count(model):
    return db.session.scalar(select(func.count()).select_from(model))


def test_demo_is_idempotent_and_prints_the_logins(app):
    runner = app.test_cli_runner()
    first = runner.invoke(demo_command)
    assert first.exit_code == 0, first.output
    counts = (_count(Country), _count(Organisation), _count(User))
    second = runner.invoke(demo_command)
    assert second.exit_code == 0
    assert (_count(Country), _count(Organisation), _count(User)) == counts
    assert "admin@example.org" in second.output and "focal@example.org" in second.output
    roles = [u.role for u in db.session.scalars(select(User))]
    assert roles.count(Role.OFFICIAL) == 10 and roles.count(Role.ADMIN) == 1
    assert roles.count(Role.FOCAL_POINT) == 1
    assert _count(Organisation) == 3


def test_demo_refuses_to_run_in_production(app):
    app.config["ENV_NAME"] = "production"
    try:
        result = app.test_cli_runner().invoke(demo_command)
    finally:
        app.config["ENV_NAME"] = "test"
    assert result.exit_code == 1 and "refuses to run under ProductionConfig" in result.output
    assert _count(User) == 0
