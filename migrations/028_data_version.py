"""Peewee migrations -- 028_data_version.py.

Province scale (issue 19): data_version, one counter per topic, bumped by triggers in the same transaction as every
change to the tables the topic covers, so core/versions.py can serve a computed page part again exactly while
nothing it shows has changed. Topic 'pool' covers what the pool list, its filter bar and the pool figures read:
subject, pool_entry, and a user's name, role and active flag (the owner column, the staff filter).

On PostgreSQL the bump is a constraint trigger deferred to commit and done once per transaction: the counter row is
locked only for the moment of the commit, after every other lock the transaction takes, so two transactions that
change subjects never deadlock on it. `epoch` is drawn here: a database made afresh never reuses another's
(epoch, version).
"""

# ruff: noqa: S608 -- every statement here is a constant of this file
import secrets

import peewee as pw
from peewee_migrate import Migrator

# table → the events that change what the topic shows
POOL_TABLES = {"subject": "INSERT OR UPDATE OR DELETE", "pool_entry": "INSERT OR UPDATE OR DELETE",
               "user": "INSERT OR DELETE OR UPDATE OF display_name, role, active"}
BUMP = "UPDATE data_version SET version = version + 1 WHERE topic = 'pool'"


def _sqlite_up():
    # SQLite: one trigger per event (no OR), row by row
    for table, events in POOL_TABLES.items():
        for event in events.split(" OR "):
            name = f"data_version_{table}_{event.split()[0].lower()}"
            yield f'CREATE TRIGGER {name} AFTER {event} ON "{table}" BEGIN {BUMP}; END'


def _sqlite_down():
    for table, events in POOL_TABLES.items():
        for event in events.split(" OR "):
            yield f"DROP TRIGGER IF EXISTS data_version_{table}_{event.split()[0].lower()}"


POSTGRES_FUNCTION = """CREATE OR REPLACE FUNCTION data_version_bump() RETURNS trigger AS $$
BEGIN
  -- once per transaction and topic: the flag is transaction-local (set_config's third argument)
  IF current_setting('greenladder.bumped_' || TG_ARGV[0], true) IS DISTINCT FROM '1' THEN
    UPDATE data_version SET version = version + 1 WHERE topic = TG_ARGV[0];
    PERFORM set_config('greenladder.bumped_' || TG_ARGV[0], '1', true);
  END IF;
  RETURN NULL;
END $$ LANGUAGE plpgsql"""


def _postgres_up():
    yield POSTGRES_FUNCTION
    for table, events in POOL_TABLES.items():
        yield (f'CREATE CONSTRAINT TRIGGER data_version_{table} AFTER {events} ON "{table}" '
               "DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION data_version_bump('pool')")


def _postgres_down():
    for table in POOL_TABLES:
        yield f'DROP TRIGGER IF EXISTS data_version_{table} ON "{table}"'
    yield "DROP FUNCTION IF EXISTS data_version_bump()"


def _is_postgres(database):
    return isinstance(database, pw.PostgresqlDatabase)


def migrate(migrator: Migrator, database: pw.Database, *, fake=False):
    """Write your migrations here."""

    @migrator.create_model
    class DataVersion(pw.Model):
        topic = pw.CharField(max_length=20, primary_key=True)
        epoch = pw.CharField(max_length=32)
        version = pw.BigIntegerField(default=0)

        class Meta:
            table_name = "data_version"

    migrator.sql(f"INSERT INTO data_version (topic, epoch, version) VALUES ('pool', '{secrets.token_hex(8)}', 0)")
    for statement in _postgres_up() if _is_postgres(database) else _sqlite_up():
        migrator.sql(statement)


def rollback(migrator: Migrator, database: pw.Database, *, fake=False):
    """Write your rollback migrations here."""

    for statement in _postgres_down() if _is_postgres(database) else _sqlite_down():
        migrator.sql(statement)
    migrator.remove_model("data_version")
