"""Peewee migrations -- 014_veto_gates.py.

第十五条 at every door (issue 16):
- 近三年 is computed: a veto check records the date of the event it found (VetoCheck.event_on; empty when none was
  found). Hits recorded before this have no date and keep counting until re-checked.
- 含园区内企业: a park's member enterprises (ParkMember), linked to their Subject or named with their credit code;
  one current membership per park and credit code (a partial unique index, in the form models.py gives it).
"""

from contextlib import suppress

import peewee as pw
from peewee_migrate import Migrator


with suppress(ImportError):
    import playhouse.postgres_ext as pw_pext


CURRENT_MEMBER_INDEX = "park_member_park_id_credit_code"


def migrate(migrator: Migrator, database: pw.Database, *, fake=False):
    """Write your migrations here."""

    migrator.add_fields(
        'veto_check',

        event_on=pw.DateField(null=True))

    @migrator.create_model
    class ParkMember(pw.Model):
        id = pw.AutoField()
        park = pw.ForeignKeyField(column_name='park_id', field='id', model=migrator.orm['subject'], on_delete='RESTRICT')
        member = pw.ForeignKeyField(column_name='member_id', field='id', model=migrator.orm['subject'], null=True, on_delete='RESTRICT')
        name = pw.CharField(max_length=200)
        credit_code = pw.CharField(max_length=18)
        added_by = pw.ForeignKeyField(column_name='added_by_id', field='id', model=migrator.orm['user'], null=True, on_delete='SET NULL')
        added_at = pw.DateTimeField()
        ended_on = pw.DateField(null=True)
        end_reason = pw.TextField()
        ended_by = pw.ForeignKeyField(column_name='ended_by_id', field='id', model=migrator.orm['user'], null=True, on_delete='SET NULL')

        class Meta:
            table_name = "park_member"

    migrator.sql(f'CREATE UNIQUE INDEX "{CURRENT_MEMBER_INDEX}" ON "park_member" ("park_id", "credit_code") '
                 'WHERE ("ended_on" IS NULL)')


def rollback(migrator: Migrator, database: pw.Database, *, fake=False):
    """Write your rollback migrations here."""

    migrator.sql(f'DROP INDEX "{CURRENT_MEMBER_INDEX}"')
    migrator.remove_model('park_member')
    migrator.remove_fields('veto_check', 'event_on')
