"""Peewee migrations -- 026_document_withdrawal.py.

A document is withdrawn (撤回), never deleted (issue 18 item 7): besides document.withdrawn_at, who withdrew it
(document.withdrawn_by) and why (document.withdrawal_reason), shown beside the struck-through name.
"""

from contextlib import suppress

import peewee as pw
from peewee_migrate import Migrator


with suppress(ImportError):
    import playhouse.postgres_ext as pw_pext


def migrate(migrator: Migrator, database: pw.Database, *, fake=False):
    """Write your migrations here."""

    # NOT NULL with its default in one statement (as in 018/019): peewee's way rebuilds the table on SQLite.
    migrator.orm['document']._meta.add_field('withdrawal_reason', pw.TextField(default=''))
    migrator.sql('ALTER TABLE "document" ADD COLUMN "withdrawal_reason" TEXT NOT NULL DEFAULT \'\'')
    migrator.add_fields(
        'document',
        withdrawn_by=pw.ForeignKeyField(column_name='withdrawn_by_id', field='id', model=migrator.orm['user'],
                                        null=True, on_delete='SET NULL'))


def rollback(migrator: Migrator, database: pw.Database, *, fake=False):
    """Write your rollback migrations here."""

    # SQLite cannot drop an indexed column: drop the foreign key's index first.
    migrator.drop_index('document', 'withdrawn_by')
    migrator.remove_fields('document', 'withdrawn_by')
    migrator.sql('ALTER TABLE "document" DROP COLUMN "withdrawal_reason"')
