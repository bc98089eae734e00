"""Configuration classes, read from environment variables.

Pick one with REMBUK_CONFIG=development|testing|production (default: development).
"""

import os
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent
INSTANCE_DIR = BASE_DIR / "instance"


def _env_int(name: str, default: int) -> int:
    return int(os.environ.get(name, default))


def _env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


DEV_SECRET_KEY = "dev-only-not-secret"  # nosec B105 - the known value production refuses


class Config:
    SECRET_KEY = os.environ.get("SECRET_KEY", DEV_SECRET_KEY)
    SQLALCHEMY_DATABASE_URI = os.environ.get(
        "DATABASE_URL", f"sqlite:///{INSTANCE_DIR / 'rembuk.sqlite'}"
    )
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
    SQLALCHEMY_RECORD_QUERIES = False

    # Where uploaded attachments live: outside the web root, never served statically.
    UPLOAD_FOLDER = os.environ.get("UPLOAD_FOLDER", str(INSTANCE_DIR / "uploads"))
    MAX_UPLOAD_BYTES = _env_int("MAX_UPLOAD_BYTES", 10 * 1024 * 1024)
    # The request as a whole may carry a little more than one file (form fields).
    MAX_CONTENT_LENGTH = MAX_UPLOAD_BYTES + 1024 * 1024

    BABEL_DEFAULT_LOCALE = "id"
    BABEL_DEFAULT_TIMEZONE = "Asia/Jakarta"
    LANGUAGES = {"id": "Bahasa Indonesia", "en": "English"}

    BOOTSTRAP_SERVE_LOCAL = True

    RATELIMIT_ENABLED = True
    RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI", "memory://")
    RATELIMIT_HEADERS_ENABLED = True
    LOGIN_RATE_LIMIT = os.environ.get("LOGIN_RATE_LIMIT", "10 per minute;50 per hour")
    # Number of proxies in front of the app whose X-Forwarded-* headers we trust.
    TRUSTED_PROXY_COUNT = _env_int("TRUSTED_PROXY_COUNT", 0)

    MAIL_SERVER = os.environ.get("MAIL_SERVER", "")
    MAIL_PORT = _env_int("MAIL_PORT", 587)
    MAIL_USERNAME = os.environ.get("MAIL_USERNAME", "")
    MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD", "")
    MAIL_USE_TLS = _env_bool("MAIL_USE_TLS", True)
    MAIL_DEFAULT_SENDER = os.environ.get("MAIL_DEFAULT_SENDER", "Rembuk <no-reply@rembuk.local>")
    MAIL_MAX_ATTEMPTS = _env_int("MAIL_MAX_ATTEMPTS", 8)

    # Absolute base URL for links in mails and exports, e.g. https://rembuk.example.go.id
    PUBLIC_BASE_URL = os.environ.get("PUBLIC_BASE_URL", "http://127.0.0.1:5000")

    INVITATION_MAX_AGE_DAYS = _env_int("INVITATION_MAX_AGE_DAYS", 14)

    # Public consultations (consult/public): registration and input from anyone.
    # How long the e-mail verification link of a public registration is valid.
    PUBLIC_VERIFY_MAX_AGE_HOURS = _env_int("PUBLIC_VERIFY_MAX_AGE_HOURS", 48)
    # Limits per address and per account (Flask-Limiter syntax).
    PUBLIC_REGISTER_RATE_LIMIT = os.environ.get(
        "PUBLIC_REGISTER_RATE_LIMIT", "5 per hour;20 per day"
    )
    PUBLIC_COMMENT_RATE_LIMIT = os.environ.get(
        "PUBLIC_COMMENT_RATE_LIMIT", "10 per 10 minutes;60 per day"
    )
    # A public form sent sooner than this after it was shown is refused (people read first).
    PUBLIC_FORM_MIN_SECONDS = _env_int("PUBLIC_FORM_MIN_SECONDS", 4)
    # ... and one older than this (the signed timestamp in the form expired).
    PUBLIC_FORM_MAX_SECONDS = _env_int("PUBLIC_FORM_MAX_SECONDS", 86400)
    # The same text from this many accounts younger than PUBLIC_NEW_ACCOUNT_DAYS is held.
    PUBLIC_DUPLICATE_ACCOUNTS = _env_int("PUBLIC_DUPLICATE_ACCOUNTS", 3)
    PUBLIC_NEW_ACCOUNT_DAYS = _env_int("PUBLIC_NEW_ACCOUNT_DAYS", 14)
    # E-mail domains refused at public registration (disposable-address services).
    PUBLIC_BLOCKED_EMAIL_DOMAINS = frozenset(
        domain.strip().lower()
        for domain in os.environ.get(
            "PUBLIC_BLOCKED_EMAIL_DOMAINS",
            "mailinator.com,guerrillamail.com,10minutemail.com,yopmail.com,tempmail.com,"
            "trashmail.com,sharklasers.com,getnada.com,dispostable.com,maildrop.cc",
        ).split(",")
        if domain.strip()
    )
    # Anonymous readers' pages may be cached this many seconds by browsers and proxies.
    PUBLIC_CACHE_MAX_AGE = _env_int("PUBLIC_CACHE_MAX_AGE", 60)
    RESET_MAX_AGE_MINUTES = _env_int("RESET_MAX_AGE_MINUTES", 60)

    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = _env_bool("SESSION_COOKIE_SECURE", False)
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_SECURE = SESSION_COOKIE_SECURE
    PERMANENT_SESSION_LIFETIME = _env_int("SESSION_LIFETIME_SECONDS", 8 * 3600)
    WTF_CSRF_TIME_LIMIT = None  # the session lifetime bounds the token instead

    # A role change needs the password entered within this many seconds (auth.reauth).
    REAUTH_MAX_AGE_SECONDS = _env_int("REAUTH_MAX_AGE_SECONDS", 600)
    # Benchmarks only (bench/wsgi.py): the query counter and the /bench/ceiling page.
    BENCH_MODE = False

    # The task queue (consult/tasks): SQLite storage in the instance folder by default; Redis
    # when HUEY_REDIS_URL is set (several workers or hosts). The worker: huey_consumer.
    HUEY_REDIS_URL = os.environ.get("HUEY_REDIS_URL", "")
    HUEY_SQLITE_PATH = os.environ.get("HUEY_SQLITE_PATH", str(INSTANCE_DIR / "huey.sqlite"))
    HUEY_IMMEDIATE = _env_bool("HUEY_IMMEDIATE", False)

    # Exports are made by the worker and kept here (outside the web root) for a while.
    EXPORT_FOLDER = os.environ.get("EXPORT_FOLDER", str(INSTANCE_DIR / "exports"))
    EXPORT_RETENTION_DAYS = _env_int("EXPORT_RETENTION_DAYS", 7)
    EXPORT_MAX_ATTEMPTS = _env_int("EXPORT_MAX_ATTEMPTS", 3)
    # A running export beats every sixth of this; one whose heartbeat stopped this long ago
    # lost its worker and is taken again (or failed after EXPORT_MAX_ATTEMPTS).
    EXPORT_STALL_SECONDS = _env_int("EXPORT_STALL_SECONDS", 120)

    PAGE_SIZE = 20
    # Anonymised exports suppress every figure computed from fewer people than this
    # (consult/reports/anonymity.py).
    ANONYMITY_MIN_GROUP_SIZE = _env_int("ANONYMITY_MIN_GROUP_SIZE", 3)
    # How long a participant's personal FGD check-in code (QR) stays valid.
    FGD_CHECKIN_MAX_AGE_DAYS = 60
    # The analysis dashboard's cache (consult/reports/analysis_cache.py): each worker's memory
    # by default; in production with several workers, Redis (CACHE_TYPE=RedisCache and
    # CACHE_REDIS_URL=redis://...), shared by all. A body is about 0.6 MB.
    CACHE_TYPE = os.environ.get("CACHE_TYPE", "SimpleCache")
    CACHE_REDIS_URL = os.environ.get("CACHE_REDIS_URL", "")
    CACHE_DEFAULT_TIMEOUT = _env_int("CACHE_DEFAULT_TIMEOUT", 24 * 3600)
    CACHE_THRESHOLD = _env_int("CACHE_THRESHOLD", 32)  # entries kept by SimpleCache
    ALLOW_DEMO_SEED = True


