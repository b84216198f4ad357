"""Opening the database, per-request connections, and the schema history (peewee-migrate)."""
import os

from peewee import SqliteDatabase
from peewee_migrate import Router
from playhouse.db_url import connect as connect_url

from models import db

MIGRATIONS_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "migrations")
SQLITE_PRAGMAS = {"journal_mode": "wal", "foreign_keys": 1, "busy_timeout": 5000, "synchronous": "normal"}


def sqlite_path(app):
    return os.path.join(app.instance_path, "greenladder.sqlite3")


def make_database(url, default_sqlite_path):
    """SQLite (WAL, foreign keys, 5 s busy timeout) unless DATABASE_URL names PostgreSQL."""
    if not url:
        return SqliteDatabase(default_sqlite_path, pragmas=SQLITE_PRAGMAS, timeout=5)
    if url.startswith("sqlite:///"):
        return SqliteDatabase(url[len("sqlite:///"):], pragmas=SQLITE_PRAGMAS, timeout=5)
    return connect_url(url)


def init_app(app):
    db.initialize(make_database(app.config["DATABASE_URL"], sqlite_path(app)))

    @app.before_request
    def _connect():
        db.connect(reuse_if_open=True)

    @app.teardown_appcontext
    def _close(exc):
        if not db.is_closed() and not db.in_transaction():
            db.close()


def router():
    # BaseModel is abstract: peewee-migrate would otherwise give it a table.
    return Router(db.obj, migrate_dir=MIGRATIONS_DIR, ignore=["basemodel"])


def upgrade():
    """Apply every migration not yet applied; returns their names."""
    return router().run()


def is_empty():
    """True when the schema holds no subjects, users or settings (demo data may go in)."""
    from models import Setting, Subject, User
    return not (Subject.select().exists() or User.select().exists() or Setting.select().exists())
