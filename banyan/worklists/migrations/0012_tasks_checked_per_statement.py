"""On PostgreSQL, a task's customer and manager are checked once per statement, not once per row
(issue 15 §3, session 24), as its reasons are since 0011.

A bank-wide build's 66,000 tasks at bank1m made 132,000 look-ups at COMMIT, one per row and key
(`Task.customer`, `Task.manager`): ~1 s of the build. Here both keys are replaced, on PostgreSQL
only, by triggers doing what they did:
- tasks inserted or updated: the customers and managers they bring in (on an update, the values
  not already named by the rows before it: an unchanged key is not checked again, as a key does)
  are locked FOR KEY SHARE, as the key locked them, and a task naming a customer or a staff member
  that does not exist is refused (SQLSTATE 23503, foreign_key_violation);
- a customer or a staff member deleted while a task still names them: refused the same way, one
  check per statement; their id changed under a task: refused, a row trigger that fires only for
  an UPDATE naming the id (no writer of Banyan's does), so a feed's million updates of customers
  pay nothing.
The differences with the keys are 0011's: immediate checks (Django deletes a customer's or staff
member's tasks before them), and triggers. The models keep `db_constraint=True`: SQLite keeps both
keys. banyan/worklists/tests/test_reason_checks.py checks them on PostgreSQL and SQLite."""

import importlib

from django.db import migrations

reasons = importlib.import_module("banyan.worklists.migrations.0011_reasons_checked_per_statement")

# As in 0011: the ids through arrays (`= ANY`, planned knowing their length), never a join with a
# transition table, whose size PostgreSQL does not know.
CHECK = """
    IF cardinality({array}) > 0 THEN
        SELECT count(*) INTO locked FROM (SELECT FROM {table} x WHERE x.id = ANY ({array}) FOR KEY SHARE OF x) l;
        IF locked <> cardinality({array}) THEN
            SELECT i INTO missing FROM unnest({array}) i WHERE NOT EXISTS (SELECT 1 FROM {table} x WHERE x.id = i)
             LIMIT 1;
            RAISE EXCEPTION 'insert or update on table "worklists_task" violates the check of its {column}'
                USING ERRCODE = 'foreign_key_violation',
                      DETAIL = format('Key ({column})=(%s) is not present in table "{table}".', missing);
        END IF;
    END IF;"""

TASKS = """
CREATE FUNCTION worklists_tasks_name_people() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE customers bigint[]; managers bigint[]; locked bigint; missing bigint;
BEGIN
    IF TG_OP = 'INSERT' THEN
        SELECT array_agg(DISTINCT n.customer_id), array_agg(DISTINCT n.manager_id) INTO customers, managers
          FROM new_tasks n;
    ELSE
        customers := array(SELECT n.customer_id FROM new_tasks n EXCEPT SELECT o.customer_id FROM old_tasks o);
        managers := array(SELECT n.manager_id FROM new_tasks n EXCEPT SELECT o.manager_id FROM old_tasks o);
    END IF;""" + CHECK.format(array="customers", table="customers_customer", column="customer_id") + \
    CHECK.format(array="managers", table="org_staff", column="manager_id") + """
    RETURN NULL;
END $$;
CREATE TRIGGER worklists_task_people_i AFTER INSERT ON worklists_task
    REFERENCING NEW TABLE AS new_tasks FOR EACH STATEMENT EXECUTE FUNCTION worklists_tasks_name_people();
CREATE TRIGGER worklists_task_people_u AFTER UPDATE ON worklists_task
    REFERENCING OLD TABLE AS old_tasks NEW TABLE AS new_tasks
    FOR EACH STATEMENT EXECUTE FUNCTION worklists_tasks_name_people();
"""

