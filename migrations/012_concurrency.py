"""Peewee migrations -- 012_concurrency.py.

The "one per …" rules become unique indexes, so two requests at the same moment cannot both pass the check
(issue 15): one open application per subject, year and rung; one live engagement per subject, agency, purpose
and year; one recommended application per rank in a round; an application publicised once. The first three are
partial indexes (SQLite and PostgreSQL both have them), written as SQL in the form models.py gives them.

Before the index on applications is built, the bare draft copies a double click left behind (status draft, no
report, no uploaded material) are removed, keeping the oldest or the one that went further. Any other duplicate
stops the migration with the rows to look at, and nothing is changed.
"""

from contextlib import suppress

import peewee as pw
from peewee_migrate import Migrator


with suppress(ImportError):
    import playhouse.postgres_ext as pw_pext


PARTIAL_INDEXES = (
    ("application_subject_id_year_rung", "application", ("subject_id", "year", "rung"),
     "\"status\" != 'rejected'"),
    ("engagement_subject_id_agency_id_purpose_year", "engagement", ("subject_id", "agency_id", "purpose", "year"),
     "\"status\" IN ('proposed', 'active', 'completed')"),
    ("recommendation_round_id_rank", "recommendation", ("round_id", "rank"), "\"decision\" = 'recommend'"),
)


def _duplicates(database, table, columns, predicate):
    names = ", ".join(f'"{c}"' for c in columns)
    return database.execute_sql(f'SELECT {names}, COUNT(*) FROM "{table}" WHERE {predicate} '
                                f"GROUP BY {names} HAVING COUNT(*) > 1").fetchall()


def _remove_bare_draft_copies(database):
    p = database.param
    for subject_id, year, rung, _ in _duplicates(database, *PARTIAL_INDEXES[0][1:]):
        rows = database.execute_sql(
            f"SELECT id, status, report_id FROM application WHERE subject_id = {p} AND year = {p} AND rung = {p} "
            "AND status != 'rejected' ORDER BY id", (subject_id, year, rung)).fetchall()

        def bare(row):
            documents = database.execute_sql(
                f"SELECT COUNT(*) FROM document WHERE owner_type = 'application' AND owner_id = {p}", (row[0],))
            return row[1] == "draft" and row[2] is None and documents.fetchone()[0] == 0

        keep = next((row for row in rows if not bare(row)), rows[0])
        for row in rows:
            if row is not keep and bare(row):
                database.execute_sql(f"DELETE FROM application WHERE id = {p}", (row[0],))


def _refuse_duplicates(database):
    found = []
    for _, table, columns, predicate in PARTIAL_INDEXES:
        for row in _duplicates(database, table, columns, predicate):
            found.append(f"{table} {dict(zip(columns, row))}（{row[-1]} 条）")
    for row in database.execute_sql("SELECT application_id, COUNT(*) FROM publicity_entry "
                                    "GROUP BY application_id HAVING COUNT(*) > 1").fetchall():
        found.append(f"publicity_entry application_id={row[0]}（{row[1]} 条）")
    if found:
        raise RuntimeError("以下记录违反“唯一”规则，请先人工核对处理后再升级：" + "；".join(found))


def _index_publicised_application(database, unique):
    """Replace the index on publicity_entry.application_id by one that is (or is not) unique. Its name comes from
    005 (peewee-migrate named it after the model), so it is looked up rather than assumed."""
    for index in database.get_indexes("publicity_entry"):
        if index.columns == ["application_id"]:
            database.execute_sql(f'DROP INDEX "{index.name}"')
    kind = "UNIQUE INDEX" if unique else "INDEX"
    database.execute_sql(f'CREATE {kind} "publicityentry_application_id" ON "publicity_entry" ("application_id")')


def migrate(migrator: Migrator, database: pw.Database, *, fake=False):
    """Write your migrations here."""

    migrator.run(_remove_bare_draft_copies, database)
    migrator.run(_refuse_duplicates, database)
    for name, table, columns, predicate in PARTIAL_INDEXES:
        names = ", ".join(f'"{c}"' for c in columns)
        migrator.sql(f'CREATE UNIQUE INDEX "{name}" ON "{table}" ({names}) WHERE ({predicate})')
    migrator.run(_index_publicised_application, database, unique=True)


def rollback(migrator: Migrator, database: pw.Database, *, fake=False):
    """Write your rollback migrations here."""

    migrator.run(_index_publicised_application, database, unique=False)
    for name, *_ in reversed(PARTIAL_INDEXES):
        migrator.sql(f'DROP INDEX "{name}"')
