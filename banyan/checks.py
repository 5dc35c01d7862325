"""System checks for the deployment (run by `banyan check` and at every `banyan serve`)."""

from django.core.checks import Warning, register
from django.db import connection


@register("database")
def postgres_collation(app_configs, **kwargs):
    """Search keys are matched by index ranges, which assume code-point order: on PostgreSQL the
    database must use the C collation (as `initdb --locale=C` or `CREATE DATABASE … LC_COLLATE 'C'
    TEMPLATE template0`). SQLite always compares by code point."""
    if connection.vendor != "postgresql":
        return []
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT datcollate FROM pg_database WHERE datname = current_database()")
            collation = cursor.fetchone()[0]
    except Exception:  # noqa: BLE001 - no database yet: nothing to check
        return []
    if collation not in ("C", "POSIX", "C.UTF-8", "C.utf8"):
        return [Warning(f"The database collation is {collation}; Banyan's search needs C.",
                        hint="Create the database with LC_COLLATE 'C' TEMPLATE template0 (see README).",
                        id="banyan.W001")]
    return []