# TG_ARGV[0]: the tasks' column naming the table the trigger is on.
GONE = """
CREATE FUNCTION worklists_people_gone_without_tasks() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE ids bigint[]; kept bigint;
BEGIN
    SELECT array_agg(o.id) INTO ids FROM old_people o;
    IF ids IS NULL THEN
        RETURN NULL;
    END IF;
    EXECUTE format('SELECT t.%I FROM worklists_task t WHERE t.%I = ANY ($1) LIMIT 1', TG_ARGV[0], TG_ARGV[0])
       INTO kept USING ids;
    IF kept IS NOT NULL THEN
        RAISE EXCEPTION 'delete on table "%" leaves tasks without their %', TG_TABLE_NAME, TG_ARGV[0]
            USING ERRCODE = 'foreign_key_violation',
                  DETAIL = format('Key (id)=(%s) is still referenced from table "worklists_task".', kept);
    END IF;
    RETURN NULL;
END $$;
CREATE FUNCTION worklists_person_renumbered() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF (TG_ARGV[0] = 'customer_id' AND EXISTS (SELECT 1 FROM worklists_task t WHERE t.customer_id = OLD.id))
       OR (TG_ARGV[0] = 'manager_id' AND EXISTS (SELECT 1 FROM worklists_task t WHERE t.manager_id = OLD.id)) THEN
        RAISE EXCEPTION 'update on table "%" leaves tasks without their %', TG_TABLE_NAME, TG_ARGV[0]
            USING ERRCODE = 'foreign_key_violation',
                  DETAIL = format('Key (id)=(%s) is still referenced from table "worklists_task".', OLD.id);
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER worklists_customer_tasks_d AFTER DELETE ON customers_customer
    REFERENCING OLD TABLE AS old_people FOR EACH STATEMENT
    EXECUTE FUNCTION worklists_people_gone_without_tasks('customer_id');
CREATE TRIGGER worklists_customer_tasks_u BEFORE UPDATE OF id ON customers_customer
    FOR EACH ROW WHEN (OLD.id IS DISTINCT FROM NEW.id) EXECUTE FUNCTION worklists_person_renumbered('customer_id');
CREATE TRIGGER worklists_staff_tasks_d AFTER DELETE ON org_staff
    REFERENCING OLD TABLE AS old_people FOR EACH STATEMENT
    EXECUTE FUNCTION worklists_people_gone_without_tasks('manager_id');
CREATE TRIGGER worklists_staff_tasks_u BEFORE UPDATE OF id ON org_staff
    FOR EACH ROW WHEN (OLD.id IS DISTINCT FROM NEW.id) EXECUTE FUNCTION worklists_person_renumbered('manager_id');
"""

DROP = """
DROP TRIGGER IF EXISTS worklists_task_people_i ON worklists_task;
DROP TRIGGER IF EXISTS worklists_task_people_u ON worklists_task;
DROP TRIGGER IF EXISTS worklists_customer_tasks_d ON customers_customer;
DROP TRIGGER IF EXISTS worklists_customer_tasks_u ON customers_customer;
DROP TRIGGER IF EXISTS worklists_staff_tasks_d ON org_staff;
DROP TRIGGER IF EXISTS worklists_staff_tasks_u ON org_staff;
DROP FUNCTION IF EXISTS worklists_tasks_name_people();
DROP FUNCTION IF EXISTS worklists_people_gone_without_tasks();
DROP FUNCTION IF EXISTS worklists_person_renumbered();
"""

KEYS = [("worklists_task", "customer_id", "customers_customer",
         "worklists_task_customer_id_a68f6a44_fk_customers_customer_id"),
        ("worklists_task", "manager_id", "org_staff", "worklists_task_manager_id_3ee5098d_fk_org_staff_id")]


def forwards(apps, schema_editor):
    reasons.replace_keys(schema_editor, KEYS, [TASKS, GONE])


def backwards(apps, schema_editor):
    reasons.restore_keys(schema_editor, KEYS, DROP)


class Migration(migrations.Migration):

    dependencies = [("worklists", "0011_reasons_checked_per_statement")]

    operations = [migrations.RunPython(forwards, backwards)]
