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
    # A spreadsheet import is refused before any row is read when it is larger than this once unpacked (an .xlsx is
    # a zip: 0.7 MB can inflate to millions of rows), holds more zip members, or its sheet has more rows.
    IMPORT_MAX_ROWS = 20_000  # data rows, the header not counted
    IMPORT_MAX_UNPACKED_BYTES = 64 * 1024 * 1024  # a 20,000-row export of the pool unpacks to about 25 MB
    IMPORT_MAX_ZIP_MEMBERS = 200  # a workbook saved by Excel or WPS has a few dozen
    UPLOAD_QUOTA_BYTES = 500 * 1024 * 1024  # per uploading account, from its Document sizes; 0: no quota
    WTF_I18N_ENABLED = False  # WTForms' bundled Chinese messages (validation.Form), no Babel needed
    WTF_CSRF_TIME_LIMIT = None  # the token lives as long as the session: staff keep tabs open all day
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = False
    REMEMBER_COOKIE_DURATION = timedelta(seconds=0)
    IDLE_TIMEOUT = timedelta(minutes=30)
    SESSION_MAX_AGE = timedelta(hours=12)  # a session ends this long after login, however busy
    PERMANENT_SESSION_LIFETIME = timedelta(minutes=30)
    LOCKOUT_THRESHOLD = 5
    LOCKOUT_DURATION = timedelta(minutes=15)
    # Shared by every worker: the site's own database (core/ratelimits.py), or redis://… where the bureau runs one.
    RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI", "greenladder://")
    RATELIMIT_ENABLED = True
    RATELIMIT_HEADERS_ENABLED = True  # Retry-After on a 429
    # How many reverse proxies in front of the site set X-Forwarded-For/-Proto (0: none, use the peer address).
    TRUSTED_PROXIES = int(os.environ.get("TRUSTED_PROXIES", "0"))
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
