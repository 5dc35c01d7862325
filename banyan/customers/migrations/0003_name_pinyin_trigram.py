"""A trigram index on the pinyin of names, on PostgreSQL only (search by a part of the name).

The database runs with the C collation, under which pg_trgm ignores Chinese characters: that is
why the index is on `name_pinyin` (ASCII), and a search for 小明 goes through the pinyin of 小明.
`CREATE EXTENSION pg_trgm` needs a role allowed to create extensions; when the application's
role is not, the migration says so and goes on without the index (search still works, by a
scan): the DBA runs `CREATE EXTENSION pg_trgm;` and `manage.py migrate customers 0002` then
`migrate` again (docs/deploy). On SQLite this migration does nothing.
"""

import logging

from django.db import DatabaseError, migrations, transaction

log = logging.getLogger(__name__)

INDEX = "cust_pinyin_trgm"


def create_index(apps, schema_editor):
    conn = schema_editor.connection
    if conn.vendor != "postgresql":
        return
    try:
        with transaction.atomic(using=conn.alias), conn.cursor() as cur:  # a savepoint: a refusal leaves the rest
            cur.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    except DatabaseError as e:
        log.warning("pg_trgm could not be created (%s): customer search works without the trigram index; "
                    "ask the DBA to run CREATE EXTENSION pg_trgm and migrate again.", str(e).strip())
        return
    with conn.cursor() as cur:
        cur.execute(f"CREATE INDEX IF NOT EXISTS {INDEX} ON customers_customer USING gin (name_pinyin gin_trgm_ops)")


def drop_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cur:
        cur.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    dependencies = [("customers", "0002_birthday_keys")]

    operations = [migrations.RunPython(create_index, drop_index)]
