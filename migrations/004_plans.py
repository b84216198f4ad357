"""Peewee migrations -- 004_plans.py.

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
    class CultivationPlan(pw.Model):
        id = pw.AutoField()
        year = pw.IntegerField(index=True)
        version = pw.IntegerField(default=1)
        title = pw.CharField(max_length=200)
        goals = pw.TextField(default='')
        measures = pw.TextField(default='')
        status = pw.CharField(default='draft', max_length=20)
        supersedes = pw.ForeignKeyField(column_name='supersedes_id', field='id', model='self', null=True, on_delete='RESTRICT')
        approved_by = pw.ForeignKeyField(column_name='approved_by_id', field='id', model=migrator.orm['user'], null=True, on_delete='SET NULL')
        approved_at = pw.DateTimeField(null=True)
        filed_at = pw.DateTimeField(null=True)
        created_by = pw.ForeignKeyField(column_name='created_by_id', field='id', model=migrator.orm['user'], null=True, on_delete='SET NULL')
        created_at = pw.DateTimeField()
        updated_at = pw.DateTimeField()

        class Meta:
            table_name = "cultivation_plan"
            indexes = [(('year', 'version'), True)]

    @migrator.create_model
    class PlanItem(pw.Model):
        id = pw.AutoField()
        plan = pw.ForeignKeyField(column_name='plan_id', field='id', model=migrator.orm['cultivation_plan'], on_delete='RESTRICT')
        subject = pw.ForeignKeyField(column_name='subject_id', field='id', model=migrator.orm['subject'], on_delete='RESTRICT')
        target_rung = pw.CharField(max_length=20)
        target_year = pw.IntegerField()
        owner = pw.ForeignKeyField(column_name='owner_id', field='id', model=migrator.orm['user'], null=True, on_delete='SET NULL')
        note = pw.TextField(default='')
        withdrawn_at = pw.DateTimeField(null=True)
        created_at = pw.DateTimeField()

        class Meta:
            table_name = "plan_item"
            indexes = [(('plan', 'subject'), True)]

    @migrator.create_model
    class Milestone(pw.Model):
        id = pw.AutoField()
        item = pw.ForeignKeyField(column_name='item_id', field='id', model=migrator.orm['plan_item'], on_delete='RESTRICT')
        position = pw.IntegerField(default=0)
        name = pw.CharField(max_length=100)
        due_date = pw.DateField()
        done_date = pw.DateField(null=True)
        evidence_note = pw.TextField(default='')
        document = pw.ForeignKeyField(column_name='document_id', field='id', model=migrator.orm['document'], null=True, on_delete='SET NULL')
        submitted_at = pw.DateTimeField(null=True)
        confirmed_by = pw.ForeignKeyField(column_name='confirmed_by_id', field='id', model=migrator.orm['user'], null=True, on_delete='SET NULL')

        class Meta:
            table_name = "milestone"

    @migrator.create_model
    class PlanTarget(pw.Model):
        id = pw.AutoField()
        plan = pw.ForeignKeyField(column_name='plan_id', field='id', model=migrator.orm['cultivation_plan'], on_delete='RESTRICT')
        kind = pw.CharField(max_length=20)
        rung = pw.CharField(max_length=20)
        count = pw.IntegerField(default=0)

        class Meta:
            table_name = "plan_target"
            indexes = [(('plan', 'kind', 'rung'), True)]


def rollback(migrator: Migrator, database: pw.Database, *, fake=False):
    """Write your rollback migrations here."""
    

    migrator.remove_model('plan_target')

    migrator.remove_model('milestone')

    migrator.remove_model('plan_item')

    migrator.remove_model('cultivation_plan')
