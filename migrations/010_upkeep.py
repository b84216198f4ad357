"""Peewee migrations -- 010_upkeep.py.

Some examples (model - class or model name)::

    > Model = migrator.orm['table_name']            # Return model in current state by name
    > Model = migrator.ModelClass                   # Return model in current state by name

    > migrator.sql(sql)                             # Run custom SQL
    > migrator.run(func, *args, **kwargs)           # Run python function with the given args
    > migrator.create_model(Model)                  # Create a model (could be used as decorator)
    > migrator.remove_model(model, cascade=True)    # Remove a model
    > migrator.add_fields(model, **fields)          # Add fields (allow_not_null=True skips default)
    > migrator.change_fields(model, **fields)       # Change fields
    > migrator.remove_fields(model, *field_names, cascade=True)
    > migrator.rename_field(model, old_field_name, new_field_name)
    > migrator.rename_table(model, new_table_name)
    > migrator.add_index(model, *col_names, unique=False)
    > migrator.add_not_null(model, *field_names)
    > migrator.add_default(model, field_name, default)
    > migrator.add_constraint(model, name, sql)
    > migrator.drop_index(model, *col_names)
    > migrator.drop_not_null(model, *field_names)
    > migrator.drop_constraints(model, *constraints)

"""

from contextlib import suppress

import peewee as pw
from peewee_migrate import Migrator


with suppress(ImportError):
    import playhouse.postgres_ext as pw_pext


def migrate(migrator: Migrator, database: pw.Database, *, fake=False):
    """Write your migrations here."""
    

    @migrator.create_model
    class ChangeNotice(pw.Model):
        id = pw.AutoField()
        subject = pw.ForeignKeyField(column_name='subject_id', field='id', model=migrator.orm['subject'], on_delete='RESTRICT')
        kind = pw.CharField(max_length=20)
        description = pw.TextField()
        old_name = pw.CharField(default='', max_length=200)
        new_name = pw.CharField(default='', max_length=200)
        status = pw.CharField(default='pending', index=True, max_length=20)
        still_meets_standard = pw.BooleanField(null=True)
        verification = pw.TextField(default='')
        submitted_by = pw.ForeignKeyField(column_name='submitted_by_id', field='id', model=migrator.orm['user'], null=True, on_delete='SET NULL')
        submitted_at = pw.DateTimeField()
        decided_by = pw.ForeignKeyField(column_name='decided_by_id', field='id', model=migrator.orm['user'], null=True, on_delete='SET NULL')
        decided_at = pw.DateTimeField(null=True)

        class Meta:
            table_name = "change_notice"

    @migrator.create_model
    class Complaint(pw.Model):
        id = pw.AutoField()
        subject = pw.ForeignKeyField(column_name='subject_id', field='id', model=migrator.orm['subject'], null=True, on_delete='RESTRICT')
        agency = pw.ForeignKeyField(column_name='agency_id', field='id', model=migrator.orm['agency'], null=True, on_delete='RESTRICT')
        reporter_name = pw.CharField(max_length=100)
        reporter_contact = pw.CharField(max_length=100)
        matter = pw.TextField()
        ip = pw.CharField(default='', max_length=45)
        submitted_at = pw.DateTimeField()
        finding = pw.TextField(default='')
        outcome = pw.CharField(max_length=20, null=True)
        handled_by = pw.ForeignKeyField(column_name='handled_by_id', field='id', model=migrator.orm['user'], null=True, on_delete='SET NULL')
        handled_at = pw.DateTimeField(null=True)

        class Meta:
            table_name = "complaint"

    @migrator.create_model
    class DynamicReport(pw.Model):
        id = pw.AutoField()
        subject = pw.ForeignKeyField(column_name='subject_id', field='id', model=migrator.orm['subject'], on_delete='RESTRICT')
        year = pw.IntegerField(index=True)
        indicators = pw.TextField(default='{}')
        warnings = pw.TextField(default='[]')
        submitted_by = pw.ForeignKeyField(column_name='submitted_by_id', field='id', model=migrator.orm['user'], null=True, on_delete='SET NULL')
        submitted_at = pw.DateTimeField()
        review_result = pw.CharField(max_length=10, null=True)
        review_opinion = pw.TextField(default='')
        reviewed_by = pw.ForeignKeyField(column_name='reviewed_by_id', field='id', model=migrator.orm['user'], null=True, on_delete='SET NULL')
        reviewed_at = pw.DateTimeField(null=True)

        class Meta:
            table_name = "dynamic_report"
            indexes = [(('subject', 'year'), True)]

    @migrator.create_model
    class Incident(pw.Model):
        id = pw.AutoField()
        subject = pw.ForeignKeyField(column_name='subject_id', field='id', model=migrator.orm['subject'], on_delete='RESTRICT')
        occurred_on = pw.DateField()
        kind = pw.CharField(max_length=20)
        grade = pw.CharField(max_length=40)
        source = pw.CharField(max_length=200)
        description = pw.TextField()
        recorded_by = pw.ForeignKeyField(column_name='recorded_by_id', field='id', model=migrator.orm['user'], null=True, on_delete='SET NULL')
        recorded_at = pw.DateTimeField()

        class Meta:
            table_name = "incident"

    @migrator.create_model
    class Notice(pw.Model):
        id = pw.AutoField()
        user = pw.ForeignKeyField(column_name='user_id', field='id', model=migrator.orm['user'], on_delete='RESTRICT')
        text = pw.TextField()
        link = pw.CharField(default='', max_length=100)
        created_by = pw.ForeignKeyField(column_name='created_by_id', field='id', model=migrator.orm['user'], null=True, on_delete='SET NULL')
        created_at = pw.DateTimeField()
        read_at = pw.DateTimeField(null=True)

        class Meta:
            table_name = "notice"


def rollback(migrator: Migrator, database: pw.Database, *, fake=False):
    """Write your rollback migrations here."""
    

    migrator.remove_model('notice')

    migrator.remove_model('incident')

    migrator.remove_model('dynamic_report')

    migrator.remove_model('complaint')

    migrator.remove_model('change_notice')
