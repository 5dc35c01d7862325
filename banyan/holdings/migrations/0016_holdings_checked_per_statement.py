"""On PostgreSQL, a holding's customer, product and seller are checked once per statement, not once
per row (issue 15 §1, session 25), as a task's are since worklists 0011-0012.

A foreign key is checked row by row at COMMIT (Django's keys are deferred): a holdings feed's
first load of 5M holdings made ~15M look-ups, 13 µs a holding measured at bank1m, ~65 s of the
writing connection that the feed's floor ("the write alone", tables without keys) does not pay.
Here the three keys (`Holding.customer`, `Holding.product`, `Holding.sold_by`) are replaced, on
PostgreSQL only, by triggers doing what they did:
- holdings inserted (a COPY of a feed's chunk, a form's one row): one statement trigger over the
  statement's rows (a transition table) locks the customers, products and sellers they name FOR
  KEY SHARE, as the keys locked them, and refuses a holding naming one that does not exist
  (SQLSTATE 23503, foreign_key_violation);
- a holding's customer, product or seller changed by an update: a row trigger that fires only for
  an UPDATE naming one of those columns and only where the value changed (a feed's UPDATE sets
  the columns that changed, a save() sets all; a key skips an unchanged value the same way). Not a
  statement trigger: its transition tables would copy every row of a nightly revaluation;
- a customer, product or staff member deleted while a holding still names them: refused, once
  per statement; their id changed under a holding: refused, a row trigger firing only for an
  UPDATE naming the id.
The differences with the keys are worklists 0011's: immediate checks (Django clears or deletes a
customer's, product's or seller's holdings before them), and triggers. The functions are generic
(their arguments name the columns and tables), for the next table whose keys are worth it. The
model keeps `db_constraint=True`: SQLite keeps the keys.
banyan/holdings/tests/test_holding_checks.py checks them on PostgreSQL and the keys on SQLite."""

import importlib

from django.db import migrations

keys = importlib.import_module("banyan.worklists.migrations.0011_reasons_checked_per_statement")

# Every function below reads the ids through arrays (`= ANY`, planned knowing their length), never a
# join with a transition table, whose size PostgreSQL does not know (worklists 0011).
FUNCTIONS = """
-- AFTER INSERT, FOR EACH STATEMENT, REFERENCING NEW TABLE AS new_rows.
-- Arguments: pairs of (column, the table it names by id).
CREATE FUNCTION statement_rows_name_existing() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE ids bigint[]; locked bigint; missing bigint;
BEGIN
    FOR i IN 0 .. TG_NARGS / 2 - 1 LOOP
        EXECUTE format('SELECT array_agg(DISTINCT n.%1$I) FROM new_rows n WHERE n.%1$I IS NOT NULL', TG_ARGV[2 * i])
           INTO ids;
        CONTINUE WHEN ids IS NULL;
        EXECUTE format('SELECT count(*) FROM (SELECT FROM %I x WHERE x.id = ANY ($1) FOR KEY SHARE OF x) l',
                       TG_ARGV[2 * i + 1]) INTO locked USING ids;
        IF locked <> cardinality(ids) THEN
            EXECUTE format('SELECT i FROM unnest($1) i WHERE NOT EXISTS (SELECT 1 FROM %I x WHERE x.id = i) LIMIT 1',
                           TG_ARGV[2 * i + 1]) INTO missing USING ids;
            RAISE EXCEPTION 'insert or update on table "%" violates the check of its %', TG_TABLE_NAME, TG_ARGV[2 * i]
                USING ERRCODE = 'foreign_key_violation',
                      DETAIL = format('Key (%s)=(%s) is not present in table "%s".', TG_ARGV[2 * i], missing,
                                      TG_ARGV[2 * i + 1]);
        END IF;
    END LOOP;
    RETURN NULL;
END $$;

-- AFTER UPDATE OF the columns, FOR EACH ROW WHEN one of them changed. Arguments: as above.
CREATE FUNCTION row_names_existing() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE old_row jsonb := to_jsonb(OLD); new_row jsonb := to_jsonb(NEW); named bigint; locked bigint;
BEGIN
    FOR i IN 0 .. TG_NARGS / 2 - 1 LOOP
        named := (new_row ->> TG_ARGV[2 * i])::bigint;
        CONTINUE WHEN named IS NULL OR named IS NOT DISTINCT FROM (old_row ->> TG_ARGV[2 * i])::bigint;
        EXECUTE format('SELECT 1 FROM %I x WHERE x.id = $1 FOR KEY SHARE OF x', TG_ARGV[2 * i + 1]) USING named;
        GET DIAGNOSTICS locked = ROW_COUNT;
        IF locked = 0 THEN
            RAISE EXCEPTION 'insert or update on table "%" violates the check of its %', TG_TABLE_NAME, TG_ARGV[2 * i]
                USING ERRCODE = 'foreign_key_violation',
                      DETAIL = format('Key (%s)=(%s) is not present in table "%s".', TG_ARGV[2 * i],
                                      new_row ->> TG_ARGV[2 * i], TG_ARGV[2 * i + 1]);
        END IF;
    END LOOP;
    RETURN NULL;
END $$;

-- AFTER DELETE, FOR EACH STATEMENT, REFERENCING OLD TABLE AS old_rows.
-- Arguments: the table that names these rows, and its column.
CREATE FUNCTION statement_rows_gone_unnamed() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE ids bigint[]; kept bigint;
BEGIN
    SELECT array_agg(o.id) INTO ids FROM old_rows o;
    IF ids IS NULL THEN
        RETURN NULL;
    END IF;
    EXECUTE format('SELECT t.%2$I FROM %1$I t WHERE t.%2$I = ANY ($1) LIMIT 1', TG_ARGV[0], TG_ARGV[1])
       INTO kept USING ids;
    IF kept IS NOT NULL THEN
        RAISE EXCEPTION 'delete on table "%" leaves rows of "%" without their %', TG_TABLE_NAME, TG_ARGV[0], TG_ARGV[1]
            USING ERRCODE = 'foreign_key_violation',
                  DETAIL = format('Key (id)=(%s) is still referenced from table "%s".', kept, TG_ARGV[0]);
    END IF;
    RETURN NULL;
END $$;

-- BEFORE UPDATE OF id, FOR EACH ROW WHEN the id changed. Arguments: as above.
CREATE FUNCTION row_renumbered_unnamed() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE kept boolean;
BEGIN
    EXECUTE format('SELECT EXISTS (SELECT 1 FROM %1$I t WHERE t.%2$I = $1)', TG_ARGV[0], TG_ARGV[1])
       INTO kept USING OLD.id;
    IF kept THEN
        RAISE EXCEPTION 'update on table "%" leaves rows of "%" without their %', TG_TABLE_NAME, TG_ARGV[0], TG_ARGV[1]
            USING ERRCODE = 'foreign_key_violation',
                  DETAIL = format('Key (id)=(%s) is still referenced from table "%s".', OLD.id, TG_ARGV[0]);
    END IF;
    RETURN NEW;
END $$;
"""

