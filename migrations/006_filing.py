"""Peewee migrations -- 006_filing.py.

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
    class Filing(pw.Model):
        id = pw.AutoField()
        year = pw.IntegerField(index=True)
        filing_date = pw.DateField()
        stored_name = pw.CharField(max_length=64, unique=True)
        size = pw.IntegerField()
        sha256 = pw.CharField(max_length=64)
        counts = pw.TextField(default='{}')
        plan = pw.ForeignKeyField(column_name='plan_id', field='id', model=migrator.orm['cultivation_plan'], null=True, on_delete='RESTRICT')
        built_by = pw.ForeignKeyField(column_name='built_by_id', field='id', model=migrator.orm['user'], null=True, on_delete='SET NULL')
        built_at = pw.DateTimeField()
        sent_on = pw.DateField(null=True)
        sent_by = pw.ForeignKeyField(column_name='sent_by_id', field='id', model=migrator.orm['user'], null=True, on_delete='SET NULL')
        sent_how = pw.CharField(default='', max_length=100)

        class Meta:
            table_name = "filing"

    @migrator.create_model
    class FilingDeclaration(pw.Model):
        id = pw.AutoField()
        year = pw.IntegerField(unique=True)
        statement = pw.TextField()
        declared_by = pw.ForeignKeyField(column_name='declared_by_id', field='id', model=migrator.orm['user'], null=True, on_delete='SET NULL')
        declared_at = pw.DateTimeField()

        class Meta:
            table_name = "filing_declaration"


def rollback(migrator: Migrator, database: pw.Database, *, fake=False):
    """Write your rollback migrations here."""
    

    migrator.remove_model('filing_declaration')

    migrator.remove_model('filing')
