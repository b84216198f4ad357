"""Peewee migrations -- 009_agencies.py.

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
    class Agency(pw.Model):
        id = pw.AutoField()
        name = pw.CharField(max_length=200)
        credit_code = pw.CharField(max_length=18, unique=True)
        legal_representative = pw.CharField(index=True, max_length=100)
        address = pw.CharField(max_length=300)
        contact_person = pw.CharField(max_length=100)
        contact_phone = pw.CharField(max_length=30)
        platform_registration_no = pw.CharField(default='', max_length=60)
        platform_approved = pw.BooleanField(default=False)
        staff_mid_level = pw.IntegerField(default=0)
        staff_senior = pw.IntegerField(default=0)
        expertise_industries = pw.TextField(default='')
        expertise_kinds = pw.TextField(default='')
        experience = pw.TextField(default='')
        status = pw.CharField(default='pending', index=True, max_length=20)
        status_reason = pw.TextField(default='')
        disqualified_on = pw.DateField(null=True)
        disqualified_until = pw.DateField(null=True)
        created_at = pw.DateTimeField()

        class Meta:
            table_name = "agency"

    @migrator.create_model
    class AgencyReport(pw.Model):
        id = pw.AutoField()
        agency = pw.ForeignKeyField(column_name='agency_id', field='id', model=migrator.orm['agency'], on_delete='RESTRICT')
        year = pw.IntegerField()
        document = pw.ForeignKeyField(column_name='document_id', field='id', model=migrator.orm['document'], on_delete='RESTRICT')
        submitted_by = pw.ForeignKeyField(column_name='submitted_by_id', field='id', model=migrator.orm['user'], null=True, on_delete='SET NULL')
        submitted_at = pw.DateTimeField()

        class Meta:
            table_name = "agency_report"
            indexes = [(('agency', 'year'), False)]

    @migrator.create_model
    class Engagement(pw.Model):
        id = pw.AutoField()
        subject = pw.ForeignKeyField(column_name='subject_id', field='id', model=migrator.orm['subject'], on_delete='RESTRICT')
        agency = pw.ForeignKeyField(column_name='agency_id', field='id', model=migrator.orm['agency'], on_delete='RESTRICT')
        purpose = pw.CharField(max_length=20)
        rung = pw.CharField(max_length=20)
        year = pw.IntegerField(index=True)
        status = pw.CharField(default='proposed', index=True, max_length=20)
        outcome = pw.CharField(max_length=10, null=True)
        warning = pw.TextField(default='')
        notes = pw.TextField(default='')
        proposed_by = pw.ForeignKeyField(column_name='proposed_by_id', field='id', model=migrator.orm['user'], null=True, on_delete='SET NULL')
        proposed_at = pw.DateTimeField()
        accepted_at = pw.DateTimeField(null=True)
        completed_at = pw.DateTimeField(null=True)

        class Meta:
            table_name = "engagement"

    # The foreign keys to agency come after its table exists.
    migrator.add_fields(
        'user',

        agency=pw.ForeignKeyField(column_name='agency_id', field='id', model=migrator.orm['agency'], null=True, on_delete='RESTRICT'))
    migrator.add_fields(
        'application',

        agency=pw.ForeignKeyField(column_name='agency_id', field='id', model=migrator.orm['agency'], null=True, on_delete='RESTRICT'))


def rollback(migrator: Migrator, database: pw.Database, *, fake=False):
    """Write your rollback migrations here."""
    

    # SQLite cannot drop an indexed column: drop the foreign keys' indexes first.
    migrator.drop_index('application', 'agency')
    migrator.remove_fields('application', 'agency')

    migrator.drop_index('user', 'agency')
    migrator.remove_fields('user', 'agency')

    migrator.remove_model('engagement')

    migrator.remove_model('agency_report')

    migrator.remove_model('agency')
