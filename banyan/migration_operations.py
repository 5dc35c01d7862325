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
