"""Peewee migrations -- 027_search_index.py.

Province scale (issue 19):
- substring search of a subject's name or credit code through an index: on SQLite an FTS5 table with the trigram
  tokenizer over subject(name, credit_code) (external content, kept current by triggers, backfilled here); on
  PostgreSQL the pg_trgm extension and trigram GIN indexes, which `LIKE '%x%'` / `ILIKE` use;
- subject_count: the number of subjects per (district, kind, rung, status, pool status), kept by triggers on subject
  and pool_entry in the same transaction as the change, so the home page and the pool figures read a few rows
  instead of scanning the pool on every load.
"""

# ruff: noqa: S608 -- every statement here is a constant of this file
import peewee as pw
from peewee_migrate import Migrator

KEY = "district, kind, rung, status, pool_status"

SQLITE_UP = [
    # -- the search index (trigram: any substring of three characters or more is found through the index)
    "CREATE VIRTUAL TABLE subject_fts USING fts5(name, credit_code, content='subject', content_rowid='id', "
    "tokenize='trigram')",
    "CREATE TRIGGER subject_fts_ai AFTER INSERT ON subject BEGIN "
    "INSERT INTO subject_fts(rowid, name, credit_code) VALUES (NEW.id, NEW.name, NEW.credit_code); END",
    "CREATE TRIGGER subject_fts_ad AFTER DELETE ON subject BEGIN "
    "INSERT INTO subject_fts(subject_fts, rowid, name, credit_code) VALUES ('delete', OLD.id, OLD.name, "
    "OLD.credit_code); END",
    "CREATE TRIGGER subject_fts_au AFTER UPDATE OF name, credit_code ON subject BEGIN "
    "INSERT INTO subject_fts(subject_fts, rowid, name, credit_code) VALUES ('delete', OLD.id, OLD.name, "
    "OLD.credit_code); "
    "INSERT INTO subject_fts(rowid, name, credit_code) VALUES (NEW.id, NEW.name, NEW.credit_code); END",
    "INSERT INTO subject_fts(subject_fts) VALUES ('rebuild')",
    # -- the counts
    "CREATE TRIGGER subject_count_si AFTER INSERT ON subject BEGIN "
    f"INSERT INTO subject_count({KEY}, n) VALUES (NEW.district, NEW.kind, NEW.rung, NEW.status, "
    "COALESCE((SELECT status FROM pool_entry WHERE subject_id = NEW.id), ''), 1) "
    f"ON CONFLICT({KEY}) DO UPDATE SET n = n + 1; END",
    "CREATE TRIGGER subject_count_sd AFTER DELETE ON subject BEGIN "
    "UPDATE subject_count SET n = n - 1 WHERE district = OLD.district AND kind = OLD.kind AND rung = OLD.rung "
    "AND status = OLD.status AND pool_status = COALESCE((SELECT status FROM pool_entry WHERE subject_id = OLD.id), "
    "''); END",
    "CREATE TRIGGER subject_count_su AFTER UPDATE OF district, kind, rung, status ON subject "
    "WHEN OLD.district IS NOT NEW.district OR OLD.kind IS NOT NEW.kind OR OLD.rung IS NOT NEW.rung "
    "OR OLD.status IS NOT NEW.status BEGIN "
    "UPDATE subject_count SET n = n - 1 WHERE district = OLD.district AND kind = OLD.kind AND rung = OLD.rung "
    "AND status = OLD.status AND pool_status = COALESCE((SELECT status FROM pool_entry WHERE subject_id = OLD.id), "
    "''); "
    f"INSERT INTO subject_count({KEY}, n) VALUES (NEW.district, NEW.kind, NEW.rung, NEW.status, "
    "COALESCE((SELECT status FROM pool_entry WHERE subject_id = NEW.id), ''), 1) "
    f"ON CONFLICT({KEY}) DO UPDATE SET n = n + 1; END",
    "CREATE TRIGGER subject_count_pi AFTER INSERT ON pool_entry BEGIN "
    f"UPDATE subject_count SET n = n - 1 WHERE ({KEY}) = "
    "(SELECT district, kind, rung, status, '' FROM subject WHERE id = NEW.subject_id); "
    f"INSERT INTO subject_count({KEY}, n) SELECT district, kind, rung, status, NEW.status, 1 FROM subject "
    f"WHERE id = NEW.subject_id ON CONFLICT({KEY}) DO UPDATE SET n = n + 1; END",
    "CREATE TRIGGER subject_count_pd AFTER DELETE ON pool_entry BEGIN "
    f"UPDATE subject_count SET n = n - 1 WHERE ({KEY}) = "
    "(SELECT district, kind, rung, status, OLD.status FROM subject WHERE id = OLD.subject_id); "
    f"INSERT INTO subject_count({KEY}, n) SELECT district, kind, rung, status, '', 1 FROM subject "
    f"WHERE id = OLD.subject_id ON CONFLICT({KEY}) DO UPDATE SET n = n + 1; END",
    "CREATE TRIGGER subject_count_pu AFTER UPDATE OF status, subject_id ON pool_entry "
    "WHEN OLD.status IS NOT NEW.status OR OLD.subject_id IS NOT NEW.subject_id BEGIN "
    f"UPDATE subject_count SET n = n - 1 WHERE ({KEY}) = "
    "(SELECT district, kind, rung, status, OLD.status FROM subject WHERE id = OLD.subject_id); "
    f"INSERT INTO subject_count({KEY}, n) SELECT district, kind, rung, status, '', 1 FROM subject "
    f"WHERE id = OLD.subject_id ON CONFLICT({KEY}) DO UPDATE SET n = n + 1; "
    f"UPDATE subject_count SET n = n - 1 WHERE ({KEY}) = "
    "(SELECT district, kind, rung, status, '' FROM subject WHERE id = NEW.subject_id); "
    f"INSERT INTO subject_count({KEY}, n) SELECT district, kind, rung, status, NEW.status, 1 FROM subject "
    f"WHERE id = NEW.subject_id ON CONFLICT({KEY}) DO UPDATE SET n = n + 1; END",
]
SQLITE_DOWN = [
    *(f"DROP TRIGGER IF EXISTS {name}" for name in (
        "subject_fts_ai", "subject_fts_ad", "subject_fts_au", "subject_count_si", "subject_count_sd",
        "subject_count_su", "subject_count_pi", "subject_count_pd", "subject_count_pu")),
    "DROP TABLE IF EXISTS subject_fts",
]