class DevelopmentConfig(Config):
    DEBUG = False


class TestingConfig(Config):
    TESTING = True
    SECRET_KEY = "testing-secret"  # nosec B105 - test-only key, never used in production
    SQLALCHEMY_DATABASE_URI = os.environ.get("TEST_DATABASE_URL", "sqlite://")
    WTF_CSRF_ENABLED = False
    RATELIMIT_ENABLED = False
    RATELIMIT_STORAGE_URI = "memory://"
    PUBLIC_FORM_MIN_SECONDS = 0  # the test about it sets it
    MAIL_SERVER = ""
    SERVER_NAME = None
    # Tasks run in the test's process; tests about the queue start a worker (and may turn it off).
    HUEY_IMMEDIATE = _env_bool("HUEY_IMMEDIATE", True)


class ProductionConfig(Config):
    SESSION_COOKIE_SECURE = _env_bool("SESSION_COOKIE_SECURE", True)
    REMEMBER_COOKIE_SECURE = SESSION_COOKIE_SECURE
    ALLOW_DEMO_SEED = _env_bool("ALLOW_DEMO_SEED", False)

    @classmethod
    def check(cls) -> None:
        """Refuse to run production with no secret, or with the development one."""
        cls.SECRET_KEY = os.environ.get("SECRET_KEY", "")
        # Compared with the known development value: Config.SECRET_KEY was read from the same
        # environment when this module was imported, so it equals any real secret too.
        if not cls.SECRET_KEY or cls.SECRET_KEY == DEV_SECRET_KEY:
            raise RuntimeError(
                "SECRET_KEY is not set. Production refuses to start without it: "
                "set SECRET_KEY to a long random value (python -c 'import secrets; "
                "print(secrets.token_urlsafe(48))')."
            )


CONFIGS = {
    "development": DevelopmentConfig,
    "testing": TestingConfig,
    "production": ProductionConfig,
}


def config_from_env() -> type[Config]:
    name = os.environ.get("REMBUK_CONFIG", "development")
    return CONFIGS[name]
