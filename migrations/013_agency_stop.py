"""Peewee migrations -- 013_agency_stop.py.

第二十六条: a suspended or disqualified agency stops at once. Its open engagements end with a recorded reason
(status 'ended', ended_reason, ended_at). Engagements still open for agencies already suspended or disqualified
when this runs are ended here too, so that old data follows the same rule.
"""

from contextlib import suppress
from datetime import datetime
from zoneinfo import ZoneInfo

import peewee as pw
from peewee_migrate import Migrator


with suppress(ImportError):
    import playhouse.postgres_ext as pw_pext


LEGACY_REASON = "机构已被暂停或取消资格（第二十六条），对接于系统升级时终止"


def migrate(migrator: Migrator, database: pw.Database, *, fake=False):
    """Write your migrations here."""

    migrator.add_fields(
        'engagement',

        ended_at=pw.DateTimeField(null=True),
        ended_reason=pw.TextField(default=''))

    # The bureau's wall-clock time, as models.local_now() writes it (naive, Asia/Shanghai).
    now = datetime.now(ZoneInfo("Asia/Shanghai")).strftime("%Y-%m-%d %H:%M:%S")
    p = database.param
    migrator.sql(
        f"UPDATE engagement SET status = 'ended', ended_reason = {p}, ended_at = {p} "
        "WHERE status IN ('proposed', 'active') "
        "AND agency_id IN (SELECT id FROM agency WHERE status IN ('suspended', 'disqualified'))",
        LEGACY_REASON, now)


def rollback(migrator: Migrator, database: pw.Database, *, fake=False):
    """Write your rollback migrations here."""

    # The older code knows no 'ended': an ended engagement goes back to where it stood before.
    migrator.sql("UPDATE engagement SET status = CASE WHEN accepted_at IS NULL THEN 'proposed' ELSE 'active' END "
                 "WHERE status = 'ended'")
    migrator.remove_fields('engagement', 'ended_at', 'ended_reason')
