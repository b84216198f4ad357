"""Peewee migrations -- 017_spot_checks.py.

第二十九条: spot checks of listed units (SpotCheck); an incident's grade becomes a choice (特别重大/重大/较大/一般),
with the date its report went to the province. The free-text grades stored before are mapped to the choice by the
words they contain, and kept as they were in `grade_note`; a text that names no grade is taken as 重大 (the form
asked for major incidents only), so that it shows as still to be reported rather than being lost from sight.
第三十条: every removal has its public notice (RemovalNotice); removals made before this get theirs here.
第三十二条: a public report states why it carries no evidence file (Complaint.no_evidence_reason).
"""

import re
from contextlib import suppress

import peewee as pw
from peewee_migrate import Migrator


with suppress(ImportError):
    import playhouse.postgres_ext as pw_pext


# The words of a free-text grade, most severe first; a text is given the first grade whose words it contains
# (a roman numeral only when no other one comes right before it: "II级" is not "I级").
GRADE_WORDS = (
    ("especially_major", r"特别重大|(?<![IVX])(?:Ⅰ|I|一|1)级"),
    ("larger", r"较大|(?<![IVX])(?:Ⅲ|III|三|3)级"),
    ("general", r"一般|(?<![IVX])(?:Ⅳ|IV|四|4)级"),
    ("major", r"重大|(?<![IVX])(?:Ⅱ|II|二|2)级"),
)
GRADE_LABELS = {"especially_major": "特别重大（Ⅰ级）", "major": "重大（Ⅱ级）", "larger": "较大（Ⅲ级）",
                "general": "一般（Ⅳ级）"}


def grade_of(text):
    """The grade a free-text grade names ("Ⅱ级（重大）" → major); 重大 when it names none."""
    text = (text or "").replace(" ", "").upper()
    for grade, pattern in GRADE_WORDS:
        if re.search(pattern, text):
            return grade
    return "major"


def _map_grades(database):
    rows = database.execute_sql("SELECT id, grade FROM incident").fetchall()
    p = database.param
    for incident_id, text in rows:
        if text in GRADE_LABELS:
            continue
        database.execute_sql(f"UPDATE incident SET grade = {p}, grade_note = {p} WHERE id = {p}",
                             (grade_of(text), (text or "")[:200], incident_id))


def _unmap_grades(database):
    p = database.param
    for grade, label in GRADE_LABELS.items():
        database.execute_sql(f"UPDATE incident SET grade = {p} WHERE grade = {p} AND grade_note = ''", (label, grade))
    database.execute_sql("UPDATE incident SET grade = grade_note WHERE grade_note <> ''")


def migrate(migrator: Migrator, database: pw.Database, *, fake=False):
    """Write your migrations here."""

    @migrator.create_model
    class SpotCheck(pw.Model):
        id = pw.AutoField()
        subject = pw.ForeignKeyField(column_name='subject_id', field='id', model=migrator.orm['subject'], on_delete='RESTRICT')
        checked_on = pw.DateField(index=True)
        method = pw.CharField(max_length=20)
        inspectors = pw.CharField(max_length=200)
        findings = pw.TextField()
        result = pw.CharField(max_length=20, index=True)
        recorded_by = pw.ForeignKeyField(column_name='recorded_by_id', field='id', model=migrator.orm['user'], null=True, on_delete='SET NULL')
        recorded_at = pw.DateTimeField()

        class Meta:
            table_name = "spot_check"

    @migrator.create_model
    class RemovalNotice(pw.Model):
        id = pw.AutoField()
        listing = pw.ForeignKeyField(column_name='listing_id', field='id', model=migrator.orm['listing'], on_delete='RESTRICT', unique=True)
        subject = pw.ForeignKeyField(column_name='subject_id', field='id', model=migrator.orm['subject'], on_delete='RESTRICT')
        subject_name = pw.CharField(max_length=200)
        credit_code = pw.CharField(max_length=18)
        kind = pw.CharField(max_length=20)
        rung = pw.CharField(max_length=20)
        list_year = pw.IntegerField()
        category = pw.TextField()
        effective_on = pw.DateField(index=True)
        published_at = pw.DateTimeField()

        class Meta:
            table_name = "removal_notice"

    migrator.add_fields(
        'incident',

        grade_note=pw.CharField(max_length=200, default=''),
        reported_on=pw.DateField(null=True),
        reported_by=pw.ForeignKeyField(column_name='reported_by_id', field='id', model=migrator.orm['user'], null=True, on_delete='SET NULL'))

    migrator.add_fields(
        'complaint',

        no_evidence_reason=pw.TextField(default=''))

    migrator.run(_map_grades, database)

    # Removals made before notices existed: their notice now, under the name and list as they stand.
    migrator.sql(
        "INSERT INTO removal_notice (listing_id, subject_id, subject_name, credit_code, kind, rung, list_year, category, "
        "effective_on, published_at) "
        "SELECT listing.id, subject.id, subject.name, subject.credit_code, subject.kind, listing.rung, listing.year, "
        "listing.removal_category, listing.removed_on, listing.removed_on "
        "FROM listing JOIN subject ON subject.id = listing.subject_id "
        "WHERE listing.status = 'removed' AND listing.removed_on IS NOT NULL")


def rollback(migrator: Migrator, database: pw.Database, *, fake=False):
    """Write your rollback migrations here."""

    migrator.run(_unmap_grades, database)
    migrator.remove_fields('complaint', 'no_evidence_reason')
    # SQLite cannot drop an indexed column: drop the foreign key's index first.
    migrator.drop_index('incident', 'reported_by')
    migrator.remove_fields('incident', 'grade_note', 'reported_on', 'reported_by')
    migrator.remove_model('removal_notice')
    migrator.remove_model('spot_check')
