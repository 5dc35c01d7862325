"""Migration operations of our own (imported by migrations: keep their behaviour stable)."""

from django.db import migrations


class AddIndexWithoutBlockingWrites(migrations.AddIndex):
    """AddIndex, built CONCURRENTLY on PostgreSQL: a table of millions of rows (audit events,
    holdings) keeps taking writes while its index is built during an upgrade. The migration that
    uses it must say `atomic = False` (CONCURRENTLY runs outside a transaction)."""

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        model = to_state.apps.get_model(app_label, self.model_name)
        if not self.allow_migrate_model(schema_editor.connection.alias, model):
            return
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.add_index(model, self.index, concurrently=True)
        else:
            schema_editor.add_index(model, self.index)


class AddUniqueConstraintWithoutBlockingWrites(migrations.AddConstraint):
    """AddConstraint for a plain UniqueConstraint (fields, no condition), whose index is built
    CONCURRENTLY on PostgreSQL and then made the constraint (ADD CONSTRAINT … USING INDEX, a
    moment's lock): the same constraint Django would make, without holding the table's writes for
    the minutes a unique index over millions of rows takes. Needs `atomic = False`, as above."""

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        model = to_state.apps.get_model(app_label, self.model_name)
        if not self.allow_migrate_model(schema_editor.connection.alias, model):
            return
        if schema_editor.connection.vendor != "postgresql":
            schema_editor.add_constraint(model, self.constraint)
            return
        table = schema_editor.quote_name(model._meta.db_table)
        name = schema_editor.quote_name(self.constraint.name)
        columns = ", ".join(schema_editor.quote_name(model._meta.get_field(f).column)
                            for f in self.constraint.fields)
        schema_editor.execute(f"CREATE UNIQUE INDEX CONCURRENTLY {name} ON {table} ({columns})")
        schema_editor.execute(f"ALTER TABLE {table} ADD CONSTRAINT {name} UNIQUE USING INDEX {name}")


class RemoveIndexWithoutBlockingWrites(migrations.RemoveIndex):
    """RemoveIndex, dropped CONCURRENTLY on PostgreSQL: a plain DROP INDEX waits for every query on
    the table and holds its writes meanwhile. Needs `atomic = False`, as above."""

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        model = from_state.apps.get_model(app_label, self.model_name)
        if not self.allow_migrate_model(schema_editor.connection.alias, model):
            return
        index = from_state.models[app_label, self.model_name_lower].get_index_by_name(self.name)
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.remove_index(model, index, concurrently=True)
        else:
            schema_editor.remove_index(model, index)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        model = to_state.apps.get_model(app_label, self.model_name)
        if not self.allow_migrate_model(schema_editor.connection.alias, model):
            return
        index = to_state.models[app_label, self.model_name_lower].get_index_by_name(self.name)
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.add_index(model, index, concurrently=True)
        else:
            schema_editor.add_index(model, index)
