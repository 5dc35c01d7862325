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
(their arguments name the columns and tables) and `statement_checks` makes the triggers for any
table's keys: customers 0009 and audit 0006 use them. The model keeps `db_constraint=True`: SQLite
keeps the keys.
banyan/holdings/tests/test_holding_checks.py checks them on PostgreSQL and the keys on SQLite."""

import importlib

from django.db import migrations

replaced = importlib.import_module("banyan.worklists.migrations.0011_reasons_checked_per_statement")

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


def statement_checks(keys: list[tuple]) -> tuple[str, str]:
    """The SQL making the triggers that check `keys` (0011's: (table, column, the table it names,
    the key's name), all of one table) with the functions above, and the SQL dropping them. On the
    named tables the triggers are named after the table and column that name them."""
    table = keys[0][0]
    named = ", ".join(f"'{column}', '{other}'" for _t, column, other, _k in keys)
    changed = " OR ".join(f"OLD.{column} IS DISTINCT FROM NEW.{column}" for _t, column, _o, _k in keys)
    make = f"""
CREATE TRIGGER {table}_named_i AFTER INSERT ON {table}
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION statement_rows_name_existing({named});
CREATE TRIGGER {table}_named_u AFTER UPDATE OF {", ".join(k[1] for k in keys)} ON {table}
    FOR EACH ROW WHEN ({changed}) EXECUTE FUNCTION row_names_existing({named});
""" + "".join(f"""
CREATE TRIGGER {table}_{column}_d AFTER DELETE ON {other}
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT
    EXECUTE FUNCTION statement_rows_gone_unnamed('{table}', '{column}');
CREATE TRIGGER {table}_{column}_u BEFORE UPDATE OF id ON {other}
    FOR EACH ROW WHEN (OLD.id IS DISTINCT FROM NEW.id)
    EXECUTE FUNCTION row_renumbered_unnamed('{table}', '{column}');
""" for _t, column, other, _k in keys)
    drop = "".join(f"DROP TRIGGER IF EXISTS {table}_{column}_{op} ON {other};\n"
                   for _t, column, other, _k in keys for op in "du")
    drop += f"DROP TRIGGER IF EXISTS {table}_named_i ON {table};\nDROP TRIGGER IF EXISTS {table}_named_u ON {table};\n"
    return make, drop


def checked_per_statement(keys: list[tuple], *, functions: str = "", drop_functions: str = "") -> migrations.RunPython:
    """The migration's operation: on PostgreSQL `keys` dropped and their triggers made (after
    `functions`); back, the triggers (and `drop_functions`) dropped and the keys made again."""
    make, drop = statement_checks(keys)

    def forwards(apps, schema_editor):
        replaced.replace_keys(schema_editor, keys, [functions, make] if functions else [make])

    def backwards(apps, schema_editor):
        replaced.restore_keys(schema_editor, keys, drop + drop_functions)

    return migrations.RunPython(forwards, backwards)


DROP_FUNCTIONS = """
DROP FUNCTION IF EXISTS statement_rows_name_existing();
DROP FUNCTION IF EXISTS row_names_existing();
DROP FUNCTION IF EXISTS statement_rows_gone_unnamed();
DROP FUNCTION IF EXISTS row_renumbered_unnamed();
"""

KEYS = [("holdings_holding", "customer_id", "customers_customer",
         "holdings_holding_customer_id_771ecf3c_fk_customers_customer_id"),
        ("holdings_holding", "product_id", "holdings_product", "holdings_holding_product_id_5f7e83cf_fk_holdings_product_id"),
        ("holdings_holding", "sold_by_id", "org_staff", "holdings_holding_sold_by_id_f64e774c_fk_org_staff_id")]


class Migration(migrations.Migration):

    dependencies = [("holdings", "0015_snapshot_no_holder"),
                    ("worklists", "0012_tasks_checked_per_statement")]

    operations = [checked_per_statement(KEYS, functions=FUNCTIONS, drop_functions=DROP_FUNCTIONS)]
