"""Configuration classes: development (default), testing, production.

Which one is used comes from GREENLADDER_ENV; DATABASE_URL, SECRET_KEY and UPLOAD_DIR
come from the environment.
"""
import os
from datetime import timedelta


class Config:
    ENV_NAME = "development"
    SECRET_KEY = os.environ.get("SECRET_KEY")
    DATABASE_URL = os.environ.get("DATABASE_URL")  # None: SQLite under instance/
    UPLOAD_DIR = os.environ.get("UPLOAD_DIR")  # None: instance/uploads
    FILING_DIR = os.environ.get("FILING_DIR")  # built filing bundles; None: instance/filings
    IMPORT_DIR = os.environ.get("IMPORT_DIR")  # previewed imports awaiting confirmation; None: instance/imports
    MAX_CONTENT_LENGTH = 25 * 1024 * 1024  # a 20 MB upload plus its form
    MAX_UPLOAD_BYTES = 20 * 1024 * 1024
    WTF_I18N_ENABLED = False  # WTForms' bundled Chinese messages (validation.Form), no Babel needed
    WTF_CSRF_TIME_LIMIT = None  # the token lives as long as the session: staff keep tabs open all day
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = False
    REMEMBER_COOKIE_DURATION = timedelta(seconds=0)
    IDLE_TIMEOUT = timedelta(minutes=30)
    PERMANENT_SESSION_LIFETIME = timedelta(minutes=30)
    LOCKOUT_THRESHOLD = 5
    LOCKOUT_DURATION = timedelta(minutes=15)
    RATELIMIT_STORAGE_URI = "memory://"
    RATELIMIT_ENABLED = True
    PAGE_SIZE = 50


class DevelopmentConfig(Config):
    pass


class TestingConfig(Config):
    ENV_NAME = "testing"
    TESTING = True
    SECRET_KEY = "testing-secret-key"  # noqa: S105  (the testing configuration only)
    RATELIMIT_ENABLED = False


class ProductionConfig(Config):
    ENV_NAME = "production"
    SESSION_COOKIE_SECURE = True


CONFIGS = {
    "development": DevelopmentConfig,
    "testing": TestingConfig,
    "production": ProductionConfig,
}
