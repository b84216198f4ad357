"""Peewee migrations -- 024_engagement_preferences.py.

The enterprise's side of matching (第十条、第十二条, issue 20): the enterprise commissions and pays the agency, so
it states a preference for or an objection to an agency for a year, with a reason (engagement_preference: rows are
appended, the newest per subject, agency and year counts, withdrawn rather than deleted).
"""

from contextlib import suppress

import peewee as pw
from peewee_migrate import Migrator


with suppress(ImportError):
    import playhouse.postgres_ext as pw_pext


def migrate(migrator: Migrator, database: pw.Database, *, fake=False):
    """Write your migrations here."""

    @migrator.create_model
    class EngagementPreference(pw.Model):
        id = pw.AutoField()
        subject = pw.ForeignKeyField(column_name='subject_id', field='id', model=migrator.orm['subject'],
                                     on_delete='RESTRICT')
        agency = pw.ForeignKeyField(column_name='agency_id', field='id', model=migrator.orm['agency'],
                                    on_delete='RESTRICT')
        year = pw.IntegerField()
        stance = pw.CharField(max_length=10)
        reason = pw.TextField(default='')
        created_by = pw.ForeignKeyField(column_name='created_by_id', field='id', model=migrator.orm['user'], null=True,
                                        on_delete='SET NULL')
        created_at = pw.DateTimeField()
        withdrawn_at = pw.DateTimeField(null=True)

        class Meta:
            table_name = "engagement_preference"
            indexes = [(('subject', 'agency', 'year'), False)]


def rollback(migrator: Migrator, database: pw.Database, *, fake=False):
    """Write your rollback migrations here."""

    migrator.remove_model('engagement_preference')
