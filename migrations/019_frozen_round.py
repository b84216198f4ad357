"""Peewee migrations -- 019_frozen_round.py.

A signed recommendation round is frozen (issue 17): the sign-off stores what the package was built from
(recommendation_round.snapshot, JSON) and the SHA-256 of the package (recommendation_round.package_sha256), and keeps
the ZIP itself (round_package, one per round) so every later download gives the same bytes.
"""

from contextlib import suppress

import peewee as pw
from peewee_migrate import Migrator


with suppress(ImportError):
    import playhouse.postgres_ext as pw_pext


# NOT NULL columns are added with their default in one statement (as in 018): peewee's way rebuilds the table on
# SQLite, and recommendation_round is referenced by rows that must stay (recommendations, change notices).
NOT_NULL_COLUMNS = (
    ('recommendation_round', 'snapshot', pw.TextField(default=''), "TEXT NOT NULL DEFAULT ''"),
    ('recommendation_round', 'package_sha256', pw.CharField(default='', max_length=64),
     "VARCHAR(64) NOT NULL DEFAULT ''"),
)


def migrate(migrator: Migrator, database: pw.Database, *, fake=False):
    """Write your migrations here."""

    for table, column, field, ddl in NOT_NULL_COLUMNS:
        migrator.orm[table]._meta.add_field(column, field)  # the migrator's picture of the schema
        migrator.sql(f'ALTER TABLE "{table}" ADD COLUMN "{column}" {ddl}')

    @migrator.create_model
    class RoundPackage(pw.Model):
        id = pw.AutoField()
        round = pw.ForeignKeyField(column_name='round_id', field='id', model=migrator.orm['recommendation_round'],
                                   on_delete='RESTRICT', unique=True)
        content = pw.BlobField()
        created_at = pw.DateTimeField()

        class Meta:
            table_name = "round_package"


def rollback(migrator: Migrator, database: pw.Database, *, fake=False):
    """Write your rollback migrations here."""

    migrator.remove_model('round_package')

    # Dropped in place (SQLite 3.35+, PostgreSQL): no table is rebuilt under the rows that reference it.
    for table, column, _, _ in NOT_NULL_COLUMNS:
        migrator.sql(f'ALTER TABLE "{table}" DROP COLUMN "{column}"')
