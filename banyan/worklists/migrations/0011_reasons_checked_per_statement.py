"""On PostgreSQL, a task's reasons are checked against the tasks once per statement, not once per
row (issue 15 §3, session 24).

A foreign key is checked row by row: at bank1m a bank-wide build's ~140,000 reasons made as many
look-ups of their task at COMMIT (Django's keys are deferred), 0.9-1.2 s of the build that the
benchmarks, which roll their builds back, never timed. Here the key `TaskReason.task` is replaced,
on PostgreSQL only, by four statement triggers doing what it did with one query each over the
statement's rows (transition tables):
- a reason inserted or updated: its tasks are locked FOR KEY SHARE, as the key locked them (a task
  cannot be deleted or renumbered by another transaction until this one ends), and a reason whose
  task does not exist is refused (SQLSTATE 23503, foreign_key_violation, as before);
- a task deleted, or its id changed, while a reason still names it: refused the same way.
Two differences with the key, neither reachable from Banyan's code: the checks are immediate (at
the statement's end, where Django's keys wait for COMMIT; Django deletes a task's reasons before
the task), and they are triggers (a session with session_replication_role = replica skips them,
as it skips a key's). Like a key, the check also holds when tasks are partitioned (docs/scale.md
§5 step 1), where PostgreSQL refuses a key on the id alone.

The model keeps `db_constraint=True`: SQLite keeps the foreign key (its checks run inside the
engine, per row, at no comparable cost), and a later AlterField of the field on PostgreSQL finds
no key to drop and makes none (Django adds one back only where it dropped one).
banyan/worklists/tests/test_reason_checks.py checks all four on PostgreSQL and the key on SQLite."""

from django.db import migrations

# The ids go through arrays, not joins with the transition tables: PostgreSQL knows neither the
# size of a transition table nor, within the build's transaction, that of the tasks it has just
# written, and joins planned on those guesses ran for minutes (a nested loop over both); `= ANY` of
# an array is planned knowing its length, an index probe per id (as services._among).
INSERTED = """
CREATE FUNCTION worklists_reasons_have_tasks() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE ids bigint[]; locked bigint; missing bigint;
BEGIN
    SELECT array_agg(DISTINCT n.task_id) INTO ids FROM new_reasons n;
    SELECT count(*) INTO locked FROM (SELECT FROM worklists_task t WHERE t.id = ANY (ids) FOR KEY SHARE OF t) l;
    IF locked <> coalesce(cardinality(ids), 0) THEN
        SELECT i INTO missing FROM unnest(ids) i WHERE NOT EXISTS (SELECT 1 FROM worklists_task t WHERE t.id = i)
         LIMIT 1;
        RAISE EXCEPTION 'insert or update on table "worklists_taskreason" violates the check of its task'
            USING ERRCODE = 'foreign_key_violation',
                  DETAIL = format('Key (task_id)=(%s) is not present in table "worklists_task".', missing);
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER worklists_reason_task_i AFTER INSERT ON worklists_taskreason
    REFERENCING NEW TABLE AS new_reasons FOR EACH STATEMENT EXECUTE FUNCTION worklists_reasons_have_tasks();
CREATE TRIGGER worklists_reason_task_u AFTER UPDATE ON worklists_taskreason
    REFERENCING NEW TABLE AS new_reasons FOR EACH STATEMENT EXECUTE FUNCTION worklists_reasons_have_tasks();
"""

GONE = """
CREATE FUNCTION worklists_tasks_gone_without_reasons() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE ids bigint[]; kept bigint;
BEGIN
    IF TG_OP = 'DELETE' THEN
        SELECT array_agg(o.id) INTO ids FROM old_tasks o;
    ELSE  -- an id changed: the ids before that are no longer there after
        SELECT array_agg(g.id) INTO ids FROM (SELECT o.id FROM old_tasks o EXCEPT SELECT n.id FROM new_tasks n) g;
    END IF;
    IF ids IS NULL THEN
        RETURN NULL;
    END IF;
    SELECT r.task_id INTO kept FROM worklists_taskreason r WHERE r.task_id = ANY (ids) LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'update or delete on table "worklists_task" leaves reasons without their task'
            USING ERRCODE = 'foreign_key_violation',
                  DETAIL = format('Key (id)=(%s) is still referenced from table "worklists_taskreason".', kept);
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER worklists_task_reasons_d AFTER DELETE ON worklists_task
    REFERENCING OLD TABLE AS old_tasks FOR EACH STATEMENT EXECUTE FUNCTION worklists_tasks_gone_without_reasons();
CREATE TRIGGER worklists_task_reasons_u AFTER UPDATE ON worklists_task
    REFERENCING OLD TABLE AS old_tasks NEW TABLE AS new_tasks
    FOR EACH STATEMENT EXECUTE FUNCTION worklists_tasks_gone_without_reasons();
"""

DROP = """
DROP TRIGGER IF EXISTS worklists_reason_task_i ON worklists_taskreason;
DROP TRIGGER IF EXISTS worklists_reason_task_u ON worklists_taskreason;
DROP TRIGGER IF EXISTS worklists_task_reasons_d ON worklists_task;
DROP TRIGGER IF EXISTS worklists_task_reasons_u ON worklists_task;
DROP FUNCTION IF EXISTS worklists_reasons_have_tasks();
DROP FUNCTION IF EXISTS worklists_tasks_gone_without_reasons();
"""


# (keys: (table, column, the table it names, the key's name as Django made it); 0012 uses these too)
KEYS = [("worklists_taskreason", "task_id", "worklists_task",
         "worklists_taskreason_task_id_97e47f98_fk_worklists_task_id")]


def key_names(cursor, table: str, column: str) -> list[str]:
    """The foreign keys of `table` on `column` (their names, as found)."""
    cursor.execute(
        "SELECT c.conname FROM pg_constraint c JOIN pg_attribute a ON a.attrelid = c.conrelid "
        "AND a.attnum = ANY (c.conkey) WHERE c.contype = 'f' AND c.conrelid = %s::regclass AND a.attname = %s",
        [table, column])
    return [name for (name,) in cursor.fetchall()]


def replace_keys(schema_editor, keys: list[tuple], sql: list[str]) -> None:
    """On PostgreSQL: drop the keys, then run the SQL making the triggers that check in their place."""
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        for table, column, _named, _key in keys:
            for name in key_names(cursor, table, column):
                cursor.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
        for statement in sql:
            cursor.execute(statement)


def restore_keys(schema_editor, keys: list[tuple], drop: str) -> None:
    """On PostgreSQL: drop the triggers, then make the keys again as Django made them."""
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(drop)
        for table, column, named, key in keys:
            if not key_names(cursor, table, column):
                cursor.execute(f'ALTER TABLE {table} ADD CONSTRAINT "{key}" FOREIGN KEY ({column}) '
                               f"REFERENCES {named} (id) DEFERRABLE INITIALLY DEFERRED")


def forwards(apps, schema_editor):
    replace_keys(schema_editor, KEYS, [INSERTED, GONE])


def backwards(apps, schema_editor):
    restore_keys(schema_editor, KEYS, DROP)


class Migration(migrations.Migration):

    dependencies = [("worklists", "0010_task_closing_references_indexed_where_set")]

    operations = [migrations.RunPython(forwards, backwards)]
