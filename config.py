"""Configuration classes. The only module that reads the environment for settings.

Each class reads the environment when it is instantiated (by ``create_app``), never at import time.
"""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent
INSTANCE_DIR = BASE_DIR / "instance"


class ConfigError(RuntimeError):
    """A setting the chosen configuration needs is missing or wrong."""


def _env(name: str, default: str | None = None) -> str | None:
    value = os.environ.get(name)
    return value if value not in (None, "") else default


def _normalise_database_url(url: str) -> str:
    # Hosting platforms hand out postgres:// URLs; SQLAlchemy wants a driver, and we use psycopg 3.
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


class Config:
    """Development defaults: the embedded SQLite file under instance/, mail written to the log."""

    ENV_NAME = "development"
    TESTING = False

    def __init__(self) -> None:
        self.SECRET_KEY = _env("SECRET_KEY", "dev-only-not-secret")  # ProductionConfig requires a real one
        self.SQLALCHEMY_DATABASE_URI = _normalise_database_url(
            _env("DATABASE_URL", f"sqlite:///{INSTANCE_DIR / 'capstack.sqlite'}")
        )
        self.REDIS_URL = _env("REDIS_URL")
        # Rate limits are shared by every worker through Redis; when it cannot be reached they are
        # counted in each process's memory (with a warning in the log) until it answers again.
        self.RATELIMIT_STORAGE_URI = self.REDIS_URL or "memory://"
        self.RATELIMIT_STORAGE_OPTIONS = (
            {"socket_connect_timeout": 1, "socket_timeout": 1} if self.REDIS_URL else {})
        self.RATELIMIT_IN_MEMORY_FALLBACK_ENABLED = True
        # Failed sign-ins (app/services/throttle.py): from one address, whatever the account; on one
        # account from one address; on one account from every address (then only addresses that have
        # not failed on it may still try).
        self.LOGIN_ADDRESS_LIMIT = _env("LOGIN_ADDRESS_LIMIT", "100 per 10 minutes")
        self.LOGIN_ACCOUNT_LIMIT = _env("LOGIN_ACCOUNT_LIMIT", "5 per 15 minutes")
        self.LOGIN_ACCOUNT_TOTAL_LIMIT = _env("LOGIN_ACCOUNT_TOTAL_LIMIT", "20 per hour")
        self.RESET_RATE_LIMIT = _env("RESET_RATE_LIMIT", "10 per minute")
        self.MAIL_SERVER = _env("MAIL_SERVER", "localhost")
        self.MAIL_PORT = int(_env("MAIL_PORT", "25"))
        self.MAIL_USERNAME = _env("MAIL_USERNAME")
        self.MAIL_PASSWORD = _env("MAIL_PASSWORD")
        self.MAIL_USE_TLS = _env("MAIL_USE_TLS", "false").lower() == "true"
        self.MAIL_DEFAULT_SENDER = _env("MAIL_DEFAULT_SENDER", "CapStack <no-reply@capstack.local>")
        # Without a mail server, messages are written to the log instead of being sent.
        self.MAIL_SUPPRESS_SEND = _env("MAIL_SUPPRESS_SEND", "true").lower() == "true"
        self.PUBLIC_URL = _env("PUBLIC_URL", "http://127.0.0.1:5000")
        self.TOKEN_HOURS = {"activate": 72, "reset": 2, "invite": 24 * 14}
        self.PROXY_FIX_X_FOR = int(_env("PROXY_FIX_X_FOR", "0"))
        self.LOG_LEVEL = _env("LOG_LEVEL", "INFO")
        # Any figure over fewer officials than this is hidden, everywhere (a country may set a higher K).
        self.SMALL_CELL_K = int(_env("SMALL_CELL_K", "5"))
        # Cell-key perturbation (app/services/evaluation/release.py): every other count moves by up to
        # this many, every sum by up to a quarter of that many officials' range; 0 turns it off, which
        # leaves hidden figures open to subtraction (for tests of the exact statistics only).
        self.DISCLOSURE_NOISE = int(_env("DISCLOSURE_NOISE", "2"))
        # The key of that noise. Keep it fixed: a new key gives every figure new noise, and someone who
        # kept the old figures could average the two.
        self.DISCLOSURE_KEY = _env("DISCLOSURE_KEY", self.SECRET_KEY)
        if self.SMALL_CELL_K < 1 or not 0 <= self.DISCLOSURE_NOISE <= 10:
            raise ConfigError("SMALL_CELL_K must be 1 or more and DISCLOSURE_NOISE from 0 to 10")
        # Weeks after an official completes a path before the behaviour follow-up (L3) is sent.
        self.FOLLOW_UP_WEEKS = int(_env("FOLLOW_UP_WEEKS", "8"))
        # Erase accounts deactivated more than this many days ago (`flask privacy retention`); unset: never.
        self.ERASE_DEACTIVATED_AFTER_DAYS = int(_env("ERASE_DEACTIVATED_AFTER_DAYS", "0")) or None
        # Sent e-mail (addresses, names) is deleted from the outbox this many days on (`flask mail send`).
        self.MAIL_OUTBOX_KEEP_DAYS = int(_env("MAIL_OUTBOX_KEEP_DAYS", "30"))
        # Dashboard tables and charts (app/cache.py), keyed by the data version in the database: in
        # Redis when there is one (shared by every app instance), else in each process's memory.
        self.CACHE_TYPE = "RedisCache" if self.REDIS_URL else "SimpleCache"
        self.CACHE_REDIS_URL = self.REDIS_URL
        self.CACHE_OPTIONS = {"socket_connect_timeout": 1, "socket_timeout": 1} if self.REDIS_URL else {}
        self.CACHE_KEY_PREFIX = _env("CACHE_KEY_PREFIX", "capstack:")
        # A version's entries are never read again once the data moves on. The timeout bounds how long
        # a change that does not move the version (a user's organisation or role) waits.
        self.CACHE_DEFAULT_TIMEOUT = int(_env("CACHE_DEFAULT_TIMEOUT", "600"))

    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
    BABEL_DEFAULT_LOCALE = "en"
    LANGUAGES = ("en",)
    WTF_CSRF_TIME_LIMIT = 3600 * 8
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = False
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_DURATION = timedelta(days=14)
    PERMANENT_SESSION_LIFETIME = timedelta(hours=12)
    HSTS = False
    PAGE_SIZE = 25
    # Flask-Compress (app/static_assets.py): brotli, else gzip, streamed downloads too (Flask-Compress
    # streams no gzip by default); the text types this app sends, so ZIP and XLSX files go as they are.
    COMPRESS_ALGORITHM = ("br", "gzip")
    COMPRESS_ALGORITHM_STREAMING = ("br", "gzip")
    COMPRESS_MIMETYPES = ("text/html", "text/css", "text/csv", "text/plain", "text/javascript",
                          "application/javascript", "application/json", "image/svg+xml")
    # Largest request body: an officials file of 10,000+ rows or a 5 MB evidence upload fits.
    MAX_CONTENT_LENGTH = 16 * 1024 * 1024