POSTGRES_UP = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    'CREATE INDEX IF NOT EXISTS subject_name_trgm ON "subject" USING gin ("name" gin_trgm_ops)',
    'CREATE INDEX IF NOT EXISTS subject_credit_code_trgm ON "subject" USING gin ("credit_code" gin_trgm_ops)',
    # -- the counts: bump(key, delta) and one trigger function per table
    f"""CREATE OR REPLACE FUNCTION subject_count_bump(d text, k text, r text, s text, p text, delta integer)
    RETURNS void AS $$
    BEGIN
      INSERT INTO subject_count ({KEY}, n) VALUES (d, k, r, s, p, delta)
      ON CONFLICT ({KEY}) DO UPDATE SET n = subject_count.n + EXCLUDED.n;
    END $$ LANGUAGE plpgsql""",
    """CREATE OR REPLACE FUNCTION subject_count_subject() RETURNS trigger AS $$
    DECLARE p text;
    BEGIN
      IF TG_OP IN ('UPDATE', 'DELETE') THEN
        SELECT status INTO p FROM pool_entry WHERE subject_id = OLD.id;
        PERFORM subject_count_bump(OLD.district, OLD.kind, OLD.rung, OLD.status, COALESCE(p, ''), -1);
      END IF;
      IF TG_OP IN ('UPDATE', 'INSERT') THEN
        SELECT status INTO p FROM pool_entry WHERE subject_id = NEW.id;
        PERFORM subject_count_bump(NEW.district, NEW.kind, NEW.rung, NEW.status, COALESCE(p, ''), 1);
      END IF;
      RETURN NULL;
    END $$ LANGUAGE plpgsql""",
    """CREATE OR REPLACE FUNCTION subject_count_pool() RETURNS trigger AS $$
    DECLARE s record;
    BEGIN
      -- FOR UPDATE: a change of the subject's district, kind, rung or status at the same moment waits for this
      -- one (or this for it), so the two triggers never bump from a stale row
      IF TG_OP IN ('UPDATE', 'DELETE') THEN
        SELECT * INTO s FROM subject WHERE id = OLD.subject_id FOR UPDATE;
        PERFORM subject_count_bump(s.district, s.kind, s.rung, s.status, OLD.status, -1);
        PERFORM subject_count_bump(s.district, s.kind, s.rung, s.status, '', 1);
      END IF;
      IF TG_OP IN ('UPDATE', 'INSERT') THEN
        SELECT * INTO s FROM subject WHERE id = NEW.subject_id FOR UPDATE;
        PERFORM subject_count_bump(s.district, s.kind, s.rung, s.status, '', -1);
        PERFORM subject_count_bump(s.district, s.kind, s.rung, s.status, NEW.status, 1);
      END IF;
      RETURN NULL;
    END $$ LANGUAGE plpgsql""",
    "CREATE TRIGGER subject_count_si AFTER INSERT OR DELETE ON subject FOR EACH ROW "
    "EXECUTE FUNCTION subject_count_subject()",
    "CREATE TRIGGER subject_count_su AFTER UPDATE OF district, kind, rung, status ON subject FOR EACH ROW "
    "WHEN ((OLD.district, OLD.kind, OLD.rung, OLD.status) IS DISTINCT FROM "
    "(NEW.district, NEW.kind, NEW.rung, NEW.status)) EXECUTE FUNCTION subject_count_subject()",
    "CREATE TRIGGER subject_count_pi AFTER INSERT OR DELETE ON pool_entry FOR EACH ROW "
    "EXECUTE FUNCTION subject_count_pool()",
    "CREATE TRIGGER subject_count_pu AFTER UPDATE OF status, subject_id ON pool_entry FOR EACH ROW "
    "WHEN ((OLD.status, OLD.subject_id) IS DISTINCT FROM (NEW.status, NEW.subject_id)) "
    "EXECUTE FUNCTION subject_count_pool()",
]
POSTGRES_DOWN = [
    'DROP TRIGGER IF EXISTS subject_count_si ON "subject"',
    'DROP TRIGGER IF EXISTS subject_count_su ON "subject"',
    'DROP TRIGGER IF EXISTS subject_count_pi ON "pool_entry"',
    'DROP TRIGGER IF EXISTS subject_count_pu ON "pool_entry"',
    "DROP FUNCTION IF EXISTS subject_count_subject()",
    "DROP FUNCTION IF EXISTS subject_count_pool()",
    "DROP FUNCTION IF EXISTS subject_count_bump(text, text, text, text, text, integer)",
    "DROP INDEX IF EXISTS subject_name_trgm",
    "DROP INDEX IF EXISTS subject_credit_code_trgm",
]

