"""Peewee migrations -- 002_pool.py.

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

        rung=pw.CharField(default='interest', index=True, max_length=20))

    @migrator.create_model
    class EligibilityCheck(pw.Model):
        id = pw.AutoField()
        subject = pw.ForeignKeyField(column_name='subject_id', field='id', model=migrator.orm['subject'], on_delete='RESTRICT')
        item_key = pw.CharField(max_length=40)
        result = pw.CharField(max_length=10)
        evidence = pw.TextField(default='')
        checked_by = pw.ForeignKeyField(column_name='checked_by_id', field='id', model=migrator.orm['user'], null=True, on_delete='SET NULL')
        checked_at = pw.DateTimeField()

        class Meta:
            table_name = "eligibility_check"
            indexes = [(('subject', 'item_key'), False)]

    @migrator.create_model
    class PoolEntry(pw.Model):
        id = pw.AutoField()
        subject = pw.ForeignKeyField(column_name='subject_id', field='id', model=migrator.orm['subject'], on_delete='RESTRICT', unique=True)
        year_admitted = pw.IntegerField(index=True)
        status = pw.CharField(default='cultivating', index=True, max_length=20)
        potential = pw.CharField(default='ordinary', max_length=20)
        owner = pw.ForeignKeyField(column_name='owner_id', field='id', model=migrator.orm['user'], null=True, on_delete='SET NULL')
        exit_reason = pw.TextField(default='')
        exited_on = pw.DateField(null=True)
        created_at = pw.DateTimeField()

        class Meta:
            table_name = "pool_entry"

    @migrator.create_model
    class SubjectMessage(pw.Model):
        id = pw.AutoField()
        subject = pw.ForeignKeyField(column_name='subject_id', field='id', model=migrator.orm['subject'], on_delete='RESTRICT')
        kind = pw.CharField(max_length=20)
        body = pw.TextField()
        created_by = pw.ForeignKeyField(column_name='created_by_id', field='id', model=migrator.orm['user'], null=True, on_delete='SET NULL')
        created_at = pw.DateTimeField()

        class Meta:
            table_name = "subject_message"

    @migrator.create_model
    class VetoCheck(pw.Model):
        id = pw.AutoField()
        subject = pw.ForeignKeyField(column_name='subject_id', field='id', model=migrator.orm['subject'], on_delete='RESTRICT')
        condition_key = pw.CharField(max_length=40)
        result = pw.CharField(max_length=10)
        source = pw.CharField(default='', max_length=50)
        checked_on = pw.DateField()
        evidence = pw.TextField(default='')
        checked_by = pw.ForeignKeyField(column_name='checked_by_id', field='id', model=migrator.orm['user'], null=True, on_delete='SET NULL')
        created_at = pw.DateTimeField()

        class Meta:
            table_name = "veto_check"
            indexes = [(('subject', 'condition_key'), False)]


def rollback(migrator: Migrator, database: pw.Database, *, fake=False):
    """Write your rollback migrations here."""
    

    # SQLite cannot drop an indexed column: drop its index first.
    migrator.drop_index('subject', 'rung')
    migrator.remove_fields('subject', 'rung')

    migrator.remove_model('veto_check')

    migrator.remove_model('subject_message')

    migrator.remove_model('pool_entry')

    migrator.remove_model('eligibility_check')
