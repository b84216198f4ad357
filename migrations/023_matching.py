"""Peewee migrations -- 023_matching.py.

Matching that does a clerk's week (issue 20):
- an invitation has a reply-by date and expires unanswered (engagement.reply_by, status 'expired');
- the agency accepts, then the enterprise that commissions it confirms (status 'accepted', confirmed_at/_by);
- staff give a reason when they choose anything but the top-ranked agency (engagement.choice_reason), and the
  agency's decline reason is kept apart from its progress notes (engagement.decline_reason);
- a batch assignment is one record (assignment_batch) its invitations point to (engagement.batch_id);
- an agency's capacity is set per year (agency_capacity).
The one-live-engagement index now counts 'accepted' as live, so it is rebuilt with that predicate.
"""

from contextlib import suppress

import peewee as pw
from peewee_migrate import Migrator


with suppress(ImportError):
    import playhouse.postgres_ext as pw_pext


NOT_NULL_COLUMNS = (
    ('choice_reason', "TEXT NOT NULL DEFAULT ''", pw.TextField(default='')),
    ('decline_reason', "TEXT NOT NULL DEFAULT ''", pw.TextField(default='')),
)
LIVE_INDEX = "engagement_subject_id_agency_id_purpose_year"
LIVE_BEFORE = "('proposed', 'active', 'completed')"
LIVE_AFTER = "('proposed', 'accepted', 'active', 'completed')"


def _live_index(migrator, statuses):
    migrator.sql(f'DROP INDEX IF EXISTS "{LIVE_INDEX}"')
    migrator.sql(f'CREATE UNIQUE INDEX "{LIVE_INDEX}" ON "engagement" '
                 f'("subject_id", "agency_id", "purpose", "year") WHERE "status" IN {statuses}')


def migrate(migrator: Migrator, database: pw.Database, *, fake=False):
    """Write your migrations here."""

    @migrator.create_model
    class AssignmentBatch(pw.Model):
        id = pw.AutoField()
        year = pw.IntegerField(index=True)
        purpose = pw.CharField(max_length=20)
        rung = pw.CharField(max_length=20)
        method = pw.TextField(default='')
        subject_count = pw.IntegerField(default=0)
        created_by = pw.ForeignKeyField(column_name='created_by_id', field='id', model=migrator.orm['user'], null=True,
                                        on_delete='SET NULL')
        created_at = pw.DateTimeField()

        class Meta:
            table_name = "assignment_batch"

    @migrator.create_model
    class AgencyCapacity(pw.Model):
        id = pw.AutoField()
        agency = pw.ForeignKeyField(column_name='agency_id', field='id', model=migrator.orm['agency'],
                                    on_delete='RESTRICT')
        year = pw.IntegerField()
        capacity = pw.IntegerField()
        updated_by = pw.ForeignKeyField(column_name='updated_by_id', field='id', model=migrator.orm['user'], null=True,
                                        on_delete='SET NULL')
        updated_at = pw.DateTimeField()

        class Meta:
            table_name = "agency_capacity"
            indexes = [(('agency', 'year'), True)]

    for column, ddl, field in NOT_NULL_COLUMNS:
        migrator.orm['engagement']._meta.add_field(column, field)
        migrator.sql(f'ALTER TABLE "engagement" ADD COLUMN "{column}" {ddl}')
    migrator.add_fields(
        'engagement',
        reply_by=pw.DateField(null=True),
        confirmed_at=pw.DateTimeField(null=True),
        confirmed_by=pw.ForeignKeyField(column_name='confirmed_by_id', field='id', model=migrator.orm['user'],
                                        null=True, on_delete='SET NULL'),
        batch=pw.ForeignKeyField(column_name='batch_id', field='id', model=migrator.orm['assignment_batch'],
                                 null=True, on_delete='RESTRICT'))
    # engagements confirmed before the enterprise's confirmation existed were live from acceptance
    migrator.sql("UPDATE engagement SET confirmed_at = accepted_at WHERE status IN ('active', 'completed')")
    _live_index(migrator, LIVE_AFTER)


def rollback(migrator: Migrator, database: pw.Database, *, fake=False):
    """Write your rollback migrations here."""

    migrator.sql("UPDATE engagement SET status = 'active' WHERE status = 'accepted'")
    migrator.sql("UPDATE engagement SET status = 'declined' WHERE status = 'expired'")
    _live_index(migrator, LIVE_BEFORE)
    # SQLite cannot drop an indexed column: drop the foreign keys' indexes first.
    migrator.drop_index('engagement', 'confirmed_by')
    migrator.drop_index('engagement', 'batch')
    migrator.remove_fields('engagement', 'reply_by', 'confirmed_at', 'confirmed_by', 'batch')
    for column, _, _ in NOT_NULL_COLUMNS:
        migrator.sql(f'ALTER TABLE "engagement" DROP COLUMN "{column}"')
    migrator.remove_model('agency_capacity')
    migrator.remove_model('assignment_batch')
