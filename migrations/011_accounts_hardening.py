"""Peewee migrations -- 011_accounts_hardening.py.

Sessions that end on the server (User.session_version), password age and history (等保 2.0),
lockout by account and source address (LoginThrottle, replacing User.failed_logins/locked_until),
and the rate limiter's counters shared by every worker (RateLimitCounter).
"""

from contextlib import suppress

import peewee as pw
from peewee_migrate import Migrator


with suppress(ImportError):
    import playhouse.postgres_ext as pw_pext


def migrate(migrator: Migrator, database: pw.Database, *, fake=False):
    migrator.add_fields(
        'user',
        session_version=pw.IntegerField(default=1),
        password_changed_at=pw.DateTimeField(null=True),
        password_history=pw.TextField(default='[]'))
    migrator.remove_fields('user', 'failed_logins', 'locked_until')

    @migrator.create_model
    class LoginThrottle(pw.Model):
        id = pw.AutoField()
        username = pw.CharField(max_length=50)
        ip = pw.CharField(max_length=45)
        failures = pw.IntegerField(default=0)
        locked_until = pw.DateTimeField(null=True)
        updated_at = pw.DateTimeField()

        class Meta:
            table_name = "login_throttle"
            indexes = [(('username', 'ip'), True)]

    @migrator.create_model
    class RateLimitCounter(pw.Model):
        id = pw.AutoField()
        key = pw.CharField(max_length=255, unique=True)
        count = pw.IntegerField(default=0)
        expires_at = pw.DoubleField()

        class Meta:
            table_name = "rate_limit_counter"


def rollback(migrator: Migrator, database: pw.Database, *, fake=False):
    migrator.remove_model('rate_limit_counter')
    migrator.remove_model('login_throttle')
    migrator.add_fields(
        'user',
        failed_logins=pw.IntegerField(default=0),
        locked_until=pw.DateTimeField(null=True))
    migrator.remove_fields('user', 'session_version', 'password_changed_at', 'password_history')
