"""Peewee migrations -- 001_initial.py.

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
    class Subject(pw.Model):
        id = pw.AutoField()
        kind = pw.CharField(index=True, max_length=20)
        name = pw.CharField(index=True, max_length=200)
        credit_code = pw.CharField(max_length=18, unique=True)
        district = pw.CharField(index=True, max_length=50)
        industry_code = pw.CharField(index=True, max_length=4)
        address = pw.CharField(max_length=300)
        legal_representative = pw.CharField(max_length=100)
        contact_person = pw.CharField(max_length=100)
        contact_phone = pw.CharField(max_length=30)
        contact_email = pw.CharField(default='', max_length=200)
        park_management_body = pw.CharField(default='', max_length=200)
        park_value_added_share = pw.FloatField(null=True)
        park_boundary_note = pw.TextField(default='')
        energy_efficiency_level = pw.CharField(default='', max_length=30)
        source = pw.CharField(default='self', max_length=10)
        status = pw.CharField(default='pending', index=True, max_length=20)
        public_token = pw.CharField(max_length=32, unique=True)
        created_at = pw.DateTimeField()
        updated_at = pw.DateTimeField()

        class Meta:
            table_name = "subject"

    @migrator.create_model
    class User(pw.Model):
        id = pw.AutoField()
        username = pw.CharField(max_length=50, unique=True)
        display_name = pw.CharField(max_length=100)
        role = pw.CharField(index=True, max_length=20)
        password_hash = pw.CharField(max_length=255)
        active = pw.BooleanField(default=True)
        must_change_password = pw.BooleanField(default=False)
        failed_logins = pw.IntegerField(default=0)
        locked_until = pw.DateTimeField(null=True)
        last_login_at = pw.DateTimeField(null=True)
        organisation = pw.CharField(default='', max_length=200)
        phone = pw.CharField(default='', max_length=30)
        subject = pw.ForeignKeyField(column_name='subject_id', field='id', model=migrator.orm['subject'], null=True, on_delete='RESTRICT')
        created_at = pw.DateTimeField()

        class Meta:
            table_name = "user"

    @migrator.create_model
    class AuditEvent(pw.Model):
        id = pw.AutoField()
        created_at = pw.DateTimeField(index=True)
        user = pw.ForeignKeyField(column_name='user_id', field='id', model=migrator.orm['user'], null=True, on_delete='SET NULL')
        username = pw.CharField(default='', max_length=50)
        ip = pw.CharField(default='', max_length=45)
        action = pw.CharField(index=True, max_length=60)
        object_type = pw.CharField(default='', max_length=40)
        object_id = pw.IntegerField(null=True)
        object_label = pw.CharField(default='', max_length=200)
        result = pw.CharField(default='ok', max_length=20)
        details = pw.TextField(default='{}')

        class Meta:
            table_name = "audit_event"
            indexes = [(('object_type', 'object_id'), False)]

    @migrator.create_model
    class Document(pw.Model):
        id = pw.AutoField()
        owner_type = pw.CharField(max_length=40)
        owner_id = pw.IntegerField()
        purpose = pw.CharField(default='', max_length=40)
        original_name = pw.CharField(max_length=255)
        stored_name = pw.CharField(max_length=64, unique=True)
        size = pw.IntegerField()
        content_type = pw.CharField(max_length=100)
        sha256 = pw.CharField(max_length=64)
        uploaded_by = pw.ForeignKeyField(column_name='uploaded_by_id', field='id', model=migrator.orm['user'], null=True, on_delete='SET NULL')
        uploaded_at = pw.DateTimeField()
        withdrawn_at = pw.DateTimeField(null=True)

        class Meta:
            table_name = "document"
            indexes = [(('owner_type', 'owner_id'), False)]

    @migrator.create_model
    class Setting(pw.Model):
        id = pw.AutoField()
        key = pw.CharField(max_length=64, unique=True)
        value = pw.TextField()
        updated_at = pw.DateTimeField()
        updated_by = pw.ForeignKeyField(column_name='updated_by_id', field='id', model=migrator.orm['user'], null=True, on_delete='SET NULL')

        class Meta:
            table_name = "setting"


def rollback(migrator: Migrator, database: pw.Database, *, fake=False):
    """Write your rollback migrations here."""
    
    migrator.remove_model('setting')

    migrator.remove_model('document')

    migrator.remove_model('audit_event')

    migrator.remove_model('user')

    migrator.remove_model('subject')
