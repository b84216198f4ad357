"""Peewee migrations -- 005_review.py.

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
    
    migrator.add_fields(
        'subject',

        green_code_grade=pw.CharField(default='', max_length=5),
        green_code_year=pw.IntegerField(null=True))

    @migrator.create_model
    class Application(pw.Model):
        id = pw.AutoField()
        subject = pw.ForeignKeyField(column_name='subject_id', field='id', model=migrator.orm['subject'], on_delete='RESTRICT')
        year = pw.IntegerField(index=True)
        rung = pw.CharField(index=True, max_length=20)
        method = pw.CharField(default='self', max_length=20)
        claimed_score = pw.FloatField(null=True)
        report = pw.ForeignKeyField(column_name='report_id', field='id', model=migrator.orm['document'], null=True, on_delete='SET NULL')
        status = pw.CharField(default='draft', index=True, max_length=20)
        return_reason = pw.TextField(default='')
        national_intent = pw.BooleanField(default=False)
        submitted_at = pw.DateTimeField(null=True)
        decided_at = pw.DateTimeField(null=True)
        created_by = pw.ForeignKeyField(column_name='created_by_id', field='id', model=migrator.orm['user'], null=True, on_delete='SET NULL')
        created_at = pw.DateTimeField()

        class Meta:
            table_name = "application"

    @migrator.create_model
    class Listing(pw.Model):
        id = pw.AutoField()
        subject = pw.ForeignKeyField(column_name='subject_id', field='id', model=migrator.orm['subject'], on_delete='RESTRICT')
        rung = pw.CharField(index=True, max_length=20)
        year = pw.IntegerField(index=True)
        status = pw.CharField(default='listed', index=True, max_length=20)
        source = pw.CharField(max_length=20)
        application = pw.ForeignKeyField(column_name='application_id', field='id', model=migrator.orm['application'], null=True, on_delete='SET NULL')
        listed_on = pw.DateField()
        removed_on = pw.DateField(null=True)
        removal_category = pw.CharField(default='', max_length=40)
        removal_reason = pw.TextField(default='')
        created_by = pw.ForeignKeyField(column_name='created_by_id', field='id', model=migrator.orm['user'], null=True, on_delete='SET NULL')

        class Meta:
            table_name = "listing"
            indexes = [(('subject', 'rung', 'year'), True)]

    @migrator.create_model
    class Publicity(pw.Model):
        id = pw.AutoField()
        year = pw.IntegerField(index=True)
        rung = pw.CharField(default='municipal', max_length=20)
        start_date = pw.DateField()
        status = pw.CharField(default='open', max_length=20)
        created_by = pw.ForeignKeyField(column_name='created_by_id', field='id', model=migrator.orm['user'], null=True, on_delete='SET NULL')
        created_at = pw.DateTimeField()
        published_at = pw.DateTimeField(null=True)
        published_by = pw.ForeignKeyField(column_name='published_by_id', field='id', model=migrator.orm['user'], null=True, on_delete='SET NULL')

        class Meta:
            table_name = "publicity"

    @migrator.create_model
    class Objection(pw.Model):
        id = pw.AutoField()
        publicity = pw.ForeignKeyField(column_name='publicity_id', field='id', model=migrator.orm['publicity'], on_delete='RESTRICT')
        application = pw.ForeignKeyField(column_name='application_id', field='id', model=migrator.orm['application'], null=True, on_delete='RESTRICT')
        name = pw.CharField(max_length=100)
        contact = pw.CharField(max_length=100)
        content = pw.TextField()
        evidence = pw.ForeignKeyField(column_name='evidence_id', field='id', model=migrator.orm['document'], null=True, on_delete='SET NULL')
        ip = pw.CharField(default='', max_length=45)
        submitted_at = pw.DateTimeField()
        handling = pw.TextField(default='')
        upheld = pw.BooleanField(null=True)
        handled_by = pw.ForeignKeyField(column_name='handled_by_id', field='id', model=migrator.orm['user'], null=True, on_delete='SET NULL')
        handled_at = pw.DateTimeField(null=True)

        class Meta:
            table_name = "objection"

    @migrator.create_model
    class PublicityEntry(pw.Model):
        id = pw.AutoField()
        publicity = pw.ForeignKeyField(column_name='publicity_id', field='id', model=migrator.orm['publicity'], on_delete='RESTRICT')
        application = pw.ForeignKeyField(column_name='application_id', field='id', model=migrator.orm['application'], on_delete='RESTRICT')

        class Meta:
            table_name = "publicity_entry"
            indexes = [(('publicity', 'application'), True)]

    @migrator.create_model
    class ReviewAssignment(pw.Model):
        id = pw.AutoField()
        application = pw.ForeignKeyField(column_name='application_id', field='id', model=migrator.orm['application'], on_delete='RESTRICT')
        expert = pw.ForeignKeyField(column_name='expert_id', field='id', model=migrator.orm['user'], on_delete='RESTRICT')
        assigned_by = pw.ForeignKeyField(column_name='assigned_by_id', field='id', model=migrator.orm['user'], null=True, on_delete='SET NULL')
        assigned_at = pw.DateTimeField()
        conflict = pw.BooleanField(null=True)
        conflict_reason = pw.TextField(default='')
        declared_at = pw.DateTimeField(null=True)
        score = pw.FloatField(null=True)
        comments = pw.TextField(default='')
        scored_at = pw.DateTimeField(null=True)
        removed_at = pw.DateTimeField(null=True)

        class Meta:
            table_name = "review_assignment"
            indexes = [(('application', 'expert'), True)]


def rollback(migrator: Migrator, database: pw.Database, *, fake=False):
    """Write your rollback migrations here."""
    

    migrator.remove_fields('subject', 'green_code_grade', 'green_code_year')

    migrator.remove_model('review_assignment')

    migrator.remove_model('publicity_entry')

    migrator.remove_model('objection')

    migrator.remove_model('publicity')

    migrator.remove_model('listing')

    migrator.remove_model('application')
