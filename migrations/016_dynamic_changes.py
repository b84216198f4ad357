"""Peewee migrations -- 016_dynamic_changes.py.

第二十七条、第三十条第二项: a dynamic management table keeps the day it reached the bureau (received_on, which decides
按时 / 逾期), how it came (online or on paper) and a reason the bureau recorded for a late table. Rows already stored
were received the day they were submitted.

第三十一条: a change notice keeps what its decision did (action_taken) and the signed recommendation round whose
package reported it (reported_in). Changes decided before a round of their year was signed were in that package
(the older code put the year's changes in it); the others wait for the next one.
"""

from contextlib import suppress

import peewee as pw
from peewee_migrate import Migrator


with suppress(ImportError):
    import playhouse.postgres_ext as pw_pext


def migrate(migrator: Migrator, database: pw.Database, *, fake=False):
    """Write your migrations here."""

    migrator.add_fields(
        'dynamic_report',

        received_on=pw.DateField(null=True),
        channel=pw.CharField(default='online', max_length=10),
        late_reason=pw.TextField(default=''),
        late_reason_by=pw.ForeignKeyField(column_name='late_reason_by_id', field='id', model=migrator.orm['user'], null=True, on_delete='SET NULL'),
        late_reason_at=pw.DateTimeField(null=True))

    migrator.add_fields(
        'change_notice',

        action_taken=pw.TextField(default=''),
        reported_in=pw.ForeignKeyField(column_name='reported_in_id', field='id', model=migrator.orm['recommendation_round'], null=True, on_delete='RESTRICT'))

    sqlite = isinstance(database, pw.SqliteDatabase)
    day = "substr(submitted_at, 1, 10)" if sqlite else "CAST(submitted_at AS DATE)"
    year = "CAST(strftime('%Y', change_notice.submitted_at) AS INTEGER)" if sqlite \
        else "EXTRACT(YEAR FROM change_notice.submitted_at)"
    migrator.sql(f"UPDATE dynamic_report SET received_on = {day} WHERE received_on IS NULL")
    migrator.sql(
        "UPDATE change_notice SET reported_in_id = ("
        " SELECT r.id FROM recommendation_round r"
        f" WHERE r.status = 'signed' AND r.year = {year} AND r.signed_at >= change_notice.decided_at"
        " ORDER BY r.version LIMIT 1) "
        "WHERE status <> 'pending' AND reported_in_id IS NULL")


def rollback(migrator: Migrator, database: pw.Database, *, fake=False):
    """Write your rollback migrations here."""

    # SQLite cannot drop an indexed column: drop the foreign keys' indexes first.
    migrator.drop_index('change_notice', 'reported_in')
    migrator.remove_fields('change_notice', 'action_taken', 'reported_in')
    migrator.drop_index('dynamic_report', 'late_reason_by')
    migrator.remove_fields('dynamic_report', 'received_on', 'channel', 'late_reason', 'late_reason_by',
                           'late_reason_at')
