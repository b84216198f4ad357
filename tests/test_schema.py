"""The migrations produce exactly the schema models.py declares, and upgrade → rollback → upgrade works."""
from core import database
from models import MODELS, db


def _describe(database_obj):
    tables = {}
    # the search index (migrations/027_search_index.py) is not a model: SQLite's FTS5 table and its shadow tables,
    # PostgreSQL's trigram indexes
    for table in sorted(t for t in database_obj.get_tables()
                        if t != "migratehistory" and not t.startswith("subject_fts")):
        columns = sorted((c.name, c.data_type.upper(), c.null, c.primary_key) for c in database_obj.get_columns(table))
        # partial or not: the "one per …" rules are partial unique indexes (migrations/012_concurrency.py)
        indexes = sorted((tuple(i.columns), i.unique, " WHERE " in (i.sql or "").upper())
                         for i in database_obj.get_indexes(table) if not i.name.endswith("_trgm"))
        fks = sorted((f.column, f.dest_table, f.dest_column) for f in database_obj.get_foreign_keys(table))
        tables[table] = (columns, indexes, fks)
    return tables


def _rollback_all():
    router = database.router()
    for _ in list(router.done):
        router.rollback()


def test_migrations_give_the_declared_schema(app):
    """Migrate, describe; then drop everything, create the tables from models.py, describe again."""
    with db.connection_context():
        migrated = _describe(db.obj)
        _rollback_all()
        db.create_tables(MODELS)
        declared = _describe(db.obj)
    assert set(migrated) == {m._meta.table_name for m in MODELS}
    assert declared == migrated


def test_upgrade_rollback_upgrade(app):
    with db.connection_context():
        router = database.router()
        done = list(router.done)
        assert done, "migrations were applied by the fixture"
        _rollback_all()
        assert not [t for t in db.get_tables() if t != "migratehistory"]
        assert database.upgrade() == done
        assert {m._meta.table_name for m in MODELS} <= set(db.get_tables())
