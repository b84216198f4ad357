"""Peewee migrations -- 018_agency_calendar.py.

第二十三条 in full: items (一)(二)(四)(五) are checked per agency with evidence (agency_check, one row per check, the
newest per item counts), beside the staffing counts of (三).
第二十四条: the agency's declaration against bet-on-pass deals, pass promises and bundled certification, stored with
its time at registration (agency) and again on accepting each engagement (engagement).
第二十六条: the category of a disqualification (agency.disqualified_category).
"""

from contextlib import suppress

import peewee as pw
from peewee_migrate import Migrator


with suppress(ImportError):
    import playhouse.postgres_ext as pw_pext


# NOT NULL columns are added with their default in one statement: peewee's way (add as NULL, fill, then NOT NULL)
# rebuilds the table on SQLite, and agency is referenced by rows that must stay (engagements, users, applications).
NOT_NULL_COLUMNS = (
    ('agency', 'disqualified_category', pw.CharField(default='', max_length=20), "VARCHAR(20) NOT NULL DEFAULT ''"),
    ('agency', 'declaration', pw.TextField(default=''), "TEXT NOT NULL DEFAULT ''"),
    ('engagement', 'declaration', pw.TextField(default=''), "TEXT NOT NULL DEFAULT ''"),
)
NULL_COLUMNS = (('agency', 'declared_at'), ('engagement', 'declared_at'))


def migrate(migrator: Migrator, database: pw.Database, *, fake=False):
    """Write your migrations here."""

    for table, column, field, ddl in NOT_NULL_COLUMNS:
        migrator.orm[table]._meta.add_field(column, field)  # the migrator's picture of the schema
        migrator.sql(f'ALTER TABLE "{table}" ADD COLUMN "{column}" {ddl}')
    for table, column in NULL_COLUMNS:
        migrator.add_fields(table, **{column: pw.DateTimeField(null=True)})

    @migrator.create_model
    class AgencyCheck(pw.Model):
        id = pw.AutoField()
        agency = pw.ForeignKeyField(column_name='agency_id', field='id', model=migrator.orm['agency'], on_delete='RESTRICT')
        item_key = pw.CharField(max_length=40)
        result = pw.CharField(max_length=10)
        evidence = pw.TextField(default='')
        checked_by = pw.ForeignKeyField(column_name='checked_by_id', field='id', model=migrator.orm['user'], null=True, on_delete='SET NULL')
        checked_at = pw.DateTimeField()

        class Meta:
            table_name = "agency_check"
            indexes = [(('agency', 'item_key'), False)]


def rollback(migrator: Migrator, database: pw.Database, *, fake=False):
    """Write your rollback migrations here."""

    migrator.remove_model('agency_check')

    # Dropped in place (SQLite 3.35+, PostgreSQL): no table is rebuilt under the rows that reference it.
    for table, column, _, _ in NOT_NULL_COLUMNS:
        migrator.sql(f'ALTER TABLE "{table}" DROP COLUMN "{column}"')
    for table, column in NULL_COLUMNS:
        migrator.sql(f'ALTER TABLE "{table}" DROP COLUMN "{column}"')
