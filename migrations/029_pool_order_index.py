"""Peewee migrations -- 029_pool_order_index.py.

Province scale on PostgreSQL (issue 19): the pool list's default order is the year admitted, descending, then the
entry's id. SQLite reads it from the year index (whose rows carry the rowid); PostgreSQL sorted the whole pool for
each page (43 ms at 50,000 entries) until the index held the id too. One index on (year_admitted, id) replaces the
year index on both.
"""

import peewee as pw
from peewee_migrate import Migrator


def migrate(migrator: Migrator, database: pw.Database, *, fake=False):
    """Write your migrations here."""

    migrator.sql("DROP INDEX IF EXISTS poolentry_year_admitted")
    migrator.sql('CREATE INDEX poolentry_year_admitted_id ON "pool_entry" ("year_admitted", "id")')


def rollback(migrator: Migrator, database: pw.Database, *, fake=False):
    """Write your rollback migrations here."""

    migrator.sql("DROP INDEX IF EXISTS poolentry_year_admitted_id")
    migrator.sql('CREATE INDEX poolentry_year_admitted ON "pool_entry" ("year_admitted")')
