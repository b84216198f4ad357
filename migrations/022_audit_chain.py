"""Peewee migrations -- 022_audit_chain.py.

The audit trail becomes tamper-evident: each audit_event row carries the previous row's hash (prev_hash) and its
own (row_hash = sha256 over its fields and prev_hash, models.chain_hash). Rows written before this migration are
chained here, in id order, so that `flask --app app audit verify` checks the whole history.
"""

from contextlib import suppress

import peewee as pw
from peewee_migrate import Migrator

with suppress(ImportError):
    import playhouse.postgres_ext as pw_pext


# NOT NULL columns added with their default in one statement (no table rebuild on SQLite; see 018).
COLUMNS = (
    ('prev_hash', pw.CharField(default='', max_length=64), "VARCHAR(64) NOT NULL DEFAULT ''"),
    ('row_hash', pw.CharField(default='', max_length=64), "VARCHAR(64) NOT NULL DEFAULT ''"),
)
SELECT = ('SELECT id, created_at, username, ip, action, object_type, object_id, object_label, result, details '
          'FROM audit_event ORDER BY id')


def _chain_existing(database):
    """Chain the rows already there, oldest first (the same hash the application computes)."""
    from models import AUDIT_CHAIN_FIELDS, AUDIT_CHAIN_GENESIS, chain_hash

    as_datetime = pw.DateTimeField().python_value  # SQLite hands back text; the application reads datetimes
    previous, updates = AUDIT_CHAIN_GENESIS, []
    for row in database.execute_sql(SELECT).fetchall():
        values = dict(zip(AUDIT_CHAIN_FIELDS, row[1:]))
        values['created_at'] = as_datetime(values['created_at'])
        digest = chain_hash(values, previous)
        updates.append((previous, digest, row[0]))
        previous = digest
    param = database.param
    cursor = database.cursor()
    cursor.executemany(f'UPDATE audit_event SET prev_hash = {param}, row_hash = {param} WHERE id = {param}', updates)


def migrate(migrator: Migrator, database: pw.Database, *, fake=False):
    """Write your migrations here."""

    for column, field, ddl in COLUMNS:
        migrator.orm['audit_event']._meta.add_field(column, field)  # the migrator's picture of the schema
        migrator.sql(f'ALTER TABLE "audit_event" ADD COLUMN "{column}" {ddl}')
    migrator.run(_chain_existing, database)


def rollback(migrator: Migrator, database: pw.Database, *, fake=False):
    """Write your rollback migrations here."""

    for column, _, _ in COLUMNS:
        migrator.sql(f'ALTER TABLE "audit_event" DROP COLUMN "{column}"')
