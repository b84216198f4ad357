"""Peewee migrations -- 025_plan_dashboard.py.

A plan dashboard a 局长 reads at a glance, and milestones that follow the work (issue 20):
- a milestone names the event that ticks it (milestone.event, a key of rules.MILESTONE_EVENTS, '' for a step ticked
  by hand) and shows what ticked it and when (milestone.done_event); existing milestones get their event from their
  name where it is a template step's;
- targets per district (plan_district_target, one per plan and district);
- the dashboard's figures kept with the plan as they stood (plan_snapshot, never changed).
"""

from contextlib import suppress

import peewee as pw
from peewee_migrate import Migrator


with suppress(ImportError):
    import playhouse.postgres_ext as pw_pext


NOT_NULL_COLUMNS = (
    ('event', pw.CharField(default='', max_length=30), "VARCHAR(30) NOT NULL DEFAULT ''"),
    ('done_event', pw.CharField(default='', max_length=200), "VARCHAR(200) NOT NULL DEFAULT ''"),
)
# the template steps ticked by an event, by name, as rules.MILESTONE_TEMPLATES had them when this was written
EVENT_BY_NAME = (
    ('第三方机构对接', 'engagement_accepted'),
    ('自评价或第三方评价', 'evaluation_report'),
    ('申报', 'application_submitted'),
    ('入选市级名单', 'listed'),
    ('入选省级名单', 'listed'),
    ('入选国家级名单', 'listed'),
)


def migrate(migrator: Migrator, database: pw.Database, *, fake=False):
    """Write your migrations here."""

    for column, field, ddl in NOT_NULL_COLUMNS:
        migrator.orm['milestone']._meta.add_field(column, field)
        migrator.sql(f'ALTER TABLE "milestone" ADD COLUMN "{column}" {ddl}')
    for name, event in EVENT_BY_NAME:
        migrator.sql(f"UPDATE \"milestone\" SET \"event\" = '{event}' WHERE \"name\" = '{name}'")  # noqa: S608 (constants)

    @migrator.create_model
    class PlanDistrictTarget(pw.Model):
        id = pw.AutoField()
        plan = pw.ForeignKeyField(column_name='plan_id', field='id', model=migrator.orm['cultivation_plan'],
                                  on_delete='RESTRICT')
        district = pw.CharField(max_length=50)
        count = pw.IntegerField(default=0)

        class Meta:
            table_name = "plan_district_target"
            indexes = [(('plan', 'district'), True)]

    @migrator.create_model
    class PlanSnapshot(pw.Model):
        id = pw.AutoField()
        plan = pw.ForeignKeyField(column_name='plan_id', field='id', model=migrator.orm['cultivation_plan'],
                                  on_delete='RESTRICT')
        taken_at = pw.DateTimeField()
        taken_by = pw.ForeignKeyField(column_name='taken_by_id', field='id', model=migrator.orm['user'], null=True,
                                      on_delete='SET NULL')
        figures = pw.TextField()

        class Meta:
            table_name = "plan_snapshot"


def rollback(migrator: Migrator, database: pw.Database, *, fake=False):
    """Write your rollback migrations here."""

    migrator.remove_model('plan_snapshot')
    migrator.remove_model('plan_district_target')
    for column, _, _ in NOT_NULL_COLUMNS:
        migrator.sql(f'ALTER TABLE "milestone" DROP COLUMN "{column}"')