BACKFILL = (f"INSERT INTO subject_count ({KEY}, n) "
            "SELECT s.district, s.kind, s.rung, s.status, COALESCE(p.status, ''), COUNT(*) FROM subject s "
            "LEFT JOIN pool_entry p ON p.subject_id = s.id GROUP BY s.district, s.kind, s.rung, s.status, p.status")


def _is_postgres(database):
    return isinstance(database, pw.PostgresqlDatabase)


def migrate(migrator: Migrator, database: pw.Database, *, fake=False):
    """Write your migrations here."""

    @migrator.create_model
    class SubjectCount(pw.Model):
        id = pw.AutoField()
        district = pw.CharField(max_length=50)
        kind = pw.CharField(max_length=20)
        rung = pw.CharField(max_length=20)
        status = pw.CharField(max_length=20)
        pool_status = pw.CharField(max_length=20)
        n = pw.IntegerField(default=0)

        class Meta:
            table_name = "subject_count"
            indexes = [(("district", "kind", "rung", "status", "pool_status"), True)]

    migrator.sql(BACKFILL)
    for statement in POSTGRES_UP if _is_postgres(database) else SQLITE_UP:
        migrator.sql(statement)


def rollback(migrator: Migrator, database: pw.Database, *, fake=False):
    """Write your rollback migrations here."""

    for statement in POSTGRES_DOWN if _is_postgres(database) else SQLITE_DOWN:
        migrator.sql(statement)
    migrator.remove_model("subject_count")