NAMED = "'customer_id', 'customers_customer', 'product_id', 'holdings_product', 'sold_by_id', 'org_staff'"

HOLDINGS = f"""
CREATE TRIGGER holdings_holding_named_i AFTER INSERT ON holdings_holding
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION statement_rows_name_existing({NAMED});
CREATE TRIGGER holdings_holding_named_u AFTER UPDATE OF customer_id, product_id, sold_by_id ON holdings_holding
    FOR EACH ROW WHEN (OLD.customer_id IS DISTINCT FROM NEW.customer_id OR OLD.product_id IS DISTINCT FROM NEW.product_id
                       OR OLD.sold_by_id IS DISTINCT FROM NEW.sold_by_id)
    EXECUTE FUNCTION row_names_existing({NAMED});
"""

# (the table named, its short name in the triggers' names, the holdings' column naming it)
NAMED_TABLES = [("customers_customer", "customer", "customer_id"), ("holdings_product", "product", "product_id"),
                ("org_staff", "staff", "sold_by_id")]

GONE = "".join(f"""
CREATE TRIGGER holdings_{short}_holdings_d AFTER DELETE ON {table}
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT
    EXECUTE FUNCTION statement_rows_gone_unnamed('holdings_holding', '{column}');
CREATE TRIGGER holdings_{short}_holdings_u BEFORE UPDATE OF id ON {table}
    FOR EACH ROW WHEN (OLD.id IS DISTINCT FROM NEW.id)
    EXECUTE FUNCTION row_renumbered_unnamed('holdings_holding', '{column}');
""" for table, short, column in NAMED_TABLES)

DROP = "".join(f"""
DROP TRIGGER IF EXISTS holdings_{short}_holdings_d ON {table};
DROP TRIGGER IF EXISTS holdings_{short}_holdings_u ON {table};""" for table, short, _column in NAMED_TABLES) + """
DROP TRIGGER IF EXISTS holdings_holding_named_i ON holdings_holding;
DROP TRIGGER IF EXISTS holdings_holding_named_u ON holdings_holding;
DROP FUNCTION IF EXISTS statement_rows_name_existing();
DROP FUNCTION IF EXISTS row_names_existing();
DROP FUNCTION IF EXISTS statement_rows_gone_unnamed();
DROP FUNCTION IF EXISTS row_renumbered_unnamed();
"""

KEYS = [("holdings_holding", "customer_id", "customers_customer",
         "holdings_holding_customer_id_771ecf3c_fk_customers_customer_id"),
        ("holdings_holding", "product_id", "holdings_product", "holdings_holding_product_id_5f7e83cf_fk_holdings_product_id"),
        ("holdings_holding", "sold_by_id", "org_staff", "holdings_holding_sold_by_id_f64e774c_fk_org_staff_id")]


def forwards(apps, schema_editor):
    keys.replace_keys(schema_editor, KEYS, [FUNCTIONS, HOLDINGS, GONE])


def backwards(apps, schema_editor):
    keys.restore_keys(schema_editor, KEYS, DROP)


class Migration(migrations.Migration):

    dependencies = [("holdings", "0015_snapshot_no_holder"),
                    ("worklists", "0012_tasks_checked_per_statement")]

    operations = [migrations.RunPython(forwards, backwards)]
