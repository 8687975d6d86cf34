"""The application factory."""

from __future__ import annotations

from pathlib import Path

from flask import Flask, request
from flask_login import current_user
from jinja2 import ChoiceLoader, FileSystemLoader, PackageLoader, PrefixLoader
from sqlalchemy import event
from werkzeug.middleware.proxy_fix import ProxyFix

from app.cache import cache
from config import Config, config_from_env


def create_app(config: Config | None = None) -> Flask:
    """Build the app: bind extensions, register blueprints, commands and error handlers."""
    app = Flask(__name__, instance_relative_config=True)
    from app.ids import IdConverter

    app.url_map.converters["int"] = IdConverter  # every <int:...> id: ASCII digits within 64 bits
    app.config.from_object(config or config_from_env())
    Path(app.instance_path).mkdir(exist_ok=True)  # where the embedded SQLite file lives
    if app.config["PROXY_FIX_X_FOR"]:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=app.config["PROXY_FIX_X_FOR"],
                                x_proto=1, x_host=1)
    app.jinja_loader = ChoiceLoader([FileSystemLoader(app.root_path + "/templates"), PrefixLoader({
        "govuk_frontend_jinja": PackageLoader("govuk_frontend_jinja"),
        "govuk_frontend_wtf": PackageLoader("govuk_frontend_wtf")})])

    _init_extensions(app)
    cache.init_app(app)

    _register_blueprints_and_commands(app)

    from app import errors, formatting, mailer, observability, static_assets
    from app.jobs import start_committed

    errors.register(app)
    formatting.init_app(app)  # the date, time, duration and number filters
    mailer.init_app(app)  # before start_committed: e-mail its inline jobs commit goes too
    app.after_request(start_committed)  # jobs written in a request's transactions, once committed
    observability.register(app)
    static_assets.init_app(app)  # WhiteNoise for /static (hashed names), compressed responses

    @app.context_processor
    def _layout_context() -> dict[str, str]:
        from flask_babel import get_locale

        return {"html_lang": str(get_locale() or "en")}

    return app


def _register_blueprints_and_commands(app: Flask) -> None:
    from app.account import bp as account_bp
    from app.admin import bp as admin_bp
    from app.admin.cli import users_cli
    from app.admin.privacy_cli import privacy_cli
    from app.assess import bp as assess_bp
    from app.audit_cli import audit_cli
    from app.auth import bp as auth_bp
    from app.campaigns import bp as campaigns_bp
    from app.campaigns.cli import campaigns_cli
    from app.catalogue import bp as catalogue_bp
    from app.catalogue.cli import links_cli
    from app.content.cli import content_cli, frameworks_cli
    from app.dashboard import bp as dashboard_bp
    from app.dashboard.cli import catalogue_cli
    from app.evaluation import bp as evaluation_bp
    from app.evaluation.cli import follow_ups_cli, pairs_cli
    from app.jobs import jobs_cli
    from app.learn import bp as learn_bp
    from app.learn.cli import plans_cli
    from app.main import bp as main_bp
    from app.main.cli import demo_command
    from app.managers import bp as managers_bp
    from app.paths import bp as paths_bp

    for blueprint in (main_bp, auth_bp, admin_bp, campaigns_bp, assess_bp, paths_bp, dashboard_bp,
                      catalogue_bp, learn_bp, evaluation_bp, managers_bp, account_bp):
        app.register_blueprint(blueprint)
    for command in (users_cli, demo_command, content_cli, frameworks_cli, campaigns_cli, jobs_cli,
                    catalogue_cli, links_cli, plans_cli, follow_ups_cli, pairs_cli, privacy_cli, audit_cli):
        app.cli.add_command(command)


def _select_locale() -> str | None:
    from flask import current_app

    languages = current_app.config["LANGUAGES"]
    if current_user and current_user.is_authenticated and current_user.locale in languages:
        return current_user.locale
    return request.accept_languages.best_match(languages)


def compile_templates(app: Flask) -> int:
    """Compile every template once, when a server starts (wsgi.py): the first visitor of each page
    then waits for its data, not for Jinja (0.4 s on a dashboard's first view). The number compiled."""
    names = [name for name in app.jinja_env.list_templates() if name.endswith(".html")]
    for name in names:
        app.jinja_env.get_template(name)
    return len(names)


def _init_extensions(app: Flask) -> None:
    from app.extensions import babel, csrf, db, limiter, login_manager, mail, migrate, wtforms_helpers

    db.init_app(app)
    from app.services.evaluation import pair_store

    pair_store.listen()  # the pairs of results the tables of change read follow every write
    with app.app_context():
        if db.engine.dialect.name == "sqlite":
            _sqlite_pragmas(db.engine)
    migrate.init_app(app, db, directory=str(Path(app.root_path).parent / "migrations"))
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = None  # the login page says why on its own
    login_manager.session_protection = "basic"
    csrf.init_app(app)
    from app.formatting import user_time_zone

    babel.init_app(app, locale_selector=_select_locale, timezone_selector=user_time_zone)
    mail.init_app(app)
    wtforms_helpers.init_app(app)
    limiter.init_app(app)
    from app.auth import limits as sign_in_limits

    sign_in_limits.init_app(app)

    from app.models import User

    @login_manager.user_loader
    def load_user(session_token: str) -> User | None:
        from sqlalchemy import select

        user = db.session.scalar(select(User).where(User.session_token == session_token))
        return user if user is not None and user.active else None


def _sqlite_pragmas(engine) -> None:
    """Foreign keys on, transactions that SAVEPOINT works inside (pysqlite needs help), and concurrent
    requests that wait for each other instead of failing with "database is locked".

    WAL lets readers and one writer work at once, and the busy timeout makes a writer wait for the lock. But
    a transaction that has read and then writes cannot wait: if another one committed in between, SQLite
    fails it at once. So a request that may write (any method but GET, HEAD, OPTIONS) takes the write lock
    when its transaction begins (BEGIN IMMEDIATE), where waiting works; reads stay concurrent.
    """

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        dbapi_connection.isolation_level = None  # let SQLAlchemy emit BEGIN itself
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=5000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn):
        from app.transactions import request_writes

        conn.exec_driver_sql("BEGIN IMMEDIATE" if request_writes() else "BEGIN")
