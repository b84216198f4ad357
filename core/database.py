"""Opening the database, per-request connections, the schema history (peewee-migrate), and named locks."""
import fcntl
import hashlib
import os
import tempfile
import time
from contextlib import contextmanager

from peewee import PostgresqlDatabase
from peewee_migrate import Router
from playhouse.db_url import connect as connect_url
from playhouse.pool import PooledSqliteDatabase

from models import db

MIGRATIONS_DIR = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "migrations")
SQLITE_PRAGMAS = {"journal_mode": "wal", "foreign_keys": 1, "busy_timeout": 5000, "synchronous": "normal"}
# per process: more than a worker's threads; `timeout`: seconds a request waits for a free connection
POOL = {"max_connections": 32, "stale_timeout": 600, "timeout": 10}


def sqlite_path(app):
    return os.path.join(app.instance_path, "greenladder.sqlite3")


def make_database(url, default_sqlite_path):
    """SQLite (WAL, foreign keys, 5 s busy timeout) unless DATABASE_URL names PostgreSQL; pooled either way.

    SQLite transactions begin IMMEDIATE: a transaction that reads before it writes would otherwise fail at
    once with "database is locked" when another writer committed in between (WAL cannot upgrade a stale
    read snapshot), instead of waiting its turn.

    Pooled (playhouse.pool): a request takes an open connection and gives it back at its end. A new SQLite
    connection parses the whole schema and prepares every statement afresh, which cost each request about 1.4 ms
    before its first row (issue 19); PostgreSQL saves its connection setup. A connection is reopened after
    POOL["stale_timeout"] seconds, and one the driver saw closed (PostgreSQL restarted) is dropped, not reused."""
    if not url or url.startswith("sqlite:///"):
        path = url[len("sqlite:///"):] if url else default_sqlite_path
        # a pooled connection serves one thread at a time, not always the thread that opened it
        return PooledSqliteDatabase(path, pragmas=SQLITE_PRAGMAS, lock_type="IMMEDIATE", check_same_thread=False,
                                    **POOL)
    scheme, rest = url.split("://", 1)
    return connect_url(f"{scheme}+pool://{rest}", **POOL)


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


class Busy(Exception):
    """`exclusive(..., wait=False)`: another process (on this server or another) holds the lock."""


def is_postgres():
    return isinstance(db.obj, PostgresqlDatabase)


def lock_key(name):
    """The 64-bit key of PostgreSQL's advisory locks for a lock name: the first 8 bytes of its sha256, signed."""
    return int.from_bytes(hashlib.sha256(name.encode("utf-8")).digest()[:8], "big", signed=True)


@contextmanager
def file_lock(path, *, wait=False, poll=0.05):
    """An exclusive flock on `path` (created as needed): the kernel drops it when the holder dies, so a process
    killed midway never blocks the next one. Raises Busy at once when held elsewhere, unless `wait`."""
    os.makedirs(os.path.dirname(path), exist_ok=True)
    fd = os.open(path, os.O_CREAT | os.O_WRONLY, 0o600)
    try:
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if not wait:
                    raise Busy(path) from None
                time.sleep(poll)
        yield
    finally:
        os.close(fd)  # closing the descriptor releases the lock


@contextmanager
def exclusive(name, *, lock_dir=None, wait=False):
    """One holder of `name` at a time, across workers and app servers: the critical section of the filing build
    and the recommendation sign-off.

    PostgreSQL: a transaction-scoped advisory lock (`pg_advisory_xact_lock`, or `pg_try_advisory_xact_lock`
    without `wait`) in a transaction opened here, so the block runs in one transaction and the lock goes with its
    commit or rollback (or the session's death): every app server on the database sees it.
    SQLite (one server): an flock on `<lock_dir>/.<name>.lock` (default: the database file's directory); the
    block's own `db.atomic()` calls make its transactions. Raises Busy when the lock is held and `wait` is false."""
    if is_postgres():
        with db.atomic():
            if wait:
                db.execute_sql("SELECT pg_advisory_xact_lock(%s)", (lock_key(name),))
            elif not db.execute_sql("SELECT pg_try_advisory_xact_lock(%s)", (lock_key(name),)).fetchone()[0]:
                raise Busy(name)
            yield
        return
    if lock_dir is None:  # beside the database file, which every process using it shares
        lock_dir = os.path.dirname(os.path.abspath(db.database)) if db.database != ":memory:" else tempfile.gettempdir()
    with file_lock(os.path.join(lock_dir, f".{name}.lock"), wait=wait):
        yield


def insert_rows(model, rows, page_size=500):
    """Insert many rows of `model` with one prepared INSERT (executemany; execute_batch on PostgreSQL): the same
    rows Model.insert_many would write, field defaults included, without building a statement per batch.
    Every row is a dict of field names; fields left out take their defaults. Call inside db.atomic()."""
    rows = list(rows)
    if not rows:
        return 0
    fields = [f for f in model._meta.sorted_fields if not (f.primary_key and f.name == "id")]

    def complete(row):
        return [row[f.name] if f.name in row else (f.default() if callable(f.default) else f.default) for f in fields]

    values = [complete(row) for row in rows]
    params = [[f.db_value(v) for f, v in zip(fields, row, strict=True)] for row in values]
    sql, first = model.insert({f: v for f, v in zip(fields, values[0], strict=True)}).sql()
    if list(first) != params[0]:  # peewee ordered the columns otherwise: let it write them itself
        model.insert_many([dict(zip([f.name for f in fields], row, strict=True)) for row in values]).execute()
        return len(rows)
    cursor = db.cursor()
    if is_postgres():
        from psycopg2.extras import execute_batch
        execute_batch(cursor, sql, params, page_size=page_size)
    else:
        cursor.executemany(sql, params)
    return len(rows)
