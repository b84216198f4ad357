"""Opening the database, per-request connections, and the schema history (peewee-migrate)."""
import os

from peewee import SqliteDatabase
from peewee_migrate import Router
from playhouse.db_url import connect as connect_url

from models import db

MIGRATIONS_DIR = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "migrations")
SQLITE_PRAGMAS = {"journal_mode": "wal", "foreign_keys": 1, "busy_timeout": 5000, "synchronous": "normal"}


def sqlite_path(app):
    return os.path.join(app.instance_path, "greenladder.sqlite3")


def make_database(url, default_sqlite_path):
    """SQLite (WAL, foreign keys, 5 s busy timeout) unless DATABASE_URL names PostgreSQL.

    SQLite transactions begin IMMEDIATE: a transaction that reads before it writes would otherwise fail at
    once with "database is locked" when another writer committed in between (WAL cannot upgrade a stale
    read snapshot), instead of waiting its turn."""
    if not url:
        return SqliteDatabase(default_sqlite_path, pragmas=SQLITE_PRAGMAS, timeout=5, lock_type="IMMEDIATE")
    if url.startswith("sqlite:///"):
        return SqliteDatabase(url[len("sqlite:///"):], pragmas=SQLITE_PRAGMAS, timeout=5, lock_type="IMMEDIATE")
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


def compare_and_set(obj, field, expected, message, **changes):
    """Move `obj` out of one of the `expected` values of `field`, or refuse: the state is checked by the write.

    `UPDATE … WHERE id = ? AND field IN (expected)` must touch exactly one row, so of two people who
    click at the same moment exactly one wins and the other gets `Refused(message)`. Call it first inside
    `db.atomic()`: on SQLite the write then takes the lock before anything is read, on PostgreSQL it locks
    the row. `changes` are the columns to set (usually including `field`); `obj` is updated to match.

    `expected` is one value or a list of them; `None` among them matches NULL. Without `changes` the row is
    only checked and locked (`SET field = field`). `message` may be a callable: it is given the value the
    row holds now (read after the failed write) and returns the text.
    """
    from rules import Refused

    model = type(obj)
    expected = tuple(expected) if isinstance(expected, (list, tuple, set, frozenset)) else (expected,)
    column = getattr(model, field)
    values = [value for value in expected if value is not None]
    condition = column.in_(values) if values else None
    if None in expected:
        condition = column.is_null() if condition is None else (condition | column.is_null())
    assignments = {getattr(model, name): value for name, value in changes.items()} or {column: column}
    updated = model.update(assignments).where(model._meta.primary_key == obj._pk, condition).execute()
    if updated != 1:
        if callable(message):
            row = model.select(column).where(model._meta.primary_key == obj._pk).first()
            message = message(getattr(row, field) if row is not None else None)
        raise Refused(message)
    for name, value in changes.items():
        setattr(obj, name, value)
    return obj
