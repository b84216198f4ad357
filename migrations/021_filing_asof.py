"""Peewee migrations -- 021_filing_asof.py.

第十条: the plan's 附件2 (绿色化改造项目及计划汇总表) lists each plan item's real upgrade projects (PlanProject: what,
when, investment in 万元, expected effect) instead of repeating the template milestones.
"""

from contextlib import suppress

import peewee as pw
from peewee_migrate import Migrator


with suppress(ImportError):
    import playhouse.postgres_ext as pw_pext


def migrate(migrator: Migrator, database: pw.Database, *, fake=False):
    """Write your migrations here."""

    @migrator.create_model
    class PlanProject(pw.Model):
        id = pw.AutoField()
        item = pw.ForeignKeyField(column_name='item_id', field='id', model=migrator.orm['plan_item'], on_delete='RESTRICT')
        name = pw.CharField(max_length=200)
        start_on = pw.DateField()
        end_on = pw.DateField()
        investment = pw.FloatField()
        effect = pw.TextField()
        withdrawn_at = pw.DateTimeField(null=True)
        created_by = pw.ForeignKeyField(column_name='created_by_id', field='id', model=migrator.orm['user'], null=True, on_delete='SET NULL')
        created_at = pw.DateTimeField()

        class Meta:
            table_name = "plan_project"


def rollback(migrator: Migrator, database: pw.Database, *, fake=False):
    """Write your rollback migrations here."""

    migrator.remove_model('plan_project')
