"""Peewee migrations -- 008_recommend.py.

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
        'application',

        park_green_factories=pw.IntegerField(null=True),
        supplier_green_factories=pw.IntegerField(null=True))

    @migrator.create_model
    class RecommendationRound(pw.Model):
        id = pw.AutoField()
        year = pw.IntegerField(index=True)
        version = pw.IntegerField(default=1)
        status = pw.CharField(default='draft', max_length=20)
        supersedes = pw.ForeignKeyField(column_name='supersedes_id', field='id', model='self', null=True, on_delete='RESTRICT')
        signed_by = pw.ForeignKeyField(column_name='signed_by_id', field='id', model=migrator.orm['user'], null=True, on_delete='SET NULL')
        signed_at = pw.DateTimeField(null=True)
        created_by = pw.ForeignKeyField(column_name='created_by_id', field='id', model=migrator.orm['user'], null=True, on_delete='SET NULL')
        created_at = pw.DateTimeField()

        class Meta:
            table_name = "recommendation_round"
            indexes = [(('year', 'version'), True)]

    @migrator.create_model
    class Recommendation(pw.Model):
        id = pw.AutoField()
        round = pw.ForeignKeyField(column_name='round_id', field='id', model=migrator.orm['recommendation_round'], on_delete='RESTRICT')
        application = pw.ForeignKeyField(column_name='application_id', field='id', model=migrator.orm['application'], on_delete='RESTRICT')
        rank = pw.IntegerField(null=True)
        decision = pw.CharField(max_length=20, null=True)
        opinion = pw.TextField(default='')
        exception_reason = pw.TextField(default='')
        decided_by = pw.ForeignKeyField(column_name='decided_by_id', field='id', model=migrator.orm['user'], null=True, on_delete='SET NULL')
        decided_at = pw.DateTimeField(null=True)

        class Meta:
            table_name = "recommendation"
            indexes = [(('round', 'application'), True)]


def rollback(migrator: Migrator, database: pw.Database, *, fake=False):
    """Write your rollback migrations here."""
    

    migrator.remove_fields('application', 'park_green_factories', 'supplier_green_factories')

    migrator.remove_model('recommendation')

    migrator.remove_model('recommendation_round')