class TestConfig(Config):
    """The test suite: TEST_DATABASE_URL (or a throwaway SQLite file), no real mail, no CSRF exemption."""

    __test__ = False  # a config, not a pytest test class

    ENV_NAME = "test"
    TESTING = True

    def __init__(self) -> None:
        super().__init__()
        self.SQLALCHEMY_DATABASE_URI = _normalise_database_url(
            _env("TEST_DATABASE_URL", f"sqlite:///{INSTANCE_DIR / 'test.sqlite'}")
        )
        self.SECRET_KEY = "test-secret"  # noqa: S105 - tests only
        self.MAIL_SUPPRESS_SEND = True
        self.RATELIMIT_STORAGE_URI = "memory://"
        self.PUBLIC_URL = "http://localhost"
        # Tests change the data behind the service layer's back (factories), so nothing is cached
        # unless a test builds an app with a cache of its own (tests/web/test_dashboard_cache.py).
        self.CACHE_TYPE = "NullCache"
        self.CACHE_NO_NULL_WARNING = True


MIN_SECRET_LENGTH = 32
# Values from this code, its tests and the usual placeholders, compared by their letters and digits.
_EXAMPLE_SECRETS = ("devonlynotsecret", "testsecret", "restarttestsecret", "changeme", "secret",
                    "secretkey", "password")


def _weak_secret(key: str) -> bool:
    """A key too short to resist guessing, or an example value (repeated or not)."""
    key = key.strip()
    letters = "".join(char for char in key.lower() if char.isalnum())
    return len(key) < MIN_SECRET_LENGTH or any(
        letters == example * (len(letters) // len(example)) for example in _EXAMPLE_SECRETS)


class ProductionConfig(Config):
    """Production: PostgreSQL and a real secret are required; cookies are Secure; HSTS is sent."""

    ENV_NAME = "production"
    SESSION_COOKIE_SECURE = True
    REMEMBER_COOKIE_SECURE = True
    HSTS = True

    def __init__(self) -> None:
        super().__init__()
        missing = [name for name in ("SECRET_KEY", "DATABASE_URL") if not _env(name)]
        if missing:
            raise ConfigError(
                "ProductionConfig needs these environment variables: " + ", ".join(missing)
            )
        if _weak_secret(self.SECRET_KEY):
            raise ConfigError(
                f"SECRET_KEY must be at least {MIN_SECRET_LENGTH} characters and not an example value; "
                "make one with: python3 -c 'import secrets; print(secrets.token_hex(32))'"
            )
        self.MAIL_SUPPRESS_SEND = _env("MAIL_SUPPRESS_SEND", "false").lower() == "true"


CONFIGS = {"development": Config, "test": TestConfig, "production": ProductionConfig}


def config_from_env() -> Config:
    """The configuration named by CAPSTACK_CONFIG (development, test or production)."""
    name = _env("CAPSTACK_CONFIG", "development")
    if name not in CONFIGS:
        raise ConfigError(f"CAPSTACK_CONFIG must be one of {', '.join(CONFIGS)}, not {name!r}")
    return CONFIGS[name]()
