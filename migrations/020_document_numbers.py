"""Peewee migrations -- 020_document_numbers.py.

GB/T 9704 发文字号: issued_document holds the year's sequence numbers, one row per issued document, unique per year
and sequence (two issues at the same moment cannot share a number) and per document (issuing it again gives back
its number).
"""

import peewee as pw
from peewee_migrate import Migrator


def migrate(migrator: Migrator, database: pw.Database, *, fake=False):
    """Write your migrations here."""

    @migrator.create_model
    class IssuedDocument(pw.Model):
        id = pw.AutoField()
        year = pw.IntegerField()
        sequence = pw.IntegerField()
        number = pw.CharField(max_length=60)
        kind = pw.CharField(max_length=40)
        object_key = pw.CharField(max_length=60)
        title = pw.CharField(default='', max_length=200)
        issued_by = pw.ForeignKeyField(column_name='issued_by_id', field='id', model=migrator.orm['user'], null=True,
                                       on_delete='SET NULL')
        issued_at = pw.DateTimeField()

        class Meta:
            table_name = "issued_document"
            indexes = [(('year', 'sequence'), True), (('kind', 'object_key'), True)]


def rollback(migrator: Migrator, database: pw.Database, *, fake=False):
    """Write your rollback migrations here."""

    migrator.remove_model('issued_document')
